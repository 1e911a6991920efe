"""Argument checks shared by layers, datasets and trainers: sizes and counts."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_size"]


def check_size(owner: str, name: str, value: Any, least: int = 1) -> int:
    """``value`` as an int of at least ``least``, or a TypeError/ValueError naming ``owner``
    and ``name`` (a layer's sizes, a dataset's counts)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__}")
    if value < least:
        raise ValueError(f"{owner}: {name} must be at least {least}, got {value}")
    return int(value)
