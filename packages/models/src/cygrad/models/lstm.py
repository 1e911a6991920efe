"""LSTM: the seed's sequence model, an LSTM layer followed by a Linear projection."""
from __future__ import annotations

from typing import Any, cast

from cygrad import layers
from cygrad.models.model import Model
from cygrad.variable import Variable
from cygrad.random import RNGLike, rng_from

__all__ = ["LSTM"]


class LSTM(Model):
    """``layers.LSTM(hidden_size)`` then ``layers.Linear(out_size)``: keys 0.Wx 0.Wh 0.b 1.W 1.b.

    The recurrent state carries across ``forward`` calls until ``reset_state()``. Both layers
    draw from one generator made from ``rng``, the LSTM first.
    """

    def __init__(self, hidden_size: int, out_size: int, *, rng: RNGLike = None) -> None:
        gen = rng_from(rng)
        super().__init__([layers.LSTM(hidden_size, rng=gen), layers.Linear(out_size, rng=gen)])

    def forward(self, x: Any) -> Variable:
        """One time step: ``x`` of shape (N, in) gives the (N, out_size) prediction."""
        return self.layers[1].first(self.layers[0].first(x))

    def reset_state(self) -> None:
        """Start the next sequence from a zero state."""
        cast(layers.LSTM, self.layers[0]).reset_state()  # __init__ put it there
