"""Structural types shared by the packages: what any object must provide to act as a layer.

The Layer protocol lives in core (not in cygrad-layers) so the plugin registry can check a
third-party layer without depending on the layers distribution; ``cygrad.layers`` re-exports it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from cygrad.variable import Variable

__all__ = ["Layer"]


@runtime_checkable
class Layer(Protocol):
    """The four methods of the original's layer interface.

    ``isinstance(obj, Layer)`` checks that the four methods exist (not their signatures).
    ``params()`` returns an ordered mapping of names to parameters: ``cygrad.layers.Parameters``
    for the built-in layers.
    """

    def first(self, *xs: Variable) -> Variable:
        """Run the layer and return its first output."""

    def forward(self, *xs: Variable) -> list[Variable]:
        """Run the layer and return all its outputs."""

    def params(self) -> Mapping[str, Variable]:
        """The learnable parameters by name, in a fixed order."""

    def cleargrads(self) -> None:
        """Forget every parameter's gradient."""
