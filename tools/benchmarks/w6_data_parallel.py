#!/usr/bin/env python3
"""W6 (docs/benchmarks.md): data-parallel throughput of ``cygrad.distributed.DataParallel``.

An MLP 784-512-512-10 in float32 on 16,384 synthetic rows, batch 4,096, one epoch of SGD,
one BLAS thread per process. Steps per second in this process, with ``DataParallel`` on one
and on two Ray workers, and in this process with two BLAS threads for reference; the four run
interleaved (A B C D A B C D ...) over several rounds, medians reported, ratios to the
one-thread in-process run. Run from a checkout with cygrad-distributed and threadpoolctl
installed: ``python tools/benchmarks/w6_data_parallel.py [--rounds N]``.
"""
from __future__ import annotations

import os

# One BLAS thread per process, set before NumPy loads its BLAS; Ray's workers inherit it.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import cygrad.functions as F  # noqa: E402
from cygrad.distributed import DataParallel, runtime  # noqa: E402
from cygrad.models import MLP  # noqa: E402
from cygrad.optimizers import SGD  # noqa: E402

ROWS, FEATURES, CLASSES, BATCH = 16_384, 784, 10, 4_096
STEPS = ROWS // BATCH
model = partial(MLP, [512, 512, CLASSES], rng=0)
optimizer = partial(SGD, lr=0.1)


def data() -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.default_rng(0)
    return gen.random((ROWS, FEATURES), dtype=np.float32), gen.integers(0, CLASSES, ROWS)


def in_process(threads: int, x: np.ndarray, t: np.ndarray):
    """One epoch in this process with ``threads`` BLAS threads (no shuffling: the same rows
    per step as DataParallel's shuffle-free run)."""
    net, opt = model(), optimizer()

    def epoch() -> None:
        with threadpool_limits(threads, user_api="blas"):
            for lo in range(0, ROWS, BATCH):
                net.cleargrads()
                F.softmax_cross_entropy(net(x[lo:lo + BATCH]), t[lo:lo + BATCH]).backward()
                opt.update(net)

    return epoch


def data_parallel(trainer: DataParallel, x: np.ndarray, t: np.ndarray):
    def epoch() -> None:
        trainer.fit(x, t, epochs=1, batch_size=BATCH, shuffle=False, progress=False)

    return epoch


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    rounds = parser.parse_args(argv).rounds
    x, t = data()
    # Hold the process's local Ray so both trainers (three workers) fit in it at once.
    runtime.acquire("W6", None, 3)
    try:
        with DataParallel(model, optimizer, F.softmax_cross_entropy, workers=1) as one, \
                DataParallel(model, optimizer, F.softmax_cross_entropy, workers=2) as two:
            runs = {
                "in-process, 1 BLAS thread": in_process(1, x, t),
                "DataParallel(workers=1)": data_parallel(one, x, t),
                "DataParallel(workers=2)": data_parallel(two, x, t),
                "in-process, 2 BLAS threads": in_process(2, x, t),
            }
            for run in runs.values():  # warm-up: Ray and the workers start, lazy layers size
                run()
            seconds: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(rounds):
                for name, run in runs.items():
                    start = time.perf_counter()
                    run()
                    seconds[name].append(time.perf_counter() - start)
    finally:
        runtime.release()
    base = STEPS / statistics.median(seconds["in-process, 1 BLAS thread"])
    print(f"W6: MLP 784-512-512-10 float32, {ROWS} rows, batch {BATCH}, {STEPS} steps per epoch, "
          f"SGD; medians of {rounds} interleaved rounds")
    print(f"| run | steps/s | ratio to in-process 1 thread |")
    print(f"|---|---|---|")
    for name, times in seconds.items():
        rate = STEPS / statistics.median(times)
        print(f"| {name} | {rate:.3f} | {rate / base:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
