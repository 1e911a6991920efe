"""Peak memory of the workloads (``tools/bench --memory``), as docs/benchmarks.md asks: the peak
resident memory of each implementation as a ratio to NumPy's, and whether it stays flat.

Peak memory is a property of a whole process, so every implementation runs alone in a fresh
child process (``python -m benchmarks.memory ID IMPL STEPS RUNS``): it prepares
the workload, runs it ``RUNS`` times (W4: ten epochs, the 10,000 steps docs/benchmarks.md names)
and prints its peak and its resident memory after the first and after the last run. A graph
that leaks shows as growth between the two.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from typing import Any

from benchmarks import child_env, select
from benchmarks.workload import Workload

MiB = 1024 * 1024


def _resident() -> int | None:
    """This process's resident memory in bytes now (Linux), or None where unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _peak() -> int:
    """This process's peak resident memory in bytes (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def measure(workload: Workload, impl: str, steps: int, runs: int) -> dict[str, Any]:
    """Run one implementation ``runs`` times in this process; its memory figures in bytes."""
    run = workload.implementations(with_torch=impl == "torch")[impl](steps)
    run()
    after_first = _resident()
    for _ in range(runs - 1):
        run()
    return {"peak": _peak(), "after_first": after_first, "after_last": _resident()}


def measure_in_child(workload: Workload, impl: str, steps: int, runs: int) -> dict[str, Any]:
    """``measure`` in a fresh Python process, with the parent's environment (pinned threads)."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", workload.id, impl,
         str(steps), str(runs)],
        capture_output=True, text=True, env=child_env(),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{workload.id} {impl}: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def runs_for(workload: Workload, quick: bool) -> int:
    return min(workload.memory_runs, 2) if quick else workload.memory_runs


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / MiB:.1f}"


def memory_row(figures: dict[str, dict[str, Any]]) -> dict[str, str]:
    """One table row: each implementation's peak, cygrad's ratio to NumPy and its growth."""
    numpy_peak, cygrad = figures["numpy"]["peak"], figures["cygrad"]
    growth = (None if cygrad["after_first"] is None or cygrad["after_last"] is None
              else cygrad["after_last"] - cygrad["after_first"])
    row = {name: _mib(f["peak"]) for name, f in figures.items()}
    row["cygrad/numpy"] = f"{cygrad['peak'] / numpy_peak:.2f}x"
    row["cygrad growth"] = "-" if growth is None else f"{growth / MiB:+.1f}"
    return row


def main(argv: list[str]) -> int:
    workload_id, impl, steps, runs = argv
    (workload,) = select(workload_id)
    print(json.dumps(measure(workload, impl, int(steps), int(runs))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
