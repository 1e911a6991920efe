"""tools/bench and the workloads in tools/benchmarks: they run, pin threads, check results, and
report ratios.

Speed itself is never asserted here: only that the tool measures the right computations.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks import ALL, select
from benchmarks.harness import (
    WorkloadResult,
    ImplTiming,
    block_steps,
    median_interval,
    round_order,
    run_workload,
)
from benchmarks.workload import (
    Workload,
    compare_results,
    missing_requirements,
)

REPO = Path(__file__).resolve().parents[2]
BENCH = str(REPO / "tools" / "bench")
PIN = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _env(pinned: bool) -> dict[str, str]:
    """This environment without PYTHONPATH, with the threads pinned or not; tools/bench runs
    this Python."""
    env = {k: v for k, v in os.environ.items() if k not in PIN and k != "PYTHONPATH"}
    if pinned:
        env.update({k: "1" for k in PIN})
    return {**env, "PYTHON": sys.executable}


def _bench(*args: str) -> subprocess.CompletedProcess:
    """tools/bench as a user runs it: threads not pinned, tools/ not on the path."""
    return subprocess.run([BENCH, *args], env=_env(pinned=False), capture_output=True,
                          text=True, timeout=120)


def _ratio(stdout: str, workload: str) -> float:
    row = re.search(rf"^{workload}\s+us/\w+\s+[\d.e+-]+\s+[\d.e+-]+\s+([\d.]+)x\s", stdout, re.M)
    assert row, f"no {workload} ratio in:\n{stdout}"
    return float(row.group(1))


def test_quick_run_prints_w1_and_w5_ratios_after_passing_checks(tmp_path):
    out = tmp_path / "bench.json"
    proc = _bench("--quick", "--workloads", "W1,W5", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _ratio(proc.stdout, "W1") > 0
    assert _ratio(proc.stdout, "W5") > 0
    assert "CHECK FAILED" not in proc.stdout
    assert "checks: every implementation computed the same numbers" in proc.stdout

    report = json.loads(out.read_text())
    assert report["threads"] == {k: "1" for k in PIN}
    assert [w["id"] for w in report["workloads"]] == ["W1", "W5"]
    for w in report["workloads"]:
        assert w["check"] == "passed"
        assert w["steps"] == {"W1": 10000, "W5": 2000}[w["id"]]
        assert len(w["times"]["numpy"]) == len(w["times"]["cygrad"]) == report["rounds"] == 2
        assert w["ratio"] == pytest.approx(statistics.median(w["round_ratios"]))
        low, high = w["interval"]
        assert low <= w["ratio"] <= high and w["confidence"] == 0.5  # two rounds: their range
        assert w["verdict"] in {"meets stretch", "meets target", "uncertain", "over target"}
        assert w["blocks"] == -(-w["steps"] // w["block_steps"])  # blocks cover a run's steps
    w1 = report["workloads"][0]
    assert w1["block_steps"] < w1["steps"]  # a 10,000-step W1 run lasts far longer than a block
    assert re.search(r"^workload .* per round\s+50% CI\s+target\s+verdict$", proc.stdout, re.M)


def test_tools_bench_pins_threads_before_numpy_loads(tmp_path):
    out = tmp_path / "bench.json"
    proc = _bench("--quick", "--workloads", "W5", "--rounds", "1", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "running again" not in proc.stderr
    assert json.loads(out.read_text())["threads"] == {k: "1" for k in PIN}


def test_unpinned_runner_reruns_itself_pinned(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--workloads", "W5",
         "--rounds", "1", "--json", str(out)],
        cwd=REPO / "tools", env=_env(pinned=False), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "threads not pinned" in proc.stderr and "running again" in proc.stderr
    assert json.loads(out.read_text())["threads"] == {k: "1" for k in PIN}
    assert _ratio(proc.stdout, "W5") > 0


def test_torch_is_an_optional_peer():
    proc = _bench("--quick", "--workloads", "W5", "--rounds", "1", "--torch")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if importlib.util.find_spec("torch") is None:
        assert "PyTorch is not installed; timing without it" in proc.stdout
        assert "torch/numpy" not in proc.stdout
    else:
        assert re.search(r"^W5\s.*\s[\d.]+x\s.*\s[\d.]+x\s", proc.stdout, re.M), proc.stdout
        assert "torch/numpy" in proc.stdout
    assert _ratio(proc.stdout, "W5") > 0


def test_unknown_workload_is_an_error_listing_known_ones():
    proc = _bench("--workloads", "W9")
    assert proc.returncode == 2
    assert "unknown workload 'W9'" in proc.stderr and "W5" in proc.stderr


@pytest.mark.parametrize("workload", ALL, ids=lambda w: w.id)
def test_every_workloads_implementations_agree(workload):
    assert missing_requirements(workload.requires) is None
    with_torch = importlib.util.find_spec("torch") is not None
    impls = workload.implementations(with_torch)
    # At most 1000 steps: W1's --quick run is its full 10,000, checked by the quick-run test.
    result = run_workload(workload, impls, min(workload.quick_steps, 1000), rounds=0)
    assert result.problems == []


def test_select_expands_a_family_and_keeps_benchmark_order():
    ids = [w.id for w in select("w5, W3")]
    assert ids == ["W3-f64-sigmoid", "W3-f32-sigmoid", "W3-f64-relu", "W3-f32-relu", "W5"]
    assert [w.id for w in select(None)] == [w.id for w in ALL]
    with pytest.raises(ValueError, match="unknown workload 'W3-F16'"):
        select("W3-f16")


def test_missing_requirements_names_what_is_absent():
    assert missing_requirements(("cygrad.variable.Variable",)) is None
    assert missing_requirements(("cygrad.no_such_package.Thing",)) == (
        "needs cygrad.no_such_package (not installed)"
    )
    assert missing_requirements(("cygrad.variable.NoSuchThing", "cygrad.variable.Variable")) == (
        "needs cygrad.variable.NoSuchThing (not in the installed packages)"
    )


def test_compare_results_is_relative_to_each_arrays_scale():
    ref = {"w": np.array([1000.0, 0.0]), "loss": np.array(2.0)}

    def differs(w, loss=2.0):
        return compare_results(ref, {"w": np.array(w), "loss": np.array(loss)}, 1e-9)

    assert differs([1000.0 + 1e-7, 1e-8]) is None
    assert differs([1000.0, 1e-5]).startswith("w[1]: 1e-05 vs 0.0")
    assert differs([1000.0, 0.0], 2.0 + 1e-6).startswith("loss: ")
    assert "shape" in differs([0.0, 0.0, 0.0])
    assert "non-finite" in differs([np.nan, 0.0])
    assert "names differ" in compare_results(ref, {"w": ref["w"]}, 1e-9)


def _constant_impl(value: float):
    def prepare(steps: int):
        def run():
            return {"x": np.array(value * steps + 0.0 * np.ones(1000).sum())}
        return run
    return prepare


def _fake_workload(**kw) -> Workload:
    return Workload(id="WX", title="fake", unit="us/iteration", unit_factor=1e6, steps=3,
                    quick_steps=3, numpy=_constant_impl(1.0), **kw)


def test_a_wrong_computation_gets_no_ratio():
    w = _fake_workload(cygrad=_constant_impl(1.0 + 1e-6))
    result = run_workload(w, w.implementations(False), steps=3, rounds=2)
    assert not result.ok
    assert result.ratio("cygrad") is None and result.round_ratios("cygrad") == []
    assert len(result.problems) == 1
    assert result.problems[0].startswith("cygrad differs from numpy: x: 3.00000")


def test_values_from_benchmarks_md_are_checked_for_every_implementation():
    w = _fake_workload(cygrad=_constant_impl(1.0), expected=lambda steps: {"x": 4.0})
    result = run_workload(w, w.implementations(False), steps=3, rounds=1)
    assert [p.split(":")[0] for p in result.problems] == ["numpy", "cygrad"]
    assert "docs/benchmarks.md says 4.0" in result.problems[0]


def test_a_crashing_implementation_is_reported_not_raised():
    def broken(steps: int):
        def run():
            raise RuntimeError("boom")
        return run

    w = _fake_workload(cygrad=broken)
    result = run_workload(w, w.implementations(False), steps=3, rounds=1)
    assert result.problems == ["cygrad raised RuntimeError: boom"]


def test_correct_implementations_are_timed_in_every_round():
    w = _fake_workload(cygrad=_constant_impl(1.0))
    result = run_workload(w, w.implementations(False), steps=3, rounds=4, clock=time.perf_counter)
    assert result.ok
    assert len(result.timings["numpy"].times) == len(result.timings["cygrad"].times) == 4
    assert len(result.round_ratios("cygrad")) == 4


class _Clock:
    """A deterministic clock for fake implementations: a run of ``steps`` advances it by
    ``cost * steps``, times ``1 + drift * n`` for the n-th run (a machine slowing down
    steadily), plus ``spikes[n]`` (a burst hitting that run only). ``log`` lists the runs."""

    def __init__(self, drift: float = 0.0, spikes: dict[int, float] | None = None):
        self.now, self.drift, self.spikes = 0.0, drift, spikes or {}
        self.log: list[tuple[str, int]] = []

    def __call__(self) -> float:
        return self.now

    def impl(self, name: str, cost: float, wrong_at: int | None = None):
        """A prepare function of a run whose result is its step count (wrong by one for a
        run of ``wrong_at`` steps)."""
        def prepare(steps: int):
            def run():
                n = len(self.log)
                self.log.append((name, steps))
                self.now += cost * steps * (1 + self.drift * n) + self.spikes.get(n, 0.0)
                return {"x": np.array(float(steps + (steps == wrong_at)))}
            return run
        return prepare


def _clocked(clock: _Clock, steps: int = 40, rounds: int = 3, **costs) -> "WorkloadResult":
    """A NumPy-baseline fake (numpy 1, cygrad 2 units a step unless ``costs`` say otherwise)
    timed on ``clock`` with blocks of at least 10 units."""
    w = Workload(id="WC", title="clocked", unit="us/iteration", unit_factor=1e6, steps=steps,
                 quick_steps=steps, numpy=costs.get("numpy", clock.impl("numpy", 1.0)),
                 cygrad=costs.get("cygrad", clock.impl("cygrad", 2.0)))
    return run_workload(w, w.implementations(False), steps, rounds, clock=clock,
                        block_seconds=10.0)


def test_blocks_alternate_in_reversing_order_so_a_steady_drift_cancels():
    clock = _Clock(drift=0.05)
    result = _clocked(clock)
    assert result.ok
    # numpy's check run took 1 unit a step: blocks of 10 steps, four to a round of 40 steps
    assert (result.block_steps, result.blocks) == (10, 4)
    assert clock.log[:4] == [("numpy", 40), ("cygrad", 40), ("numpy", 10), ("cygrad", 10)]
    pairs = [("numpy", 10), ("cygrad", 10)]
    assert clock.log[4:] == (pairs + pairs[::-1]) * 6  # 3 rounds of 4 blocks each
    # Each implementation's blocks sit symmetrically around the same middle run, so the
    # drift slows both alike; blocks in one order only would give 2 * 1.4 / 1.35 in round 1.
    assert result.round_ratios("cygrad") == pytest.approx([2.0] * 3, rel=1e-12)
    assert result.ratio("cygrad") == pytest.approx(2.0, rel=1e-12)
    # a round's time is its median block per step, in the unit: runs 4-11, 12-19, 20-27
    assert result.timings["numpy"].times == pytest.approx(
        [1e6 * (1 + 0.05 * middle) for middle in (7.5, 15.5, 23.5)])


def test_a_burst_over_one_block_does_not_move_the_rounds_ratio():
    # run 4 is round 1's first numpy block; run 13 round 2's first cygrad block
    result = _clocked(_Clock(spikes={4: 500.0, 13: 900.0}))
    assert result.round_ratios("cygrad") == pytest.approx([2.0] * 3)  # the sums: 80/540, ...
    assert result.interval("cygrad") == pytest.approx((2.0, 2.0, 0.75))


def test_a_run_shorter_than_a_block_is_timed_whole():
    clock = _Clock()
    result = _clocked(clock, steps=5, rounds=2)  # 5 units: shorter than a block of 10
    assert (result.block_steps, result.blocks) == (5, 1)
    assert clock.log == [("numpy", 5), ("cygrad", 5), ("numpy", 5), ("cygrad", 5),
                         ("cygrad", 5), ("numpy", 5)]  # no second check: blocks are whole runs


def test_a_workload_with_its_own_baseline_is_timed_in_whole_runs():
    clock = _Clock()
    w = _own_baseline(numpy=clock.impl("alone", 1.0), variants={"twice": clock.impl("twice", 2.0)},
                      targets={}, steps=40)
    result = run_workload(w, w.implementations(False), 40, 2, clock=clock, block_seconds=10.0)
    assert (result.block_steps, result.blocks) == (40, 1)
    assert clock.log == [("alone", 40), ("twice", 40)] * 2 + [("twice", 40), ("alone", 40)]
    assert result.ratio("twice") == pytest.approx(2.0)


def test_blocks_compute_other_numbers_and_are_checked_too():
    clock = _Clock()
    result = _clocked(clock, cygrad=clock.impl("cygrad", 2.0, wrong_at=10))
    assert result.problems == [
        "blocks of 10 steps: cygrad differs from numpy: x: 11.0 vs 10.0 "
        "(max difference 1, allowed 1e-09 x 10)"]
    assert result.ratio("cygrad") is None and result.timings == {}


def test_block_steps_last_a_block_and_at_most_a_run():
    assert block_steps(0.001, 100, 0.01) == 10
    assert block_steps(0.0003, 100, 0.01) == 34  # at least the block's length
    assert block_steps(0.01, 5, 0.5) == 5  # never more than a run
    assert block_steps(1.0, 7, 0.01) == 1
    assert block_steps(0.0, 7, 0.01) == 7  # no measurable time: whole runs


def test_round_order_reverses_every_other_block():
    names = ["numpy", "cygrad", "torch"]
    assert [round_order(names, b) for b in range(3)] == [names, names[::-1], names]


def test_median_interval_is_the_order_statistics_interval_of_its_confidence():
    assert median_interval([3.0, 1.0, 5.0, 2.0, 4.0]) == (1.0, 5.0, 1 - 2 / 32)
    ten = [float(v) for v in (7, 2, 9, 1, 10, 4, 3, 8, 6, 5)]
    assert median_interval(ten) == (2.0, 9.0, 1 - 2 * 11 / 1024)  # x(3)..x(8): 89% < 90%
    twenty = [float(v) for v in range(20, 0, -1)]
    below = sum(math.comb(20, i) for i in range(6))
    assert median_interval(twenty) == (6.0, 15.0, 1 - 2 * below / 2**20)
    assert median_interval(ten, confidence=0.8) == (3.0, 8.0, 1 - 2 * 56 / 1024)
    assert median_interval([1.0, 2.0]) == (1.0, 2.0, 0.5)  # too few: the range, at its coverage
    assert median_interval([3.0]) == (3.0, 3.0, 0.0)


@pytest.mark.parametrize("values, confidence, message", [
    ([], 0.9, "median_interval: no values"),
    ([1.0], 1.0, "median_interval: confidence 1.0 is not between 0 and 1"),
])
def test_median_interval_refuses_what_has_no_interval(values, confidence, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        median_interval(values, confidence)


@pytest.mark.parametrize("low, high, verdict", [
    (0.5, 0.79, "meets stretch"),
    (0.7, 0.9, "meets target"),  # the stretch is uncertain, the target is not
    (1.0, 1.2, "meets target"),
    (1.1, 1.3, "uncertain"),
    (1.2, 1.3, "uncertain"),
    (1.21, 1.5, "over target"),
])
def test_a_verdict_is_uncertain_while_the_target_lies_inside_the_interval(low, high, verdict):
    from benchmarks.runner import _verdict

    assert _verdict(1.2, 0.8, (low, high, 0.9)) == verdict
    assert _verdict(None, None, (low, high, 0.9)) == "-"


def test_the_table_row_gives_the_interval_and_its_verdict():
    from benchmarks.runner import _summarise

    w = _fake_workload(cygrad=_constant_impl(1.0), target=1.2)
    result = WorkloadResult(w, 3, timings={
        "numpy": ImplTiming([2.0, 2.0, 1.0, 2.0, 2.0]),
        "cygrad": ImplTiming([2.2, 2.3, 1.2, 2.5, 2.6])})
    notes: list[str] = []
    (row,), record = _summarise(w, result, 3, False, "cpu", notes)
    assert row["cygrad/numpy"] == "1.20x" and row["per round"] == "1.10-1.30x"
    assert row["CI"] == "1.10-1.30x" and row["verdict"] == "uncertain"
    assert record["interval"] == pytest.approx([1.1, 1.3]) and record["confidence"] == 0.9375
    assert record["verdict"] == "uncertain" and notes == []


def test_memory_mode_measures_each_implementation_in_its_own_process():
    proc = _bench("--memory", "--quick", "--workloads", "W4")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = re.search(r"^W4\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x\s+([+-][\d.]+)$",
                    proc.stdout, re.M)
    assert row, proc.stdout
    steps, numpy_mib, cygrad_mib, ratio, _growth = row.groups()
    assert int(steps) == 2 * select("W4")[0].quick_steps  # two runs in quick mode
    assert float(numpy_mib) > 10 and float(cygrad_mib) > 10  # a Python process with NumPy
    assert float(ratio) == pytest.approx(float(cygrad_mib) / float(numpy_mib), abs=0.02)


def test_memory_growth_shows_a_leak():
    from benchmarks.memory import measure, memory_row

    kept = []
    leaky = Workload(
        id="LEAK", title="", unit="", unit_factor=1.0, steps=1, quick_steps=1,
        numpy=lambda steps: (lambda: {}),
        # 48 MiB a run: above glibc's largest mmap threshold (32 MiB), so each run maps fresh
        # memory, whatever free heap the tests before this one left resident.
        cygrad=lambda steps: (lambda: kept.append(np.ones(6 * 2**20)) or {}),
    )
    figures = {"numpy": measure(leaky, "numpy", 1, 3), "cygrad": measure(leaky, "cygrad", 1, 3)}
    assert len(kept) == 3
    growth = figures["cygrad"]["after_last"] - figures["cygrad"]["after_first"]
    # the two runs after the first kept 96 MiB; resident memory moves by a few MiB on its own
    assert growth >= 80 * 2**20
    assert float(memory_row(figures)["cygrad growth"]) >= 80


def test_memory_row_arithmetic():
    from benchmarks.memory import memory_row

    row = memory_row({"numpy": {"peak": 100 * 2**20, "after_first": 1, "after_last": 1},
                      "cygrad": {"peak": 150 * 2**20, "after_first": 2**20,
                                 "after_last": 3 * 2**20}})
    assert row == {"numpy": "100.0", "cygrad": "150.0", "cygrad/numpy": "1.50x",
                   "cygrad growth": "+2.0"}


def _sleeper(seconds: float, value: float = 1.0):
    """A prepare function whose run takes ``seconds`` of wall time and no CPU time."""
    def prepare(steps: int):
        def run():
            time.sleep(seconds)
            return {"x": np.array(value * steps)}
        return run
    return prepare


def _own_baseline(**kw) -> Workload:
    fields = dict(id="WY", title="fake", unit="ms/step", unit_factor=1e3, steps=2,
                  quick_steps=2, numpy=_sleeper(0.01), baseline="alone",
                  variants={"twice": _sleeper(0.02), "half": _sleeper(0.005)},
                  targets={"half": 0.6}, clock="wall")
    return Workload(**{**fields, **kw})


def test_a_workload_with_its_own_baseline_times_its_variants_against_it():
    w = _own_baseline()
    impls = w.implementations(with_torch=True)
    assert list(impls) == ["alone", "twice", "half"]  # no cygrad, no torch
    result = run_workload(w, impls, steps=2, rounds=3, clock=time.perf_counter)
    assert result.ok
    assert result.ratio("twice") == pytest.approx(2.0, rel=0.4)
    assert result.ratio("half") == pytest.approx(0.5, rel=0.4)
    assert len(result.round_ratios("twice")) == 3

    wrong = _own_baseline(variants={"twice": _sleeper(0.0, value=1.5)}, targets={})
    result = run_workload(wrong, wrong.implementations(False), steps=2, rounds=1)
    assert result.problems == ["twice differs from alone: x: 3.0 vs 2.0 "
                               "(max difference 1, allowed 1e-09 x 2)"]


def test_a_workloads_session_is_open_around_all_its_runs_and_closed_after():
    events = []

    class Session:
        def __enter__(self):
            events.append("enter")

        def __exit__(self, *exc):
            events.append("exit")

    def prepare(steps):
        events.append("prepare")
        return lambda: {"x": np.array(1.0)}

    w = _own_baseline(numpy=prepare, variants={"same": prepare}, targets={},
                      session=Session())
    assert run_workload(w, w.implementations(False), steps=1, rounds=2).ok
    assert events == ["enter"] + ["prepare"] * 6 + ["exit"]  # 2 checks, 2 rounds of 2


def test_a_session_that_cannot_start_is_reported_not_raised():
    class Broken:
        def __enter__(self):
            raise RuntimeError("no Ray here")

        def __exit__(self, *exc):
            raise AssertionError("never entered")

    w = _own_baseline(session=Broken())
    result = run_workload(w, w.implementations(False), steps=1, rounds=1)
    assert result.problems == ["starting WY raised RuntimeError: no Ray here"]


@pytest.mark.parametrize("fields, message", [
    (dict(cygrad=_constant_impl(1.0)), "a NumPy baseline needs cygrad and no variants"),
    (dict(variants={}), "a NumPy baseline needs cygrad and no variants"),
    (dict(baseline="numpy"), "a NumPy baseline needs cygrad and no variants"),
    (dict(targets={"thrice": 1.0}), "targets for no variant: ['thrice']"),
    (dict(variants={"alone": _sleeper(0.0)}, targets={}),
     "a variant is named 'alone', as the baseline is"),
])
def test_a_workload_refuses_a_baseline_without_what_it_needs(fields, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _own_baseline(**fields)


def test_the_runner_gives_a_baseline_of_its_own_a_table_of_its_own(tmp_path, capsys):
    from benchmarks.runner import build_parser, run

    out = tmp_path / "bench.json"
    args = build_parser().parse_args(["--rounds", "2", "--json", str(out)])
    # Sleeps a quarter apart and long: a busy machine wakes a sleeper late (tens of ms under
    # load), and the verdict needs every round under the target (0.6x: 70 ms late per run).
    variants = {"twice": _sleeper(0.4), "half": _sleeper(0.05)}
    args.workloads = [_own_baseline(numpy=_sleeper(0.2), variants=variants),
                      *select("W5")]  # W5 is quick; its table comes apart
    assert run(args) == 0
    stdout = capsys.readouterr().out
    assert re.search(r"^workload\s+variant\s+unit\s+alone\s+variant time\s+time/alone\s+"
                     r"per round\s+50% CI\s+speed-up\s+target\s+verdict$", stdout, re.M), stdout
    half = re.search(r"^WY\s+half\s+ms/step\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x\s+\S+\s+\S+\s+"
                     r"([\d.]+)x\s+<=0.6x\s+meets target$", stdout, re.M)
    assert half, stdout
    base, time_, ratio, speed_up = map(float, half.groups())
    # wall time, as the workload asks (sleeping takes no CPU time, and never less than asked)
    assert 100.0 <= base < 150.0 and 25.0 <= time_ < 50.0
    assert speed_up == pytest.approx(1 / ratio, rel=0.02)
    assert re.search(r"^WY\s+twice\s+.*\s-\s+-$", stdout, re.M), stdout
    assert "WY: timed in wall time" in stdout
    assert _ratio(stdout, "W5") > 0  # in the NumPy table, as before

    wy, w5 = json.loads(out.read_text())["workloads"]
    assert (wy["baseline"], wy["clock"], w5["baseline"], w5["clock"]) == (
        "alone", "wall", "numpy", "cpu")
    assert set(wy["medians"]) == {"alone", "twice", "half"}
    assert wy["variants"]["half"]["target"] == 0.6
    assert wy["variants"]["half"]["ratio"] == pytest.approx(
        statistics.median(wy["variants"]["half"]["round_ratios"]))
    assert wy["variants"]["half"]["verdict"] == "meets target"
    assert (wy["block_steps"], wy["blocks"]) == (2, 1)  # a baseline of its own: whole runs


def test_w6_measures_data_parallel_training_against_training_in_process():
    (w6,) = select("W6")
    assert w6.baseline == "in-process" and w6.clock == "wall"
    assert list(w6.variants) == ["workers=1", "workers=2", "2 BLAS threads"]
    assert w6.targets == {"workers=1": 1.15, "workers=2": pytest.approx(1 / 1.6)}
    assert w6.memory_runs == 0 and "cygrad.distributed.DataParallel" in w6.requires


def test_w6_prepares_a_run_only_once_no_blas_thread_of_the_last_one_spins():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from benchmarks.w6_data_parallel import quiet

    a = np.ones((1024, 1024), np.float32)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        for _ in range(3):
            a @ a
    # OpenBLAS's threads spin for a tenth of a second or so after this: they would take a
    # core from the next run (here, most of this sleep's 0.2 s).
    quiet()
    start = time.process_time()
    time.sleep(0.2)
    assert time.process_time() - start < 0.02


def test_memory_mode_skips_a_workload_without_memory_runs():
    proc = _bench("--memory", "--quick", "--workloads", "W6")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "W6: skipped: no memory runs" in proc.stdout
