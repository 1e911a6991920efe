"""Variables made from a shape, another Variable, or a random generator."""
from __future__ import annotations

from typing import Any, Union

import numpy as np

from cygrad.variable._core import Variable, as_variable

__all__ = [
    "check_size", "normal", "ones", "ones_like", "rand", "randn", "rng_from", "zeros", "zeros_like",
]

RNGLike = Union[np.random.Generator, int, None]


def rng_from(rng: RNGLike) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator (used as is), an int seed, or None."""
    if rng is not None and (isinstance(rng, bool)
                            or not isinstance(rng, (np.random.Generator, int, np.integer))):
        raise TypeError(
            f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
        )
    return np.random.default_rng(rng)


def check_size(owner: str, name: str, value: Any, least: int = 1) -> int:
    """``value`` as an int of at least ``least``, or a TypeError/ValueError naming ``owner``
    and ``name`` (a layer's sizes, a dataset's counts)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__}")
    if value < least:
        raise ValueError(f"{owner}: {name} must be at least {least}, got {value}")
    return int(value)


def _shape(shape: tuple) -> tuple:
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
