"""Parameters: the Variables a layer learns, and the ordered collection that names them."""
from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from operator import attrgetter
from typing import TYPE_CHECKING

from cygrad.variable import Variable

__all__ = ["Parameter", "Parameters"]


class Parameter(Variable):
    """A Variable that a layer owns and an optimizer updates."""


class Parameters(Mapping[str, Parameter]):
    """An insertion-ordered mapping of names to Parameters.

    Iteration follows insertion order, so a model lists its parameters layer by layer and in
    the same order on every run (optimizer state and saved files rely on that).

    ``version`` counts the changes (every ``add`` and ``delete``): a listing built from this
    one, such as ``Model.params()``'s, stays valid as long as the version it saw is current.
    """

    def __init__(self) -> None:
        self._items: dict[str, Parameter] = {}
        self._version = 0

    if TYPE_CHECKING:

        @property
        def version(self) -> int:
            """How many times ``add`` and ``delete`` have changed this mapping."""

    else:
        # Read-only, with a getter in C: a model and an optimizer read it every step, and a
        # getter written in Python would cost a Python call each time.
        version = property(
            attrgetter("_version"),
            doc="How many times ``add`` and ``delete`` have changed this mapping.",
        )

    def add(self, name: str, p: Parameter) -> None:
        """Add ``p`` under ``name``; a name already present is an error, never a silent swap."""
        if not isinstance(name, str):
            raise TypeError(f"Parameters.add: name must be a str, got {type(name).__name__}")
        if not isinstance(p, Parameter):
            raise TypeError(
                f"Parameters.add: {name!r} must be a Parameter, got {type(p).__name__}"
            )
        if name in self._items:
            raise ValueError(f"Parameters.add: a parameter named {name!r} already exists")
        self._items[name] = p
        self._version += 1

    def delete(self, name: str) -> None:
        """Remove the parameter called ``name`` (KeyError when there is none)."""
        if name not in self._items:
            raise KeyError(f"Parameters.delete: no parameter named {name!r}")
        del self._items[name]
        self._version += 1

    def params(self) -> list[Parameter]:
        """The parameters in insertion order."""
        return list(self._items.values())

    def cleargrads(self) -> None:
        """Forget every parameter's gradient."""
        for p in self._items.values():
            p.cleargrad()

    def __getitem__(self, name: str) -> Parameter:
        return self._items[name]

    # The dict's own views: Mapping's generic ones look every entry up again in Python, and
    # every optimizer step and every Model.params() walks them.
    def items(self) -> ItemsView[str, Parameter]:
        return self._items.items()

    def values(self) -> ValuesView[Parameter]:
        return self._items.values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        body = ", ".join(f"{name!r}: {p.shape}" for name, p in self._items.items())
        return f"Parameters({{{body}}})"
