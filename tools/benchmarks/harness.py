"""Run a workload's implementations interleaved in short blocks and summarise the timings.

Every implementation first runs once, timed but not counted; its results are checked against
the reference (hand-written NumPy, or the baseline a workload names) and against
docs/benchmarks.md's values, so a ratio is never reported for a computation that went wrong.

A shared virtual machine slows a process down in bursts (neighbours, other guests, a
preemption's cold caches) that last from one short run to a few, and one that hits one
implementation's run but not the other's moves a ratio by 2-3x. So the implementations
alternate in *blocks* of ``block_steps`` steps, calibrated pyperf-style so that the fastest
one's block lasts ``BLOCK_SECONDS``: a round runs ``steps`` steps of each implementation as
``blocks`` blocks, in the order numpy, cygrad, then cygrad, numpy, and so on (reversing each
time cancels a steady drift). An implementation's time in a round is its median block, which a
burst over a few blocks does not move, and the round's ratio is the ratio of those times. The
verdict is the median of the rounds' ratios with a distribution-free confidence interval
(``median_interval``).

A block is a fresh ``prepare(block_steps)`` run: the NumPy-baseline workloads are loops of
identical steps, so fewer steps are a fair sample of their per-step cost. A workload with a
baseline of its own (W6: one ``fit`` through Ray) is timed in whole runs, one block per round:
what a whole run costs beyond its steps is part of what it measures.
"""
from __future__ import annotations

import gc
import math
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
# The shortest block: long against the clock's resolution and the switch between
# implementations, short enough that a round holds several blocks of each.
BLOCK_SECONDS = 0.01
CONFIDENCE = 0.9  # what median_interval aims for


def median_interval(values: list[float], confidence: float = CONFIDENCE
                    ) -> tuple[float, float, float]:
    """``(low, high, coverage)``: the narrowest interval between order statistics
    ``[x_(j), x_(n+1-j)]`` that holds the true median with probability at least ``confidence``,
    whatever the distribution of ``values`` (each value is above or below the median with even
    odds, so the count below it is binomial). With too few values for that, it is the range
    (``j = 1``) with the lower coverage it has (5 values: 94%; 2 values: 50%).
    """
    if not values:
        raise ValueError("median_interval: no values")
    if not 0 < confidence < 1:
        raise ValueError(f"median_interval: confidence {confidence!r} is not between 0 and 1")
    xs = sorted(values)
    n = len(xs)

    def coverage(j: int) -> float:
        return 1 - 2 * sum(math.comb(n, i) for i in range(j)) / 2**n

    j = 1
    while j < n // 2 and coverage(j + 1) >= confidence:
        j += 1
    return xs[j - 1], xs[n - j], max(coverage(j), 0.0)


@dataclass
class ImplTiming:
    """One implementation's time per round, in the workload's unit: the round's median block
    over the steps of a block."""

    times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass
class WorkloadResult:
    """What ``run_workload`` found: timings per implementation, or why there are none.

    ``block_steps`` is how many steps a timed block ran and ``blocks`` how many blocks of each
    implementation a round held (0 while nothing was timed).
    """

    workload: Workload
    steps: int
    timings: dict[str, ImplTiming] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    block_steps: int = 0
    blocks: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reference(self) -> ImplTiming:
        """The timings of the reference (the first implementation)."""
        return next(iter(self.timings.values()))

    def round_ratios(self, impl: str) -> list[float]:
        """``impl`` over the reference round by round (their blocks alternated)."""
        if not self.ok or impl not in self.timings:
            return []
        return [a / b for a, b in zip(self.timings[impl].times, self.reference.times)]

    def ratio(self, impl: str) -> float | None:
        """The median of ``impl``'s round ratios; None when any check failed."""
        ratios = self.round_ratios(impl)
        return statistics.median(ratios) if ratios else None

    def interval(self, impl: str) -> tuple[float, float, float] | None:
        """``median_interval`` of ``impl``'s round ratios; None when there is no ratio."""
        ratios = self.round_ratios(impl)
        return median_interval(ratios) if ratios else None


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
    run = prepare(steps)  # untimed: weights, models, data
    start = clock()
    results = run()
    return clock() - start, results


def block_steps(seconds_per_step: float, steps: int, block_seconds: float) -> int:
    """The steps of a block lasting at least ``block_seconds`` at ``seconds_per_step``, at
    most ``steps`` (a whole run); a whole run when the step took no measurable time."""
    if seconds_per_step <= 0:
        return steps
    return max(1, min(steps, math.ceil(block_seconds / seconds_per_step)))


def round_order(names: list[str], block: int) -> list[str]:
    """The order of the implementations in block ``block`` (counted over all rounds):
    as given, then reversed, so that a drift over time favours neither."""
    return names if block % 2 == 0 else names[::-1]


def run_workload(workload: Workload, impls: dict[str, Prepare], steps: int, rounds: int,
                 clock: Callable[[], float] = time.process_time,
                 progress: Callable[[str], None] | None = None,
                 block_seconds: float = BLOCK_SECONDS) -> WorkloadResult:
    """Check every implementation once, then time them in ``rounds`` rounds of alternating
    blocks (the module's docstring), all inside the workload's ``session`` (if it has one).

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
        return _run(workload, impls, steps, rounds, clock, progress, block_seconds)


def _check_all(workload: Workload, impls: dict[str, Prepare], steps: int,
               clock: Callable[[], float], result: WorkloadResult,
               label: str = "") -> tuple[tuple[str, Results] | None, float]:
    """Run every implementation once for ``steps`` steps and check it; the reference's
    results and the fastest time per step (problems go into ``result``)."""
    first = next(iter(impls))
    reference: tuple[str, Results] | None = None
    fastest = math.inf
    for name, prepare in impls.items():
        try:
            seconds, results = _timed(prepare, steps, clock)
        except Exception as e:  # a crashing implementation fails its check, not the tool
            result.problems.append(f"{label}{name} raised {type(e).__name__}: {e}")
            continue
        fastest = min(fastest, seconds / steps)
        problem = _check(workload, steps, name, results, reference)
        if problem:
            result.problems.append(f"{label}{problem}")
        if name == first:
            reference = (name, results)
    return reference, fastest


def _run(workload: Workload, impls: dict[str, Prepare], steps: int, rounds: int,
         clock: Callable[[], float], progress: Callable[[str], None] | None,
         block_seconds: float) -> WorkloadResult:
    result = WorkloadResult(workload, steps)
    if progress:
        progress(f"{workload.id}: checking")
    reference, fastest = _check_all(workload, impls, steps, clock, result)
    if not result.ok or rounds == 0:
        return result
    per_block = steps if workload.whole_runs else block_steps(fastest, steps, block_seconds)
    if per_block != steps:  # a block computes other numbers than a whole run: check them too
        reference, _ = _check_all(workload, impls, per_block, clock, result,
                                  label=f"blocks of {per_block} steps: ")
        if not result.ok:
            return result
    result.block_steps, result.blocks = per_block, math.ceil(steps / per_block)
    result.timings = {name: ImplTiming() for name in impls}
    names = list(impls)
    unit = workload.unit_factor / per_block
    for r in range(rounds):
        if progress:
            progress(f"{workload.id}: round {r + 1}/{rounds}")
        block_times: dict[str, list[float]] = {name: [] for name in names}
        gc.collect()  # once a round: a collection costs about as much as a short block
        for b in range(result.blocks):
            for name in round_order(names, r * result.blocks + b):
                seconds, results = _timed(impls[name], per_block, clock)
                problem = _check(workload, per_block, name, results, reference)
                if problem:
                    result.problems.append(f"round {r + 1}: {problem}")
                    return result
                block_times[name].append(seconds)
        for name in names:
            result.timings[name].times.append(statistics.median(block_times[name]) * unit)
    return result
