"""Which parameter object each of an optimizer's names belongs to: one optimizer per model.

Optimizer state is keyed by name, so a second model whose names coincide with the first's
would silently share Adam's moments and step count. Remembering the object behind each name
(weakly, so a discarded model is freed) turns that into an error.
"""
from __future__ import annotations

import weakref

from cygrad.variable import Variable


class Owners:
    """The parameter object behind each name an optimizer has updated."""

    def __init__(self) -> None:
        self._refs: dict[str, weakref.ref[Variable]] = {}
        self._names: dict[int, str] = {}

    def unknown(self, where: str, named: list[tuple[str, Variable]]) -> list[tuple[str, Variable]]:
        """The pairs not yet remembered; a ValueError when a known name now lists another
        object, or a known object comes under another name. Changes nothing."""
        if not self._refs:
            # Nothing remembered yet (a fresh optimizer's first update): no name and no object
            # can clash, so every pair is new. ``_names`` is empty too: both change together.
            return list(named)
        new = []
        for name, p in named:
            ref = self._refs.get(name)
            if ref is not None:
                if ref() is not p:
                    raise ValueError(
                        f"{where}: parameter {name!r} is not the one this optimizer's state "
                        f"for {name!r} belongs to (use one optimizer per model)"
                    )
                continue
            other = self._names.get(id(p))
            if other is not None and self._refs[other]() is p:
                raise ValueError(
                    f"{where}: parameter {name!r} was updated as {other!r} before "
                    "(pass the same form every time; use one optimizer per model)"
                )
            new.append((name, p))
        return new

    def remember(self, named: list[tuple[str, Variable]]) -> None:
        """Tie each name to its parameter object from now on."""
        refs, names = self._refs, self._names
        for name, p in named:
            refs[name] = weakref.ref(p)
            names[id(p)] = name

    def forget(self) -> None:
        """Tie no name to any object (after loading state meant for other parameters)."""
        self._refs.clear()
        self._names.clear()
