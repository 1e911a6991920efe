"""Flatten: each example's features as one row, the bridge from images to a linear layer."""
from __future__ import annotations

import math
from typing import Any

import cygrad.functions as F
from cygrad.layers import ParameterLayer
from cygrad.variable import Variable

from cygrad_contrib_vision.functions.window import operand

__all__ = ["Flatten"]


class Flatten(ParameterLayer):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...): axis 0 is kept, the others joined."""

    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = ()

    def forward(self, x: Any) -> list[Variable]:
        x = operand(x)
        if x.ndim == 0:
            raise ValueError("Flatten: expected an input with a batch axis, got a 0-d one")
        return [F.reshape(x, (x.shape[0], math.prod(x.shape[1:])))]

    def __repr__(self) -> str:
        return "Flatten()"
