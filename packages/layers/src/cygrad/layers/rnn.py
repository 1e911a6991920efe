"""RNN: the Elman recurrent layer, ``h' = tanh(x @ Wx + h @ Wh + b)``."""
from __future__ import annotations

from typing import Any

import cygrad.functions as F
from cygrad.layers.base import LayerBase, check_size
from cygrad.variable import Variable, as_variable
from cygrad.variable.constructors import RNGLike

__all__ = ["RNN"]


class RNN(LayerBase):
    """A stateful recurrent layer: each call advances the hidden state ``h`` by one step.

    Parameters ``Wx`` (in, H), ``Wh`` (H, H), ``b`` (H,). The state starts at zero (the first
    step skips the ``h @ Wh`` term) and carries across calls, graph included, until
    ``reset_state()``; cut long histories with ``unchain_backward`` on the loss.
    """

    in_key = "Wx"

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
        x = as_variable(x)
        if self.in_size is None:
            self._ensure_initialized(x)
        p = self._params
        a = F.linear(x, p["Wx"], p["b"])
        if self.h is not None:
            # The recurrent product takes the input part as its bias: one node, not two.
            a = F.linear(self.h, p["Wh"], a)
        self.h = F.tanh(a)
        return [self.h]

    def __repr__(self) -> str:
        return f"RNN(in_size={self.in_size}, hidden_size={self.hidden_size})"
