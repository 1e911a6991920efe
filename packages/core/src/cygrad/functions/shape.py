"""Shape functions beyond the core's: squeeze, unsqueeze, concat, split and take.

squeeze, unsqueeze and take are written in the core's reshape and get_item, so they
differentiate to any order with no backward of their own; concat and split are each one
node whose backward is the other.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import integer_array, normalize_axes, normalize_axis
from cygrad.variable import Function, Variable, as_variable
from cygrad.variable._core import get_item, reshape

__all__ = ["concat", "split", "squeeze", "take", "unsqueeze"]


class Concat(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        if not xs:
            raise ValueError("concat: need at least one array")
        first = xs[0]
        if first.ndim == 0:
            raise ValueError("concat: zero-dimensional arrays cannot be concatenated")
        self.axis = normalize_axis(self.axis, first.ndim, "concat")
        for x in xs[1:]:
            if x.ndim != first.ndim or any(
                a != b for i, (a, b) in enumerate(zip(x.shape, first.shape)) if i != self.axis
            ):
                raise ValueError(
                    f"concat: shapes {first.shape} and {x.shape} do not match outside "
                    f"axis {self.axis}"
                )
        self.offsets = np.cumsum([x.shape[self.axis] for x in xs])[:-1].tolist()
        return np.concatenate(xs, axis=self.axis)

    def backward(self, gy: Variable) -> tuple[Variable, ...]:
        return split(gy, self.offsets, self.axis)

    def backward_arrays(self, gy: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(gy, self.offsets, axis=self.axis))


class Split(Function):
    def __init__(self, sections: int | Sequence[int], axis: int) -> None:
        self.sections = sections
        self.axis = axis

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        parts = tuple(np.split(x, self.sections, axis=self.axis))
        self.shapes = [p.shape for p in parts]
        return parts

    def backward(self, *gys: Variable | None) -> Variable:
        return concat(self._filled(gys), self.axis)

    def backward_arrays(self, *gys: np.ndarray | None) -> np.ndarray:
        return np.concatenate(self._filled(gys), axis=self.axis)

    def _filled(self, gys: tuple[Any, ...]) -> list[Any]:
        """The parts' gradients, zeros for a part that received none."""
        dtype = self.inputs[0].dtype
        return [np.zeros(s, dtype) if g is None else g for g, s in zip(gys, self.shapes)]


def squeeze(x: ArrayLike, axis: int | Sequence[int] | None = None) -> Variable:
    """Remove length-1 axes: all of them when ``axis`` is None, else the ones named."""
    v = as_variable(x)
    if axis is None:
        axes = tuple(i for i, s in enumerate(v.shape) if s == 1)
    else:
        axes = normalize_axes(axis, v.ndim, "squeeze")
        for a in axes:
            if v.shape[a] != 1:
                raise ValueError(
                    f"squeeze: axis {a} of shape {v.shape} has length {v.shape[a]}, not 1"
                )
    return reshape(v, tuple(s for i, s in enumerate(v.shape) if i not in axes))


def unsqueeze(x: ArrayLike, axis: int | Sequence[int]) -> Variable:
    """Insert length-1 axes at the positions ``axis`` has in the result (``numpy.expand_dims``)."""
    v = as_variable(x)
    n = len(axis) if isinstance(axis, (tuple, list)) else 1
    axes = normalize_axes(axis, v.ndim + n, "unsqueeze")
    rest = iter(v.shape)
    return reshape(v, tuple(1 if i in axes else next(rest) for i in range(v.ndim + n)))


def concat(xs: Sequence[ArrayLike], axis: int = 0) -> Variable:
    """Join arrays along an existing axis (negative axes count from the end)."""
    return Concat(axis)(*xs)


def split(x: ArrayLike, sections: int | Sequence[int], axis: int = 0) -> tuple[Variable, ...]:
    """Cut ``x`` along ``axis`` like ``numpy.split``: into ``sections`` equal parts (an int)
    or at the given indices (a list). Returns a tuple of Variables, one graph node for all."""
    v = as_variable(x)
    ax = normalize_axis(axis, v.ndim, "split")
    if isinstance(sections, (int, np.integer)) and not isinstance(sections, bool):
        length = v.shape[ax]
        if sections <= 0:
            raise ValueError(f"split: the number of sections must be positive, got {sections}")
        if length % sections:
            raise ValueError(
                f"split: {sections} sections do not divide axis {ax} of length {length}"
            )
        sections = int(sections)
    elif isinstance(sections, (list, tuple, np.ndarray)):
        indices = integer_array(list(sections), "split", "split indices")
        if indices.ndim != 1:
            raise ValueError(
                f"split: sections must be an int or a flat list of ints, got {sections!r}"
            )
        sections = indices.tolist()
    else:
        raise TypeError(
            f"split: sections must be an int or a list of indices, got {sections!r}"
        )
    return Split(sections, ax)(v)


def take(x: ArrayLike, indices: ArrayLike, axis: int | None = None) -> Variable:
    """Elements at ``indices`` along ``axis`` (of the flattened array when None), like
    ``numpy.take``; repeated indices add their gradients."""
    v = as_variable(x)
    idx = integer_array(indices, "take", "indices")
    if axis is None:
        length, where = v.size, "the flattened array"
    else:
        ax = normalize_axis(axis, v.ndim, "take")
        length, where = v.shape[ax], f"axis {ax}"
    bad = (idx < -length) | (idx >= length)
    if bad.any():
        raise IndexError(
            f"take: index {idx[bad].flat[0]} is out of bounds for {where} of length {length}"
        )
    if axis is None:
        return get_item(reshape(v, (v.size,)), idx)
    return get_item(v, (slice(None),) * ax + (idx,))
