"""Embedding: a lookup table from integer ids to learned vectors."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.layers import Parameter, ParameterLayer
from cygrad.variable import Variable
from cygrad.random import RNGLike, rng_from

__all__ = ["Embedding"]


class Embedding(ParameterLayer):
    """``W[ids]``: row ``i`` of ``W`` (num_embeddings, embedding_dim) is the vector of id ``i``.

    ``W`` starts as N(0, 1). Ids are integers of any shape (an ndarray, a list, or a Variable
    holding whole numbers); the output has shape ``ids.shape + (embedding_dim,)``, and the
    gradient of a row sums over every place its id occurs.
    """

    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = (10, 3)

    def __init__(self, num_embeddings: int, embedding_dim: int, *, rng: RNGLike = None) -> None:
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"Embedding: {name} must be an int, got {type(value).__name__}")
            if value < 1:
                raise ValueError(f"Embedding: {name} must be at least 1, got {value}")
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        super().__init__()
        weights = rng_from(rng).standard_normal((self.num_embeddings, self.embedding_dim))
        self._params.add("W", Parameter(weights, name="W"))

    def example_inputs(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray]:
        """Valid ids of ``input_shape``, for ``cygrad.testing.check_layer``."""
        return (rng.integers(0, self.num_embeddings, size=input_shape),)

    def _ids(self, ids: Any) -> np.ndarray:
        raw = np.asarray(ids.data if isinstance(ids, Variable) else ids)
        if raw.dtype.kind == "f" and np.all(raw == np.round(raw)):
            raw = raw.astype(np.int64)
        if raw.dtype.kind not in "iu":
            raise TypeError(f"Embedding: ids must be whole numbers, got dtype {raw.dtype}")
        if raw.size and (raw.min() < 0 or raw.max() >= self.num_embeddings):
            bad = raw[(raw < 0) | (raw >= self.num_embeddings)].reshape(-1)[0]
            raise ValueError(
                f"Embedding: id {int(bad)} is out of range for {self.num_embeddings} embeddings "
                f"(ids of shape {raw.shape})"
            )
        return raw

    def forward(self, ids: Any) -> list[Variable]:
        """``[W[ids]]``, of shape ``ids.shape + (embedding_dim,)``."""
        return [self._params["W"][self._ids(ids)]]

    def __repr__(self) -> str:
        return f"Embedding(num_embeddings={self.num_embeddings}, embedding_dim={self.embedding_dim})"
