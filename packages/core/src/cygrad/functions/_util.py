"""Helpers shared by the function modules: axis checks, labels, and the recording flag."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from cygrad.config import current
from cygrad.variable import Variable


def recording() -> bool:
    """Whether operations are recorded right now.

    A backward pass runs unrecorded unless ``create_graph``; then its result needs no graph
    and a backward may compute it on raw arrays, which skips a graph node per operation.
    """
    return current.get().enable_backprop


def data_of(x: Any) -> np.ndarray:
    """The array behind a Variable, or ``x`` as an array."""
    return x.data if isinstance(x, Variable) else np.asarray(x)


def normalize_axis(axis: Any, ndim: int, name: str) -> int:
    """One axis as a non-negative int, negative axes counted from the end like NumPy."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{name}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{name}: axis {axis} is out of range for an array of {ndim} dimensions"
        )
    return int(axis) % ndim


def normalize_axes(axis: Any, ndim: int, name: str) -> tuple[int, ...]:
    """``axis`` (None, an int or a sequence of ints) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = sorted(normalize_axis(a, ndim, name) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(out)


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as length 1 (the ``keepdims=True`` shape)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many elements a reduction over ``axes`` of ``shape`` combines."""
    return math.prod(shape[a] for a in axes)


def sum_to_array(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast array back down to ``shape`` (the reverse of broadcasting)."""
    if a.shape == shape:
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1
    )
    return a.sum(axis=axes, keepdims=True).reshape(shape)


def integer_array(values: Any, name: str, what: str) -> np.ndarray:
    """``values`` (array, Variable, list or int) as an intp array; floats must be integral."""
    a = data_of(values)
    if a.dtype.kind in "iu":
        return a.astype(np.intp, copy=False)
    if a.dtype.kind == "b" or a.dtype.kind not in "f":
        raise TypeError(f"{name}: {what} must be integers, got dtype {a.dtype}")
    bad = ~(np.isfinite(a) & (a == np.round(a)))
    if bad.any():
        raise ValueError(f"{name}: {what} must be integers, got {a[bad].flat[0]}")
    return a.astype(np.intp)


def broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of ``shape`` broadcasts to ``target`` without changing ``target``."""
    if len(shape) > len(target):
        return False
    return all(s == 1 or s == t for s, t in zip(shape[::-1], target[::-1]))
