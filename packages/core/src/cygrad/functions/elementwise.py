"""Elementwise functions: each a Function whose backward is itself differentiable."""
from __future__ import annotations

import numpy as np

from cygrad.variable import Function, Variable


class Sin(Function):
    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    def forward(self, x):
        return np.cos(x)

    def backward(self, gy):
        return gy * -sin(self.inputs[0])


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * (1 - y * y)


def sin(x) -> Variable:
    return Sin()(x)


def cos(x) -> Variable:
    return Cos()(x)


def tanh(x) -> Variable:
    return Tanh()(x)
