"""TransformerBlock: attention then a feed-forward network, each in a pre-norm residual branch."""
from __future__ import annotations

from typing import Any

import numpy as np

import cygrad.functions as F
from cygrad.checks import check_size
from cygrad.layers import Linear, Parameters
from cygrad.random import RNGLike, rng_from
from cygrad.variable import Variable

from cygrad_contrib_transformer.arguments import check_dropout, check_flag
from cygrad_contrib_transformer.attention import MultiHeadAttention
from cygrad_contrib_transformer.layernorm import LayerNorm
from cygrad_contrib_transformer.sequence import as_sequence, example_sequence

__all__ = ["TransformerBlock"]


class TransformerBlock:
    """One block of a (GPT-style, pre-norm) transformer on (batch, T, embed_dim) input::

        h = x + dropout(attn(ln1(x)))
        y = h + dropout(ff2(gelu(ff1(ln2(h)))))

    ``attn`` is a ``MultiHeadAttention(embed_dim, num_heads, causal=causal,
    dropout=dropout)``, ``ff1`` a ``Linear(hidden)`` (``hidden`` defaults to 4 * embed_dim),
    ``ff2`` a ``Linear(embed_dim)``, ``ln1``/``ln2`` ``LayerNorm``s. Parameters are named
    after the part that holds them: ``ln1.gamma``, ``attn.Wq``, ``ff1.W``, ... All are created
    here, drawn from ``rng`` in the order attn, ff1, ff2; dropout draws from it too.
    """

    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = (4, 2)

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        *,
        hidden: int | None = None,
        causal: bool = False,
        dropout: float = 0.0,
        rng: RNGLike = None,
    ) -> None:
        owner = "TransformerBlock"
        self.embed_dim = check_size(owner, "embed_dim", embed_dim)
        self.hidden = 4 * self.embed_dim if hidden is None else check_size(owner, "hidden", hidden)
        self.causal = check_flag(owner, "causal", causal)
        self.dropout = check_dropout(owner, dropout)
        self._rng = rng_from(rng)
        self.ln1 = LayerNorm()
        self.ln1.initialize(self.embed_dim)
        self.attn = MultiHeadAttention(
            self.embed_dim, num_heads, causal=self.causal, dropout=self.dropout, rng=self._rng
        )
        self.ln2 = LayerNorm()
        self.ln2.initialize(self.embed_dim)
        self.ff1 = Linear(self.hidden, in_size=self.embed_dim, rng=self._rng)
        self.ff2 = Linear(self.embed_dim, in_size=self.hidden, rng=self._rng)

    @property
    def num_heads(self) -> int:
        return self.attn.num_heads

    def _parts(self) -> dict[str, Any]:
        return {"ln1": self.ln1, "attn": self.attn, "ln2": self.ln2, "ff1": self.ff1, "ff2": self.ff2}

    def example_inputs(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray]:
        """A (batch, 3, embed_dim) input, for ``cygrad.testing.check_layer``."""
        return example_sequence(input_shape, self.embed_dim, rng)

    def _dropped(self, x: Variable) -> Variable:
        return F.dropout(x, self.dropout, rng=self._rng) if self.dropout else x

    def forward(self, x: Any) -> list[Variable]:
        """``[y]`` of shape (batch, T, embed_dim) for ``x`` of that shape."""
        x = as_sequence("TransformerBlock", x, self.embed_dim)
        h = x + self._dropped(self.attn(self.ln1(x)))
        return [h + self._dropped(self.ff2(F.gelu(self.ff1(self.ln2(h)))))]

    def first(self, x: Any) -> Variable:
        return self.forward(x)[0]

    def __call__(self, x: Any) -> Variable:
        return self.first(x)

    def params(self) -> Parameters:
        """Every part's parameters, keyed ``"<part>.<name>"``, in the order ln1, attn, ln2,
        ff1, ff2."""
        out = Parameters()
        for part, layer in self._parts().items():
            for name, p in layer.params().items():
                out.add(f"{part}.{name}", p)
        return out

    def cleargrads(self) -> None:
        for layer in self._parts().values():
            layer.cleargrads()

    def __repr__(self) -> str:
        return (
            f"TransformerBlock(embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
            f"hidden={self.hidden}, causal={self.causal}, dropout={self.dropout})"
        )
