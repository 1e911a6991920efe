"""The process's connection to Ray, shared by every trainer and counted.

``address=None`` starts a private local Ray (never one named by ``RAY_ADDRESS``), with no
dashboard, quiet logs and nothing collected for a dashboard; ``"auto"`` or ``"host:port"``
joins an existing cluster. The first trainer to need Ray starts or joins it; the last one to
close shuts it down (for a cluster, only this process's connection: the cluster keeps
running). A process connected to Ray by other means keeps that connection, which no trainer
shuts down.
"""
from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ray

_lock = threading.Lock()
_users = 0
_address: str | None = None
_owned = False

CPU_WAIT_S = 10.0


def acquire(owner: str, address: str | None, cpus: float) -> None:
    """Count one more user of Ray, starting or joining it first if needed.

    ``cpus`` is what the caller's workers reserve; a private runtime gets at least that many
    (and at least the machine's count), so more workers than cores still run.
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
        if wanted == "local":
            _wait_for_cpus(owner, cpus)
        _users += 1


def release() -> None:
    """Count one user less; the last one shuts down what ``acquire`` started or joined."""
    global _users, _owned
    with _lock:
        _users -= 1
        if _users == 0 and _owned:
            ray.shutdown()
            _owned = False


def _wait_for_cpus(owner: str, cpus: float) -> None:
    """Wait (up to ``CPU_WAIT_S``) until the private Ray has ``cpus`` CPUs free: trainers
    alive at once share the CPUs it was started with, and a closing one frees its own a
    moment later. Beyond that, an error rather than workers queued forever."""
    total = ray.cluster_resources().get("CPU", 0.0)
    deadline = time.monotonic() + CPU_WAIT_S
    while (free := ray.available_resources().get("CPU", 0.0)) < cpus:
        if cpus > total or time.monotonic() > deadline:
            raise RuntimeError(
                f"{owner}: the process's local Ray has {free:g} of its {total:g} CPUs free "
                f"and the workers need {cpus:g}; close the other trainers first"
            )
        time.sleep(0.1)


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
    quiet: dict[str, Any] = dict(logging_level=logging.ERROR, log_to_driver=False)
    if address == "local":
        with _environment(LOCAL_ENVIRONMENT):
            ray.init(
                address="local",
                num_cpus=max(os.cpu_count() or 1, math.ceil(cpus)),
                include_dashboard=False,
                _system_config=LOCAL_CONFIG,
                **quiet,
            )
    else:
        ray.init(address=address, **quiet)


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
