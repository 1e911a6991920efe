"""Finding the ``cygrad`` entry points of the installed distributions, one by one.

pluggy's ``load_setuptools_entrypoints`` stops at the first plugin that fails to import and
silently skips an entry point whose name another distribution already used; here every entry
point is listed, each distribution once (the copy that ``import`` would see), so the registry
can load and report each of them on its own.

``importlib.metadata`` is imported when the entry points are first looked for, not with this
module: it costs a few MiB of memory (email, zipfile, csv...), which a program that never
looks a name up in the registry should not pay.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import importlib.metadata


@dataclass(frozen=True)
class Found:
    """One entry point of one distribution, or why that distribution's entry points are unreadable."""

    distribution: str
    version: str | None
    entry_point: importlib.metadata.EntryPoint | None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.entry_point.name if self.entry_point is not None else "?"


def canonical(name: str) -> str:
    """A distribution name as packaging normalizes it (PEP 503): ``Foo_Bar`` -> ``foo-bar``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_entry_points(group: str) -> list[Found]:
    """Every entry point in ``group``, sorted by distribution and name."""
    import importlib.metadata

    found: list[Found] = []
    seen: set[str] = set()
    # distributions() walks sys.path in order, so the first copy of a distribution is the one
    # whose modules import; later copies are shadowed and skipped.
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            key = canonical(name)
            if key in seen:
                continue
            seen.add(key)
        label = name or "(distribution without a name)"
        try:
            eps = [ep for ep in dist.entry_points if ep.group == group]
        except Exception as exc:  # a malformed entry_points.txt
            found.append(Found(label, dist.version, None, f"unreadable entry points: {exc}"))
            continue
        found.extend(Found(label, dist.version, ep) for ep in eps)
    found.sort(key=lambda f: (canonical(f.distribution), f.name))
    return found
