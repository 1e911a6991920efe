"""Plain stochastic gradient descent: ``p -= lr * grad``."""
from __future__ import annotations

import numpy as np

from cygrad.optimizers.optimizer import Optimizer


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
