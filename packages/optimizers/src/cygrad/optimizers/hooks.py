"""Hooks an optimizer runs on the parameters with gradients before each update.

A hook gives each parameter a new gradient of its own (never writing into a gradient array),
so changing one parameter's gradient can never change another's.
"""
from __future__ import annotations

import math

import numpy as np

from cygrad.optimizers.checked import checked
from cygrad.variable import Variable


class WeightDecay:
    """L2 regularisation through the gradient: ``grad += rate * p``."""

    def __init__(self, rate: float) -> None:
        self.rate = checked("WeightDecay", "rate", rate, "nonnegative")

    def __call__(self, params: list[Variable]) -> None:
        for p in params:
            if p.grad is not None:
                g = p.grad.data
                p.grad = Variable((g + self.rate * p.data).astype(g.dtype, copy=False))

    def __repr__(self) -> str:
        return f"WeightDecay(rate={self.rate!r})"


class ClipGrad:
    """Scale all gradients together by ``max_norm / total_norm`` when their global L2 norm
    exceeds ``max_norm``, keeping their direction."""

    def __init__(self, max_norm: float) -> None:
        self.max_norm = checked("ClipGrad", "max_norm", max_norm, "positive")

    def __call__(self, params: list[Variable]) -> None:
        grads = [(p, p.grad) for p in params if p.grad is not None]
        # Sum the squares in float64 so float32 gradients cannot overflow the norm.
        squares = (float(np.sum(np.square(grad.data, dtype=np.float64))) for _, grad in grads)
        total = math.sqrt(sum(squares))
        if total <= self.max_norm:
            return
        scale = self.max_norm / total
        for p, grad in grads:
            g = grad.data
            p.grad = Variable((g * scale).astype(g.dtype, copy=False))

    def __repr__(self) -> str:
        return f"ClipGrad(max_norm={self.max_norm!r})"
