"""Loading named arrays into a model: the one set of checks behind ``Model.load`` (every file
format) and ``Model.load_state_dict``.

A source is a list of ``Entry``: each names an array and tells its shape and dtype before its
data is read. Names, shapes and dtypes are checked against the model first, so a file holding
an unexpected or a huge entry is refused without reading it. Then the data is read, cast to
the parameters' dtypes and checked for overflow and non-finite values. Only when everything
passed does anything change.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from cygrad.variable import Variable

if TYPE_CHECKING:
    from cygrad.models.model import Expected, Model

__all__ = ["Entry", "NameMap", "check_load_options", "entries_from_mapping", "load_entries"]

#: ``map_names`` of ``Model.load``: a dict from the source's names to the model's (names not
#: in it are kept), or a callable ``(name, array) -> (model_name, array)``, or None to skip.
NameMap = Union[
    Mapping[str, str], Callable[[str, np.ndarray], Optional[tuple[str, Any]]], None
]


@dataclass(frozen=True)
class Entry:
    """One named array of a source, described before its data is read.

    ``dtype`` is the name shown in messages; ``floating`` tells whether it is a NumPy
    floating-point type (only those become parameters). ``read()`` gives the data, and
    ``owned`` says nobody else holds that array, so it may become a parameter without a copy.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    floating: bool
    read: Callable[[], np.ndarray]
    owned: bool = True


def check_load_options(who: str, map_names: NameMap, allow_nonfinite: bool) -> None:
    """Refuse a ``map_names`` or ``allow_nonfinite`` of the wrong kind before any file is read."""
    if not isinstance(allow_nonfinite, bool):
        raise TypeError(f"{who}: allow_nonfinite must be True or False, got {allow_nonfinite!r}")
    if map_names is None or callable(map_names) and not isinstance(map_names, Mapping):
        return
    if not isinstance(map_names, Mapping):
        raise TypeError(
            f"{who}: map_names must be a dict of file names to model names or a callable "
            f"(name, array) -> (model_name, array) | None, got {type(map_names).__name__}"
        )
    bad = [
        f"{k!r}: {v!r}"
        for k, v in map_names.items()
        if not (isinstance(k, str) and isinstance(v, str))
    ]
    if bad:
        raise TypeError(f"{who}: map_names must map str to str; not so: {', '.join(bad)}")


def entries_from_mapping(who: str, mapping: Any) -> list[Entry]:
    """A state dict's items as entries: arrays, Variables or anything NumPy converts, by name."""
    if not isinstance(mapping, Mapping):
        raise TypeError(
            f"{who}: expected a mapping of names to arrays (as state_dict() gives), got "
            f"{type(mapping).__name__}"
        )
    entries = []
    for name, value in mapping.items():
        if not isinstance(name, str):
            raise TypeError(f"{who}: names must be str, got {name!r}")
        entries.append(_entry_of(who, name, value, owned=False))
    return entries


def load_entries(
    model: Model,
    entries: list[Entry],
    *,
    who: str,
    map_names: NameMap = None,
    strict: bool = True,
    allow_nonfinite: bool = False,
) -> None:
    """Set ``model``'s parameters from ``entries``, or raise ValueError changing nothing.

    ``strict`` wants exactly the model's names; otherwise names the model lacks are ignored
    and parameters the entries lack keep their values. Shapes must match either way. A layer
    not called yet is created from the entries' shapes.
    """
    if not isinstance(strict, bool):
        raise TypeError(f"{who}: strict must be True or False, got {strict!r}")
    by_name = _by_name(who, _renamed(who, entries, map_names))
    shapes = {k: e.shape for k, e in by_name.items()}
    expected, to_create, problems = model._expected_params(shapes)
    present = [k for k in expected if k in by_name]
    _refuse(who, problems + _header_problems(by_name, expected, present, strict))
    values = _read_values(who, by_name, expected, present, allow_nonfinite)
    for layer, in_size in to_create:
        layer.initialize(in_size)
    for key, p in model.params().items():
        if key in values:
            p.data = values[key]


def _header_problems(
    by_name: dict[str, Entry], expected: Expected, present: list[str], strict: bool
) -> list[str]:
    """What is wrong with the names, shapes and dtypes, known before any data is read."""
    problems: list[str] = []
    if strict:
        _add(problems, "missing", [k for k in expected if k not in by_name])
        _add(problems, "extra", [k for k in by_name if k not in expected])
    else:  # strict reports the missing entry that would give the input size instead
        _add(problems, "of a layer not created yet, without the entry that gives its input size", [
            k for k in present if expected[k][0] is None
        ])
    _add(problems, "mis-shaped", [
        f"{k} (file {by_name[k].shape}, model {shape})"
        for k in present
        if (shape := expected[k][0]) is not None and by_name[k].shape != shape
    ])
    _add(problems, "not floating point", [
        f"{k} ({by_name[k].dtype})" for k in present if not by_name[k].floating
    ])
    return problems


def _read_values(
    who: str, by_name: dict[str, Entry], expected: Expected, present: list[str],
    allow_nonfinite: bool,
) -> dict[str, np.ndarray]:
    """The entries' data in the parameters' dtypes; overflow and NaN or inf are refused."""
    values = {}
    overflow, nonfinite = [], []
    for key in present:
        entry, dtype = by_name[key], expected[key][1]
        raw = entry.read()
        with np.errstate(over="ignore", invalid="ignore"):
            # A fresh array from a file may become the parameter; a caller's array is copied.
            value = (np.asarray if entry.owned else np.array)(raw, dtype=dtype, order="C")
        if not np.isfinite(value).all():
            raw_finite = np.isfinite(raw)
            if (raw_finite & ~np.isfinite(value)).any():
                overflow.append(f"{key} (values beyond {dtype}'s range)")
            if not allow_nonfinite and not raw_finite.all():
                nonfinite.append(key)
        values[key] = value
    problems: list[str] = []
    _add(problems, "overflow", overflow)
    _add(problems, "not finite (NaN or inf; pass allow_nonfinite=True to load them)", nonfinite)
    _refuse(who, problems)
    return values


def _renamed(who: str, entries: list[Entry], map_names: NameMap) -> list[Entry]:
    """The entries under the model's names. A callable sees each array, so every entry is read."""
    if map_names is None:
        return entries
    if isinstance(map_names, Mapping):
        return [replace(e, name=map_names.get(e.name, e.name)) for e in entries]
    out = []
    for e in entries:
        result = map_names(e.name, e.read())
        if result is None:
            continue
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], str)):
            raise TypeError(
                f"{who}: map_names({e.name!r}, array) must return (model_name, array) or None, "
                f"got {result!r:.80}"
            )
        out.append(_entry_of(who, result[0], result[1], owned=False))
    return out


def _entry_of(who: str, name: str, value: Any, *, owned: bool) -> Entry:
    array = value.data if isinstance(value, Variable) else value
    try:
        array = np.asarray(array)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{who}: {name}: not an array: {e}") from None
    return Entry(name, array.shape, array.dtype.name, array.dtype.kind == "f", lambda: array, owned)


def _by_name(who: str, entries: list[Entry]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    twice = []
    for e in entries:
        if e.name in out:
            twice.append(e.name)
        out[e.name] = e
    _refuse(who, _add([], "given more than once", twice))
    return out


def _add(problems: list[str], label: str, items: list[str]) -> list[str]:
    if items:
        problems.append(f"{label}: {', '.join(items)}")
    return problems


def _refuse(who: str, problems: list[str]) -> None:
    if problems:
        raise ValueError(
            f"{who}: the weights do not match the model, nothing was changed; "
            + "; ".join(problems)
        )
