"""Linear: ``y = x @ W + b``, the fully connected layer."""
from __future__ import annotations

from typing import Any

import numpy as np

import cygrad.functions as F
from cygrad.checks import check_size
from cygrad.layers.base import LayerBase, ParameterLayer
from cygrad.variable import Variable
from cygrad.random import RNGLike

__all__ = ["Linear"]


class Linear(LayerBase):
    """``x @ W + b`` with ``W`` of shape (in, out) and ``b`` of shape (out,).

    ``W`` starts as N(0, 1) / sqrt(in), ``b`` at zero. Without ``in_size`` the parameters are
    created on the first call from the input's last dimension; ``nobias`` leaves ``b`` out.
    ``dtype`` (float32 or float64) defaults to float64, or, for a lazy layer, to the dtype of
    its first float input.
    """

    in_key = "W"

    def __init__(
        self,
        out_size: int,
        *,
        in_size: int | None = None,
        nobias: bool = False,
        rng: RNGLike = None,
        dtype: Any = None,
    ) -> None:
        self.out_size = check_size("Linear", "out_size", out_size)
        self.nobias = bool(nobias)
        super().__init__(in_size, rng, dtype)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {"W": (in_size, self.out_size)}
        if not self.nobias:
            shapes["b"] = (self.out_size,)
        return shapes

    def forward(self, x: Any) -> list[Variable]:
        """``[x @ W + b]`` for ``x`` of shape (..., in).

        Pass data as an ndarray (or list): it stays a constant and no gradient is computed for
        it, which for a batch of inputs saves a matrix product as large as the forward one.
        Pass a Variable to get ``x.grad``.
        """
        return [Linear.first(self, x)]

    def first(self, x: Any) -> Variable:
        """``x @ W + b`` itself, the one output of ``forward``, without building its list:
        a model calls this once per layer per step. A subclass that overrides ``forward``
        gets the base ``first``, which calls that ``forward``."""
        if self.in_size is None:
            self._ensure_initialized(x)
        items = self._params._items  # the dict itself: Parameters.__getitem__ is Python code
        return F.linear(x, items["W"], None if self.nobias else items["b"])

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "forward" in cls.__dict__ and "first" not in cls.__dict__:
            setattr(cls, "first", ParameterLayer.first)  # calling it runs its own forward

    def __repr__(self) -> str:
        return f"Linear(in_size={self.in_size}, out_size={self.out_size}, nobias={self.nobias})"
