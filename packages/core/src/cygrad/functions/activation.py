"""Activations: sigmoid, tanh, relu, gelu, softmax and log_softmax.

``sigmoid`` and ``relu`` (their Functions ``Sigmoid`` and ``ReLU``) are engine operations,
defined with the other nodes of a dense network's training step in the engine's ``dense.pxi``;
the others are here.

Each has both backward forms: ``backward_arrays`` on raw arrays for the common first-order
pass (one NumPy expression, no graph nodes), and ``backward`` in differentiable functions for
``create_graph=True``, so any order of derivative works.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import normalize_axis, output
from cygrad.variable import Function, Variable
from cygrad.variable._core import ReLU as ReLU, Sigmoid as Sigmoid, _sigmoid_arrays, exp, mul, sum

__all__ = ["gelu", "log_softmax", "relu", "sigmoid", "softmax", "tanh"]

# gelu's tanh approximation: x/2 * (1 + tanh(K * (x + A * x**3))).
_K = math.sqrt(2.0 / math.pi)
_A = 0.044715


class GELU(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.tanh(_K * (x + _A * x * x * x))
        y += 1
        y *= 0.5 * x
        return y

    # d/dx x*s(x) with s = sigmoid(2u), u = K(x + A x^3): s + x s (1 - s) 2K(1 + 3A x^2).
    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        s = sigmoid(2 * _K * (x + _A * x * x * x))
        return gy * (s + x * s * (1 - s) * (2 * _K) * (1 + 3 * _A * x * x))

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        x = self.inputs[0].data
        s = _sigmoid_arrays(2 * _K * (x + _A * x * x * x))[0]
        return gy * (s + x * s * (1 - s) * (2 * _K) * (1 + 3 * _A * x * x))


class Softmax(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.axis = normalize_axis(self.axis, x.ndim, "softmax")
        if x.size == 0:
            return x.copy()
        y = x - x.max(axis=self.axis, keepdims=True)
        np.exp(y, out=y)
        y /= y.sum(axis=self.axis, keepdims=True)
        return y

    def backward(self, gy: Variable) -> Variable:
        y = output(self)
        gx = y * gy
        return gx - y * sum(gx, self.axis, True)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        y = output(self).data
        gx = y * gy
        gx -= y * gx.sum(axis=self.axis, keepdims=True)
        return gx


class LogSoftmax(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.axis = normalize_axis(self.axis, x.ndim, "log_softmax")
        if x.size == 0:
            return x.copy()
        z = x - x.max(axis=self.axis, keepdims=True)
        z -= np.log(np.exp(z).sum(axis=self.axis, keepdims=True))
        return z

    def backward(self, gy: Variable) -> Variable:
        y = output(self)
        return gy - mul(exp(y), sum(gy, self.axis, True))

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        y = output(self).data
        return gy - np.exp(y) * gy.sum(axis=self.axis, keepdims=True)


def sigmoid(x: ArrayLike) -> Variable:
    """The logistic function 1/(1+exp(-x)), finite for any finite ``x``; it and its
    derivatives of every order keep their relative precision in both tails."""
    return Sigmoid()(x)


def relu(x: ArrayLike) -> Variable:
    """max(x, 0); the derivative at 0 is taken as 0."""
    return ReLU()(x)


def gelu(x: ArrayLike) -> Variable:
    """GELU in its tanh approximation: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))."""
    return GELU()(x)


def softmax(x: ArrayLike, axis: int = -1) -> Variable:
    """exp(x) normalised to sum to 1 along ``axis`` (shifted by the max, so never overflows)."""
    return Softmax(axis)(x)


def log_softmax(x: ArrayLike, axis: int = -1) -> Variable:
    """log(softmax(x)) computed as x - logsumexp(x), finite for large logits."""
    return LogSoftmax(axis)(x)


class Tanh(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def backward(self, gy: Variable) -> Variable:
        y = output(self)
        return gy * (1 - y * y)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        y = output(self).data
        return gy * (1 - y * y)


def tanh(x: ArrayLike) -> Variable:
    return Tanh()(x)
