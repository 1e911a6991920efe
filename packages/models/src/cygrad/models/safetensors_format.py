"""The .safetensors format, through the optional ``safetensors`` package.

The file is a JSON header (names, dtypes, shapes, offsets) followed by raw little-endian data;
``safetensors`` checks that the header covers the file exactly before anything is read, and
reads an array only when asked, so names, shapes and dtypes are judged from the header alone.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

import numpy as np

from cygrad.models.loading import Entry

__all__ = ["INSTALL", "open_entries", "require", "write"]

INSTALL = 'pip install "cygrad[safetensors]"'

#: The safetensors dtypes NumPy holds as floating point, by their NumPy names.
_FLOATS = {"F16": "float16", "F32": "float32", "F64": "float64"}


def require(who: str) -> Any:
    """The ``safetensors`` package, or an ImportError that says how to install it."""
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            f"{who}: .safetensors files need the safetensors package: {INSTALL}"
        ) from None
    return safetensors


def write(f: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to the open file ``f`` (safetensors reads raw memory: contiguous only)."""
    from safetensors.numpy import save

    f.write(save({k: np.ascontiguousarray(v) for k, v in arrays.items()}))


@contextmanager
def open_entries(who: str, path: str) -> Iterator[list[Entry]]:
    """The file's arrays as entries, readable while the context is open."""
    safetensors = require(who)
    # Opened here first so that a missing file, a folder or a refused permission raises
    # Python's OSError naming the path (safetensors' own errors name neither).
    with open(path, "rb"):
        pass
    try:
        handle = safetensors.safe_open(path, framework="numpy")
    except safetensors.SafetensorError as e:
        raise ValueError(f"{who}: not a readable .safetensors file: {e}") from None
    with handle:
        yield [_entry(who, handle, name) for name in handle.keys()]


def _entry(who: str, handle: Any, name: str) -> Entry:
    """The array's shape and dtype from the header; its data is read by ``read()``."""
    info = handle.get_slice(name)
    dtype = info.get_dtype()

    def read() -> np.ndarray:
        try:
            array: np.ndarray = handle.get_tensor(name)
            return array
        except Exception as e:  # safetensors' own error, or NumPy's for a dtype it lacks (BF16)
            raise ValueError(f"{who}: cannot read {name}: {e}") from None

    return Entry(name, tuple(info.get_shape()), _FLOATS.get(dtype, dtype), dtype in _FLOATS, read)
