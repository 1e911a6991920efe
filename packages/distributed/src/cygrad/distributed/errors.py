"""``WorkerError``: what the driver raises when the workers cannot finish a step."""
from __future__ import annotations

__all__ = ["WorkerError"]


class WorkerError(RuntimeError):
    """Workers died more than ``max_restarts`` times in one ``fit``, user code raised in a
    worker, or the replicas' parameters no longer agree.

    ``worker_traceback`` holds the worker's traceback text when user code raised there
    (also part of the message), else None.
    """

    def __init__(self, message: str, worker_traceback: str | None = None) -> None:
        super().__init__(message)
        self.worker_traceback = worker_traceback
