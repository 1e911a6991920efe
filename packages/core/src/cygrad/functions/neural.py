"""Elementwise gates of neural networks: clip, dropout and mask_fill.

Each multiplies the incoming gradient by a constant 0/1 (or scaled) array fixed in the
forward pass, so every higher derivative through them is zero, as it mathematically is.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cygrad.config import current
from cygrad.functions._util import broadcasts_to, data_of, numbers
from cygrad.variable import Function, Variable, as_variable
from cygrad.random import RNGLike, rng_from

__all__ = ["clip", "dropout", "mask_fill"]


class _Gate(Function):
    """``y = forward(x)`` whose gradient is ``gy * self.gate`` (an array of x's dtype)."""

    gate: np.ndarray

    def backward(self, gy: Variable) -> Variable:
        return gy * self.gate

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return gy * self.gate


class Clip(_Gate):
    def __init__(self, lo: ArrayLike | None, hi: ArrayLike | None) -> None:
        self.lo = lo
        self.hi = hi

    def forward(self, x: np.ndarray) -> np.ndarray:
        # Bounds take x's dtype, so a float64 bound never upcasts float32 data.
        lo = None if self.lo is None else np.asarray(self.lo, dtype=x.dtype)
        hi = None if self.hi is None else np.asarray(self.hi, dtype=x.dtype)
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        self.gate = inside.astype(x.dtype)
        return np.clip(x, lo, hi)


class Dropout(_Gate):
    def __init__(self, ratio: float, rng: np.random.Generator) -> None:
        self.ratio = ratio
        self.rng = rng

    def forward(self, x: np.ndarray) -> np.ndarray:
        keep = self.rng.random(x.shape) >= self.ratio
        self.gate = keep.astype(x.dtype) * (1 / (1 - self.ratio))
        return x * self.gate


class MaskFill(_Gate):
    def __init__(self, mask: np.ndarray, value: ArrayLike) -> None:
        self.mask = mask
        self.value = value

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not broadcasts_to(self.mask.shape, x.shape):
            raise ValueError(
                f"mask_fill: mask of shape {self.mask.shape} does not broadcast to x of "
                f"shape {x.shape}"
            )
        self.gate = np.broadcast_to(~self.mask, x.shape).astype(x.dtype)
        return np.where(self.mask, np.asarray(self.value, dtype=x.dtype), x)


def clip(x: ArrayLike, lo: ArrayLike | None, hi: ArrayLike | None) -> Variable:
    """Limit ``x`` to [lo, hi] (either bound may be None). The gradient passes where
    lo <= x <= hi and is zero outside."""
    bounds = [None if b is None else numbers(b, "clip", what) for b, what in ((lo, "lo"), (hi, "hi"))]
    if bounds[0] is not None and bounds[1] is not None and np.any(bounds[0] > bounds[1]):
        raise ValueError(f"clip: lo {lo!s} is greater than hi {hi!s}")
    return Clip(lo, hi)(x)


def dropout(x: ArrayLike, ratio: float = 0.5, rng: RNGLike = None) -> Variable:
    """Inverted dropout: zero each element with probability ``ratio`` and scale the kept ones
    by 1/(1 - ratio), so the expected value is unchanged. The identity under ``test_mode()``.
    ``rng`` is a numpy Generator, an int seed (the same mask every call) or None."""
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float, np.integer, np.floating)):
        raise TypeError(f"dropout: ratio must be a number, got {ratio!r}")
    if not 0 <= ratio < 1:
        raise ValueError(f"dropout: ratio must be in [0, 1), got {ratio}")
    if not current.get().train:
        return as_variable(x)
    return Dropout(float(ratio), rng_from(rng))(x)


def mask_fill(x: ArrayLike, mask: ArrayLike, value: float) -> Variable:
    """``value`` where ``mask`` is true, ``x`` elsewhere; ``mask`` (booleans, or numbers
    where nonzero is true) broadcasts to x's shape. The gradient is zero exactly at the
    filled elements."""
    numbers(value, "mask_fill", "value")
    m = data_of(mask)
    if m.dtype.kind not in "biuf":
        raise TypeError(
            f"mask_fill: mask must be a boolean array (or numbers, nonzero for true), got {mask!r}"
        )
    if m.dtype != bool:
        m = m != 0
    return MaskFill(m, value)(x)
