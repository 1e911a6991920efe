"""The rules a hyperparameter must satisfy, checked when an optimizer or hook is built."""
from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real

_RULES: dict[str, tuple[Callable[[float], bool], str]] = {
    "nonnegative": (lambda v: v >= 0.0, ">= 0"),
    "positive": (lambda v: v > 0.0, "> 0"),
    "fraction": (lambda v: 0.0 <= v < 1.0, "in [0, 1)"),
}


def checked(owner: str, name: str, value: object, rule: str) -> float:
    """``value`` as a float, or a ValueError naming ``owner``, the argument and the value.

    ``rule`` is "nonnegative", "positive" or "fraction" (in [0, 1)).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r}")
    number = float(value)
    accept, wanted = _RULES[rule]
    if math.isnan(number) or math.isinf(number) or not accept(number):
        raise ValueError(f"{owner}: {name} must be finite and {wanted}, got {value!r}")
    return number
