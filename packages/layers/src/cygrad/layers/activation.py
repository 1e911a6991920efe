"""An activation as a layer: what ``Sequential`` puts at an activation's position."""
from __future__ import annotations

import functools
from typing import Any, Callable

from cygrad.layers.parameter import Parameters
from cygrad.variable import Variable

__all__ = ["ActivationLayer", "callable_name"]


class ActivationLayer:
    """An activation inside a ``Sequential``: a Layer without parameters that applies ``fn``.

    It takes a position (and so a parameter-key index) like any layer.
    """

    def __init__(self, fn: Callable[[Variable], Variable]) -> None:
        self.fn = fn

    def first(self, x: Any) -> Variable:
        return self.fn(x)

    def forward(self, x: Any) -> list[Variable]:
        return [self.fn(x)]

    def params(self) -> Parameters:
        return Parameters()

    def cleargrads(self) -> None:
        """Nothing to clear: an activation has no parameters."""

    def __repr__(self) -> str:
        return f"ActivationLayer({callable_name(self.fn)})"


def callable_name(fn: Any) -> str:
    """An activation's name for messages and reprs: ``cube(shift=0.5)`` for a partial."""
    if isinstance(fn, functools.partial):
        keywords = ", ".join(f"{k}={v!r}" for k, v in fn.keywords.items())
        return f"{callable_name(fn.func)}({keywords})"
    return getattr(fn, "__name__", None) or type(fn).__name__
