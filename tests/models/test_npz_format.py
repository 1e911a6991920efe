"""Reading .npz files: every damaged file is a ValueError naming it, the file is always closed,
and names, shapes and dtypes come from the .npy headers before any data is read."""
import gc
import io
import os
import re
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy

from cygrad.models import MLP


def snapshot(model):
    return {k: p.data.copy() for k, p in model.params().items()}


@pytest.fixture
def mlp():
    model = MLP([4, 3, 2], rng=0)
    model(np.ones((1, 5)))
    return model


@pytest.fixture
def small():
    """A model small enough that every byte of its file can be damaged in turn, quickly."""
    model = MLP([2], rng=0)
    model(np.ones((1, 1)))
    return model


@pytest.fixture(params=["saved", "compressed"])
def saved(request, tmp_path, small):
    """The bytes of ``small``'s file, as ``save`` writes it or compressed."""
    path = tmp_path / "good.npz"
    if request.param == "saved":
        small.save(path)
    else:
        with open(path, "wb") as f:
            np.savez_compressed(f, **snapshot(small))
    return path.read_bytes()


def open_files():
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def load_refused(model, path, match=""):
    """``model.load(path)`` raises ValueError naming ``path``; returns the message."""
    with pytest.raises(ValueError, match=re.escape(f"Model.load({str(path)!r})") + ".*" + match) as info:
        model.load(path)
    return str(info.value)


def test_every_truncation_of_an_archive_is_a_value_error_naming_the_file(tmp_path, small, saved):
    before, files_before = snapshot(small), open_files()
    path = tmp_path / "cut.npz"
    path.write_bytes(saved)
    for size in reversed(range(len(saved))):
        os.truncate(path, size)
        load_refused(small, path)
    assert open_files() == files_before
    for key, value in snapshot(small).items():
        np.testing.assert_array_equal(value, before[key])


def test_every_flipped_byte_is_refused_or_harmless(tmp_path, small, saved):
    # A byte that matters (data, sizes, names, CRC) makes the file unreadable; one that does
    # not (a timestamp, the local copy of a CRC) leaves the values intact.
    before = snapshot(small)
    path = tmp_path / "flipped.npz"
    path.write_bytes(saved)
    refused = 0
    with open(path, "r+b") as f:
        for at in range(len(saved)):
            f.seek(at)
            f.write(bytes([saved[at] ^ 0xFF]))
            f.flush()
            try:
                small.load(path)
            except ValueError as e:
                assert str(path) in str(e)
                refused += 1
            for key, value in snapshot(small).items():
                np.testing.assert_array_equal(value, before[key], err_msg=f"byte {at}")
            f.seek(at)
            f.write(saved[at:at + 1])
    assert refused > len(saved) // 2


def zip_of(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def test_a_member_that_is_not_an_npy_array_is_named(tmp_path, mlp):
    members = {f"{k}.npy": npy_bytes(v) for k, v in snapshot(mlp).items()}
    zip_of(tmp_path / "notes.npz", {**members, "notes.txt": b"hello"})
    load_refused(mlp, tmp_path / "notes.npz", "member 'notes.txt' is not an .npy array")
    zip_of(tmp_path / "text.npz", {**members, "0.W.npy": b"not an array at all"})
    load_refused(mlp, tmp_path / "text.npz", "not a readable .npz archive")
    zip_of(tmp_path / "short.npz", {**members, "0.W.npy": npy_bytes(np.zeros((5, 4)))[:-8]})
    load_refused(mlp, tmp_path / "short.npz", r"'0.W.npy' declares shape \(5, 4\) of float64 \(160 bytes\) "
                 "but holds 152 bytes")


def test_a_damaged_file_is_closed_without_a_resource_warning(tmp_path, small, saved):
    cases = {"cut.npz": saved[: len(saved) // 2], "tail.npz": saved[:-3], "empty.npz": b"",
             "pickle.npz": b"\x80\x04K\x01.", "one.npy": npy_bytes(np.zeros(3))}
    files_before = open_files()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, data in cases.items():
            (tmp_path / name).write_bytes(data)
            load_refused(small, tmp_path / name)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert open_files() == files_before


def huge_member(z, name, shape, dtype=np.float64, data_bytes=None):
    """A member whose header declares ``shape``, followed by ``data_bytes`` zero bytes (the
    header's full size by default), streamed so the test never holds the data."""
    with z.open(name, "w", force_zip64=True) as f:
        npy.write_array_header_1_0(f, {"descr": npy.dtype_to_descr(np.dtype(dtype)),
                                       "fortran_order": False, "shape": shape})
        left = np.prod(shape) * np.dtype(dtype).itemsize if data_bytes is None else data_bytes
        chunk = bytes(1 << 20)
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)


def test_an_extra_huge_entry_is_refused_before_any_data_is_read(tmp_path, mlp):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for key, value in snapshot(mlp).items():
            z.writestr(f"{key}.npy", npy_bytes(value))
        huge_member(z, "9.extra.npy", (64, 1 << 17))   # 64 MiB of zeros, compressed to ~64 KiB
    assert path.stat().st_size < (1 << 20)
    tracemalloc.start()
    try:
        load_refused(mlp, path, r"extra: 9\.extra$")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < (4 << 20)


def test_a_header_declaring_2_40_elements_is_a_cheap_value_error(tmp_path):
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as z:
        huge_member(z, "0.W.npy", (1 << 20, 1 << 20), data_bytes=64)
        huge_member(z, "0.b.npy", (4,))
    fresh = MLP([4])   # lazy: the header's shape would make its input size 2**20
    start = time.perf_counter()
    load_refused(fresh, path, r"declares shape \(1048576, 1048576\) of float64 \(8796093022208 bytes\) "
                 "but holds 64 bytes")
    assert time.perf_counter() - start < 1.0
    assert not fresh.layers[0].initialized


def test_fortran_ordered_and_big_endian_members_load(tmp_path, mlp):
    arrays = snapshot(mlp)
    arrays["0.W"] = np.asfortranarray(arrays["0.W"])
    arrays["1.W"] = arrays["1.W"].astype(">f8")
    with open(tmp_path / "odd.npz", "wb") as f:
        np.savez_compressed(f, **arrays)
    fresh = MLP([4, 3, 2])
    fresh.load(tmp_path / "odd.npz")
    for key, value in snapshot(fresh).items():
        np.testing.assert_array_equal(value, arrays[key])
        assert value.flags.c_contiguous and value.dtype == np.float64
