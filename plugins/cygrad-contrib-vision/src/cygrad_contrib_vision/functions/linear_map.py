"""LinearMap: a Function that is a fixed linear map of its one input, paired with its adjoint.

The gradient of a linear map ``y = A x`` is ``gx = A^T gy``, itself linear in ``gy``, and the
gradient of ``A^T`` is ``A`` again. So a pair of classes, each naming the other as its
``adjoint``, is differentiable to any order: im2col and col2im, average pooling and its
spreading, max pooling's gather and scatter.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from cygrad.variable import Function, Variable

__all__ = ["LinearMap"]


class LinearMap(Function):
    """``apply(x)`` for a map fixed by ``spec`` (a window, the positions of maxima).

    A subclass defines ``apply(array) -> array`` and sets ``adjoint`` to the class whose
    ``apply``, built from the same ``spec``, is the transposed map.
    """

    adjoint: ClassVar[type[LinearMap]]

    def __init__(self, spec: Any) -> None:
        self.spec = spec

    def apply(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define apply")

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.apply(x)

    def backward(self, gy: Variable) -> Variable:
        return self.adjoint(self.spec)(gy)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return self.adjoint(self.spec).apply(gy)
