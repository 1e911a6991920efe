"""Reductions beyond the core's sum: mean, variance, max and min.

Each takes ``axis`` (None, an int or a tuple, negative counted from the end) and
``keepdims`` like NumPy.
"""
from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import count, kept_shape, normalize_axes, output
from cygrad.variable import Function, Variable, as_variable
from cygrad.variable._core import broadcast_to, reshape

__all__ = ["max", "mean", "min", "variance"]

Axis = Union[int, Sequence[int], None]


class Mean(Function):
    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Variable) -> Variable:
        shape, kept, scale = self._shapes()
        return broadcast_to(reshape(gy, kept) * scale, shape)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        shape, kept, scale = self._shapes()
        return np.broadcast_to(gy.reshape(kept) * scale, shape)

    def _shapes(self) -> tuple[tuple[int, ...], tuple[int, ...], float]:
        """The input's shape, the kept-dims shape of the result, and 1/count."""
        shape = self.inputs[0].shape
        n = count(shape, self.axes)
        scale = 1 / n if n else 0.0  # an empty reduction has an empty gradient
        return shape, kept_shape(shape, self.axes), scale


class _Extreme(Function):
    """max or min: the gradient goes to the elements equal to the result, split evenly
    among exact ties (a constant weight per element, so higher derivatives are zero). A NaN
    result comes from the NaN elements, which share its gradient, as in PyTorch."""

    name = ""
    reduce: Any = None

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        if any(x.shape[a] == 0 for a in self.axes):
            raise ValueError(f"{self.name}: cannot reduce an empty axis of shape {x.shape}")
        return type(self).reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Variable) -> Variable:
        kept, weights = self._weights()
        return reshape(gy, kept) * weights

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        kept, weights = self._weights()
        return gy.reshape(kept) * weights

    def _weights(self) -> tuple[tuple[int, ...], np.ndarray]:
        """The kept-dims shape of the result, and each element's share of its gradient."""
        x = self.inputs[0].data
        kept = kept_shape(x.shape, self.axes)
        y = output(self).data.reshape(kept)
        hit = x == y
        nan = np.isnan(y)
        if nan.any():
            hit |= np.isnan(x) & nan
        return kept, (hit / hit.sum(axis=self.axes, keepdims=True)).astype(x.dtype)


class Max(_Extreme):
    name = "max"
    reduce = np.max


class Min(_Extreme):
    name = "min"
    reduce = np.min


def _reduce(cls: type[Mean | _Extreme], name: str, x: ArrayLike, axis: Axis, keepdims: bool) -> Variable:
    v = as_variable(x)
    return cls(normalize_axes(axis, v.ndim, name), bool(keepdims))(v)


def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The arithmetic mean over ``axis`` (all axes when None)."""
    return _reduce(Mean, "mean", x, axis, keepdims)


def variance(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The population variance (``ddof=0``, like ``numpy.var``) over ``axis``."""
    v = as_variable(x)
    axes = normalize_axes(axis, v.ndim, "variance")
    d = v - Mean(axes, True)(v)
    return Mean(axes, bool(keepdims))(d * d)


def max(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The largest element over ``axis``; exactly tied maxima share the gradient evenly (NaN
    elements, when the result is NaN)."""
    return _reduce(Max, "max", x, axis, keepdims)


def min(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The smallest element over ``axis``; exactly tied minima share the gradient evenly (NaN
    elements, when the result is NaN)."""
    return _reduce(Min, "min", x, axis, keepdims)
