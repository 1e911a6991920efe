"""The .npz format: NumPy's zip archive of .npy arrays, one member per parameter.

Reading never goes through ``np.load``: each member's .npy header (version, shape, dtype) is
read first and checked against the member's size, so names, shapes and dtypes can be judged
before any data is read and a header that declares more data than the member holds is refused
without allocating it. Every way the file can be damaged becomes a ValueError naming it, and
the file is closed whatever happens.
"""
from __future__ import annotations

import math
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, cast

import numpy as np
from numpy.lib import format as npy

from cygrad.models.loading import Entry

__all__ = ["open_entries", "write"]

#: What a damaged archive raises somewhere in zipfile, zlib or numpy's header parser.
_DAMAGED = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError, OSError,
    ValueError, NotImplementedError, RuntimeError,
)


def write(f: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to the open file ``f`` (a file object: ``np.savez`` given a name
    would append ".npz" to it)."""
    np.savez(f, allow_pickle=False, **arrays)


@contextmanager
def open_entries(who: str, path: str) -> Iterator[list[Entry]]:
    """The archive's members as entries, readable while the context is open."""
    with open(path, "rb") as f:
        try:
            archive = zipfile.ZipFile(f)
        except _DAMAGED as e:
            raise ValueError(f"{who}: {_what_instead(f)}: {e}") from None
        with archive:
            try:
                entries = [_entry(who, archive, info) for info in archive.infolist()]
            except _DAMAGED as e:
                raise ValueError(f"{who}: not a readable .npz archive: {e}") from None
            yield entries


def _what_instead(f: IO[bytes]) -> str:
    f.seek(0)
    if f.read(len(npy.MAGIC_PREFIX)) == npy.MAGIC_PREFIX:
        return "a single .npy array, not an .npz archive"
    return "not a readable .npz archive"


def _entry(who: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Entry:
    """The member's name, shape and dtype from its .npy header; its data is left unread."""
    if not info.filename.endswith(".npy"):
        raise ValueError(f"member {info.filename!r} is not an .npy array")
    with archive.open(info) as member:
        version = npy.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(member)
        else:
            raise ValueError(f"member {info.filename!r}: .npy version {version} is not supported")
        offset = member.tell()
    nbytes = math.prod(shape) * dtype.itemsize
    if not dtype.hasobject and info.file_size - offset != nbytes:
        raise ValueError(
            f"member {info.filename!r} declares shape {shape} of {dtype} ({nbytes} bytes) "
            f"but holds {info.file_size - offset} bytes of data"
        )
    name = info.filename[: -len(".npy")]

    def read() -> np.ndarray:
        if dtype.hasobject:
            raise ValueError(f"{who}: {name}: Object arrays cannot be loaded, pickles are refused")
        flat = np.empty(math.prod(shape), dtype)
        try:
            # ZipFile.open reads through a ZipExtFile (typeshed says only IO[bytes]).
            with cast(zipfile.ZipExtFile, archive.open(info)) as member:
                member.read(offset)
                # The extra read(1) must find the end, which also makes zipfile check the CRC.
                if member.readinto(flat.view(np.uint8).data) != nbytes or member.read(1):
                    raise ValueError("the data does not match the header")
        except _DAMAGED as e:
            raise ValueError(f"{who}: cannot read {name}: {e}") from None
        return flat.reshape(shape, order="F" if fortran else "C")

    shown = dtype.name
    if dtype.hasobject:
        shown += ": Object arrays cannot be loaded, pickles are refused"
    return Entry(name, shape, shown, dtype.kind == "f", read)
