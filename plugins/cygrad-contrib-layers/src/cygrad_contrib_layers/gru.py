"""GRU: the gated recurrent unit, its three gate blocks fused into one matrix product."""
from __future__ import annotations

from typing import Any

import cygrad.functions as F
from cygrad.checks import check_size
from cygrad.layers.base import RecurrentBase
from cygrad.variable import Variable
from cygrad.random import RNGLike

__all__ = ["GRU"]


class GRU(RecurrentBase):
    """A stateful GRU layer: each call advances the hidden state ``h`` by one step.

    Fused parameters ``Wx`` (in, 3H), ``Wh`` (H, 3H), ``b`` (3H,) hold the blocks of the
    update gate z, the reset gate r and the candidate n, in that order. With
    ``a = x @ Wx + b`` and ``g = h @ Wh`` cut into three (N, H) blocks::

        z = sigmoid(a_z + g_z)    r = sigmoid(a_r + g_r)
        n = tanh(a_n + r * g_n)   h' = (1 - z) * n + z * h

    The state starts at zero (the first step has no ``g`` term) and carries across calls,
    graph included, until ``reset_state()``; an input whose batch does not match the state
    raises ValueError (a new batch size needs ``reset_state()`` first). Without ``in_size`` the parameters are created
    on the first call.
    """

    def __init__(self, hidden_size: int, *, in_size: int | None = None, rng: RNGLike = None) -> None:
        self.hidden_size = check_size("GRU", "hidden_size", hidden_size)
        self.h: Variable | None = None
        super().__init__(in_size, rng)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        H = self.hidden_size
        return {"Wx": (in_size, 3 * H), "Wh": (H, 3 * H), "b": (3 * H,)}

    def reset_state(self) -> None:
        """Start the next sequence from a zero state."""
        self.h = None

    def forward(self, x: Any) -> list[Variable]:
        """``[h']`` for ``x`` of shape (N, in); ``h'`` has shape (N, H) and becomes the state."""
        a = self._input_part(x)
        H = self.hidden_size
        if self.h is None:
            z = F.sigmoid(a[..., :H])
            h = (1 - z) * F.tanh(a[..., 2 * H :])
        else:
            g = self.h @ self._params["Wh"]
            z = F.sigmoid(a[..., :H] + g[..., :H])
            r = F.sigmoid(a[..., H : 2 * H] + g[..., H : 2 * H])
            n = F.tanh(a[..., 2 * H :] + r * g[..., 2 * H :])
            h = (1 - z) * n + z * self.h
        self.h = h
        return [h]

    def __repr__(self) -> str:
        return f"GRU(in_size={self.in_size}, hidden_size={self.hidden_size})"
