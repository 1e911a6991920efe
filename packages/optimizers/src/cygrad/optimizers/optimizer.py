"""The ``Optimizer`` base: list the parameters, run hooks, check everything, then step each one.

Subclasses name their hyperparameters and their per-parameter state slots and implement
``update_one``; the base keeps the state keyed by parameter name, so it can be saved and
restored exactly, and checks every parameter and gradient before changing any of them.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

import numpy as np

from cygrad.optimizers.checked import checked
from cygrad.optimizers.named_params import (
    Listing,
    ParamSource,
    checked_pairs,
    listing_of,
    listing_version,
    named_params,
    returned_listing,
)
from cygrad.optimizers.owners import Owners
from cygrad.optimizers.saved_state import state_problems
from cygrad.variable import Variable
from cygrad.variable._core import _gradient_steps

Hook = Callable[[list[Variable]], None]
"""Called with the parameters that have gradients, before the update; may replace their grads."""

_Step = tuple[str, np.ndarray, np.ndarray, "dict[str, np.ndarray] | None"]


class _Known(NamedTuple):
    """A listing an update checked and tied to its names, weakly, with its version then, and
    the model (None when the listing was passed itself) whose ``params()`` returned it."""

    model: weakref.ref[Any] | None
    listing: weakref.ref[Any]
    version: int


class Optimizer:
    """Base class: ``update(model)`` steps every parameter of ``model`` that has a gradient.

    A subclass sets ``hyperparameters`` (name -> rule for ``checked``: "nonnegative",
    "positive" or "fraction"), ``slots`` (the names of the arrays kept per parameter, created
    as zeros at a parameter's first update), optionally ``nonnegative_slots`` (slots that can
    never hold a negative value, such as a second moment, checked when state is loaded), and
    implements ``update_one``. ``t`` counts ``update`` calls.
    """

    hyperparameters: ClassVar[dict[str, str]] = {}
    slots: ClassVar[tuple[str, ...]] = ()
    nonnegative_slots: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **values: float) -> None:
        kind = type(self).__name__
        for name, rule in self.hyperparameters.items():
            setattr(self, name, checked(kind, name, values[name], rule))
        self.hooks: list[Hook] = []
        self.t = 0
        self._state: dict[str, dict[str, np.ndarray]] = {}
        self._owners = Owners()
        self._where = f"{kind}.update"  # the start of update's error messages
        # What the last update checked, if it may be trusted (``_remember_listing``).
        self._known: _Known | None = None

    def add_hook(self, hook: Hook) -> None:
        """Run ``hook`` on the parameters with gradients before each update, after earlier ones."""
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.add_hook: expected a callable, got {hook!r}")
        self.hooks.append(hook)

    def update(self, model: ParamSource) -> None:
        """Run the hooks on the parameters that have a gradient, then change in place the data
        of every parameter that has one after them.

        ``model`` is a model (anything with ``params()``), a mapping of names to parameters,
        or an iterable of parameters (named by position, ``"0"``, ``"1"``, ...). Every
        parameter, and every gradient as the hooks leave it, is checked first: on any problem
        a TypeError or ValueError names the parameter and nothing has changed, neither the
        parameters, nor the state, nor ``t``.
        """
        where = self._where
        known = self._known
        if known is not None and known.model is not None and known.model() is model:
            # The model of the last update: its form is known, its params() lists.
            listing = returned_listing(where, model, model.params())
        else:
            listing = listing_of(where, model)
        # A listing checked before, unchanged since (the same object at the same version):
        # its names and entries are the ones checked and tied to their owners then.
        if (
            known is not None
            and known.listing() is listing
            and getattr(listing, "version", None) == known.version
        ):
            named = list(listing.items())
            new = None
        else:
            named = checked_pairs(where, listing)
            new = self._owners.unknown(where, named)
        if self.hooks:
            with_grads = [p for _, p in named if p.grad is not None]
            for hook in self.hooks:
                hook(list(with_grads))
        steps = self._checked_steps(where, named)
        if new is not None:
            self._owners.remember(new)
            self._remember_listing(model, listing, named)
        self.t += 1
        self._apply(steps)

    def _apply(self, steps: list[_Step]) -> None:
        """``update_one`` for each checked step, in order, after creating the state of a
        parameter met for the first time. A subclass may do the same work another way."""
        states, slots, update_one = self._state, self.slots, self.update_one
        for name, data, grad, state in steps:
            if state is None:
                state = {}
                if slots:  # optimizers without slots (SGD) keep no per-parameter entries
                    state = states[name] = {slot: np.zeros_like(data) for slot in slots}
            update_one(data, grad, state)

    def _remember_listing(
        self, source: ParamSource, listing: Listing, named: list[tuple[str, Variable]]
    ) -> None:
        """Trust ``listing``'s pairs in later updates while its version stays what it is now,
        and, when ``source`` is a model, that model's ``params()`` to list its parameters.

        Only a listing that keeps a version and lists each parameter object once (its pairs
        are then exactly ``named``) is remembered; weakly, as the owners are, so that an
        optimizer keeps no discarded model alive.
        """
        self._known = None
        version = listing_version(listing)
        if version is None or isinstance(listing, list) or len(named) != len(listing):
            return
        try:
            listing_ref = weakref.ref(listing)
        except TypeError:  # a mapping without weak references is checked every time
            return
        model_ref = None
        if source is not listing:
            try:
                model_ref = weakref.ref(source)
            except TypeError:  # a model without weak references goes through listing_of
                pass
        self._known = _Known(model_ref, listing_ref, version)

    def update_one(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]
    ) -> None:
        """Change one parameter's ``data`` (and its ``state``) in place from ``grad``.

        The extension point of a new optimizer. ``update`` calls it once per parameter with
        a gradient, after every check passed and with ``self.t`` already counting this
        update. ``grad`` has the shape and dtype of ``data``; ``state`` maps each of
        ``slots`` to an array shaped like ``data``. Write into ``data`` (``data -= ...``):
        the parameter keeps its array.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update_one")

    def _checked_steps(self, where: str, named: list[tuple[str, Variable]]) -> list[_Step]:
        """``(name, data, grad, state or None)`` for each parameter that has a gradient after
        the hooks, once all of them are known to fit; changes nothing.

        This runs for every parameter at every step, so the engine tests them all in one
        call; ``_refusal`` tells what is wrong with the first one refused.
        """
        states = self._state
        steps, refused = _gradient_steps(named, states)
        if refused >= 0:
            name, p = named[refused]
            assert p.grad is not None  # only a parameter with a gradient is refused
            raise _refusal(where, name, p.data, p.grad.data, states.get(name))
        return steps

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

    def load_state_dict(self, state: Mapping[str, Any], model: ParamSource | None = None) -> None:
        """Restore what ``state_dict`` returned, after checking all of it; on any mismatch
        raise a ValueError naming the problems and change nothing.

        With ``model`` (any form ``update`` takes), every saved name must be one of its
        parameters, with the same shape, and the state belongs to its parameters from now on.
        Without it, the state belongs to the parameters of the next ``update``.
        """
        where = f"{type(self).__name__}.load_state_dict"
        named = None if model is None else named_params(where, model)
        problems = state_problems(self, state, named)
        if problems:
            raise ValueError(f"{where}: " + "; ".join(problems))
        for name in self.hyperparameters:
            setattr(self, name, float(state["hyperparameters"][name]))
        self.t = int(state["t"])
        self._state = {
            name: {slot: np.array(slots[slot], copy=True) for slot in self.slots}
            for name, slots in state["state"].items()
        }
        self._owners.forget()
        self._known = None
        if named is not None:
            self._owners.remember(named)


def _refusal(
    where: str,
    name: str,
    data: np.ndarray,
    grad: np.ndarray,
    state: dict[str, np.ndarray] | None,
) -> Exception:
    """Why ``_checked_steps`` refuses parameter ``name``: the first problem found."""
    if grad.shape != data.shape:
        return ValueError(
            f"{where}: gradient of {name!r} has shape {grad.shape}, "
            f"parameter has shape {data.shape}"
        )
    if grad.dtype != data.dtype:
        return TypeError(
            f"{where}: gradient of {name!r} is {grad.dtype}, parameter is {data.dtype}"
        )
    if not data.flags.writeable:
        return ValueError(
            f"{where}: parameter {name!r} has read-only data; an optimizer changes it in place"
        )
    for slot, array in (state or {}).items():
        if array.shape != data.shape:
            return ValueError(
                f"{where}: state {slot!r} of {name!r} has shape {array.shape}, "
                f"parameter has shape {data.shape}"
            )
    raise AssertionError(f"{where}: {name!r} was refused for no reason")
