"""PositionalEmbedding: a learned vector per position, added to a sequence of embeddings."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.checks import check_size
from cygrad.layers import Parameter, ParameterLayer
from cygrad.random import RNGLike, rng_from
from cygrad.variable import Variable

from cygrad_contrib_transformer.sequence import as_sequence, example_sequence

__all__ = ["PositionalEmbedding"]


class PositionalEmbedding(ParameterLayer):
    """``x + W[:T]`` for ``x`` of shape (batch, T, embed_dim): position t gets row t of ``W``.

    ``W`` (max_len, embed_dim) starts as N(0, 1), like a token embedding's table, so that
    positions are told apart from the first step. A sequence longer than ``max_len`` is a
    ValueError.
    """

    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = (5, 4)

    def __init__(self, max_len: int, embed_dim: int, *, rng: RNGLike = None) -> None:
        self.max_len = check_size("PositionalEmbedding", "max_len", max_len)
        self.embed_dim = check_size("PositionalEmbedding", "embed_dim", embed_dim)
        super().__init__()
        table = rng_from(rng).standard_normal((self.max_len, self.embed_dim))
        self._params.add("W", Parameter(table, name="W"))

    def example_inputs(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray]:
        """A (batch, 3, embed_dim) input, for ``cygrad.testing.check_layer``."""
        return example_sequence(input_shape, self.embed_dim, rng)

    def forward(self, x: Any) -> list[Variable]:
        """``[x + W[:T]]``, of ``x``'s shape."""
        x = as_sequence("PositionalEmbedding", x, self.embed_dim)
        steps = x.shape[1]
        if steps > self.max_len:
            raise ValueError(
                f"PositionalEmbedding: a sequence of {steps} steps (input of shape {x.shape}) "
                f"is longer than max_len {self.max_len}"
            )
        return [x + self._params["W"][:steps]]

    def __repr__(self) -> str:
        return f"PositionalEmbedding(max_len={self.max_len}, embed_dim={self.embed_dim})"
