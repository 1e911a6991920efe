"""``Stored``: an array's copy in Ray's object store, put again only when the array changed."""
from __future__ import annotations

from typing import Any

import numpy as np
import ray

_AS_INTEGERS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
"""Unsigned integers of each item size: comparing through them compares bits, so -0.0 differs
from 0.0 and a NaN equals itself."""


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
            self._copy = ray.get(self._ref) if _bits(array) is not None else None
        return self._ref

    def clear(self) -> None:
        """Let the store free the copy."""
        self._ref = self._copy = None


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` have the same dtype, shape and bytes, item by item (False for
    arrays of objects or of unusual item sizes, which are not compared)."""
    bits_a, bits_b = _bits(a), _bits(b)
    return (
        bits_a is not None and bits_b is not None and a.dtype == b.dtype and a.shape == b.shape
        and bool(np.array_equal(bits_a, bits_b))
    )


def _bits(array: np.ndarray) -> np.ndarray | None:
    """``array`` viewed as unsigned integers of its item size (None for objects or sizes with
    no such integer)."""
    as_int = _AS_INTEGERS.get(array.dtype.itemsize)
    return None if as_int is None or array.dtype.hasobject else array.view(as_int)
