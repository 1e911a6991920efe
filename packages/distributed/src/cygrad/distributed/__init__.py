"""Synchronous data-parallel training on Ray: one model replica per worker process, every
step equal to the single-process step on the whole batch.

>>> from cygrad.distributed import DataParallel, WorkerError
"""
from cygrad.distributed.data_parallel import DataParallel
from cygrad.distributed.errors import WorkerError

__all__ = ["DataParallel", "WorkerError"]
