"""What the sequence layers share: (batch, time, embed) inputs, checked the same way, and the
example input the conformance checks feed them."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.variable import Variable, as_variable

__all__ = ["EXAMPLE_TIME", "as_sequence", "example_sequence"]

#: Time steps of the inputs ``cygrad.testing.check_layer`` feeds the layers of this package.
EXAMPLE_TIME = 3


def as_sequence(owner: str, x: Any, embed_dim: int) -> Variable:
    """``x`` as a Variable of shape (batch, time, embed_dim), or a ValueError naming ``owner``
    and the shape it got."""
    v = as_variable(x)
    if v.ndim != 3 or v.shape[-1] != embed_dim:
        raise ValueError(
            f"{owner}: expected an input of shape (batch, time, {embed_dim}), got {v.shape}"
        )
    return v


def example_sequence(input_shape: tuple[int, ...], embed_dim: int, rng: np.random.Generator) -> tuple[np.ndarray]:
    """One float64 (batch, EXAMPLE_TIME, embed_dim) input, batch from ``input_shape[0]``:
    what a layer of this package answers to ``example_inputs`` for ``check_layer``."""
    return (rng.standard_normal((input_shape[0], EXAMPLE_TIME, embed_dim)),)
