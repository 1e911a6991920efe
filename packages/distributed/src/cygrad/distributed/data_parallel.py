"""``DataParallel``: synchronous data-parallel training of a cygrad model on Ray workers.

Every step splits the global batch into one contiguous shard per worker; each worker returns
the loss and one flat gradient buffer of its shard (in pieces of at most 1 MiB). The next
step's call hands every worker the others' buffers (through the object store, not through the
driver): each combines them as the shard-size-weighted mean (so the step equals the
single-process step on the whole batch), in worker order, takes the optimizer step and
computes its next shard's gradient, all in one call.
The driver takes the same step on its own model while the workers compute, so its model is at
the last completed step: it is what a replacement worker starts from, what ``save`` writes and
what Ctrl-C leaves behind.

An epoch's last batch comes back with every worker's checksum of the parameters its gradient
was computed at, which must equal the driver's: every gradient of the epoch was computed on
the driver's parameters. The epoch's last step rides with the next epoch's first call, and a
fit's last step, which the driver takes alone, with the next fit's start (a new state from
the driver replaces it): the workers never wait for a round trip of their own at an
epoch's end.
"""
from __future__ import annotations

import os
import re
import sys
import threading
import weakref
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

import numpy as np
import ray
from ray.exceptions import RayActorError, RayError, RayTaskError

from cygrad.distributed import checkpoint, checks, runtime
from cygrad.distributed.errors import WorkerError
from cygrad.distributed.flat import Gradient
from cygrad.distributed.interrupt import interrupts_deferred
from cygrad.distributed.replica import Replica, same_state, without_state
from cygrad.distributed.shards import Rows, shard_rows
from cygrad.distributed.stored import Stored
from cygrad.distributed.worker import Result, Worker
from cygrad.progress import ProgressBar
from cygrad.variable import no_grad, test_mode

__all__ = ["DataParallel"]

RemoteWorker = ray.remote(Worker)

class Batch(NamedTuple):
    """A batch's calls: every worker's ref (its result in the store) and the results."""

    refs: list[Any]
    results: list[Result]

    def gradients(self) -> list[Gradient]:
        return [gradient for gradient, _ in self.results]

P = ParamSpec("P")
R = TypeVar("R")


def _one_at_a_time(
    method: Callable[Concatenate[DataParallel, P], R]
) -> Callable[Concatenate[DataParallel, P], R]:
    """``method`` refused (RuntimeError) while a ``fit``, ``load``, ``save`` or ``close`` of
    the same trainer runs, in another thread or below this call: two would interleave their
    calls to the same workers, or read a step half taken."""
    @wraps(method)
    def guarded(trainer: DataParallel, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if not trainer._busy.acquire(blocking=False):
            raise RuntimeError(
                f"DataParallel.{method.__name__}: the trainer is busy with a fit, load, save "
                "or close that has not returned; call it after that one"
            )
        try:
            return method(trainer, *args, **kwargs)
        finally:
            trainer._busy.release()

    return guarded


Send = Callable[[int, bool], Any]
"""Makes worker ``i``'s call of a step and returns its ref; ``fresh`` says the worker is a
replacement started from the driver's state, which already includes any earlier step."""


class DataParallel:
    """Train ``model()`` with ``optimizer()`` on ``loss`` over ``workers`` Ray workers.

    ``model`` and ``optimizer`` are zero-argument factories, run here at construction and
    once in every worker; ``loss(y, t)`` returns a 0-d Variable, the mean over the rows.
    Construction checks the arguments and starts nothing: Ray starts (``address=None``, a
    private local Ray shared by this process's trainers) or is joined (``"auto"``,
    ``"host:port"``) at the first ``fit``. ``close()`` (or leaving a ``with`` block) ends the
    workers and, for the last trainer, Ray.
    """

    def __init__(
        self,
        model: Callable[[], Any],
        optimizer: Callable[[], Any],
        loss: Callable[[Any, Any], Any],
        *,
        workers: int = 2,
        address: str | None = None,
        cpus_per_worker: float = 1,
        max_restarts: int = 3,
    ) -> None:
        checks.check_factory("model", model, "params")
        checks.check_factory("optimizer", optimizer, "update")
        checks.check_callable(checks.OWNER, "loss", loss)
        for name, value in (("model", model), ("optimizer", optimizer), ("loss", loss)):
            checks.check_picklable(name, value)
        self.workers, self.address, self.cpus_per_worker, self.max_restarts = (
            checks.check_options(workers, address, cpus_per_worker, max_restarts)
        )
        self._factories = (model, optimizer, loss)
        self._replica = Replica(
            checks.check_model(model()), checks.check_optimizer(optimizer()), loss
        )
        self._handles: list[Any] = []
        self._data: tuple[Any, Any] | None = None
        # The refs of the rows each worker holds, and the state all of them hold (None when
        # not known, as after a failed fit): what the next fit need not send again.
        self._held: list[tuple[Any, Any] | None] = []
        self._synced: dict[str, Any] | None = None
        # The refs of the last fit's last results, whose step the workers take at the next
        # start when they go on from the state they hold.
        self._pending: list[Any] = []
        self._begun: list[Any] = []  # the refs of this fit's starts, until the first step's wait
        self._stored = (Stored(), Stored())
        self._deaths = 0
        self._closed = False
        self._busy = threading.Lock()  # held by the running fit, load, save or close
        self._release: weakref.finalize[..., DataParallel] | None = None

    @property
    def model(self) -> Any:
        """The driver's model, holding the parameters of the last completed step."""
        return self._replica.model

    @_one_at_a_time
    def fit(
        self,
        x: Any,
        t: Any,
        *,
        epochs: int = 1,
        batch_size: int,
        shuffle: bool = True,
        rng: Any = None,
        progress: bool = True,
    ) -> list[float]:
        """Train for ``epochs`` passes over ``x``, ``t``; the loss of each epoch, averaged
        over its rows, each batch measured before its update.

        A later call continues from where this one ended (parameters and optimizer state).
        """
        x, t = checks.check_data(checks.FIT, x, t)
        epochs = checks.check_size(checks.FIT, "epochs", epochs)
        batch_size = checks.check_size(checks.FIT, "batch_size", batch_size)
        shuffle = checks.check_flag(checks.FIT, "shuffle", shuffle)
        progress = checks.check_flag(checks.FIT, "progress", progress)
        gen = checks.check_rng(checks.FIT, rng)
        self._check_open("fit")
        checks.check_loss_value(self._replica.initialize(x, t))
        self._connect()
        self._deaths = 0
        self._data = (self._stored[0].put(x), self._stored[1].put(t))
        try:
            self._begin()
            losses = []
            last = Batch([], [])
            for e in range(1, epochs + 1):
                loss, last = self._epoch(
                    len(x), batch_size, gen if shuffle else None, progress, e, epochs, last
                )
                losses.append(loss)
            self._end(last)
            return losses
        except BaseException:
            # What a failed fit left in the workers is not known: the next sends them all.
            self._held = [None] * self.workers
            raise
        finally:
            self._data = None
            self._begun = []

    def evaluate(self, x: Any, t: Any, metric: Callable[[Any, Any], Any] | None = None) -> float:
        """``metric(y, t)`` (the loss when None) over all rows, computed here with the
        current parameters, under ``no_grad`` and ``test_mode``."""
        x, t = checks.check_data("DataParallel.evaluate", x, t)
        if metric is not None:
            checks.check_callable("DataParallel.evaluate", "metric", metric)
        with no_grad(), test_mode():
            value = (metric or self._replica.loss)(without_state(self.model)(x), t)
        return float(np.asarray(getattr(value, "data", value)))

    @_one_at_a_time
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters and the optimizer state to ``path`` as one .npz archive,
        atomically (an interrupted save never damages an existing file)."""
        path = os.fspath(path)
        for i, layer in enumerate(getattr(self.model, "layers", [])):
            if not getattr(layer, "initialized", True):
                raise ValueError(
                    f"DataParallel.save: layer {i} ({type(layer).__name__}) has no parameters "
                    "yet; fit or evaluate once before saving"
                )
        state = self._replica.state()
        checkpoint.write(path, checkpoint.pack(state["params"], state["optimizer"]))

    @_one_at_a_time
    def load(self, path: str | os.PathLike[str]) -> None:
        """Take the parameters and optimizer state from a file ``save`` wrote.

        Everything is checked first (on a scratch model and optimizer from the factories): a
        file of another architecture or optimizer raises ValueError naming the problems and
        changes nothing. Layers still sized lazily get their size from the file. The workers
        receive the loaded state before the next step.
        """
        path = os.fspath(path)
        owner = f"DataParallel.load({path!r})"
        params, opt_state = checkpoint.unpack(owner, checkpoint.read("DataParallel.load", path))
        scratch = self._factories[0]()
        problems = _create_lazy_layers(scratch, params)
        # The driver's model may already be sized (by a fit): its shapes must match too.
        problems += _mismatches(scratch, params) or _mismatches(self.model, params, True)
        if not problems:
            try:
                self._factories[1]().load_state_dict(opt_state, scratch)
            except (TypeError, ValueError) as e:
                problems.append(f"optimizer: {e}")
        if problems:
            raise ValueError(
                f"{owner}: the file does not match the trainer, nothing was changed; "
                + "; ".join(problems)
            )
        _create_lazy_layers(self.model, params)
        self._replica.optimizer.load_state_dict(opt_state, self.model)
        for name, p in self.model.params().items():
            p.data = params[name].astype(p.dtype, copy=True)

    @_one_at_a_time
    def close(self) -> None:
        """End the workers and release Ray (the last trainer shuts down a private Ray or
        disconnects from a cluster). Calling it again does nothing."""
        self._closed = True
        for stored in self._stored:
            stored.clear()
        self._held = [None] * len(self._held)
        self._synced = None
        self._pending = []
        if self._release is not None:
            self._release()

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "local" if self.address is None else self.address
        return (
            f"DataParallel(workers={self.workers}, address={where!r}, "
            f"cpus_per_worker={self.cpus_per_worker:g}, max_restarts={self.max_restarts})"
        )

    # --- the steps -------------------------------------------------------------------------

    def _epoch(
        self, n: int, batch_size: int, gen: np.random.Generator | None, progress: bool,
        epoch: int, epochs: int, last: Batch,
    ) -> tuple[float, Batch]:
        """One pass over the rows, after the batch ``last`` (of the last epoch, if any); the
        loss averaged over the rows, and the epoch's last batch, whose step the next takes.

        The last batch's checksums (of the parameters its gradients were computed at) must
        all equal the driver's."""
        order = None if gen is None else gen.permutation(n)
        steps = -(-n // batch_size)
        label = f"epoch {epoch}/{epochs}"
        # The bar redraws in place, so only on a terminal; the epoch's loss line in any case.
        bar = ProgressBar(steps, label, sys.stderr) if progress and sys.stderr.isatty() else None
        total = 0.0
        for k in range(steps):
            lo, hi = k * batch_size, min(n, (k + 1) * batch_size)
            rows: Rows = slice(lo, hi) if order is None else order[lo:hi]
            check = k == steps - 1
            shards = shard_rows(rows, self.workers)
            last, mine = self._step(partial(self._advance, shards, last.refs, check), last, check)
            total += sum(loss_sum for loss_sum, _, _, _ in last.gradients())
            if bar is not None:
                bar.update(k + 1, total / hi)
        sums = [checksum for _, checksum in last.results]
        if set(sums) != {mine}:
            raise WorkerError(
                f"DataParallel.fit: at the last batch of epoch {epoch} the replicas' "
                f"parameters differ (checksums {sums}, driver {mine})"
            )
        if bar is not None:
            bar.close()
        if progress:
            print(f"{label} loss {total / n:.6f}", file=sys.stderr, flush=True)
        return total / n, last

    def _step(self, send: Send, taken: Batch, check: bool) -> tuple[Batch, str | None]:
        """Make every worker's call and, while they run, take the step of ``taken`` (the
        last batch, if any) here; the calls' refs and results, and with ``check`` the
        checksum of the driver's parameters after its step. Ctrl-C waits for the driver's step
        to end, so the model is never left half updated or behind a step the workers were sent
        (a replacement worker starts from it)."""
        with interrupts_deferred():
            refs = [send(i, False) for i in range(self.workers)]
            if taken.results:
                self._replica.step(taken.gradients())
        mine = self._replica.checksum() if check else None
        return Batch(*self._settle_all(refs, send)), mine

    def _end(self, last: Batch) -> None:
        """The fit's last step, which the driver takes alone: the workers take it at the next
        fit's start, if they go on from the state they hold (``_begin``)."""
        with interrupts_deferred():
            self._replica.step(last.gradients())
            self._pending = last.refs
            # The workers hold this state but for the pending step.
            self._synced = self._replica.snapshot()

    def _settle_all(self, refs: list[Any], send: Send) -> tuple[list[Any], list[Any]]:
        """Every worker's call and its result: one wait for all of them, and only when one
        failed, worker by worker (replacing the dead, raising user errors) in worker order.

        The first wait of a fit includes the workers' starts (``_begin``), which ran before
        these calls: a worker found dead at its start died before this fit, and is replaced
        without counting before its call is made again."""
        begun, self._begun = self._begun, []
        try:
            return refs, ray.get(begun + refs)[len(begun):]
        except RayError:
            refs = list(refs)
            for i, ref in enumerate(begun):
                try:
                    self._result(i, ref)
                except RayActorError as death:
                    self._replace(i, death, counted=False)
                    refs[i] = send(i, True)
            settled = [self._settle(i, ref, send) for i, ref in enumerate(refs)]
            return [ref for ref, _ in settled], [value for _, value in settled]

    def _advance(
        self, shards: list[Rows], previous: list[Any], check: bool, i: int, fresh: bool
    ) -> Any:
        """Worker ``i``'s step: the last batch's step from ``previous``, then the gradient of
        its shard, with ``check`` and the checksum (a replacement, already past that step,
        only the gradient)."""
        handle = self._handles[i]
        if fresh:
            return handle.gradient.remote(shards[i], check)
        return handle.advance.remote(shards[i], check, *_others(previous, i))

    def _settle(self, i: int, ref: Any, send: Send) -> tuple[Any, Any]:
        """Worker ``i``'s call ``ref`` and its result. A worker that died is replaced from the
        driver's state and ``send`` makes its call again."""
        while True:
            try:
                return ref, self._result(i, ref)
            except RayActorError as death:
                self._replace(i, death)
                ref = send(i, True)

    def _result(self, i: int, ref: Any) -> Any:
        """The value of ``ref`` from worker ``i``; user code that raised there becomes a
        WorkerError carrying the worker's traceback."""
        try:
            return ray.get(ref)
        except RayActorError as e:
            if e.actor_init_failed:
                raise WorkerError(
                    f"DataParallel: worker {i} could not build its model and optimizer: {e}"
                ) from None
            raise
        except RayTaskError as e:
            # Ray's text (where the worker ran, and its traceback), without terminal colours.
            trace = re.sub(r"\x1b\[[0-9;]*m", "", str(e))
            raise WorkerError(
                f"DataParallel.fit: worker {i} raised {type(e.cause).__name__}: {e.cause}\n"
                f"Worker traceback:\n{trace}",
                worker_traceback=trace,
            ) from None

    # --- workers and Ray -------------------------------------------------------------------

    def _check_open(self, method: str) -> None:
        if self._closed:
            raise RuntimeError(f"DataParallel.{method}: the trainer is closed")

    def _connect(self) -> None:
        """Start or join Ray and start the workers (first ``fit`` only)."""
        if self._release is not None:
            return
        reserved = runtime.acquire(
            checks.OWNER, self.address, self.workers * self.cpus_per_worker
        )
        handles: list[Any] = []
        try:
            for _ in range(self.workers):
                handles.append(self._spawn())
        except BaseException:
            _shut_down(handles, reserved)
            raise
        self._handles = handles
        self._held = [None] * self.workers
        self._release = weakref.finalize(self, _shut_down, self._handles, reserved)

    def _spawn(self) -> Any:
        """A new worker. Its calls report no task events (their every change of state, sent
        to Ray's GCS for a dashboard's task list): CPU the workers would miss every step."""
        return RemoteWorker.options(
            num_cpus=self.cpus_per_worker, max_restarts=0, enable_task_events=False
        ).remote(*self._factories)

    def _begin(self) -> None:
        """Give every worker this fit's data and the driver's parameters and optimizer, each
        only if the worker does not hold it yet. Nothing waits here: each worker runs its
        first step's call after this one, and that step's wait (``_settle_all``) settles both,
        so a fit's start costs no round trip of its own.

        The state goes again unless it has the same bits as the state the last fit left the
        driver with, so a change made to the driver's model in place (or a ``load``)
        always reaches them; else the workers take that fit's pending last step.
        """
        synced = self._synced is not None and same_state(self._replica.state(), self._synced)
        self._synced = None  # from here on the workers move on
        pending, self._pending = self._pending, []
        state = None if synced else ray.put(self._replica.state())
        begin = partial(self._start, state, pending)
        self._begun = [begin(i, False) for i in range(self.workers)]

    def _start(self, state: Any, pending: list[Any], i: int, fresh: bool) -> Any:
        """Worker ``i``'s start of a fit: this fit's data and the driver's ``state``, as far
        as it does not hold them (a new worker holds nothing). A None ``state`` means all
        workers hold the state of the last fit's end but for the step of ``pending``."""
        assert self._data is not None, "only during fit"
        x, t = self._data
        if fresh:
            self._held[i] = None
        held = self._held[i]
        if held is not None and held[0] is x and held[1] is t:
            x = t = None
        self._held[i] = self._data
        previous = _others(pending, i) if state is None else []
        return self._handles[i].begin.remote(x, t, state, *previous)

    def _replace(self, i: int, death: RayActorError, counted: bool = True) -> None:
        """Put a new worker, started from the driver's state, in the place of worker ``i``.

        More than ``max_restarts`` counted deaths in one fit raise WorkerError.
        """
        if counted:
            self._deaths += 1
            if self._deaths > self.max_restarts:
                raise WorkerError(
                    f"DataParallel.fit: workers died {self._deaths} times in this fit, more "
                    f"than max_restarts={self.max_restarts}; the last: {death}"
                )
        ray.kill(self._handles[i], no_restart=True)
        self._handles[i] = self._spawn()
        begin = partial(self._start, ray.put(self._replica.state()), [])
        self._settle(i, begin(i, True), begin)


def _others(previous: list[Any], i: int) -> list[Any]:
    """The refs of the last batch's gradients for worker ``i``: its own (which it kept) as None."""
    return [None if j == i else ref for j, ref in enumerate(previous)]


def _create_lazy_layers(model: Any, params: dict[str, np.ndarray]) -> list[str]:
    """Give layers sized lazily the input size the file's parameters imply (as
    ``Model.load`` does); the problems found instead."""
    problems = []
    for i, layer in enumerate(getattr(model, "layers", [])):
        if getattr(layer, "initialized", True):
            continue
        key = f"{i}.{layer.in_key}"
        shape = params[key].shape if key in params else ()
        if len(shape) == 0 or shape[0] < 1:
            problems.append(f"no input size for layer {i} ({type(layer).__name__}) in {key}")
        else:
            layer.initialize(shape[0])
    return problems


def _mismatches(model: Any, params: dict[str, np.ndarray], shapes_only: bool = False) -> list[str]:
    """How ``params`` (from a file) differ from ``model``'s parameters (only in the shapes
    of the parameters both have, with ``shapes_only``)."""
    mine = {name: p.shape for name, p in model.params().items()}
    found = {
        "mis-shaped": [
            f"{n} (file {params[n].shape}, model {s})"
            for n, s in mine.items()
            if n in params and params[n].shape != s
        ],
        "missing": [n for n in mine if n not in params],
        "extra": [n for n in params if n not in mine],
        "not floating point": [f"{n} ({a.dtype})" for n, a in params.items() if a.dtype.kind != "f"],
    }
    if shapes_only:
        found = {"mis-shaped": found["mis-shaped"]}
    return [f"{label}: {', '.join(names)}" for label, names in found.items() if names]


def _shut_down(handles: list[Any], reserved: float) -> None:
    """End the workers and release this trainer's use of Ray (and the CPUs it reserved)."""
    for handle in handles:
        ray.kill(handle, no_restart=True)
    runtime.release(reserved)
