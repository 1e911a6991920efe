"""Structural types shared by the packages: what an object must provide to be used as a layer,
an activation or an optimizer, and the optional parts that some code relies on.

They live in core (not in cygrad-layers or cygrad-models) so that the plugin registry and
``cygrad.testing`` can check a third-party component without depending on the other
distributions; ``cygrad.layers`` re-exports ``Layer``. Every protocol is runtime-checkable:
``isinstance(obj, LazyLayer)`` tells whether ``obj`` has the members (not their signatures).

- ``Layer``: what ``Model``, ``Sequential`` and the optimizers call on every layer.
- ``LazyLayer``: a layer that creates its parameters on its first call. ``Model.load`` asks
  it for the shapes and creates the parameters from a file, so a fresh model loads without a
  dummy call; ``Model.save`` refuses one that is not ``initialized`` yet.
- ``StatefulLayer``: a layer that carries state across calls; ``Sequential.reset_state()`` and
  the conformance checks call ``reset_state()``.
- ``Activation`` and ``SupportsUpdate``: what a registered activation and optimizer are;
  ``SupportsStateDict``: an optimizer that can be saved and resumed.

Parameters are ``cygrad.layers.Parameter`` objects (Variables an optimizer updates), kept in a
``cygrad.layers.Parameters`` mapping, which gives the stable order saving relies on.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeGuard, runtime_checkable

from cygrad.variable import Variable

__all__ = [
    "Activation",
    "Layer",
    "LazyLayer",
    "StatefulLayer",
    "SupportsStateDict",
    "SupportsUpdate",
    "awaiting_parameters",
]


@runtime_checkable
class Layer(Protocol):
    """The four methods of the original's layer interface.

    ``params()`` returns an ordered mapping of names to parameters: ``cygrad.layers.Parameters``
    for the built-in layers.
    """

    # Inputs are Variables or arrays, as many as the layer takes (``*xs: Any`` admits a
    # layer of any fixed number of inputs).
    def first(self, *xs: Any) -> Variable:
        """Run the layer and return its first output."""

    def forward(self, *xs: Any) -> list[Variable]:
        """Run the layer and return all its outputs."""

    def params(self) -> Mapping[str, Variable]:
        """The learnable parameters by name, in a fixed order."""

    def cleargrads(self) -> None:
        """Forget every parameter's gradient."""


@runtime_checkable
class LazyLayer(Layer, Protocol):
    """A layer whose parameters are created from the size of its first input (its last
    dimension, or the channel axis of images).

    Until then ``params()`` is empty and ``initialized`` is False. ``param_shapes(in_size)``
    names every parameter and its shape, in ``params()`` order, without creating anything;
    ``initialize(in_size)`` creates exactly those parameters (the first call does the same).
    ``in_key`` names the parameter whose first dimension is the input size, which is how
    ``Model.load`` reads the input size from a file; a layer whose parameter holds it on
    another axis says which in an optional ``in_axis`` (a convolution's weight, of shape
    (out, in, kh, kw), sets 1). ``cygrad.layers.LayerBase`` provides all of this to a
    subclass that defines ``param_shapes``.
    """

    in_key: str

    @property
    def initialized(self) -> bool:
        """Whether the parameters exist."""

    def param_shapes(self, in_size: int) -> Mapping[str, tuple[int, ...]]:
        """Every parameter's name and shape for inputs of ``in_size`` features, in order."""

    def initialize(self, in_size: int) -> None:
        """Create the parameters for inputs of ``in_size`` features."""


@runtime_checkable
class StatefulLayer(Layer, Protocol):
    """A layer whose output depends on earlier calls (a recurrent layer's hidden state)."""

    def reset_state(self) -> None:
        """Forget the state: the next call starts a new sequence."""


@runtime_checkable
class Activation(Protocol):
    """A function of one Variable returning a Variable of the same shape.

    Any further parameters are keyword arguments with defaults (``leaky_relu(x, slope=0.01)``).
    """

    def __call__(self, x: Variable, /) -> Variable:
        """Apply the activation elementwise (or along an axis, like softmax)."""


@runtime_checkable
class SupportsUpdate(Protocol):
    """An optimizer: ``update(model)`` steps every parameter of ``model.params()`` that has a
    gradient. ``cygrad.optimizers.Optimizer`` is the base class that provides it."""

    def update(self, model: Any) -> None:
        """Change the parameters of ``model`` from their gradients."""


@runtime_checkable
class SupportsStateDict(Protocol):
    """An optimizer that can be saved and resumed: ``load_state_dict(state_dict())`` on a
    fresh optimizer makes it continue exactly where the first one was."""

    def state_dict(self) -> Mapping[str, Any]:
        """A copy of everything the next updates depend on."""

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""


def awaiting_parameters(layer: object) -> TypeGuard[LazyLayer]:
    """Whether ``layer`` is a ``LazyLayer`` whose parameters are not created yet."""
    return isinstance(layer, LazyLayer) and not layer.initialized
