"""The plugin table printed by ``python -m cygrad.registry`` and ``cygrad plugins``."""
from __future__ import annotations

import warnings

from cygrad.registry import REGISTRY
from cygrad.registry.checks import KINDS
from cygrad.registry.errors import PluginWarning
from cygrad.registry.manager import PluginInfo

HEADER = ("PLUGIN", "DISTRIBUTION", "VERSION", "PROVIDES")


def format_table(rows: list[PluginInfo]) -> str:
    """One line per plugin and kind it provides; problems indented under their plugin."""
    lines: list[tuple[str, str, str, str]] = []
    notes: dict[int, tuple[str, ...]] = {}
    for row in rows:
        provides = [f"{kind}: {', '.join(row.provides[kind])}" for kind in KINDS if kind in row.provides]
        first = (row.plugin, row.distribution or "(in-process)", row.version or "-")
        for i, text in enumerate(provides or ["-"]):
            lines.append((*first, text) if i == 0 else ("", "", "", text))
        notes[len(lines) - 1] = row.problems
    widths = [max(len(line[c]) for line in [HEADER, *lines]) for c in range(3)]
    out = []
    for i, line in enumerate([HEADER, *lines], start=-1):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths)) + "  " + line[3])
        out.extend(f"    problem: {p}" for p in notes.get(i, ()))
    counts = {kind: sum(len(r.provides.get(kind, ())) for r in rows) for kind in KINDS}
    problems = sum(len(r.problems) for r in rows)
    out.append("")
    out.append(
        f"{len(rows)} plugins: "
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + f"; {problems} problem{'s' if problems != 1 else ''}"
    )
    return "\n".join(line.rstrip() for line in out)


def main() -> int:
    """Print the table of installed plugins; exit status 1 when any plugin has a problem."""
    # Never raise here, even under CYGRAD_STRICT_PLUGINS, nor warn: the table shows problems.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        rows = REGISTRY.plugins(strict=False)
    print(format_table(rows))
    return 1 if any(r.problems for r in rows) else 0
