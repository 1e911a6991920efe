"""Helpers shared by the function modules: axis checks, labels, shapes."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from cygrad.variable import Function, Variable
# Re-exported for the function modules (``name as name`` marks a re-export); the engine owns these.
from cygrad.variable._core import (
    broadcasts_to as broadcasts_to,
    normalize_axes as normalize_axes,
    normalize_axis as normalize_axis,
    sum_to_array as sum_to_array,
)


def data_of(x: Any) -> np.ndarray:
    """The array behind a Variable, or ``x`` as an array."""
    return x.data if isinstance(x, Variable) else np.asarray(x)


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as length 1 (the ``keepdims=True`` shape)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many elements a reduction over ``axes`` of ``shape`` combines."""
    return math.prod(shape[a] for a in axes)


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


def numbers(value: Any, name: str, what: str) -> np.ndarray:
    """``value`` as an array of numbers, or a TypeError naming the function and argument."""
    a = np.asarray(value)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must be a number or an array of numbers, got {value!r}")
    return a


def output(f: Function) -> Variable:
    """The output of the one-output Function ``f``, in its backward: alive, because the
    backward pass reached ``f`` through it."""
    y = f.outputs[0]()
    assert y is not None, f"{type(f).__name__}.backward: its output is gone"
    return y
