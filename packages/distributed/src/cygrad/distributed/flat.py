"""One flat buffer for all of a model's gradients: what a worker sends and receives per step."""
from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import TypeAlias

import numpy as np

from cygrad.variable import Variable


class FlatLayout:
    """Where each parameter's gradient lives in the flat buffer, in ``params()`` order.

    The buffer's dtype is the parameters' common dtype, so a float32 model exchanges float32.
    A parameter that got no gradient is marked absent (and zero in the buffer), so the
    optimizer skips it exactly as it would in a single process.
    """

    def __init__(self, params: Mapping[str, Variable]) -> None:
        self.names = list(params)
        self.shapes = [p.shape for p in params.values()]
        sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.bounds = list(zip(np.cumsum([0] + sizes[:-1]).tolist(), np.cumsum(sizes).tolist()))
        self.size = sum(sizes)
        self.dtype = np.result_type(*[p.dtype for p in params.values()]) if params else np.float64

    def buffer(self) -> np.ndarray:
        """An uninitialised buffer of this layout: one per process and purpose, reused every
        step, so no step allocates (and faults in) fresh pages of the gradient's size."""
        return np.empty(self.size, dtype=self.dtype)

    def gradients(self, params: Mapping[str, Variable], out: np.ndarray) -> np.ndarray:
        """The parameters' gradients written into ``out`` (zero where a parameter has none),
        and which parameters had one."""
        present = np.zeros(len(self.names), dtype=bool)
        for i, (p, (lo, hi)) in enumerate(zip(params.values(), self.bounds)):
            if p.grad is not None:
                out[lo:hi] = p.grad.data.reshape(-1)
                present[i] = True
            else:
                out[lo:hi] = 0
        return present

    def set_gradients(
        self, params: Mapping[str, Variable], flat: np.ndarray, present: np.ndarray
    ) -> None:
        """Give every present parameter its slice of ``flat`` as gradient; the rest none."""
        for i, (p, (lo, hi)) in enumerate(zip(params.values(), self.bounds)):
            p.grad = (
                Variable(flat[lo:hi].reshape(self.shapes[i]).astype(p.dtype, copy=False))
                if present[i]
                else None
            )

    def matches(self, params: Mapping[str, Variable]) -> bool:
        """Whether ``params`` has exactly these names and shapes, in this order."""
        return list(params) == self.names and [p.shape for p in params.values()] == self.shapes


def checksum(params: Mapping[str, Variable]) -> str:
    """A CRC-32 of every parameter's bytes, in order: equal values mean equal replicas.

    It guards against replicas drifting apart by accident (a bug, not an adversary), so a
    fast non-cryptographic check suffices; it runs in every process at every epoch's end.
    """
    crc = 0
    for p in params.values():
        crc = zlib.crc32(np.ascontiguousarray(p.data).data, crc)
    return f"{crc:08x}"


PIECE_BYTES = 1 << 20
"""The largest piece of a gradient on its way through Ray's object store. Ray copies a buffer
over 1 MiB into the store with six threads that it starts for that one copy (its
``parallel_memcopy``): on a worker sharing a few cores with the other workers that costs more
than the copy itself. A buffer of at most 1 MiB it copies in the calling thread."""

Flat: TypeAlias = "np.ndarray | tuple[np.ndarray, ...]"
"""A flat gradient: one buffer, or its ``pieces`` as they travel."""

Gradient: TypeAlias = "tuple[float, int, Flat | None, np.ndarray | None]"
"""What a replica computes on its rows: the loss summed over the rows (the mean loss times
their count), the count, the flat gradient and which parameters had one (None for no rows)."""


def pieces(flat: Flat) -> tuple[np.ndarray, ...]:
    """``flat`` as consecutive views of at most PIECE_BYTES each (pieces stay as they are):
    how a gradient travels, every process cutting the same layout at the same places."""
    if isinstance(flat, tuple):
        return flat
    step = max(1, PIECE_BYTES // flat.itemsize)
    return tuple(flat[lo:lo + step] for lo in range(0, max(len(flat), 1), step))


def weighted_mean(
    shards: list[Gradient], out: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[float, int, np.ndarray | None, np.ndarray | None]:
    """The shards combined into the gradient of the whole batch (one flat buffer), whether
    their gradients come whole or in ``pieces``.

    The loss is a mean over rows, so the batch's gradient is the shard gradients weighted by
    each shard's share of the rows; a parameter is present when any shard had its gradient.
    It is computed as the sum of the shards, each weighted relative to the first, scaled
    once by the first one's share: a shard of the first one's size (the usual case) is added
    as it is, one pass over the buffer, where weighting each shard would take two.
    ``out`` is two buffers of the gradient's size and dtype: the mean is written into the
    first (the second holds a weighted shard on its way); without them both are new.
    """
    total = sum(count for _, count, _, _ in shards)
    loss_sum = sum(loss for loss, _, _, _ in shards)
    parts = []
    for _, count, flat, has in shards:
        if count:
            assert flat is not None and has is not None, "a shard with rows has a gradient"
            parts.append((count, pieces(flat), has))
    if not parts:
        return loss_sum, total, None, None
    first_count, firsts, present = parts[0]
    if out is None:
        mean = np.empty(sum(len(p) for p in firsts), dtype=firsts[0].dtype)
        out = (mean, np.empty_like(mean))
    mean, part = out
    present = present.copy()
    for _, theirs, has in parts[1:]:
        assert len(theirs) == len(firsts), "every shard's gradient is cut at the same places"
        present |= has
    # Every process combines the same shards in the same order: bit-identical means. (The
    # arithmetic is elementwise, so where the pieces are cut does not change a number; the
    # shards' pieces only have to line up.)
    lo = 0
    for j, acc in enumerate(firsts):
        hi = lo + len(acc)
        for count, theirs, _ in parts[1:]:
            term = theirs[j]
            assert len(term) == len(acc), "every shard's gradient is cut at the same places"
            if count != first_count:
                term = np.multiply(term, count / first_count, out=part[lo:hi])
            acc = np.add(acc, term, out=mean[lo:hi])
        np.multiply(acc, first_count / total, out=mean[lo:hi])
        lo = hi
    return loss_sum, total, mean, present
