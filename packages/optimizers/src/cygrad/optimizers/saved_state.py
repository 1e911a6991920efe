"""Every way a saved optimizer state can fail to fit an optimizer, found before loading it.

``Optimizer.load_state_dict`` changes nothing unless this finds no problem, so a bad file
never leaves an optimizer half loaded.
"""
from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from cygrad.optimizers.checked import checked
from cygrad.variable import Variable

if TYPE_CHECKING:
    from cygrad.optimizers.optimizer import Optimizer

STATE_KEYS = ("kind", "t", "hyperparameters", "state")


def state_problems(
    opt: Optimizer, state: object, named: list[tuple[str, Variable]] | None
) -> list[str]:
    """Every way ``state`` does not fit ``opt`` (and the parameters ``named``, when given)."""
    kind = type(opt).__name__
    if not isinstance(state, Mapping):
        return [f"expected a mapping, got {type(state).__name__}"]
    problems = _key_problems("state", state, STATE_KEYS)
    if problems:
        return problems
    if state["kind"] != kind:
        return [f"state is for {state['kind']!r}, not {kind!r}"]
    t = state["t"]
    if isinstance(t, bool) or not isinstance(t, Integral) or t < 0:
        problems.append(f"step count t must be an integer >= 0, got {t!r}")
    problems += _hyperparameter_problems(opt, state["hyperparameters"])
    per_name = state["state"]
    if not isinstance(per_name, Mapping):
        problems.append(f"state must be a mapping, got {type(per_name).__name__}")
        return problems
    shapes = None if named is None else {n: p.shape for n, p in named}
    if shapes is not None:
        unknown = [n for n in per_name if n not in shapes]
        if unknown:
            problems.append(f"names {unknown} are not parameters of the model")
    for name, slots in per_name.items():
        problems += _slot_problems(opt, name, slots, None if shapes is None else shapes.get(name))
    return problems


def _key_problems(what: str, got: Mapping[str, Any], wanted: tuple[str, ...]) -> list[str]:
    """Messages naming the keys of ``got`` missing from or unknown to ``wanted``."""
    missing = [k for k in wanted if k not in got]
    unknown = [k for k in got if k not in wanted]
    problems = []
    if missing:
        problems.append(f"{what} missing {missing}")
    if unknown:
        problems.append(f"{what} has unknown {unknown}")
    return problems


def _hyperparameter_problems(opt: Optimizer, hyper: object) -> list[str]:
    """Every saved hyperparameter that is missing, unknown or breaks its rule."""
    kind = type(opt).__name__
    if not isinstance(hyper, Mapping):
        return [f"hyperparameters must be a mapping, got {type(hyper).__name__}"]
    problems = _key_problems("hyperparameters", hyper, tuple(opt.hyperparameters))
    if problems:
        return problems
    for name, rule in opt.hyperparameters.items():
        try:
            checked(kind, name, hyper[name], rule)
        except (TypeError, ValueError) as e:
            problems.append(str(e).removeprefix(f"{kind}: "))
    return problems


def _slot_problems(opt: Optimizer, name: str, slots: object, shape: tuple[int, ...] | None) -> list[str]:
    """Every way the saved arrays of parameter ``name`` do not fit (``shape`` when known)."""
    if not isinstance(slots, Mapping):
        return [f"state of {name!r} must be a mapping, got {type(slots).__name__}"]
    problems = _key_problems(f"state of {name!r}", slots, opt.slots)
    if problems:
        return problems
    arrays = {}
    for slot in opt.slots:
        array = slots[slot]
        if isinstance(array, np.ndarray) and array.dtype in (np.float32, np.float64):
            arrays[slot] = array
        else:
            problems.append(f"state {slot!r} of {name!r} must be a float32/float64 ndarray")
    if shape is None and arrays:
        shape = next(iter(arrays.values())).shape
    for slot, array in arrays.items():
        if array.shape != shape:
            problems.append(
                f"state {slot!r} of {name!r} has shape {array.shape}, expected {shape}"
            )
        # A NaN or inf moment turns every later step into NaN; a negative second moment
        # has no square root.
        if not np.isfinite(array).all():
            problems.append(f"state {slot!r} of {name!r} holds NaN or inf")
        elif slot in opt.nonnegative_slots and (array < 0).any():
            problems.append(f"state {slot!r} of {name!r} holds negative values")
    return problems
