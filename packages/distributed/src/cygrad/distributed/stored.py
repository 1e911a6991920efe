"""``Stored``: an array's copy in Ray's object store, put again only when the array changed."""
from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import ray

CHUNK_BYTES = 1 << 19
"""How much of each array one NumPy comparison (of arrays ``memcmp`` cannot take) reads at a
time: its temporary stays in the cache, and a difference found early ends the comparison
there."""

SPLIT_BYTES = 1 << 23
"""Arrays at least this big are compared in parts (up to ``MAX_PARTS``, one per core) by as
many threads at once: ``memcmp`` and NumPy let go of the GIL while they compare, and at the
start of a ``fit`` the workers, waiting for the driver, leave the cores free."""

MAX_PARTS = 4


def _find_memcmp() -> Callable[[int, int, int], int] | None:
    """The C library's ``memcmp`` through ctypes, which lets go of the GIL while it runs; None
    where there is no C library to find (then NumPy compares)."""
    try:
        libc = ctypes.cdll.msvcrt if sys.platform == "win32" else ctypes.CDLL(None)
        memcmp = libc.memcmp
    except (OSError, AttributeError, TypeError):
        return None
    memcmp.restype = ctypes.c_int
    memcmp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    return memcmp


_memcmp = _find_memcmp()


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

    Bytes, not values: -0.0 differs from 0.0 and a NaN equals itself. Contiguous arrays are
    compared by C's ``memcmp``, others a block of rows at a time, as 8-byte words where the
    block's size allows; big ones in parts of rows side by side (``SPLIT_BYTES``).
    """
    if a.dtype != b.dtype or a.shape != b.shape or a.dtype.hasobject:
        return False
    rows_a, rows_b = (a, b) if a.ndim else (a.reshape(1), b.reshape(1))
    parts = min(MAX_PARTS, os.cpu_count() or 1, len(rows_a))
    if rows_a.nbytes < SPLIT_BYTES or parts < 2:
        return _same_rows(rows_a, rows_b)
    cuts = [len(rows_a) * k // parts for k in range(parts + 1)]
    with ThreadPoolExecutor(parts - 1) as pool:
        others = [pool.submit(_same_rows, rows_a[lo:hi], rows_b[lo:hi])
                  for lo, hi in zip(cuts[1:-1], cuts[2:])]
        mine = _same_rows(rows_a[:cuts[1]], rows_b[:cuts[1]])
        return mine and all(other.result() for other in others)


def _same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    """``same_bits`` for two arrays of the same dtype and shape, at least 1-d."""
    if _memcmp is not None and a.flags.c_contiguous and b.flags.c_contiguous:
        return _memcmp(a.ctypes.data, b.ctypes.data, a.nbytes) == 0
    step = max(1, CHUNK_BYTES // max(1, a[:1].nbytes))
    return all(
        np.array_equal(_words(a[lo:lo + step]), _words(b[lo:lo + step]))
        for lo in range(0, len(a), step)
    )


def _words(block: np.ndarray) -> np.ndarray:
    """The bytes of ``block`` (a contiguous copy only of a strided one) as unsigned
    integers: 8-byte words when they divide its size, else single bytes."""
    flat = np.ascontiguousarray(block).reshape(-1).view(np.uint8)
    return flat.view(np.uint64) if flat.size % 8 == 0 else flat
