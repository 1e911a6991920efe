"""SGD with momentum: a velocity that remembers past steps, ``v = momentum*v - lr*grad; p += v``."""
from __future__ import annotations

import numpy as np

from cygrad.optimizers.optimizer import Optimizer


class Momentum(Optimizer):
    """Accumulate a velocity per parameter (state slot ``v``) and move the parameter by it."""

    hyperparameters = {"lr": "nonnegative", "momentum": "fraction"}
    slots = ("v",)
    lr: float
    momentum: float

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr=lr, momentum=momentum)

    def update_one(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]
    ) -> None:
        v = state["v"]
        v *= self.momentum
        v -= self.lr * grad
        data += v
