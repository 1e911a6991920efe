"""The ``Optimizer`` base: collect the parameters that have gradients, run hooks, step each one.

Subclasses name their hyperparameters and their per-parameter state slots; the base keeps the
state keyed by the names ``model.params()`` gives, so it can be saved and restored exactly.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any, ClassVar, Protocol

import numpy as np

from cygrad.variable import Variable

Hook = Callable[[list[Variable]], None]
"""Called with the parameters that have gradients, before the update; may replace their grads."""

_RULES = {
    "nonnegative": (lambda v: v >= 0.0, ">= 0"),
    "positive": (lambda v: v > 0.0, "> 0"),
    "fraction": (lambda v: 0.0 <= v < 1.0, "in [0, 1)"),
}
_STATE_KEYS = ("kind", "t", "hyperparameters", "state")


class HasParams(Protocol):
    """Anything with ``params()`` returning a mapping of names to parameters (a model, a layer)."""

    def params(self) -> Mapping[str, Variable]: ...


def checked(owner: str, name: str, value: object, rule: str) -> float:
    """``value`` as a float, or a ValueError naming ``owner``, the argument and the value.

    ``rule`` is "nonnegative", "positive" or "fraction" (in [0, 1)).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r}")
    number = float(value)
    accept, wanted = _RULES[rule]
    if math.isnan(number) or math.isinf(number) or not accept(number):
        raise ValueError(f"{owner}: {name} must be finite and {wanted}, got {value!r}")
    return number


class Optimizer:
    """Base class: ``update(model)`` steps every parameter of ``model`` that has a gradient.

    Subclasses set ``hyperparameters`` (name -> rule for ``checked``), ``slots`` (the names of
    the arrays kept per parameter, created as zeros on a parameter's first update) and
    implement ``_step``. ``t`` counts ``update`` calls.
    """

    hyperparameters: ClassVar[dict[str, str]] = {}
    slots: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **values: float) -> None:
        kind = type(self).__name__
        for name, rule in self.hyperparameters.items():
            setattr(self, name, checked(kind, name, values[name], rule))
        self.hooks: list[Hook] = []
        self.t = 0
        self._state: dict[str, dict[str, np.ndarray]] = {}

    def add_hook(self, hook: Hook) -> None:
        """Run ``hook`` on the parameters with gradients before each update, after earlier ones."""
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.add_hook: expected a callable, got {hook!r}")
        self.hooks.append(hook)

    def update(self, model: HasParams) -> None:
        """Run the hooks, then change in place the data of every parameter that has a gradient."""
        params = self._with_grads(model)
        for hook in self.hooks:
            hook(list(params.values()))
        self.t += 1
        for name, p in params.items():
            if p.grad is None:
                continue
            state = self._state.get(name)
            if state is None:
                state = {slot: np.zeros_like(p.data) for slot in self.slots}
                if state:  # optimizers without slots (SGD) keep no per-parameter entries
                    self._state[name] = state
            self._step(p.data, p.grad.data, state)

    def _step(self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """Change ``data`` (and ``state``) in place from ``grad``; ``self.t`` is already counted."""
        raise NotImplementedError(f"{type(self).__name__} must implement _step")

    def _with_grads(self, model: HasParams) -> dict[str, Variable]:
        """The parameters with gradients, checked against the state before anything changes."""
        kind = type(self).__name__
        chosen: dict[str, Variable] = {}
        for name, p in model.params().items():
            if not isinstance(p, Variable):
                raise TypeError(
                    f"{kind}.update: parameter {name!r} is {type(p).__name__}, expected a Variable"
                )
            if p.grad is None:
                continue
            if p.grad.shape != p.shape:
                raise ValueError(
                    f"{kind}.update: gradient of {name!r} has shape {p.grad.shape}, "
                    f"parameter has shape {p.shape}"
                )
            for slot, array in self._state.get(name, {}).items():
                if array.shape != p.shape:
                    raise ValueError(
                        f"{kind}.update: state {slot!r} of {name!r} has shape {array.shape}, "
                        f"parameter has shape {p.shape}"
                    )
            chosen[name] = p
        return chosen

    def state_dict(self) -> dict[str, Any]:
        """What resuming needs: kind, step count, hyperparameters and copies of the state."""
        return {
            "kind": type(self).__name__,
            "t": self.t,
            "hyperparameters": {name: getattr(self, name) for name in self.hyperparameters},
            "state": {
                name: {slot: array.copy() for slot, array in slots.items()}
                for name, slots in self._state.items()
            },
        }

    def load_state_dict(self, state: Mapping[str, Any], model: HasParams | None = None) -> None:
        """Restore what ``state_dict`` returned, after checking all of it; on any mismatch
        raise a ValueError naming the problems and change nothing.

        With ``model``, every saved name must be one of its parameters, with the same shape.
        """
        kind = type(self).__name__
        problems = _problems(self, state, model)
        if problems:
            raise ValueError(f"{kind}.load_state_dict: " + "; ".join(problems))
        for name in self.hyperparameters:
            setattr(self, name, float(state["hyperparameters"][name]))
        self.t = int(state["t"])
        self._state = {
            name: {slot: np.array(slots[slot], copy=True) for slot in self.slots}
            for name, slots in state["state"].items()
        }


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


def _problems(opt: Optimizer, state: object, model: HasParams | None) -> list[str]:
    """Every way ``state`` does not fit ``opt`` (and ``model``, when given)."""
    kind = type(opt).__name__
    if not isinstance(state, Mapping):
        return [f"expected a mapping, got {type(state).__name__}"]
    problems = _key_problems("state", state, _STATE_KEYS)
    if problems:
        return problems
    if state["kind"] != kind:
        return [f"state is for {state['kind']!r}, not {kind!r}"]
    t = state["t"]
    if isinstance(t, bool) or not isinstance(t, Integral) or t < 0:
        problems.append(f"step count t must be an integer >= 0, got {t!r}")
    hyper = state["hyperparameters"]
    if not isinstance(hyper, Mapping):
        problems.append(f"hyperparameters must be a mapping, got {type(hyper).__name__}")
    else:
        wanted = tuple(opt.hyperparameters)
        found = _key_problems("hyperparameters", hyper, wanted)
        problems += found
        if not found:
            for name, rule in opt.hyperparameters.items():
                try:
                    checked(kind, name, hyper[name], rule)
                except (TypeError, ValueError) as e:
                    problems.append(str(e).removeprefix(f"{kind}: "))
    per_name = state["state"]
    if not isinstance(per_name, Mapping):
        problems.append(f"state must be a mapping, got {type(per_name).__name__}")
        return problems
    shapes = None if model is None else {n: p.shape for n, p in model.params().items()}
    if shapes is not None:
        unknown = [n for n in per_name if n not in shapes]
        if unknown:
            problems.append(f"names {unknown} are not parameters of the model")
    for name, slots in per_name.items():
        problems += _slot_problems(opt, name, slots, None if shapes is None else shapes.get(name))
    return problems


def _slot_problems(opt: Optimizer, name: str, slots: object, shape: tuple | None) -> list[str]:
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
    return problems
