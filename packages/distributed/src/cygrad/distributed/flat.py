"""One flat buffer for all of a model's gradients: what a worker sends and receives per step."""
from __future__ import annotations

import zlib
from collections.abc import Mapping

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


Gradient = tuple[float, int, "np.ndarray | None", "np.ndarray | None"]
"""What a replica computes on its rows: the loss summed over the rows (the mean loss times
their count), the count, the flat gradient and which parameters had one (None for no rows)."""


def weighted_mean(
    shards: list[Gradient], out: tuple[np.ndarray, np.ndarray] | None = None
) -> Gradient:
    """The shards combined into the gradient of the whole batch.

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
    parts = [(count, flat, has) for _, count, flat, has in shards if count]
    if not parts:
        return loss_sum, total, None, None
    mean, part = (None, None) if out is None else out
    first_count, first, present = parts[0]
    assert first is not None and present is not None, "a shard with rows has a gradient"
    present = present.copy()
    # Every process combines the same shards in the same order: bit-identical means.
    acc = first
    for count, flat, has in parts[1:]:
        assert flat is not None and has is not None, "a shard with rows has a gradient"
        term = flat if count == first_count else np.multiply(flat, count / first_count, out=part)
        acc = np.add(acc, term, out=mean)
        present |= has
    return loss_sum, total, np.multiply(acc, first_count / total, out=mean), present
