"""Run a workload's implementations interleaved in one process and summarise the timings.

Every implementation first runs once untimed; its results are checked against the reference
(hand-written NumPy, or the baseline a workload names) and against docs/benchmarks.md's
values. Only then are the implementations timed in rounds (numpy, cygrad[, torch], numpy,
cygrad, ...), each timed run again checked, so a ratio is never reported for a computation
that went wrong. Shared machines drift over
seconds; interleaving makes the drift hit every implementation alike, and the medians and
per-round ratios show how much it moved.
"""
from __future__ import annotations

import gc
import statistics
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable

from benchmarks.workload import (
    Prepare,
    Results,
    Workload,
    check_expected,
    compare_results,
)

CLOCKS: dict[str, Callable[[], float]] = {
    # CPU time of this process: time spent waiting for a shared core does not count.
    "cpu": time.process_time,
    "wall": time.perf_counter,
}


@dataclass
class ImplTiming:
    """The timed runs of one implementation, in the workload's unit."""

    times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass
class WorkloadResult:
    """What ``run_workload`` found: timings per implementation, or why there are none."""

    workload: Workload
    steps: int
    timings: dict[str, ImplTiming] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reference(self) -> ImplTiming:
        """The timings of the reference (the first implementation)."""
        return next(iter(self.timings.values()))

    def ratio(self, impl: str) -> float | None:
        """Median of ``impl`` over median of the reference; None when any check failed."""
        if not self.ok or impl not in self.timings:
            return None
        return self.timings[impl].median / self.reference.median

    def round_ratios(self, impl: str) -> list[float]:
        """``impl`` over the reference round by round (each pair ran back to back)."""
        if not self.ok or impl not in self.timings:
            return []
        return [a / b for a, b in zip(self.timings[impl].times, self.reference.times)]


def _check(workload: Workload, steps: int, impl: str, results: Results,
           reference: tuple[str, Results] | None) -> str | None:
    expected = workload.expected(steps)
    if expected is not None:
        problem = check_expected(results, expected, workload.expected_tol)
        if problem:
            return f"{impl}: {problem}"
    if reference is not None:
        problem = compare_results(reference[1], results, workload.rtol)
        if problem:
            return f"{impl} differs from {reference[0]}: {problem}"
    return None


def _timed(prepare: Prepare, steps: int, clock: Callable[[], float]) -> tuple[float, Results]:
    run = prepare(steps)
    gc.collect()
    start = clock()
    results = run()
    return clock() - start, results


def run_workload(workload: Workload, impls: dict[str, Prepare], steps: int, rounds: int,
                 clock: Callable[[], float] = time.process_time,
                 progress: Callable[[str], None] | None = None) -> WorkloadResult:
    """Check every implementation once, then time them interleaved over ``rounds`` rounds,
    all inside the workload's ``session`` (if it has one).

    ``impls`` maps names to prepare functions, the reference first (``Workload.implementations``).
    A failed check stops the workload: its result then has problems and no ratio.
    """
    with ExitStack() as stack:
        if workload.session is not None:
            try:
                stack.enter_context(workload.session)
            except Exception as e:  # as for an implementation: reported, not raised
                return WorkloadResult(workload, steps, problems=[
                    f"starting {workload.id} raised {type(e).__name__}: {e}"])
        return _run(workload, impls, steps, rounds, clock, progress)


def _run(workload: Workload, impls: dict[str, Prepare], steps: int, rounds: int,
         clock: Callable[[], float], progress: Callable[[str], None] | None) -> WorkloadResult:
    result = WorkloadResult(workload, steps)
    first = next(iter(impls))
    reference: tuple[str, Results] | None = None
    for name, prepare in impls.items():
        if progress:
            progress(f"{workload.id}: checking {name}")
        try:
            results = prepare(steps)()
        except Exception as e:  # a crashing implementation fails its check, not the tool
            result.problems.append(f"{name} raised {type(e).__name__}: {e}")
            continue
        problem = _check(workload, steps, name, results, reference)
        if problem:
            result.problems.append(problem)
        if name == first:
            reference = (name, results)
    if not result.ok:
        return result
    result.timings = {name: ImplTiming() for name in impls}
    unit = workload.unit_factor / steps
    for r in range(rounds):
        if progress:
            progress(f"{workload.id}: round {r + 1}/{rounds}")
        for name, prepare in impls.items():
            seconds, results = _timed(prepare, steps, clock)
            problem = _check(workload, steps, name, results, reference)
            if problem:
                result.problems.append(f"round {r + 1}: {problem}")
                return result
            result.timings[name].times.append(seconds * unit)
    return result
