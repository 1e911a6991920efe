"""``Worker``: the Ray actor that holds one replica and the data of the current ``fit``.

Data arrive through the object store (read in place, never copied to the worker), with the
first ``fit`` on rows the worker does not hold yet. Per step one call brings the other
workers' gradients of the previous batch (straight from the object store; its own it kept)
and which rows are this worker's shard of the next: the worker combines the gradients, takes
the optimizer step and returns the flat gradient buffer of its shard, in ``pieces`` (views of
at most 1 MiB, which Ray copies into the object store without starting threads).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from cygrad.distributed.allocator import keep_freed_memory
from cygrad.distributed.flat import Gradient, pieces
from cygrad.distributed.replica import Replica
from cygrad.distributed.shards import Rows


class Worker:
    """One replica in a worker process; the driver calls these methods through Ray."""

    def __init__(
        self, model: Callable[[], Any], optimizer: Callable[[], Any], loss: Callable[..., Any]
    ) -> None:
        keep_freed_memory()  # this process only trains: its steps reuse one another's memory
        self.replica = Replica(model(), optimizer(), loss)
        self.x: np.ndarray | None = None
        self.t: np.ndarray | None = None
        self.last: Gradient | None = None  # this worker's gradient of the last batch

    def begin(
        self, x: np.ndarray | None, t: np.ndarray | None, state: dict[str, Any] | None
    ) -> None:
        """Start a ``fit``: keep the data, and take the driver's parameters and optimizer.

        The driver sends only what this worker does not hold yet (None for the rest): the
        same rows, or the same state it ended the last fit with, are not sent again.
        """
        if x is not None:
            self.x, self.t = x, t
            self.replica.initialize(x)
        if state is not None:
            self.replica.load_state(state)

    def gradient(self, rows: Rows) -> Gradient:
        """Loss and gradient of this worker's shard ``rows`` of the current batch (kept for
        the step, which needs it again), the gradient in ``pieces`` for the object store."""
        assert self.x is not None and self.t is not None, "begin comes first"
        loss_sum, count, flat, present = self.replica.gradient(self.x[rows], self.t[rows])
        self.last = loss_sum, count, None if flat is None else pieces(flat), present
        return self.last

    def advance(self, rows: Rows, *previous: Gradient | None) -> Gradient:
        """The step of the previous batch from every worker's gradient of it (none at an
        epoch's start), then the gradient of this worker's shard of the next: one call per
        step, and the gradients go from worker to worker without the driver."""
        if previous:
            self.replica.step(self._own(previous))
        return self.gradient(rows)

    def finish(self, *previous: Gradient | None) -> str:
        """The epoch's last step from every worker's gradient of it, then the checksum."""
        self.replica.step(self._own(previous))
        return self.checksum()

    def _own(self, previous: tuple[Gradient | None, ...]) -> list[Gradient]:
        """The gradients of the last batch in worker order, this worker's own (None in
        ``previous``: the driver does not send it back, saving a read from the store) filled in."""
        assert self.last is not None, "a step follows this worker's gradient"
        return [self.last if g is None else g for g in previous]

    def checksum(self) -> str:
        return self.replica.checksum()

    def pid(self) -> int:
        """The worker's process id (to find or stop the process from outside)."""
        return os.getpid()
