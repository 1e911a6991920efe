"""``linear(x, W, b)``: the affine map of every dense layer, fused into one graph node.

Its Function ``Affine`` is an engine operation (the engine's ``dense.pxi``), so that a dense
layer's forward and first-order backward run without a Python call.
"""
from __future__ import annotations

from numpy.typing import ArrayLike

from cygrad.variable import Variable
from cygrad.variable._core import Affine as Affine

__all__ = ["linear"]


def linear(x: ArrayLike, W: ArrayLike, b: ArrayLike | None = None) -> Variable:
    """``x @ W + b`` (``b`` optional) as one graph node: the hot path of every dense layer."""
    if b is None:
        return Affine()(x, W)
    return Affine()(x, W, b)
