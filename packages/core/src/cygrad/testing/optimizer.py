"""check_optimizer: the conformance kit for optimizers, run by cygrad's own suite on every
registered optimizer (plugins included)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cygrad.protocols import SupportsStateDict, SupportsUpdate
from cygrad.testing.gradcheck import _name
from cygrad.variable import Variable
from cygrad.random import RNGLike, rng_from

__all__ = ["check_optimizer"]


class _Bowl:
    """A model whose loss is a quadratic bowl: ``sum((w - 1)**2) + sum((b - 1)**2)``.

    ``w`` is float64 and ``b`` float32, so that an optimizer must keep each parameter's dtype;
    ``frozen`` never gets a gradient, so it must be left alone.
    """

    def __init__(self, w: np.ndarray, b: np.ndarray, frozen: np.ndarray) -> None:
        self.w, self.b, self.frozen = Variable(w), Variable(b), Variable(frozen)

    @classmethod
    def drawn(cls, gen: np.random.Generator) -> _Bowl:
        return cls(
            gen.standard_normal((3, 2)),
            gen.standard_normal(2).astype(np.float32),
            gen.standard_normal(2),
        )

    def copy(self) -> _Bowl:
        return _Bowl(self.w.data.copy(), self.b.data.copy(), self.frozen.data.copy())

    def params(self) -> dict[str, Variable]:
        return {"w": self.w, "b": self.b, "frozen": self.frozen}

    def loss(self) -> Variable:
        return ((self.w - 1.0) ** 2).sum() + ((self.b - 1.0) ** 2).sum()

    def step(self, optimizer: Any) -> None:
        for p in self.params().values():
            p.cleargrad()
        self.loss().backward()
        optimizer.update(self)


def check_optimizer(factory: Callable[[], Any], *, rng: RNGLike = 0, steps: int = 5) -> None:
    """Assert that the optimizers ``factory()`` builds (with their default settings) descend.

    On a quadratic bowl with one float64 and one float32 parameter, ``steps`` calls of
    ``update(model)`` (after backward) must lower the loss, keep every parameter's shape and
    dtype with finite values, and leave a parameter without a gradient unchanged. An
    optimizer with ``state_dict()`` and ``load_state_dict(state)`` (a
    ``cygrad.protocols.SupportsStateDict``) must resume exactly: a
    fresh optimizer loading the state saved after some steps takes the same next step as
    the original.

    Raises AssertionError naming the optimizer, the check and the values involved.
    """
    where = f"check_optimizer({_name(factory)})"
    gen = rng_from(rng)
    optimizer = factory()
    if not isinstance(optimizer, SupportsUpdate):
        raise AssertionError(f"{where}: built a {type(optimizer).__name__}, which has no update(model)")
    model = _Bowl.drawn(gen)
    start = model.copy()
    for _ in range(steps):
        model.step(optimizer)
    for name, p in model.params().items():
        before = start.params()[name]
        if p.shape != before.shape or p.dtype != before.dtype:
            raise AssertionError(
                f"{where}: parameter {name!r} went from shape {before.shape} and dtype "
                f"{before.dtype} to shape {p.shape} and dtype {p.dtype}"
            )
        if not np.isfinite(p.data).all():
            raise AssertionError(f"{where}: parameter {name!r} is not finite after {steps} updates")
    if not np.array_equal(model.frozen.data, start.frozen.data):
        raise AssertionError(f"{where}: changed parameter 'frozen', which has no gradient")
    first, last = start.loss().item(), model.loss().item()
    if not last < first:
        raise AssertionError(
            f"{where}: {steps} updates took the loss from {first!r} to {last!r}; expected it lower"
        )
    if isinstance(optimizer, SupportsStateDict):
        _check_resume(where, factory, optimizer, model)


def _check_resume(where: str, factory: Callable[[], Any], optimizer: Any, model: _Bowl) -> None:
    """The state saved now, loaded into a fresh optimizer, gives the same next step."""
    saved = optimizer.state_dict()
    resumed_model = model.copy()
    model.step(optimizer)
    resumed = factory()
    resumed.load_state_dict(saved)
    resumed_model.step(resumed)
    for name, p in model.params().items():
        if not np.array_equal(p.data, resumed_model.params()[name].data):
            raise AssertionError(
                f"{where}: a fresh optimizer loading state_dict() took another step than the "
                f"original for parameter {name!r} (state_dict must copy all the state, and "
                "load_state_dict restore it)"
            )
