"""``Worker``: the Ray actor that holds one replica and the data of the current ``fit``.

Data arrive through the object store (read in place, never copied to the worker), with the
first ``fit`` on rows the worker does not hold yet. Per step one call brings the other
workers' gradients of the previous batch (straight from the object store; its own it kept)
and which rows are this worker's shard of the next: the worker combines the gradients, takes
the optimizer step and returns the flat gradient buffer of its shard, in ``pieces`` (views of
at most 1 MiB, which Ray copies into the object store without starting threads), with the
checksum of its parameters when asked (an epoch's last batch). The step of a fit's last batch
comes with the next fit's start.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from cygrad.distributed.allocator import keep_freed_memory
from cygrad.distributed.flat import Gradient, pieces
from cygrad.distributed.replica import Replica
from cygrad.distributed.shards import Rows

Result: TypeAlias = "tuple[Gradient, str | None]"
"""What a step's call returns: the gradient of the worker's shard and, when the driver asks,
the checksum of the parameters it was computed at."""


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
        self,
        x: np.ndarray | None,
        t: np.ndarray | None,
        state: dict[str, Any] | None,
        *previous: Result | None,
    ) -> None:
        """Start a ``fit``: keep the data, and take the driver's parameters and optimizer.

        The driver sends only what this worker does not hold yet (None for the rest): the
        same rows are not sent again, and instead of the state the worker ended the last fit
        with, the other workers' gradients of that fit's last batch, whose step (which the
        driver took alone) brings this worker to the driver's state.
        """
        if previous:
            self.replica.step(self._own(previous))
        if x is not None:
            self.x, self.t = x, t
            self.replica.initialize(x)
        if state is not None:
            self.replica.load_state(state)

    def gradient(self, rows: Rows, check: bool = False) -> Result:
        """Loss and gradient of this worker's shard ``rows`` of the current batch (kept for
        the step, which needs it again), the gradient in ``pieces`` for the object store;
        with ``check``, the checksum of the parameters too."""
        assert self.x is not None and self.t is not None, "begin comes first"
        loss_sum, count, flat, present = self.replica.gradient(self.x[rows], self.t[rows])
        self.last = loss_sum, count, None if flat is None else pieces(flat), present
        return self.last, self.checksum() if check else None

    def advance(self, rows: Rows, check: bool, *previous: Result | None) -> Result:
        """The step of the previous batch from every worker's gradient of it (none at a fit's
        start), then the gradient of this worker's shard of the next: one call per step, and
        the gradients go from worker to worker without the driver."""
        if previous:
            self.replica.step(self._own(previous))
        return self.gradient(rows, check)

    def _own(self, previous: tuple[Result | None, ...]) -> list[Gradient]:
        """The gradients of the last batch in worker order, this worker's own (None in
        ``previous``: the driver does not send it back, saving a read from the store) filled in."""
        assert self.last is not None, "a step follows this worker's gradient"
        return [self.last if r is None else r[0] for r in previous]

    def checksum(self) -> str:
        return self.replica.checksum()

    def pid(self) -> int:
        """The worker's process id (to find or stop the process from outside)."""
        return os.getpid()
