"""``Replica``: one copy of the model and its optimizer, and the step every copy takes.

The driver holds one and each worker holds one; all run the same code on the same numbers,
so the copies stay equal.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cygrad.distributed.flat import FlatLayout, Gradient, checksum, weighted_mean
from cygrad.distributed.stored import same_bits
from cygrad.variable import no_grad

PROBE_ROWS = 8
"""Rows of a forward pass that gives lazily sized layers their parameters."""


class Replica:
    """A model, its optimizer and the loss, with the gradient and update steps."""

    def __init__(self, model: Any, optimizer: Any, loss: Callable[..., Any]) -> None:
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.layout: FlatLayout | None = None
        self._buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def initialize(self, x: np.ndarray, t: np.ndarray | None = None) -> Any:
        """One ``no_grad`` forward pass on the first rows of ``x``, so lazily sized layers
        have parameters, and the layout of the gradient buffer; with ``t``, the loss of those
        rows (which the driver checks before any worker starts)."""
        with no_grad():
            y = without_state(self.model)(x[:PROBE_ROWS])
            value = None if t is None else self.loss(y, t[:PROBE_ROWS])
        without_state(self.model)
        params = self.model.params()
        if self.layout is None or not self.layout.matches(params):
            self.layout = FlatLayout(params)
            # This replica's gradient, and the mean with its scratch: reused every step.
            self._buffers = (self.layout.buffer(), self.layout.buffer(), self.layout.buffer())
        return value

    def gradient(self, x: np.ndarray, t: np.ndarray) -> Gradient:
        """Loss and gradients of the rows ``x``, ``t`` (nothing for no rows). The flat
        gradient is this replica's buffer, which its next ``gradient`` overwrites."""
        count = len(x)
        if count == 0:
            return 0.0, 0, None, None
        self.model.cleargrads()
        loss = self.loss(without_state(self.model)(x), t)
        loss.backward()
        assert self.layout is not None and self._buffers is not None, "initialize comes first"
        flat = self._buffers[0]
        present = self.layout.gradients(self.model.params(), flat)
        return float(loss.data) * count, count, flat, present

    def step(self, shards: Sequence[Gradient]) -> None:
        """The optimizer step of one batch, with the weighted mean of its shards' gradients
        (every replica combines the same shards in the same order, so all take the same step)."""
        assert self.layout is not None and self._buffers is not None, "initialize comes first"
        _, _, mean, present = weighted_mean(list(shards), self._buffers[1:])
        assert mean is not None and present is not None, "every batch has rows"
        self.layout.set_gradients(self.model.params(), mean, present)
        self.optimizer.update(self.model)

    def checksum(self) -> str:
        return checksum(self.model.params())

    def state(self) -> dict[str, Any]:
        """Parameters (by name) and optimizer state: what a new replica starts from."""
        return {
            "params": {name: p.data for name, p in self.model.params().items()},
            "optimizer": self.optimizer.state_dict(),
        }

    def snapshot(self) -> dict[str, Any]:
        """A copy of ``state()``, which later changes to the model or optimizer leave alone."""
        state = self.state()
        state["params"] = {name: data.copy() for name, data in state["params"].items()}
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        """Take the parameters and optimizer state of another replica (copies)."""
        params = self.model.params()
        theirs = state["params"]
        mine = {name: p.shape for name, p in params.items()}
        driver = {name: array.shape for name, array in theirs.items()}
        if driver != mine:
            raise ValueError(
                f"DataParallel: a worker's model has parameters {mine}, the driver's {driver}; "
                "the model factory must build the same architecture every time"
            )
        self.optimizer.load_state_dict(state["optimizer"], self.model)
        for name, p in params.items():
            p.data = np.array(theirs[name], dtype=p.dtype, copy=True)


def without_state(model: Any) -> Any:
    """``model``, its state forgotten when it keeps one (``reset_state``, as an LSTM does):
    every batch, every probe and every ``evaluate`` starts from a fresh state, each row its
    own sequence, since the shards of one batch cannot carry one state across batches."""
    reset = getattr(model, "reset_state", None)
    if callable(reset):
        reset()
    return model


def same_state(a: Any, b: Any) -> bool:
    """Whether two ``state()`` values are equal: the same keys, arrays with the same bits
    (``same_bits``), other values equal."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(
            same_state(a[key], b[key]) for key in a
        )
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and same_bits(a, b)
    return type(a) is type(b) and bool(a == b)
