"""LSTM: the long short-term memory layer with its four gates fused into one matrix product
and the rest of each step fused into one graph node (``lstm_cell``)."""
from __future__ import annotations

from typing import Any

from cygrad.checks import check_size
from cygrad.layers.base import RecurrentBase
from cygrad.layers.lstm_cell import lstm_cell
from cygrad.variable import Variable
from cygrad.random import RNGLike

__all__ = ["LSTM"]


class LSTM(RecurrentBase):
    """A stateful LSTM layer: each call advances the hidden state ``h`` and the cell ``c``.

    Fused parameters ``Wx`` (in, 4H), ``Wh`` (H, 4H), ``b`` (4H,) hold the gate blocks in the
    order f, i, o, u: ``a = x @ Wx + h @ Wh + b`` is cut into four (N, H) blocks, f, i, o pass
    through sigmoid and u through tanh, then ``c' = f*c + i*u`` and ``h' = o*tanh(c')``. The
    state starts at zero (the first step skips ``h @ Wh`` and ``f*c``) and carries across
    calls, graph included, until ``reset_state()``.
    """

    def __init__(
        self, hidden_size: int, *, in_size: int | None = None, rng: RNGLike = None
    ) -> None:
        self.hidden_size = check_size("LSTM", "hidden_size", hidden_size)
        self.h: Variable | None = None
        self.c: Variable | None = None
        super().__init__(in_size, rng)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        H = self.hidden_size
        return {"Wx": (in_size, 4 * H), "Wh": (H, 4 * H), "b": (4 * H,)}

    def reset_state(self) -> None:
        """Start the next sequence from zero ``h`` and ``c``."""
        self.h = None
        self.c = None

    def forward(self, x: Any) -> list[Variable]:
        """``[h']`` for ``x`` of shape (N, in); ``h'`` has shape (N, H) and becomes the state."""
        h, c = lstm_cell(self._preactivation(x), self.c)
        self.h, self.c = h, c
        return [h]

    def __repr__(self) -> str:
        return f"LSTM(in_size={self.in_size}, hidden_size={self.hidden_size})"
