"""Adam and AdamW: per-parameter step sizes from running means of the gradient and its square.

The bias correction is folded into the learning rate, as in the Go original:
``lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)``, then ``p -= lr_t * m / (sqrt(v) + eps)``.
"""
from __future__ import annotations

import math

import numpy as np

from cygrad.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba) with state slots ``m`` (mean of grads) and ``v`` (mean of squares)."""

    hyperparameters = {
        "lr": "nonnegative",
        "beta1": "fraction",
        "beta2": "fraction",
        "eps": "positive",
    }
    slots = ("m", "v")
    nonnegative_slots = ("v",)
    lr: float
    beta1: float
    beta2: float
    eps: float

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def _lr_t(self) -> float:
        """The bias-corrected learning rate of step ``t``."""
        return self.lr * math.sqrt(1.0 - self.beta2**self.t) / (1.0 - self.beta1**self.t)

    def _direction(self, grad: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        """Advance ``m`` and ``v`` in place; the step direction ``m / (sqrt(v) + eps)``.

        The temporaries are updated in place, so a large parameter costs four fresh arrays
        per step instead of nine (for a 0-d parameter they are NumPy scalars, which the
        augmented assignments rebind).
        """
        m, v = state["m"], state["v"]
        change = grad - m
        change *= 1.0 - self.beta1
        m += change
        change = grad * grad
        change -= v
        change *= 1.0 - self.beta2
        v += change
        root = np.sqrt(v)
        root += self.eps
        step: np.ndarray = m / root
        return step

    def update_one(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]
    ) -> None:
        step = self._direction(grad, state)
        step *= self._lr_t()
        data -= step


class AdamW(Adam):
    """Adam with decoupled weight decay: after the Adam step the parameter shrinks by
    ``lr_t * weight_decay * p``, independently of the gradient and of ``m``/``v``.

    As in the Go original, the decay uses the bias-corrected rate ``lr_t`` of the step and
    the parameter after the step (the paper and PyTorch use the plain ``lr`` and the value
    before), so cygrad reproduces the original's values.
    """

    hyperparameters = {**Adam.hyperparameters, "weight_decay": "nonnegative"}
    weight_decay: float

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        # Adam.__init__ knows only Adam's four hyperparameters; the base checks all five.
        Optimizer.__init__(
            self, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay
        )

    def update_one(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]
    ) -> None:
        lr_t = self._lr_t()
        step = self._direction(grad, state)
        step *= lr_t
        data -= step
        data -= lr_t * self.weight_decay * data
