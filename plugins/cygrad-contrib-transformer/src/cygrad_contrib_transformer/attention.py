"""MultiHeadAttention: scaled dot-product self-attention over a sequence, in several heads."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.checks import check_size
from cygrad.layers import LayerBase
from cygrad.random import RNGLike
from cygrad.variable import Variable

from cygrad_contrib_transformer.arguments import check_dropout, check_flag
from cygrad_contrib_transformer.functions import multi_head_attention
from cygrad_contrib_transformer.sequence import as_sequence, example_sequence

__all__ = ["MultiHeadAttention"]

PROJECTIONS = ("q", "k", "v", "o")


class MultiHeadAttention(LayerBase):
    """Self-attention of a (batch, T, D) sequence with ``num_heads`` heads of size D/num_heads
    (``functions.multi_head_attention`` with this layer's parameters).

    ``q, k, v = x Wq + bq, x Wk + bk, x Wv + bv`` are cut into heads; each head's output is
    ``softmax(q k^T / sqrt(D/num_heads)) v``, and the heads, joined again, go through
    ``Wo, bo``. Parameters ``Wq Wk Wv Wo`` (D, D) start as N(0, 1)/sqrt(D), ``bq bk bv bo``
    (D,) at zero. With ``causal=True`` position t attends to positions <= t only (what a
    language model predicting the next token needs). ``dropout`` zeroes attention weights
    with that probability while training (the identity under ``test_mode()``).
    """

    in_key = "Wq"
    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = (4, 2)

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        *,
        causal: bool = False,
        dropout: float = 0.0,
        rng: RNGLike = None,
    ) -> None:
        owner = "MultiHeadAttention"
        self.embed_dim = check_size(owner, "embed_dim", embed_dim)
        self.num_heads = check_size(owner, "num_heads", num_heads)
        if self.embed_dim % self.num_heads:
            raise ValueError(
                f"{owner}: embed_dim {self.embed_dim} is not divisible by num_heads {self.num_heads}"
            )
        self.causal = check_flag(owner, "causal", causal)
        self.dropout = check_dropout(owner, dropout)
        super().__init__(self.embed_dim, rng)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        weights = {f"W{p}": (in_size, in_size) for p in PROJECTIONS}
        return {**weights, **{f"b{p}": (in_size,) for p in PROJECTIONS}}

    def example_inputs(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray]:
        """A (batch, 3, embed_dim) input, for ``cygrad.testing.check_layer``."""
        return example_sequence(input_shape, self.embed_dim, rng)

    def forward(self, x: Any) -> list[Variable]:
        """``[y]`` of shape (batch, T, D) for ``x`` of shape (batch, T, D)."""
        x = as_sequence("MultiHeadAttention", x, self.embed_dim)
        p = self.params()
        y = multi_head_attention(
            x, *(p[f"W{n}"] for n in PROJECTIONS), *(p[f"b{n}"] for n in PROJECTIONS),
            num_heads=self.num_heads, causal=self.causal, dropout=self.dropout, rng=self._rng,
        )
        return [y]

    def __repr__(self) -> str:
        return (
            f"MultiHeadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
            f"causal={self.causal}, dropout={self.dropout})"
        )
