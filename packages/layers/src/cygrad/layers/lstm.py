"""LSTM: the long short-term memory layer with its four gates fused into one matrix product."""
from __future__ import annotations

from typing import Any

import numpy as np

import cygrad.functions as F
from cygrad.checks import check_size
from cygrad.layers.base import RecurrentBase
from cygrad.variable import Function, Variable
from cygrad.variable._core import recording
from cygrad.random import RNGLike

__all__ = ["LSTM"]


class Gates(Function):
    """Cut the fused pre-activation (..., 4H) into the gates f, i, o, u and activate them.

    One graph node with four outputs instead of four slices and four activations: the LSTM's
    step is dominated by per-node overhead, not arithmetic. f, i, o go through sigmoid, u
    through tanh.
    """

    def forward(self, a: np.ndarray) -> tuple[np.ndarray, ...]:
        H = a.shape[-1] // 4
        # sigmoid(x) = (1 + tanh(x/2)) / 2: no overflow for very negative x.
        s = np.tanh(a[..., : 3 * H] * 0.5)
        s *= 0.5
        s += 0.5
        u = np.tanh(a[..., 3 * H :])
        # Kept for the backward pass: f, i, o are views of s, and an unused gate's output
        # Variable may be gone by then.
        self.s, self.u = s, u
        return s[..., :H], s[..., H : 2 * H], s[..., 2 * H :], u

    def backward(self, *gys: Variable | None) -> np.ndarray | Variable | None:
        a = self.inputs[0]
        H = a.shape[-1] // 4
        if not recording():
            # Gather the four output gradients (zero for an unused gate), then scale each
            # block by its activation's derivative in place.
            ga = np.empty(a.shape, dtype=a.dtype)
            for k, gy in enumerate(gys):
                ga[..., k * H : (k + 1) * H] = 0 if gy is None else gy.data
            s, u = self.s, self.u
            ga[..., : 3 * H] *= s * (1 - s)
            ga[..., 3 * H :] *= 1 - u * u
            return ga
        # Recorded (create_graph): the same, in differentiable operations; a gate's gradient
        # is put in its block of the (..., 4H) gradient by a product with a 0/1 matrix.
        ys = [ref() for ref in self.outputs]
        ga = None
        for k, (gy, y) in enumerate(zip(gys, ys)):
            if gy is None:
                continue
            assert y is not None, "LSTM.backward: an output with a gradient is alive"
            d = gy * (y * (1 - y) if k < 3 else 1 - y * y)
            place = np.zeros((H, 4 * H), dtype=a.dtype)
            place[:, k * H : (k + 1) * H] = np.eye(H, dtype=a.dtype)
            d = F.matmul(d, place)
            ga = d if ga is None else ga + d
        return ga


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
        a = self._preactivation(x)
        f, i, o, u = Gates()(a)
        c = i * u if self.c is None else f * self.c + i * u
        h = o * F.tanh(c)
        self.h, self.c = h, c
        return [h]

    def __repr__(self) -> str:
        return f"LSTM(in_size={self.in_size}, hidden_size={self.hidden_size})"
