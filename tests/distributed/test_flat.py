"""The flat gradient buffer's arithmetic and checks, without Ray: the weighted mean every
process computes alike, the replicas' checksum, the comparison of stored rows."""
from __future__ import annotations

import numpy as np
import pytest

from cygrad.distributed import flat
from cygrad.distributed.flat import checksum, pieces, weighted_mean
from cygrad.distributed import stored
from cygrad.distributed.stored import same_bits
from cygrad.variable import Variable


def test_the_weighted_mean_weights_shards_by_rows_and_skips_empty_ones():
    a, b = np.array([1.0, 2.0, 4.0]), np.array([4.0, 8.0, 1.0])
    loss, count, mean, present = weighted_mean([
        (3.0, 1, a, np.array([True, False])),
        (0.0, 0, None, None),
        (6.0, 3, b, np.array([False, False])),
    ])
    assert (loss, count) == (9.0, 4)
    np.testing.assert_array_equal(mean, [3.25, 6.5, 1.75])
    np.testing.assert_array_equal(present, [True, False])
    # The inputs (read-only in the object store) are left alone; the mean is a new array.
    np.testing.assert_array_equal(a, [1.0, 2.0, 4.0])
    assert mean is not a and mean.flags.writeable


def test_the_weighted_mean_goes_into_the_buffers_given_and_equals_the_weighted_sum():
    gen = np.random.default_rng(0)
    for counts in ([5, 5], [5, 5, 5, 5], [3, 2, 2], [2, 3, 0, 4]):
        grads = [gen.standard_normal(50) for _ in counts]
        shards = [(0.0, c, g, np.array([True])) for c, g in zip(counts, grads)]
        shards = [(0.0, 0, None, None) if c == 0 else s for c, s in zip(counts, shards)]
        out = (np.full(50, np.nan), np.full(50, np.nan))
        _, total, mean, _ = weighted_mean(shards, out)
        assert mean is out[0] and total == sum(counts)
        expected = sum(c / total * g for c, g in zip(counts, grads))
        np.testing.assert_allclose(mean, expected, rtol=1e-14, atol=1e-15)
        # The same numbers without buffers: every process gets the same bits either way.
        assert np.array_equal(weighted_mean(shards)[2], mean)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 23])
def test_a_gradient_travels_in_views_of_at_most_the_piece_size_cut_alike_everywhere(
    monkeypatch, dtype, size
):
    monkeypatch.setattr(flat, "PIECE_BYTES", 64)  # eight float64s, sixteen float32s
    buffer = np.arange(size, dtype=dtype)
    cut = pieces(buffer)
    assert all(p.nbytes <= 64 and np.shares_memory(p, buffer) for p in cut if p.size)
    assert np.array_equal(np.concatenate(cut), buffer) and pieces(cut) is cut
    assert [len(p) for p in cut] == [len(p) for p in pieces(buffer.copy())]


def test_the_weighted_mean_of_pieces_has_the_bits_of_the_mean_of_whole_buffers(monkeypatch):
    monkeypatch.setattr(flat, "PIECE_BYTES", 40)
    gen = np.random.default_rng(1)
    for counts in ([5, 5], [3, 2, 2], [2, 3, 0, 4]):
        grads = [gen.standard_normal(23).astype(np.float32) for _ in counts]
        whole = [(0.0, c, g, np.array([c > 0])) if c else (0.0, 0, None, None)
                 for c, g in zip(counts, grads)]
        mixed = [(loss, c, g if i == 0 or g is None else pieces(g), has)
                 for i, (loss, c, g, has) in enumerate(whole)]
        expected = weighted_mean(whole)[2]
        assert expected.dtype == np.float32
        assert np.array_equal(weighted_mean(mixed)[2], expected)
        out = (np.full(23, np.nan, np.float32), np.full(23, np.nan, np.float32))
        assert weighted_mean(mixed, out)[2] is out[0] and np.array_equal(out[0], expected)


def test_pieces_stay_under_rays_threshold_for_a_copy_on_threads():
    # Ray's serializer copies a buffer over 1 MiB with a thread pool it starts per copy.
    assert flat.PIECE_BYTES <= 1 << 20
    assert all(p.nbytes <= 1 << 20 for p in pieces(np.zeros(670_000, np.float32)))


def test_the_mean_of_one_shard_is_its_gradient_and_keeps_the_dtype():
    g = np.array([0.1, -3.0], dtype=np.float32)
    _, _, mean, _ = weighted_mean([(1.0, 5, g, np.array([True]))])
    assert mean.dtype == np.float32 and np.array_equal(mean, g)


def test_the_checksum_sees_any_bit_of_any_parameter():
    def params(*arrays):
        return {str(i): Variable(np.array(a)) for i, a in enumerate(arrays)}

    base = checksum(params([1.0, 0.0], [[2.0]]))
    assert checksum(params([1.0, 0.0], [[2.0]])) == base
    assert checksum(params([1.0, -0.0], [[2.0]])) != base
    assert checksum(params([1.0, 0.0], [[np.nextafter(2.0, 3.0)]])) != base
    assert checksum(params([[2.0]], [1.0, 0.0])) != base  # order counts


def test_same_bits_compares_bits_dtypes_and_shapes():
    x = np.array([[0.0, np.nan], [1.5, 2.0]], dtype=np.float32)
    assert same_bits(x, x.copy())
    assert same_bits(x[:, ::2], np.ascontiguousarray(x[:, ::2]))  # strided views compare too
    signed = x.copy()
    signed[0, 0] = -0.0
    assert not same_bits(x, signed)
    assert not same_bits(x, x.astype(np.float64))
    assert not same_bits(x, x.reshape(4, 1))
    assert not same_bits(np.arange(3), np.arange(3).astype(np.uint64))
    objects = np.array([1, "a"], dtype=object)
    assert not same_bits(objects, objects.copy())  # never compared: always put again


@pytest.mark.parametrize("chunk", [1, 24, stored.CHUNK_BYTES])
@pytest.mark.parametrize("cores", [None, 2, 3, 4])
@pytest.mark.parametrize("memcmp", [True, False])
def test_same_bits_reads_every_block_of_rows_of_any_size(monkeypatch, chunk, cores, memcmp):
    # Blocks of one row, of a few rows (a 3-byte remainder: not whole 8-byte words), or all;
    # read by one thread, or (however small) in parts by as many as there are cores, up to 4;
    # contiguous arrays by C's memcmp, or by NumPy where there is none.
    if memcmp:
        assert stored._memcmp is not None, "every platform cygrad's wheels are built for has one"
    else:
        monkeypatch.setattr(stored, "_memcmp", None)
    monkeypatch.setattr(stored, "CHUNK_BYTES", chunk)
    if cores is not None:
        monkeypatch.setattr(stored, "SPLIT_BYTES", 0)
        monkeypatch.setattr(stored.os, "cpu_count", lambda: cores)
    for x in (np.arange(35, dtype=np.uint8).reshape(7, 5),
              np.linspace(-1, 1, 63, dtype=np.float16).reshape(7, 9),
              np.arange(12, dtype=np.complex128).reshape(4, 3)[:, ::2],
              np.array(2.5), np.zeros((0, 3))):
        assert same_bits(x, x.copy())
        for index in np.ndindex(x.shape):  # a change anywhere, the last row and byte included
            changed = x.copy()
            changed[index] = 1 if x[index] == 0 else 0
            assert not same_bits(x, changed) and not same_bits(changed, x), (x.dtype, index)
