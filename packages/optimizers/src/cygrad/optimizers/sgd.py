"""Plain stochastic gradient descent: ``p -= lr * grad``."""
from __future__ import annotations

import numpy as np

from cygrad.optimizers.optimizer import Optimizer, _Step
from cygrad.variable._core import _sgd_steps


class SGD(Optimizer):
    """Step every parameter against its gradient by ``lr``."""

    hyperparameters = {"lr": "nonnegative"}
    lr: float

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr=lr)

    def update_one(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]
    ) -> None:
        data -= self.lr * grad

    def _apply(self, steps: list[_Step]) -> None:
        # SGD's own step keeps no state: the engine runs it over every parameter in one call,
        # with the same NumPy operations. A subclass with its own update_one or slots gets
        # the base's loop.
        if type(self).update_one is SGD.update_one and not self.slots:
            _sgd_steps(steps, self.lr)
        else:
            super()._apply(steps)
