"""``Stored``: an array's copy in Ray's object store, put again only when the array changed."""
from __future__ import annotations

from typing import Any

import numpy as np
import ray

CHUNK_BYTES = 1 << 19
"""How much of each array one comparison reads at a time: its temporary stays in the cache,
and a difference found early ends the comparison there."""


class Stored:
    """The object-store copy of the array last given to ``put``, reused while the array holds
    the same bits.

    A later ``fit`` on the same rows then skips copying them into the store again (for large
    data the biggest cost of a ``fit`` outside the steps); comparing reads both copies once and
    writes nothing, and it catches any change made in place between fits, so training never
    sees stale rows.
    """

    def __init__(self) -> None:
        self._ref: Any = None
        self._copy: np.ndarray | None = None

    def put(self, array: np.ndarray) -> Any:
        """A reference to ``array``'s contents in the object store."""
        if self._copy is None or not same_bits(array, self._copy):
            self._ref = ray.put(array)
            # The store's copy, read in place: what the next call compares with.
            self._copy = None if array.dtype.hasobject else ray.get(self._ref)
        return self._ref

    def clear(self) -> None:
        """Let the store free the copy."""
        self._ref = self._copy = None


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` have the same dtype, shape and bytes (False for arrays of
    objects, which are not compared).

    Bytes, not values: -0.0 differs from 0.0 and a NaN equals itself. The arrays are read
    a block of rows at a time, as 8-byte words where the block's size allows.
    """
    if a.dtype != b.dtype or a.shape != b.shape or a.dtype.hasobject:
        return False
    rows_a, rows_b = (a, b) if a.ndim else (a.reshape(1), b.reshape(1))
    step = max(1, CHUNK_BYTES // max(1, rows_a[:1].nbytes))
    return all(
        np.array_equal(_words(rows_a[lo:lo + step]), _words(rows_b[lo:lo + step]))
        for lo in range(0, len(rows_a), step)
    )


def _words(block: np.ndarray) -> np.ndarray:
    """The bytes of ``block`` (a contiguous copy only of a strided one) as unsigned
    integers: 8-byte words when they divide its size, else single bytes."""
    flat = np.ascontiguousarray(block).reshape(-1).view(np.uint8)
    return flat.view(np.uint64) if flat.size % 8 == 0 else flat
