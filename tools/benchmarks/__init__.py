"""The speed workloads of docs/benchmarks.md and their reference implementations (not installed).

``tools/bench`` runs them (``runner.py``); ``workload.py`` says what a workload is and
``harness.py`` how one is timed. Every module here named ``w<number>_<topic>.py`` with a
top-level ``WORKLOADS`` list is found by its name, so adding a workload is adding one such
file. A ``w<number>_*.py`` without that list (a script run on its own) is never imported.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import re
from pathlib import Path

from benchmarks.workload import Workload

_WORKLOAD_MODULE = re.compile(r"w(\d+)_\w+")
_WORKLOADS_LIST = re.compile(r"^WORKLOADS\b", re.M)


def _lists_workloads(name: str) -> bool:
    """Whether module ``name`` of this package assigns ``WORKLOADS`` at its top level, read
    from its source so that a standalone script is never imported (it may need other packages
    or set the environment)."""
    return bool(_WORKLOADS_LIST.search((Path(__file__).parent / f"{name}.py").read_text()))


def _discover() -> list[Workload]:
    """The ``WORKLOADS`` of every ``w<number>_*`` module, in the order of their numbers."""
    modules = sorted(
        (int(match.group(1)), info.name)
        for info in pkgutil.iter_modules(__path__)
        if (match := _WORKLOAD_MODULE.fullmatch(info.name)) and _lists_workloads(info.name)
    )
    return [w for _, name in modules
            for w in importlib.import_module(f"{__name__}.{name}").WORKLOADS]


ALL: list[Workload] = _discover()


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment plus ``extra``, with this package's folder on PYTHONPATH,
    for a child Python that imports ``benchmarks`` from any working directory."""
    tools = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (tools, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, **extra, "PYTHONPATH": path}


def select(spec: str | None) -> list[Workload]:
    """The workloads named in a comma-separated ``spec`` ("W1,W5"; "W3" means every W3 variant).

    None selects all of them. An unknown name, or no name at all, raises ValueError.
    """
    if spec is None:
        return list(ALL)
    tokens = [t.strip().upper() for t in spec.split(",") if t.strip()]
    if not tokens:
        raise ValueError(f"no workload named in {spec!r}; known: {', '.join(w.id for w in ALL)}")
    chosen: list[Workload] = []
    for token in tokens:
        matches = [w for w in ALL if w.id.upper() == token or w.id.upper().startswith(token + "-")]
        if not matches:
            raise ValueError(f"unknown workload {token!r}; known: {', '.join(w.id for w in ALL)}")
        chosen.extend(w for w in matches if w not in chosen)
    return sorted(chosen, key=ALL.index)
