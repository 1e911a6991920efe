"""LayerNorm: normalize each position's features to zero mean and unit variance, then scale
and shift them with learned ``gamma`` and ``beta``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from cygrad.layers import LayerBase
from cygrad.variable import Variable, as_variable

from cygrad_contrib_transformer.functions import layer_norm

__all__ = ["LayerNorm"]


class LayerNorm(LayerBase):
    """``(x - mean) / sqrt(var + eps) * gamma + beta`` over the last axis, as PyTorch's.

    The variance is the biased one (divided by the feature count). Parameters ``gamma``
    (ones) and ``beta`` (zeros), both of shape (features,), are created on the first call
    from the input's last dimension (or by ``initialize(features)``); any leading axes
    (batch, time) are normalized independently.
    """

    in_key = "gamma"
    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = ()

    def __init__(self, *, eps: float = 1e-5) -> None:
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
            raise TypeError(f"LayerNorm: eps must be a number, got {type(eps).__name__}")
        if not (math.isfinite(eps) and eps > 0):
            raise ValueError(f"LayerNorm: eps must be a finite number above 0, got {eps}")
        self.eps = float(eps)
        super().__init__(None, None)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        return {"gamma": (in_size,), "beta": (in_size,)}

    def initial_value(self, name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """``gamma`` ones, ``beta`` zeros."""
        return np.ones(shape) if name == "gamma" else np.zeros(shape)

    def forward(self, x: Any) -> list[Variable]:
        """``[y]``, of ``x``'s shape (..., features)."""
        if not self.initialized:
            self._ensure_initialized(x)
        x = as_variable(x)
        if x.ndim == 0 or x.shape[-1] != self.in_size:
            raise ValueError(
                f"LayerNorm: expected an input of shape (..., {self.in_size}), got {x.shape}"
            )
        p = self.params()
        return [layer_norm(x, p["gamma"], p["beta"], self.eps)]

    def __repr__(self) -> str:
        return f"LayerNorm(features={self.in_size}, eps={self.eps})"
