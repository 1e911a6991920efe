"""Checks of the layers' constructor arguments, raising errors that name the layer."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_dropout", "check_flag"]


def check_dropout(owner: str, dropout: Any) -> float:
    """``dropout`` as a float in [0, 1), or a TypeError/ValueError naming ``owner``."""
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: dropout must be a number, got {type(dropout).__name__}")
    if not 0 <= dropout < 1:
        raise ValueError(f"{owner}: dropout must be in [0, 1), got {dropout}")
    return float(dropout)


def check_flag(owner: str, name: str, value: Any) -> bool:
    """``value`` if it is a bool, else a TypeError naming ``owner`` and ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)
