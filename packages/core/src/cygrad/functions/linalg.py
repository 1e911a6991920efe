"""``linear(x, W, b)``: the affine map of every dense layer, fused into one graph node.

Its Function ``Affine`` is an engine operation (the engine's ``dense.pxi``), so that a dense
layer's forward and first-order backward run without a Python call; this module names it.
"""
from cygrad.variable._core import Affine as Affine, linear

__all__ = ["linear"]
