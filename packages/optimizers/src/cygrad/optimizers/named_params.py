"""What an optimizer accepts as "the parameters": a model, a mapping, or an iterable of them.

``update`` and ``load_state_dict`` take any of three forms and see one list of
``(name, parameter)`` pairs:

- a model (anything with ``params()``): the names ``params()`` gives;
- a mapping of names to parameters (``model.params()``, a ``Parameters``, a dict);
- an iterable of parameters (``model.params().values()``, a list), as ``torch.optim`` takes
  ``model.parameters()``: the names are the positions ``"0"``, ``"1"``, ...

A parameter object listed twice (a layer shared in two places) appears once, under its
first name, so it is never stepped twice.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, Union

import numpy as np

from cygrad.variable import Variable


class HasParams(Protocol):
    """Anything with ``params()`` returning a mapping of names to parameters (a model, a layer)."""

    def params(self) -> Mapping[str, Variable]: ...


# Iterable, but never a list of parameters: a lone Variable iterates over its rows.
_NOT_LISTINGS = (str, bytes, np.ndarray, Variable)
_LISTINGS = "a mapping of names to parameters or an iterable of parameters"

ParamSource = Union[HasParams, Mapping[str, Variable], Iterable[Variable]]
"""The forms ``Optimizer.update`` and ``Optimizer.load_state_dict`` accept."""


def named_params(where: str, source: object) -> list[tuple[str, Variable]]:
    """``source``'s parameters as ``(name, parameter)`` pairs, each parameter object once.

    ``where`` (``"Adam.update"``) starts every error message. A form that is none of the
    three, a name that is not a str and an entry that is not a Variable raise TypeError.
    """
    params = getattr(source, "params", None)
    if isinstance(source, Mapping) or not callable(params):
        pairs = _pairs(source)
        if pairs is None:
            raise TypeError(
                f"{where}: expected a model (an object with params()), {_LISTINGS}, "
                f"got {_describe(source)}"
            )
    else:
        listing = params()
        pairs = _pairs(listing)
        if pairs is None:
            raise TypeError(
                f"{where}: {type(source).__name__}.params() returned {_describe(listing)}, "
                f"expected {_LISTINGS}"
            )
    return _once_each(where, pairs)


def _pairs(listing: object) -> Iterable[tuple[object, object]] | None:
    """``(name, entry)`` pairs of a mapping or an iterable (named by position); else None."""
    if isinstance(listing, Mapping):
        return listing.items()
    if isinstance(listing, Iterable) and not isinstance(listing, _NOT_LISTINGS):
        return [(str(i), p) for i, p in enumerate(listing)]
    return None


def _once_each(where: str, pairs: Iterable[tuple[object, object]]) -> list[tuple[str, Variable]]:
    """The checked pairs, dropping every repeat of a parameter object already listed."""
    seen: set[int] = set()
    out: list[tuple[str, Variable]] = []
    for name, p in pairs:
        if not isinstance(name, str):
            raise TypeError(f"{where}: parameter names must be str, got {name!r}")
        if not isinstance(p, Variable):
            raise TypeError(
                f"{where}: parameter {name!r} is {type(p).__name__}, expected a Variable"
            )
        if id(p) not in seen:
            seen.add(id(p))
            out.append((name, p))
    return out


def _describe(value: object) -> str:
    """``None``, or the type name of ``value`` (a repr could be a whole array)."""
    return "None" if value is None else type(value).__name__
