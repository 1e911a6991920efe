"""The workloads of BENCHMARKS.md, one module each, run by ``cygrad bench``.

Each module lists its ``WORKLOADS``; ``workload.py`` says what a workload is and
``harness.py`` how they are timed.
"""
from __future__ import annotations

from cygrad.cli.benchmarks import (
    w1_rosenbrock,
    w2_mlp,
    w3_batch_mlp,
    w4_lstm,
    w5_overhead,
)
from cygrad.cli.benchmarks.workload import Workload

ALL: list[Workload] = [
    *w1_rosenbrock.WORKLOADS,
    *w2_mlp.WORKLOADS,
    *w3_batch_mlp.WORKLOADS,
    *w4_lstm.WORKLOADS,
    *w5_overhead.WORKLOADS,
]


def select(spec: str | None) -> list[Workload]:
    """The workloads named in a comma-separated ``spec`` ("W1,W5"; "W3" means every W3 variant).

    None selects all of them. An unknown name raises ValueError listing the known ones.
    """
    if spec is None:
        return list(ALL)
    chosen: list[Workload] = []
    for token in (t.strip().upper() for t in spec.split(",") if t.strip()):
        matches = [w for w in ALL if w.id.upper() == token or w.id.upper().startswith(token + "-")]
        if not matches:
            raise ValueError(
                f"bench: unknown workload {token!r}; known: {', '.join(w.id for w in ALL)}"
            )
        chosen.extend(w for w in matches if w not in chosen)
    return sorted(chosen, key=ALL.index)
