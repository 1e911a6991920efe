"""W6: data-parallel training with ``cygrad.distributed.DataParallel`` (ms/step).

An MLP 784-512-512-10 in float32, softmax cross entropy, SGD lr 0.1, one epoch over
``steps * 4096`` synthetic rows (16,384: four steps) in batches of 4,096, without shuffling.
The baseline is the same epoch in this process with one BLAS thread; timed against it:
``DataParallel`` on one Ray worker (the machinery's cost), on two workers (the speed-up), and
this process with two BLAS threads (the other way to use a second core). Every process runs one
BLAS thread unless said otherwise: this one through threadpoolctl, the Ray workers through
``OMP_NUM_THREADS=1``, which Ray gives a one-CPU worker (tools/bench also pins the others), as
the session checks. The work runs in other processes and threads, so W6 is timed in wall
time. Ray and the workers start in the session, untimed; a timed run is one ``fit``.

DataParallel is exactly synchronous, so every variant ends with the baseline's parameters and
epoch loss up to float32 rounding (two workers average two half-batch gradients).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import lru_cache, partial
from typing import Any

import numpy as np

from benchmarks.common import linear_weights, load_params
from benchmarks.workload import Prepare, Results, Run, Workload

SIZES = [784, 512, 512, 10]
BATCH = 4096
LR = 0.1
WORKERS = (1, 2)
BLAS = "blas"  # threadpoolctl's name for every BLAS library


@lru_cache(maxsize=2)
def _start(steps: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The rows, labels and starting weights for ``steps`` batches (read-only, shared)."""
    rng = np.random.default_rng(0)
    x = rng.random((steps * BATCH, SIZES[0]), dtype=np.float32)
    t = rng.integers(0, SIZES[-1], steps * BATCH)
    weights = {f"{k}.{n}": v for k, (w, b) in enumerate(linear_weights(rng, SIZES, np.float32))
               for n, v in (("W", w), ("b", b))}
    for array in (x, t, *weights.values()):
        array.flags.writeable = False
    return x, t, weights


def _factories() -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The model and optimizer factories: partials of cygrad's own classes, so that a Ray
    worker, which cannot import this uninstalled package, unpickles them."""
    from cygrad.models import MLP
    from cygrad.optimizers import SGD

    return partial(MLP, SIZES[1:]), partial(SGD, lr=LR)


def quiet(window: float = 0.05, limit: float = 2.0) -> None:
    """Return once this process's threads used under a tenth of a ``window``'s time in one
    (every BLAS thread asleep), or after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        start = time.process_time()
        time.sleep(window)
        if time.process_time() - start < window / 10:
            return


def _results(model: Any, loss: float) -> Results:
    return {**{name: p.data.copy() for name, p in model.params().items()},
            "loss": np.array(loss)}


def _size(model: Any, weights: dict[str, np.ndarray]) -> None:
    """Create ``model``'s lazily sized layers and give them copies of ``weights``."""
    from cygrad.variable import no_grad

    with no_grad():
        model(np.zeros((1, SIZES[0]), dtype=np.float32))
    load_params(model, weights)


def in_process(threads: int) -> Prepare:
    """The epoch in this process, with ``threads`` BLAS threads."""
    def prepare(steps: int) -> Run:
        import cygrad.functions as F
        from threadpoolctl import threadpool_limits

        x, t, weights = _start(steps)
        model, optimizer = (factory() for factory in _factories())
        _size(model, weights)
        quiet()

        def run() -> Results:
            total = 0.0
            with threadpool_limits(threads, user_api=BLAS):
                for lo in range(0, len(x), BATCH):
                    loss = F.softmax_cross_entropy(model(x[lo:lo + BATCH]), t[lo:lo + BATCH])
                    model.cleargrads()
                    loss.backward()
                    optimizer.update(model)
                    total += float(loss.data) * BATCH
            return _results(model, total / len(x))

        return run

    return prepare


class Trainers:
    """The session of W6: a private local Ray with one ``DataParallel`` per worker count,
    started (and checked to run one BLAS thread per process) on entering, closed on leaving.
    Entering it again starts afresh."""

    def __init__(self) -> None:
        self._open: dict[int, Any] = {}
        self._stack = ExitStack()

    def __enter__(self) -> Trainers:
        self._open = self._stack.enter_context(_trainers())
        return self

    def __exit__(self, *exc: object) -> None:
        self._open = {}
        self._stack.close()

    def data_parallel(self, workers: int) -> Prepare:
        """The epoch as one ``fit`` of the trainer with ``workers`` workers."""
        def prepare(steps: int) -> Run:
            from threadpoolctl import threadpool_limits

            if not self._open:
                raise RuntimeError("W6: DataParallel runs only inside the workload's session")
            trainer = self._open[workers]
            x, t, weights = _start(steps)
            load_params(trainer.model, weights)  # every fit sends the driver's to the workers
            quiet()

            def run() -> Results:
                with threadpool_limits(1, user_api=BLAS):  # the driver's share of the work
                    (loss,) = trainer.fit(x, t, epochs=1, batch_size=BATCH, shuffle=False,
                                          progress=False)
                return _results(trainer.model, loss)

            return run

        return prepare


@contextmanager
def _trainers() -> Iterator[dict[int, Any]]:
    import cygrad.functions as F
    from cygrad.distributed import DataParallel, runtime

    x, t, weights = _start(1)
    # Held here, so that both trainers share one Ray big enough for all their workers.
    runtime.acquire("W6", None, sum(WORKERS), reserve=False)
    try:
        trainers: dict[int, Any] = {}
        try:
            for workers in WORKERS:
                trainer = DataParallel(*_factories(), F.softmax_cross_entropy,
                                       workers=workers)
                trainers[workers] = trainer
                _size(trainer.model, weights)
                # A fit on a few rows starts the workers: the costs no run repeats.
                trainer.fit(x[:8], t[:8], batch_size=8, shuffle=False, progress=False)
                for handle in trainer._handles:  # the workers, to ask them directly
                    _check_one_thread("a Ray worker", _worker_threads(handle))
            yield trainers
        finally:
            for trainer in trainers.values():
                trainer.close()
    finally:
        runtime.release()


def _worker_threads(handle: Any) -> list[dict[str, Any]]:
    import ray

    def info(_actor: object) -> list[dict[str, Any]]:
        from threadpoolctl import threadpool_info

        return threadpool_info()

    return ray.get(handle.__ray_call__.remote(info))


def _check_one_thread(where: str, pools: list[dict[str, Any]]) -> None:
    """W6 compares one BLAS thread per process with two: anything else measures another thing."""
    threads = {p["internal_api"]: p["num_threads"] for p in pools if p["user_api"] == BLAS}
    if any(n != 1 for n in threads.values()):
        raise RuntimeError(f"W6: {where} runs BLAS with {threads} threads, not 1; "
                           "run it through tools/bench, which pins them")


_SESSION = Trainers()

WORKLOADS = [
    Workload(
        id="W6",
        title="data-parallel MLP float32",
        unit="ms/step",
        unit_factor=1e3,
        steps=4,
        quick_steps=1,
        numpy=in_process(1),
        baseline="in-process",
        variants={
            "workers=1": _SESSION.data_parallel(1),
            "workers=2": _SESSION.data_parallel(2),
            "2 BLAS threads": in_process(2),
        },
        # Two workers at least 1.6x the throughput (a time ratio of 1/1.6), one within 1.15x.
        targets={"workers=1": 1.15, "workers=2": 1 / 1.6},
        requires=(
            "cygrad.distributed.DataParallel",
            "cygrad.models.MLP",
            "cygrad.optimizers.SGD",
            "cygrad.functions.softmax_cross_entropy",
            "threadpoolctl.threadpool_limits",
        ),
        # Half-batch gradients averaged round differently from the whole batch's in float32.
        rtol=1e-4,
        session=_SESSION,
        clock="wall",
        memory_runs=0,
    )
]
