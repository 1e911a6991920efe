"""check_optimizer accepts conforming optimizers and names what is wrong with the others."""
from __future__ import annotations

import numpy as np
import pytest

from cygrad.optimizers import SGD, Adam, AdamW, Momentum
from cygrad.testing import check_optimizer


class PlainSGD:
    """The smallest conforming optimizer: ``update`` only, no saved state."""

    def __init__(self, lr=0.1):
        self.lr = lr

    def update(self, model):
        for p in model.params().values():
            if p.grad is not None:
                p.data = p.data - self.lr * p.grad.data


class Noop(PlainSGD):
    def update(self, model):
        pass


class Ascends(PlainSGD):
    def __init__(self):
        super().__init__(lr=-0.1)


class TouchesEverything(PlainSGD):
    def update(self, model):
        for p in model.params().values():
            g = p.grad.data if p.grad is not None else np.ones_like(p.data)
            p.data = p.data - self.lr * g


class Upcasts(PlainSGD):
    def update(self, model):
        for p in model.params().values():
            if p.grad is not None:
                p.data = p.data.astype(np.float64) - self.lr * p.grad.data


class Explodes(PlainSGD):
    def update(self, model):
        for p in model.params().values():
            if p.grad is not None:
                p.data = p.data * np.nan


class SharedStateMomentum(PlainSGD):
    """Momentum whose state_dict hands out its live arrays: a saved state keeps changing."""

    def __init__(self):
        super().__init__()
        self.v = {}

    def update(self, model):
        for name, p in model.params().items():
            if p.grad is not None:
                v = self.v.setdefault(name, np.zeros_like(p.data))
                v *= 0.9
                v -= self.lr * p.grad.data
                p.data = p.data + v

    def state_dict(self):
        return {"v": self.v}

    def load_state_dict(self, state):
        self.v = {name: v.copy() for name, v in state["v"].items()}


class NotAnOptimizer:
    def step(self):
        pass


@pytest.mark.parametrize("factory", [SGD, Momentum, Adam, AdamW, PlainSGD], ids=lambda f: f.__name__)
def test_conforming_optimizers_pass(factory):
    check_optimizer(factory)


@pytest.mark.parametrize(
    "factory, message",
    [
        (NotAnOptimizer, r"check_optimizer\(NotAnOptimizer\): built a NotAnOptimizer, which has no update\(model\)"),
        (Noop, r"5 updates took the loss from .* to .*; expected it lower"),
        (Ascends, r"expected it lower"),
        (TouchesEverything, r"changed parameter 'frozen', which has no gradient"),
        (Upcasts, r"parameter 'b' went from shape \(2,\) and dtype float32 to shape \(2,\) and dtype float64"),
        (Explodes, r"parameter 'w' is not finite after 5 updates"),
        (SharedStateMomentum, r"a fresh optimizer loading state_dict\(\) took another step than the original for "
                              r"parameter 'w'"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_each_violation_is_named(factory, message):
    with pytest.raises(AssertionError, match=message):
        check_optimizer(factory)
