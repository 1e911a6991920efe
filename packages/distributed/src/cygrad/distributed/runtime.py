"""The process's connection to Ray, shared by every trainer and counted.

``address=None`` starts a private local Ray (never one named by ``RAY_ADDRESS``), with no
dashboard, quiet logs and nothing collected for a dashboard; ``"auto"`` or ``"host:port"``
joins an existing cluster. The first trainer to need Ray starts or joins it; the last one to
close shuts it down (for a cluster, only this process's connection: the cluster keeps
running). A process connected to Ray by other means keeps that connection, which no trainer
shuts down.

The private Ray's CPUs are counted here as trainers take them, so trainers starting in
several threads at once never count the same CPUs free; and its processes are started from
the main thread or from a thread kept for them, never from a passing thread whose end would
take them down.
"""
from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import ray

_lock = threading.Lock()
_freed = threading.Condition(_lock)  # notified when trainers give back CPUs
_users = 0
_address: str | None = None
_owned = False
_reserved = 0.0  # the private Ray's CPUs that this process's trainers hold
_keeper: tuple[threading.Thread, threading.Event] | None = None  # the thread that started Ray

CPU_WAIT_S = 10.0


def acquire(owner: str, address: str | None, cpus: float, *, reserve: bool = True) -> float:
    """Count one more user of Ray, starting or joining it first if needed; the CPUs reserved,
    which ``release`` gives back.

    ``cpus`` is what the caller's workers need; a private runtime gets at least that many
    (and at least the machine's count), so more workers than cores still run. There, with
    ``reserve``, they are counted as taken until released (a caller that only keeps Ray up
    reserves nothing): trainers starting in two threads at once never both count the same
    CPUs free and leave their workers waiting for each other.
    """
    global _users, _address, _owned
    with _lock:
        wanted = "local" if address is None else address
        if _users == 0:
            if ray.is_initialized():
                if address is None:
                    raise RuntimeError(
                        f"{owner}: address=None starts a private Ray, but this process is "
                        "already connected to Ray; pass address='auto' to use that one"
                    )
                _owned = False
            else:
                _start(wanted, cpus)
                _owned = True
            _address = wanted
        elif wanted != _address:
            raise RuntimeError(
                f"{owner}: this process already uses Ray at {_address!r} for another trainer; "
                f"it cannot also use {wanted!r}"
            )
        reserved = cpus if wanted == "local" and reserve else 0.0
        if reserved:
            _reserve(owner, reserved)
        _users += 1
        return reserved


def release(reserved: float = 0.0) -> None:
    """Count one user less, giving back the CPUs ``acquire`` reserved for it; the last one
    shuts down what ``acquire`` started or joined."""
    global _users, _owned, _reserved, _keeper
    with _lock:
        _reserved -= reserved
        _freed.notify_all()
        _users -= 1
        if _users == 0 and _owned:
            ray.shutdown()
            _owned = False
            if _keeper is not None:
                thread, stop = _keeper
                stop.set()
                thread.join()
                _keeper = None


def _reserve(owner: str, cpus: float) -> None:
    """Take ``cpus`` of the private Ray's CPUs, waiting (up to ``CPU_WAIT_S``) for other
    trainers of this process to give theirs back; beyond that, an error rather than workers
    queued forever. Called with the lock held."""
    global _reserved
    total = ray.cluster_resources().get("CPU", 0.0)
    deadline = time.monotonic() + CPU_WAIT_S
    while (free := total - _reserved) < cpus:
        left = deadline - time.monotonic()
        if cpus > total or left <= 0:
            raise RuntimeError(
                f"{owner}: the process's local Ray has {free:g} of its {total:g} CPUs free "
                f"and the workers need {cpus:g}; close the other trainers first"
            )
        _freed.wait(left)
    _reserved += cpus


LOCAL_CONFIG = {
    "enable_metrics_collection": False,
    "event_stats": False,
    "free_objects_period_milliseconds": 0,
}
"""Ray's settings for a private local Ray:

- it has no dashboard to show metrics or the event loops' statistics, so its processes do
  not collect them (CPU the workers would miss);
- an object nobody refers to any more leaves the object store at once, not in Ray's batch
  of once a second: the next step's gradients then take the memory the last ones freed,
  whose pages every process has mapped already, instead of fresh shared memory that the
  writing worker and each reader fault in page by page (about 600 faults per worker per W6
  epoch)."""

LOCAL_ENVIRONMENT = {"RAY_LOG_MONITOR_MANY_FILES_THRESHOLD": "0"}
"""Environment of a private local Ray's processes: its log monitor (whose output no driver
reads, logs going to files only) looks for new log files every half second, not ten times."""


def _start(address: str, cpus: float) -> None:
    """Start a private local Ray, or join the cluster at ``address``. Started from a thread
    other than the main one, Ray's processes are started by a thread kept for them (below)."""
    global _keeper
    quiet: dict[str, Any] = dict(logging_level=logging.ERROR, log_to_driver=False)
    if address != "local":
        ray.init(address=address, **quiet)
        return
    init = partial(
        ray.init,
        address="local",
        num_cpus=max(os.cpu_count() or 1, math.ceil(cpus)),
        include_dashboard=False,
        _system_config=LOCAL_CONFIG,
        **quiet,
    )
    with _environment(LOCAL_ENVIRONMENT):
        if threading.current_thread() is threading.main_thread():
            init()
        else:
            _keeper = _start_in_keeper(init)


def _start_in_keeper(
    init: Callable[[], object]
) -> tuple[threading.Thread, threading.Event]:
    """Run ``init`` in a new thread that lives on until the returned event is set.

    Ray starts its processes asking Linux to kill them when their parent dies, and Linux
    means the parent *thread*: a private Ray started by a ``fit`` in a short-lived thread
    (``asyncio.to_thread``, a thread pool's) would die with that thread.
    """
    started, stop = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def keep() -> None:
        try:
            init()
        except BaseException as e:  # raised again in the thread that asked
            failed.append(e)
            return
        finally:
            started.set()
        stop.wait()

    thread = threading.Thread(target=keep, name="cygrad-ray-processes", daemon=True)
    thread.start()
    started.wait()
    if failed:
        raise failed[0]
    return thread, stop


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` for the body (the processes it starts inherit them), the
    previous environment restored after."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
