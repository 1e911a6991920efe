"""Scratch arrays: large temporaries of the backward pass, reused instead of reallocated.

A training step allocates and frees the same large temporaries every time. When they add
up to more than the C allocator keeps around, it hands the memory back to the system at
the end of the step and faults it in again page by page in the next one, which here costs
as much as the arithmetic. Each thread keeps its recent scratch arrays instead, within a
budget, so the steps of a training loop reuse them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

__all__ = ["BUDGET_BYTES", "scratch"]

#: The most bytes of scratch arrays a thread keeps; a larger array is never kept.
BUDGET_BYTES = 64 * 2**20

_local = threading.local()


def _kept() -> OrderedDict[Hashable, np.ndarray]:
    """This thread's scratch arrays, least recently used first."""
    kept = getattr(_local, "kept", None)
    if kept is None:
        kept = _local.kept = OrderedDict()
    return kept


def scratch(key: Hashable, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A zero-initialised array of ``shape`` and ``dtype`` for ``key``: the same one on every
    call from this thread, holding what its last user left in it.

    Callers own it only until they return and must not hand it (or a view) out.
    """
    kept = _kept()
    full_key = (key, tuple(shape), np.dtype(dtype))
    array = kept.pop(full_key, None)
    if array is None:
        array = np.zeros(shape, dtype=dtype)
    if array.nbytes <= BUDGET_BYTES:
        kept[full_key] = array  # the most recently used last
        while sum(a.nbytes for a in kept.values()) > BUDGET_BYTES:
            kept.popitem(last=False)
    return array
