"""Random generators: every ``rng=`` argument in cygrad takes a Generator, an int seed or None."""
from __future__ import annotations

from typing import Union

import numpy as np

__all__ = ["RNGLike", "rng_from"]

RNGLike = Union[np.random.Generator, int, None]


def rng_from(rng: RNGLike) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator (used as is), an int seed, or None."""
    if rng is not None and (isinstance(rng, bool)
                            or not isinstance(rng, (np.random.Generator, int, np.integer))):
        raise TypeError(
            f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
        )
    return np.random.default_rng(rng)
