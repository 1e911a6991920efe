"""MLP: the seed's multi-layer perceptron, one Linear per output size."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import cygrad.functions as F
from cygrad import registry
from cygrad.layers import Linear
from cygrad.models.model import Model
from cygrad.variable import Variable
from cygrad.random import RNGLike, rng_from

__all__ = ["MLP", "Activation", "resolve_activation"]

Activation = Union[Callable[[Variable], Variable], str]


def resolve_activation(activation: Activation) -> Callable[[Variable], Variable]:
    """The callable that ``activation`` names: a registered activation's name (``"relu"``,
    or one a plugin registered) is looked up in ``cygrad.registry``; a callable is used as it is."""
    if isinstance(activation, str):
        return registry.activation(activation)
    if callable(activation):
        return activation
    raise TypeError(
        f"MLP: activation must be a callable Variable -> Variable, got {activation!r}"
    )


class MLP(Model):
    """Linear layers of the given output sizes, ``activation`` after every one but the last.

    ``MLP([10, 10, 1])`` maps inputs of any feature size (set by the first call) to 1 output.
    All layers draw their weights from one generator made from ``rng``, in layer order, so
    the same seed gives the same model.
    """

    def __init__(
        self,
        out_sizes: Sequence[int],
        *,
        activation: Activation = F.sigmoid,
        rng: RNGLike = None,
    ) -> None:
        iterable = isinstance(out_sizes, Iterable) and not isinstance(out_sizes, str)
        sizes = list(out_sizes) if iterable else []
        if not sizes:
            raise ValueError(f"MLP: out_sizes must be a non-empty list of ints, got {out_sizes!r}")
        self.activation = resolve_activation(activation)
        gen = rng_from(rng)
        super().__init__([Linear(n, rng=gen) for n in sizes])

    def forward(self, x: Any) -> Variable:
        """``x`` through every layer, with the activation between layers."""
        *hidden, last = self.layers
        for layer in hidden:
            x = self.activation(layer.first(x))
        return last.first(x)
