"""Split one global batch into contiguous shards, one per worker."""
from __future__ import annotations

import numpy as np

Rows = slice | np.ndarray
"""The rows of a batch or shard: a slice of the data (no shuffling, read without a copy)
or the row indices drawn by a shuffle."""


def shard_rows(rows: Rows, parts: int) -> list[Rows]:
    """``rows`` cut into ``parts`` contiguous pieces in order, sizes differing by at most one
    (the first pieces are the longer ones); a piece may be empty."""
    if isinstance(rows, slice):
        start, count = rows.start, rows.stop - rows.start
    else:
        start, count = 0, len(rows)
    base, extra = divmod(count, parts)
    pieces: list[Rows] = []
    lo = 0
    for i in range(parts):
        hi = lo + base + (1 if i < extra else 0)
        pieces.append(slice(start + lo, start + hi) if isinstance(rows, slice) else rows[lo:hi])
        lo = hi
    return pieces


def row_count(rows: Rows) -> int:
    """How many rows ``rows`` selects."""
    return rows.stop - rows.start if isinstance(rows, slice) else len(rows)
