"""Variables made from a shape, another Variable, or a random generator."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.random import RNGLike, rng_from
from cygrad.variable._core import Variable, as_variable

__all__ = ["normal", "ones", "ones_like", "rand", "randn", "zeros", "zeros_like"]


def _shape(shape: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape: Any, dtype: Any = np.float64) -> Variable:
    """``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Variable(np.zeros(_shape(shape), dtype=dtype))


def ones(*shape: Any, dtype: Any = np.float64) -> Variable:
    return Variable(np.ones(_shape(shape), dtype=dtype))


def zeros_like(v: Any) -> Variable:
    return Variable(np.zeros_like(as_variable(v).data))


def ones_like(v: Any) -> Variable:
    return Variable(np.ones_like(as_variable(v).data))


def rand(*shape: Any, rng: RNGLike = None) -> Variable:
    """Uniform samples in [0, 1)."""
    return Variable(rng_from(rng).random(_shape(shape)))


def randn(*shape: Any, rng: RNGLike = None) -> Variable:
    """Standard normal samples."""
    return Variable(rng_from(rng).standard_normal(_shape(shape)))


def normal(shape: Any, mean: float = 0.0, std: float = 1.0, rng: RNGLike = None) -> Variable:
    return Variable(rng_from(rng).normal(mean, std, size=shape))
