"""Which format a weights file is written and read in, chosen by its suffix.

``.safetensors`` goes through the ``safetensors`` package (an optional dependency); any other
name is an .npz archive, as ``save`` always wrote. Each format module provides
``write(f, arrays)`` and ``open_entries(who, path)`` (a context manager giving the file's
``Entry`` list, names, shapes and dtypes read from the headers).
"""
from __future__ import annotations

from types import ModuleType

from cygrad.models import npz_format, safetensors_format

__all__ = ["for_path"]


def for_path(who: str, path: str) -> ModuleType:
    """The format module for ``path``; ImportError when its package is not installed."""
    if path.lower().endswith(".safetensors"):
        safetensors_format.require(who)
        return safetensors_format
    return npz_format
