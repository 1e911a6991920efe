"""Time the workloads of docs/benchmarks.md against hand-written NumPy, side by side (tools/bench).

Each workload runs as NumPy (forward plus a manual backward), cygrad and optionally PyTorch,
from the same starting numbers, alternating in short blocks over several rounds in this one
process. The table gives the median time of each, the median ratio to NumPy with its range
over the rounds and a confidence interval, and a verdict against the workload's target:
uncertain while the target lies inside the interval.
A workload with a baseline of its own (W6 against training in one process) gets a table of
its own, a row per variant, with the ratios to that baseline.
Every BLAS and OpenMP pool must be pinned to one thread before NumPy loads: tools/bench sets
the variables, and without them the runner replaces itself with a process that has them.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
from typing import Any, Sequence

import numpy as np

from benchmarks import child_env, select
from benchmarks.harness import CLOCKS, median_interval, run_workload
from benchmarks.memory import measure_in_child, memory_row, runs_for
from benchmarks.workload import Workload, missing_requirements
from cygrad.cli.arguments import CommandParser
from cygrad.options import output_file, whole_number
from cygrad.cli.interrupt import interrupted

PROG = "tools/bench"
PIN = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
DEFAULT_ROUNDS = 5
MEMORY_DEFAULT = "W3,W4"  # the workloads whose memory the benchmarks ask about
QUICK_ROUNDS = 2


def workload_list(text: str) -> list[Workload]:
    """A ``type=`` for ``--workloads``: the named workloads (``select``), at least one."""
    try:
        return select(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog=PROG, description=__doc__)
    p.add_argument("--workloads", type=workload_list, metavar="W1,W5",
                   help="comma-separated workload ids; W3 selects every W3 variant "
                        "(default: all)")
    p.add_argument("--rounds", type=whole_number(1),
                   help="timed rounds, each running every implementation's steps in "
                        f"alternating blocks (default {DEFAULT_ROUNDS}, {QUICK_ROUNDS} with "
                        "--quick; more rounds narrow the confidence interval)")
    p.add_argument("--quick", action="store_true",
                   help="few steps per run: checks that everything works, timings are rough")
    p.add_argument("--torch", action="store_true",
                   help="add PyTorch as a third implementation when it is installed")
    p.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                   help="cpu: this process's CPU time (default, steadier on a shared machine); "
                        "wall: elapsed time")
    p.add_argument("--json", type=output_file, metavar="FILE",
                   help="also write every timing to FILE as JSON")
    p.add_argument("--memory", action="store_true",
                   help="measure peak resident memory instead of time, each implementation in "
                        f"its own process (default workloads {MEMORY_DEFAULT})")
    return p


def _unpinned() -> list[str]:
    return [f"{k}={os.environ.get(k, '(unset)')}" for k, v in PIN.items() if os.environ.get(k) != v]


def _exec_pinned(argv: Sequence[str], unpinned: list[str]) -> None:
    """Replace this process by the same command with the pinning variables set."""
    print(
        f"{PROG}: threads not pinned ({', '.join(unpinned)}); running again with "
        + " ".join(f"{k}={v}" for k, v in PIN.items()),
        file=sys.stderr,
        flush=True,
    )
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *argv], child_env(**PIN))


def _fmt_time(value: float) -> str:
    return f"{value:.4g}"


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _target_text(w: Any) -> str:
    return "-" if w.target is None else f"<={w.target:g}x"


def _verdict(target: float | None, stretch: float | None,
             interval: tuple[float, float, float]) -> str:
    """Whether the median ratio meets ``target`` (or ``stretch``), judged by its confidence
    interval: "uncertain" while the target lies inside it, where another run could say either."""
    low, high, _ = interval
    if stretch is not None and high <= stretch:
        return "meets stretch"
    if target is None:
        return "-"
    if high <= target:
        return "meets target"
    return "over target" if low > target else "uncertain"


def _interval_column(rounds: int) -> str:
    """The heading of the interval column: its coverage, which depends on the rounds only."""
    return f"{median_interval([0.0] * rounds)[2]:.0%} CI"


def _fmt_range(low: float, high: float) -> str:
    return f"{low:.2f}-{high:.2f}x"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(wd) for c, wd in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * wd for wd in widths))
    return "\n".join(lines)


def _timing_record(result: Any, impl: str) -> dict[str, Any]:
    """The JSON fields of ``impl``'s ratio: the median, the rounds, the interval."""
    low, high, coverage = result.interval(impl)
    return {"ratio": result.ratio(impl), "round_ratios": result.round_ratios(impl),
            "interval": [low, high], "confidence": coverage}


def _summarise(w: Any, result: Any, steps: int, with_torch: bool, clock: str,
               notes: list[str]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The table rows and one JSON record for a workload that ran (checks passed or not)."""
    if w.baseline != "numpy":
        return _summarise_variants(w, result, steps, clock, notes)
    row = {"workload": w.id, "unit": w.unit, "target": _target_text(w)}
    record: dict[str, Any] = {"id": w.id, "title": w.title, "unit": w.unit, "steps": steps,
                              "baseline": "numpy", "clock": clock,
                              "target": w.target, "stretch": w.stretch}
    if not result.ok:
        notes.extend(f"{w.id}: CHECK FAILED: {p}" for p in result.problems)
        row["cygrad/numpy"] = "CHECK FAILED"
        record["problems"] = result.problems
        return [row], record
    timing = _timing_record(result, "cygrad")
    per_round, (low, high) = timing["round_ratios"], timing["interval"]
    medians = {name: t.median for name, t in result.timings.items()}
    row.update({name: _fmt_time(m) for name, m in medians.items()})
    row["cygrad/numpy"] = _fmt_ratio(timing["ratio"])
    row["per round"] = _fmt_range(min(per_round), max(per_round))
    row["CI"] = _fmt_range(low, high)
    verdict = _verdict(w.target, w.stretch, result.interval("cygrad"))
    row["verdict"] = verdict
    record.update(check="passed", **timing, verdict=verdict, medians=medians,
                  times={name: t.times for name, t in result.timings.items()},
                  block_steps=result.block_steps, blocks=result.blocks)
    if with_torch:
        row["torch/numpy"] = _fmt_ratio(result.ratio("torch"))
        record["torch_ratio"] = result.ratio("torch")
    return [row], record


def _variant_columns(baseline: str) -> list[str]:
    """The columns of the table of the workloads measured against ``baseline``."""
    return ["workload", "variant", "unit", baseline, "variant time", f"time/{baseline}",
            "per round", "CI", "speed-up", "target", "verdict"]


def _summarise_variants(w: Any, result: Any, steps: int, clock: str,
                        notes: list[str]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """A workload with a baseline of its own: a row per variant, its time as a ratio to the
    baseline's (the target is such a ratio) and the throughput ratio (speed-up) beside it."""
    record: dict[str, Any] = {"id": w.id, "title": w.title, "unit": w.unit, "steps": steps,
                              "baseline": w.baseline, "clock": clock}
    if not result.ok:
        notes.extend(f"{w.id}: CHECK FAILED: {p}" for p in result.problems)
        record["problems"] = result.problems
        return [{"workload": w.id, f"time/{w.baseline}": "CHECK FAILED"}], record
    base = result.timings[w.baseline].median
    rows, variants = [], {}
    for name in w.variants:
        timing = _timing_record(result, name)
        ratio, per_round, (low, high) = timing["ratio"], timing["round_ratios"], timing["interval"]
        target = w.targets.get(name)
        verdict = _verdict(target, None, result.interval(name))
        rows.append({
            "workload": w.id, "variant": name, "unit": w.unit, w.baseline: _fmt_time(base),
            "variant time": _fmt_time(result.timings[name].median),
            f"time/{w.baseline}": _fmt_ratio(ratio),
            "per round": _fmt_range(min(per_round), max(per_round)),
            "CI": _fmt_range(low, high),
            "speed-up": _fmt_ratio(1 / ratio),
            "target": "-" if target is None else f"<={target:.3g}x",
            "verdict": verdict,
        })
        variants[name] = {**timing, "target": target, "verdict": verdict}
    record.update(check="passed", variants=variants,
                  medians={name: t.median for name, t in result.timings.items()},
                  times={name: t.times for name, t in result.timings.items()},
                  block_steps=result.block_steps, blocks=result.blocks)
    return rows, record


def _progress(message: str) -> None:
    """A one-line progress note, on a terminal only (so logs and tests stay clean)."""
    if sys.stderr.isatty():
        print(f"\r\033[K{message}", end="", file=sys.stderr, flush=True)


def _memory(workloads: list[Workload], quick: bool) -> int:
    """``--memory``: each implementation's peak resident memory, measured in its own process."""
    print(f"{PROG} --memory: peak resident memory in MiB, each implementation in a "
          f"fresh process{' (quick)' if quick else ''}", flush=True)
    columns = ["workload", "steps", "numpy", "cygrad", "cygrad/numpy", "cygrad growth"]
    rows = []
    for w in workloads:
        reason = missing_requirements(w.requires) or (
            None if w.memory_runs else "no memory runs (docs/benchmarks.md asks for none)")
        if reason:
            print(f"{w.id}: skipped: {reason}")
            continue
        steps, runs = (w.quick_steps if quick else w.steps), runs_for(w, quick)
        _progress(f"{w.id}: measuring")
        figures = {impl: measure_in_child(w, impl, steps, runs) for impl in ("numpy", "cygrad")}
        _progress("")
        rows.append({"workload": w.id, "steps": str(steps * runs), **memory_row(figures)})
    if rows:
        print(_table([columns] + [[row[c] for c in columns] for row in rows]))
        print("growth: cygrad's resident memory after its last run minus after its first")
    return 0


def _torch_version(wanted: bool) -> str | None:
    """PyTorch's version, pinned to one thread, when ``--torch`` asks for it and it is there."""
    if not wanted:
        return None
    if importlib.util.find_spec("torch") is None:
        print(f"{PROG}: --torch: PyTorch is not installed; timing without it")
        return None
    import torch

    torch.set_num_threads(1)
    return str(torch.__version__)


def run(args: argparse.Namespace) -> int:
    """Time the chosen workloads (threads already pinned); 1 when a check failed."""
    if args.memory:
        return _memory(args.workloads or select(MEMORY_DEFAULT), args.quick)
    workloads = args.workloads or select(None)
    rounds = args.rounds
    if rounds is None:
        rounds = QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS
    torch_version = _torch_version(args.torch)
    with_torch = torch_version is not None

    print(
        f"{PROG}: {rounds} round(s){' (quick)' if args.quick else ''}, interleaved in blocks, "
        f"{args.clock} time, 1 thread; Python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {torch_version}" if with_torch else ""),
        flush=True,
    )
    columns = ["workload", "unit", "numpy", "cygrad", "cygrad/numpy", "per round", "CI"]
    if with_torch:
        columns += ["torch", "torch/numpy"]
    columns += ["target", "verdict"]
    tables: dict[str, list[dict[str, str]]] = {}  # the rows by baseline
    notes: list[str] = []
    records: list[dict[str, Any]] = []
    for w in workloads:
        reason = missing_requirements(w.requires)
        if reason:
            notes.append(f"{w.id}: skipped: {reason}")
            records.append({"id": w.id, "title": w.title, "skipped": reason})
            continue
        steps = w.quick_steps if args.quick else w.steps
        impls = w.implementations(with_torch)
        clock = w.clock or args.clock
        if clock != args.clock:
            notes.append(f"{w.id}: timed in {clock} time: its work runs in other processes "
                         "and threads")
        result = run_workload(w, impls, steps, rounds, CLOCKS[clock], _progress)
        _progress("")
        rows, record = _summarise(w, result, steps, with_torch, clock, notes)
        tables.setdefault(w.baseline, []).extend(rows)
        records.append(record)

    failed = any("problems" in r for r in records)
    interval = _interval_column(rounds)
    for baseline, rows in tables.items():
        heads = columns if baseline == "numpy" else _variant_columns(baseline)
        shown = [interval if c == "CI" else c for c in heads]
        print(_table([shown] + [[row.get(c, "-") for c in heads] for row in rows]))
    for note in notes:
        print(note)
    if tables:
        print(f"CI: an interval holding the median ratio with {interval[:-3]} confidence over "
              f"{rounds} round(s); a verdict is uncertain while the target lies inside it")
    if tables and not failed:
        print("checks: every implementation computed the same numbers as its baseline "
              "(and the values docs/benchmarks.md gives, where it gives them)")
    if args.json is not None:
        payload = {
            "rounds": rounds,
            "quick": args.quick,
            "clock": args.clock,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch_version,
            "threads": {k: os.environ.get(k) for k in PIN},
            "workloads": records,
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
            fh.write("\n")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Check the arguments, pin the threads, run; the exit status (2: bad argument, 130: Ctrl-C)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as e:
            return int(e.code or 0)
        unpinned = _unpinned()
        if unpinned:
            _exec_pinned(argv, unpinned)
        return run(args)
    except KeyboardInterrupt:
        return interrupted(PROG)
