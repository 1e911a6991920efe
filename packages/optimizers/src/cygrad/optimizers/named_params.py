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

from abc import get_cache_token
from collections.abc import Iterable, Mapping
from typing import Protocol, Union, cast

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
    return checked_pairs(where, listing_of(where, source))


Listing = Union[Mapping[object, object], list[object]]
"""What ``listing_of`` returns: a mapping as it is, or the entries of an iterable in a list."""


def listing_of(where: str, source: object) -> Listing:
    """What lists ``source``'s parameters: ``source.params()`` for a model, else ``source``
    itself (an iterable read into a list, so a generator is read once); a TypeError when it
    is none of the three forms. The entries are not checked yet (``checked_pairs``)."""
    params = getattr(source, "params", None)
    if not callable(params) or _is_mapping(source):
        listing = _as_listing(source)
        if listing is None:
            raise TypeError(
                f"{where}: expected a model (an object with params()), {_LISTINGS}, "
                f"got {_describe(source)}"
            )
        return listing
    return returned_listing(where, source, params())


def returned_listing(where: str, source: object, returned: object) -> Listing:
    """What ``listing_of`` makes of ``returned``, what the model ``source``'s ``params()``
    returned: the mapping as it is, an iterable's entries in a list, else a TypeError."""
    if type(returned) in _MAPPING_TYPES:  # what a model returns every step: no ABC check
        return cast(Listing, returned)
    listing = _as_listing(returned)
    if listing is None:
        raise TypeError(
            f"{where}: {type(source).__name__}.params() returned {_describe(returned)}, "
            f"expected {_LISTINGS}"
        )
    return listing


def checked_pairs(where: str, listing: Listing) -> list[tuple[str, Variable]]:
    """The ``(name, parameter)`` pairs of what ``listing_of`` returned (a list's entries named
    by position), each parameter object once; a TypeError for a name that is not a str or an
    entry that is not a Variable."""
    if isinstance(listing, list):
        return _once_each(where, [(str(i), p) for i, p in enumerate(listing)])
    return _once_each(where, listing.items())


def listing_version(listing: Listing) -> int | None:
    """The change count of a listing that keeps one, else None.

    ``cygrad.layers.Parameters`` counts every ``add`` and ``delete`` in an int ``version``:
    while the same object shows the same count, its pairs are the ones checked before, so
    ``Optimizer.update`` need not check them again. A dict or an iterable keeps no count.
    """
    version = getattr(listing, "version", None)
    return version if type(version) is int else None


# The types found to be mappings, and the types found not to be while the ABC cache token was
# ``_not_mappings_token``: ``isinstance(x, Mapping)`` runs Python code in ``abc`` every time,
# and an optimizer asks it of the same model every step. A type stays a mapping once it is
# one; a type that is not may become one when registered, which changes the token.
_MAPPING_TYPES: set[type] = set()
_NOT_MAPPING_TYPES: set[type] = set()
_not_mappings_token = get_cache_token()


def _is_mapping(source: object) -> bool:
    """``isinstance(source, Mapping)``, remembered per type."""
    global _not_mappings_token
    kind = type(source)
    if kind in _MAPPING_TYPES:
        return True
    token = get_cache_token()
    if token != _not_mappings_token:
        _NOT_MAPPING_TYPES.clear()
        _not_mappings_token = token
    if kind in _NOT_MAPPING_TYPES:
        return False
    answer = isinstance(source, Mapping)
    if source.__class__ is kind:  # not a stand-in that claims another class (a mock)
        (_MAPPING_TYPES if answer else _NOT_MAPPING_TYPES).add(kind)
    return answer


def _as_listing(source: object) -> Listing | None:
    """A mapping as it is, an iterable's entries in a list; None for anything else."""
    if _is_mapping(source):
        return cast(Listing, source)
    if isinstance(source, Iterable) and not isinstance(source, _NOT_LISTINGS):
        return list(source)
    return None


def _once_each(where: str, pairs: Iterable[tuple[object, object]]) -> list[tuple[str, Variable]]:
    """The checked pairs, dropping every repeat of a parameter object already listed."""
    # A fresh optimizer's first update runs this once per model: each object's id is taken
    # once, and the set's and list's methods are looked up once, not per pair.
    seen: set[int] = set()
    out: list[tuple[str, Variable]] = []
    see, keep = seen.add, out.append
    for name, p in pairs:
        if not isinstance(name, str):
            raise TypeError(f"{where}: parameter names must be str, got {name!r}")
        if not isinstance(p, Variable):
            raise TypeError(
                f"{where}: parameter {name!r} is {type(p).__name__}, expected a Variable"
            )
        key = id(p)
        if key not in seen:
            see(key)
            keep((name, p))
    return out


def _describe(value: object) -> str:
    """``None``, or the type name of ``value`` (a repr could be a whole array)."""
    return "None" if value is None else type(value).__name__
