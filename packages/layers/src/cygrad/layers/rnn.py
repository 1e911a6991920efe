"""RNN: the Elman recurrent layer, ``h' = tanh(x @ Wx + h @ Wh + b)``."""
from __future__ import annotations

from typing import Any

import cygrad.functions as F
from cygrad.checks import check_size
from cygrad.layers.base import RecurrentBase
from cygrad.variable import Variable
from cygrad.random import RNGLike

__all__ = ["RNN"]


class RNN(RecurrentBase):
    """A stateful recurrent layer: each call advances the hidden state ``h`` by one step.

    Parameters ``Wx`` (in, H), ``Wh`` (H, H), ``b`` (H,). The state starts at zero (the first
    step skips the ``h @ Wh`` term) and carries across calls, graph included, until
    ``reset_state()``; cut long histories with ``unchain_backward`` on the loss.
    """

    def __init__(
        self, hidden_size: int, *, in_size: int | None = None, rng: RNGLike = None
    ) -> None:
        self.hidden_size = check_size("RNN", "hidden_size", hidden_size)
        self.h: Variable | None = None
        super().__init__(in_size, rng)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        H = self.hidden_size
        return {"Wx": (in_size, H), "Wh": (H, H), "b": (H,)}

    def reset_state(self) -> None:
        """Start the next sequence from a zero state."""
        self.h = None

    def forward(self, x: Any) -> list[Variable]:
        """``[h']`` for ``x`` of shape (N, in); ``h'`` has shape (N, H) and becomes the state."""
        a = self._preactivation(x)
        self.h = F.tanh(a)
        return [self.h]

    def __repr__(self) -> str:
        return f"RNN(in_size={self.in_size}, hidden_size={self.hidden_size})"
