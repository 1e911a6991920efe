"""Argument checks of ``DataParallel``: every problem named before anything starts."""
from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np
from ray import cloudpickle

from cygrad.variable import Variable
from cygrad.checks import check_size as check_size  # re-exported: DataParallel checks its sizes

OWNER = "DataParallel"
FIT = "DataParallel.fit"


def check_callable(owner: str, name: str, value: object) -> Callable[..., Any]:
    if not callable(value):
        raise TypeError(f"{owner}: {name} must be callable, got {type(value).__name__}")
    return value


def check_factory(name: str, value: object, built_has: str) -> Callable[[], Any]:
    """A zero-argument factory; an object already built (it has ``built_has``) is refused,
    since every worker must build its own."""
    if not isinstance(value, type) and callable(getattr(value, built_has, None)):
        raise TypeError(
            f"{OWNER}: {name} must be a zero-argument factory (a class, a function, a "
            f"functools.partial), got a built {type(value).__name__}; every worker builds its own"
        )
    return check_callable(OWNER, name, value)


def check_picklable(name: str, value: object) -> None:
    """Ray gives every worker a copy of ``value`` by pickling it (with cloudpickle, which
    takes lambdas and closures): a value it cannot pickle is refused before Ray starts."""
    try:
        cloudpickle.dumps(value)
    except Exception as e:  # pickling raises whatever the object's reduction raises
        raise TypeError(
            f"{OWNER}: {name} must be picklable, since every worker gets a copy through Ray; "
            f"pickling it raised {type(e).__name__}: {e}"
        ) from None


def check_options(
    workers: object, address: object, cpus_per_worker: object, max_restarts: object
) -> tuple[int, str | None, float, int]:
    """The constructor's keyword arguments, checked."""
    workers = check_size(OWNER, "workers", workers)
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise TypeError(
            f"{OWNER}: address must be None, 'auto' or 'host:port', got {address!r}"
        )
    if isinstance(cpus_per_worker, bool) or not isinstance(cpus_per_worker, Real):
        raise TypeError(
            f"{OWNER}: cpus_per_worker must be a number, got {type(cpus_per_worker).__name__}"
        )
    cpus = float(cpus_per_worker)
    if not (math.isfinite(cpus) and cpus > 0):
        raise ValueError(f"{OWNER}: cpus_per_worker must be above 0, got {cpus_per_worker}")
    max_restarts = check_size(OWNER, "max_restarts", max_restarts, 0)
    return workers, address, cpus, max_restarts


def check_model(model: object) -> Any:
    """What the model factory returned, if it is a model: callable, with ``params()``
    returning a mapping and ``cleargrads()``."""
    missing = [m for m in ("params", "cleargrads") if not callable(getattr(model, m, None))]
    if missing or not callable(model):
        raise TypeError(
            f"{OWNER}: the model factory returned {type(model).__name__}, not a model "
            f"(callable, with params() and cleargrads()); lacking: "
            f"{', '.join(missing) or '__call__'}"
        )
    return model


def check_optimizer(optimizer: object) -> Any:
    """What the optimizer factory returned, if it is an optimizer."""
    methods = ("update", "state_dict", "load_state_dict")
    missing = [m for m in methods if not callable(getattr(optimizer, m, None))]
    if missing:
        raise TypeError(
            f"{OWNER}: the optimizer factory returned {type(optimizer).__name__}, not an "
            f"optimizer (lacking {', '.join(missing)})"
        )
    return optimizer


def check_data(owner: str, x: object, t: object) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``t`` as arrays with the same number of rows, at least one."""
    arrays = []
    for name, value in (("x", x), ("t", t)):
        if isinstance(value, Variable):
            value = value.data
        array = np.asarray(value)
        if array.ndim == 0:
            raise ValueError(f"{owner}: {name} must have rows (at least 1-d), got a scalar")
        arrays.append(array)
    x, t = arrays
    if len(x) != len(t):
        raise ValueError(f"{owner}: len(x) is {len(x)} but len(t) is {len(t)}; they must match")
    if len(x) == 0:
        raise ValueError(f"{owner}: x and t have no rows")
    return x, t


def check_flag(owner: str, name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def check_rng(owner: str, rng: object) -> np.random.Generator:
    if rng is not None and (
        isinstance(rng, bool) or not isinstance(rng, (np.random.Generator, int, np.integer))
    ):
        raise TypeError(
            f"{owner}: rng must be a numpy.random.Generator, an int seed or None, "
            f"got {type(rng).__name__}"
        )
    return np.random.default_rng(rng)


def check_loss_value(value: object) -> None:
    """The loss on the first rows must be a 0-d Variable (a mean over the rows)."""
    wanted = "loss(y, t) must return a 0-d Variable (the mean over the batch's rows)"
    if not isinstance(value, Variable):
        raise TypeError(f"{FIT}: {wanted}, got {type(value).__name__}")
    if value.ndim != 0:
        raise ValueError(f"{FIT}: {wanted}, got shape {value.shape}")
