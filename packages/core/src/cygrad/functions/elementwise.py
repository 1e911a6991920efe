"""Elementwise functions: each a Function whose backward is itself differentiable, and whose
``backward_arrays`` computes the same numbers on arrays for a first-order pass."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import output
from cygrad.variable import Function, Variable

__all__ = ["abs", "cos", "sin", "sqrt", "square"]


class Sin(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sin(x)

    def backward(self, gy: Variable) -> Variable:
        return gy * cos(self.inputs[0])

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return gy * np.cos(self.inputs[0].data)


class Cos(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.cos(x)

    def backward(self, gy: Variable) -> Variable:
        return gy * -sin(self.inputs[0])

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return gy * -np.sin(self.inputs[0].data)


class Square(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.square(x)

    def backward(self, gy: Variable) -> Variable:
        return gy * (self.inputs[0] * 2)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return gy * (self.inputs[0].data * 2)


class Sqrt(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)

    def backward(self, gy: Variable) -> Variable:
        return gy / (output(self) * 2)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return gy / (output(self).data * 2)


class Abs(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    # The derivative is sign(x), constant almost everywhere (0 at x = 0).
    def backward(self, gy: Variable) -> Variable:
        return gy * np.sign(self.inputs[0].data)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return gy * np.sign(self.inputs[0].data)


def sin(x: ArrayLike) -> Variable:
    return Sin()(x)


def cos(x: ArrayLike) -> Variable:
    return Cos()(x)


def square(x: ArrayLike) -> Variable:
    """x * x."""
    return Square()(x)


def sqrt(x: ArrayLike) -> Variable:
    """The square root; its derivative 1/(2 sqrt(x)) is infinite at 0."""
    return Sqrt()(x)


def abs(x: ArrayLike) -> Variable:
    """|x|; the derivative at 0 is taken as 0."""
    return Abs()(x)
