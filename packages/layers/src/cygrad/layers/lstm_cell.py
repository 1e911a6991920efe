"""LSTMCell: one LSTM time step after the matrix products, fused into one graph node.

From the fused pre-activation ``a`` (..., 4H), blocks [f | i | o | u], and the previous cell
``c`` (..., H) it computes the gates f, i, o = sigmoid and u = tanh, the new cell
``c' = f*c + i*u`` and the hidden state ``h = o*tanh(c')``, and returns ``(h, c')``. A step
costs one node instead of about ten, so the per-node overhead of the engine, which dominates
small recurrent batches, is paid once. The backward is derived by hand:

    gc  = gc' + gh * o * (1 - tanh(c')**2)        (the cell's gradient from both outputs)
    gf  = gc * c,  gi = gc * u,  go = gh * tanh(c'),  gu = gc * i,  gc_prev = gc * f
    ga  = [gf * f(1-f) | gi * i(1-i) | go * o(1-o) | gu * (1-u*u)]

``backward_arrays`` computes it on arrays; ``backward`` computes the same operations, in the
same order, on Variables that recompute the gates from the inputs, so that it differentiates
again (create_graph) and both forms agree bit for bit.
"""
from __future__ import annotations

import numpy as np

import cygrad.functions as F
from cygrad.variable import Function, Variable

__all__ = ["LSTMCell", "lstm_cell"]


def _gate_arrays(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sigmoid of the f, i, o blocks (as ``(1 + tanh(x/2)) / 2``, which never overflows) and
    tanh of the u block."""
    H = a.shape[-1] // 4
    s = np.tanh(a[..., : 3 * H] * 0.5)
    s *= 0.5
    s += 0.5
    return s, np.tanh(a[..., 3 * H :])


class LSTMCell(Function):
    """``(h, c') = lstm_cell(a, c)``; ``c`` is left out on a sequence's first step (zero)."""

    def forward(
        self, a: np.ndarray, c: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        shape = a.shape
        if not shape or shape[-1] % 4:
            raise ValueError(
                f"lstm_cell: the pre-activation's last axis must hold 4 gate blocks, got shape "
                f"{shape}"
            )
        H = shape[-1] // 4
        if c is not None and c.shape != shape[:-1] + (H,):
            raise ValueError(
                f"lstm_cell: a cell of shape {c.shape} does not fit the pre-activation of shape "
                f"{shape} (expected {shape[:-1] + (H,)})"
            )
        s, u = _gate_arrays(a)
        f, i, o = s[..., :H], s[..., H : 2 * H], s[..., 2 * H :]
        cell = i * u
        if c is not None:
            cell = f * c + cell
        tc = np.tanh(cell)
        # Kept for backward_arrays: the gates and tanh(c'), whichever outputs survive.
        self.s, self.u, self.tc = s, u, tc
        return o * tc, cell

    def backward(self, gh: Variable | None, gc: Variable | None) -> tuple[Variable | None, ...]:
        a = self.inputs[0]
        c = self.inputs[1] if len(self.inputs) == 2 else None
        H = a.shape[-1] // 4
        s = F.tanh(a[..., : 3 * H] * 0.5) * 0.5 + 0.5
        u = F.tanh(a[..., 3 * H :])
        f, i, o = s[..., :H], s[..., H : 2 * H], s[..., 2 * H :]
        cell = i * u if c is None else f * c + i * u
        tc = F.tanh(cell)
        gcell, go = gc, None
        if gh is not None:
            go = gh * tc
            through_h = gh * o * (1 - tc * tc)
            gcell = through_h if gc is None else gc + through_h
        assert gcell is not None, "lstm_cell: backward with no gradient for either output"
        blocks = [
            self._zeros(a) if c is None else gcell * c * (f * (1 - f)),
            gcell * u * (i * (1 - i)),
            self._zeros(a) if go is None else go * (o * (1 - o)),
            gcell * i * (1 - u * u),
        ]
        ga = F.concat(blocks, axis=-1)
        return (ga,) if c is None else (ga, gcell * f)

    def backward_arrays(
        self, gh: np.ndarray | None, gc: np.ndarray | None
    ) -> tuple[np.ndarray | None, ...]:
        inputs = self.inputs
        a = inputs[0].data
        c = inputs[1].data if len(inputs) == 2 else None
        H = a.shape[-1] // 4
        s, u, tc = self.s, self.u, self.tc
        f, i, o = s[..., :H], s[..., H : 2 * H], s[..., 2 * H :]
        # Each block is written in place into ga, and the three sigmoid blocks share one
        # derivative s*(1-s): the same products as backward's, in the same order, with a
        # third of the NumPy calls (the cost of a small batch is the number of calls).
        ga = np.empty(a.shape, dtype=a.dtype)
        gates, g_f, g_i, g_o, g_u = (
            ga[..., : 3 * H], ga[..., :H], ga[..., H : 2 * H], ga[..., 2 * H : 3 * H],
            ga[..., 3 * H :],
        )
        gcell = gc
        if gh is None:
            g_o.fill(0)
        else:
            np.multiply(gh, tc, out=g_o)  # go
            through_h = gh * o * (1 - tc * tc)
            gcell = through_h if gc is None else gc + through_h
        assert gcell is not None, "lstm_cell: backward with no gradient for either output"
        if c is None:
            g_f.fill(0)
        else:
            np.multiply(gcell, c, out=g_f)
        np.multiply(gcell, u, out=g_i)
        gates *= s * (1 - s)
        np.multiply(gcell, i, out=g_u)
        g_u *= 1 - u * u
        return (ga,) if c is None else (ga, gcell * f)

    @staticmethod
    def _zeros(a: Variable) -> np.ndarray:
        """A gate block that receives no gradient."""
        return np.zeros(a.shape[:-1] + (a.shape[-1] // 4,), dtype=a.dtype)


def lstm_cell(
    a: Variable | np.ndarray, c: Variable | np.ndarray | None = None
) -> tuple[Variable, Variable]:
    """One LSTM step from the fused pre-activation ``a`` (..., 4H), gate blocks in the order
    f, i, o, u, and the previous cell ``c`` (..., H; None for a zero cell): ``(h, c')``."""
    h, c_next = LSTMCell()(a) if c is None else LSTMCell()(a, c)
    return h, c_next
