"""The activations, built from cygrad operations so that every derivative is differentiable.

Stability: no ``exp`` here ever sees a positive argument that could overflow. softplus runs
``log(1 + exp(x))`` as ``logaddexp(0, x)``; elu exponentiates only the non-positive part.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

import cygrad.functions as F
from cygrad.variable import Function, Variable, as_variable

__all__ = ["elu", "leaky_relu", "mish", "silu", "softplus", "swish"]


class Softplus(Function):
    """``log(1 + exp(x))``, whose derivative is ``sigmoid(x)``."""

    def forward(self, x):
        return np.logaddexp(0, x)

    def backward(self, gy):
        return gy * F.sigmoid(self.inputs[0])


def softplus(x: Any) -> Variable:
    """``log(1 + exp(x))``: a smooth relu, exact for large positive and negative ``x``."""
    return Softplus()(x)


def swish(x: Any) -> Variable:
    """``x * sigmoid(x)`` (also called silu)."""
    x = as_variable(x)
    return x * F.sigmoid(x)


silu = swish


def mish(x: Any) -> Variable:
    """``x * tanh(softplus(x))``."""
    x = as_variable(x)
    return x * F.tanh(softplus(x))


def _positive(x: Variable) -> np.ndarray:
    """1 where ``x > 0`` and 0 elsewhere, in ``x``'s dtype: a constant for the graph."""
    return (x.data > 0).astype(x.dtype)


def _coefficient(owner: str, name: str, value: Any) -> float:
    """``value`` as a float, or a TypeError/ValueError naming ``owner`` and ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be finite, got {value!r}")
    return float(value)


def leaky_relu(x: Any, slope: float = 0.01) -> Variable:
    """``x`` where positive, ``slope * x`` elsewhere (the derivative at 0 is ``slope``)."""
    slope = _coefficient("leaky_relu", "slope", slope)
    x = as_variable(x)
    pos = _positive(x)
    return x * (pos + slope * (1 - pos))


def elu(x: Any, alpha: float = 1.0) -> Variable:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    alpha = _coefficient("elu", "alpha", alpha)
    x = as_variable(x)
    neg = 1 - _positive(x)
    # exp(x * neg) is exp(0) = 1 where x > 0, so exp never overflows and that branch adds 0.
    return x * (1 - neg) + alpha * (F.exp(x * neg) - 1) * neg
