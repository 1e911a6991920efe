"""W6's CPU time per process: what the driver, each Ray process and each worker spend per fit.

Wall time on a shared two-core machine says little about what ``DataParallel``'s machinery
costs; the CPU time every process spends does not depend on the neighbours as much. This
script starts W6's trainer (``workers=2`` unless told otherwise) on a private local Ray, runs
two untimed fits, then reads every process's CPU time (Linux ``/proc``) around ``--fits`` more
and prints it per fit, with the driver's busiest threads. For scale, it first times one
worker's share of the epoch (four steps on 2,048 rows) in this process: what a worker would
spend with no machinery at all, measured under the same load.

    .venv/bin/python tools/benchmarks/w6_cpu.py [--fits 12] [--workers 2]

A standalone script (no ``WORKLOADS``): ``tools/bench`` never imports it.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy loads: one BLAS thread, as W6 runs

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.w6_data_parallel import BATCH, _factories, _start  # noqa: E402

STEPS = 4
TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("raylet", "gcs_server", "log_monitor", "dashboard_agent", "runtime_env_agent",
         "monitor.py", "ray::Worker", "ray::IDLE")
"""Words in a command line that name a Ray process's kind."""


def cpu_seconds(stat: str) -> float:
    """User plus system CPU seconds from the text of a ``/proc/.../stat`` file."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def read(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


def descendants(pid: int) -> list[int]:
    """``pid``'s children, theirs, and so on."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        for child in read(f"/proc/{pid}/task/{task}/children").split():
            found += [int(child), *descendants(int(child))]
    return found


def kind(pid: int) -> str:
    """The process's kind, or the script it runs."""
    words = read(f"/proc/{pid}/cmdline").split("\0")
    scripts = [Path(w).name for w in words if w.endswith(".py")]
    return next((k for k in KINDS if k in " ".join(words)), (scripts or words)[0][:40])


def process_times(pids: list[int]) -> dict[int, float]:
    times = {}
    for pid in pids:
        try:
            times[pid] = cpu_seconds(read(f"/proc/{pid}/stat"))
        except FileNotFoundError:
            pass
    return times


def thread_times(pid: int) -> dict[tuple[str, str], float]:
    """CPU seconds of each thread of ``pid``, by (thread id, name)."""
    times = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        stat = read(f"/proc/{pid}/task/{task}/stat")
        times[(task, stat[stat.index("(") + 1:stat.rindex(")")])] = cpu_seconds(stat)
    return times


def one_share(x: np.ndarray, t: np.ndarray) -> float:
    """CPU milliseconds of one worker's share of the epoch, here (median of three)."""
    import cygrad.functions as F

    model, optimizer = (factory() for factory in _factories())
    half = BATCH // 2

    def steps() -> None:
        for lo in range(0, len(x), BATCH):
            model.cleargrads()
            F.softmax_cross_entropy(model(x[lo:lo + half]), t[lo:lo + half]).backward()
            optimizer.update(model)

    steps()
    times = []
    for _ in range(3):
        start = time.process_time()
        steps()
        times.append(time.process_time() - start)
    return float(np.median(times)) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fits", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import cygrad.functions as F
    from cygrad.distributed import DataParallel
    from threadpoolctl import threadpool_limits

    x, t, _ = _start(STEPS)
    with threadpool_limits(1, user_api="blas"):
        share = one_share(x, t)
        with DataParallel(*_factories(), F.softmax_cross_entropy,
                          workers=args.workers) as trainer:
            def fit() -> None:
                trainer.fit(x, t, epochs=1, batch_size=BATCH, shuffle=False, progress=False)

            fit()
            fit()
            pids = [os.getpid(), *descendants(os.getpid())]
            kinds = {pid: kind(pid) for pid in pids} | {os.getpid(): "driver"}
            threads, before = thread_times(os.getpid()), process_times(pids)
            wall = time.perf_counter()
            for _ in range(args.fits):
                fit()
            wall = time.perf_counter() - wall
            after, threads_after = process_times(pids), thread_times(os.getpid())

    per_fit = {pid: (after.get(pid, before[pid]) - before[pid]) / args.fits * 1e3
               for pid in before}
    print(f"one worker's share in this process: {share:.0f} ms CPU; "
          f"{args.fits} fits of {STEPS} steps, {wall / args.fits * 1e3:.0f} ms wall each")
    print("CPU ms per fit:")
    for pid in sorted(per_fit, key=lambda p: -per_fit[p]):
        print(f"  {kinds[pid]:<42} {pid:>8} {per_fit[pid]:8.1f}")
    print(f"  {'all':<51} {sum(per_fit.values()):8.1f}")
    busiest = sorted(((after_s - threads[key]) / args.fits * 1e3, key[1])
                     for key, after_s in threads_after.items() if key in threads)[::-1][:4]
    print("driver's busiest threads, ms per fit: "
          + ", ".join(f"{name} {ms:.1f}" for ms, name in busiest))


if __name__ == "__main__":
    main()
