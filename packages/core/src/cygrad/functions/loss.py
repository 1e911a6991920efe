"""Losses: mean squared error and softmax cross entropy, each one graph node with a 0-d result."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import data_of, integer_array, recording, sum_to_array
from cygrad.functions.activation import softmax
from cygrad.variable import Function, Variable
from cygrad.variable._core import sum_to, wants_grad

__all__ = ["mean_squared_error", "softmax_cross_entropy"]


class MeanSquaredError(Function):
    """The mean over all elements of (x0 - x1)**2, the two broadcast against each other."""

    def forward(self, x0, x1):
        try:
            shape = np.broadcast_shapes(x0.shape, x1.shape)
        except ValueError:
            raise ValueError(
                f"mean_squared_error: shapes {x0.shape} and {x1.shape} cannot be broadcast together"
            ) from None
        if 0 in shape:
            raise ValueError(f"mean_squared_error: the inputs of shapes {x0.shape} and "
                             f"{x1.shape} have no elements to average")
        d = x0 - x1
        return np.vdot(d, d) / d.size

    def backward(self, gy):
        x0, x1 = self.inputs
        if not recording():
            d = x0.data - x1.data
            gx = d * (gy.data * (2 / d.size))
            return (sum_to_array(gx, x0.shape) if wants_grad(x0) else None,
                    sum_to_array(-gx, x1.shape) if wants_grad(x1) else None)
        d = x0 - x1
        gx = d * (gy * (2 / d.size))
        return (sum_to(gx, x0.shape) if wants_grad(x0) else None,
                sum_to(-gx, x1.shape) if wants_grad(x1) else None)


class SoftmaxCrossEntropy(Function):
    """Mean over the kept rows of -log softmax(x)[row, label]; labels are constants.

    ``weights`` (N, 1) holds 1/kept for a kept row and 0 for an ignored one, and ``onehot``
    (N, C) the one-hot labels of the kept rows, both of x's dtype.
    """

    def __init__(self, labels: np.ndarray, keep: np.ndarray) -> None:
        self.labels = labels
        self.keep = keep

    def forward(self, x):
        n_kept = int(self.keep.sum())
        self.weights = (self.keep / max(n_kept, 1)).astype(x.dtype)[:, None]
        rows = np.flatnonzero(self.keep)
        cols = self.labels[rows]
        self.onehot = np.zeros_like(x)
        self.onehot[rows, cols] = 1
        z = x - x.max(axis=1, keepdims=True)
        e = np.exp(z)
        total = e.sum(axis=1, keepdims=True)
        e /= total
        self.probs = e
        if n_kept == 0:
            return np.zeros((), dtype=x.dtype)
        return (np.log(total[rows, 0]) - z[rows, cols]).sum() / n_kept

    def backward(self, gy):
        if not recording():
            return (self.probs - self.onehot) * (self.weights * gy.data)
        x = self.inputs[0]
        return (softmax(x, axis=1) - self.onehot) * (gy * self.weights)


def mean_squared_error(y: ArrayLike, t: ArrayLike) -> Variable:
    """mean((y - t)**2) over every element of the broadcast difference, as a 0-d Variable.

    ``y`` and ``t`` may broadcast against each other; each gradient is summed back to its
    input's shape.
    """
    return MeanSquaredError()(y, t)


def softmax_cross_entropy(x: ArrayLike, t: ArrayLike, ignore_index: int = -100) -> Variable:
    """Cross entropy of softmax(x) against integer labels, averaged over the kept rows.

    ``x`` is (N, C) logits; ``t`` is (N,) labels in [0, C) (an ndarray or a Variable; float
    labels must hold integers). Rows whose label is ``ignore_index`` are left out of the mean;
    when every row is ignored the loss is 0 with a zero gradient. Finite for any finite logits.
    """
    xs = data_of(x)
    if xs.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: x must be 2-D (N, C), got shape {xs.shape}")
    labels = integer_array(t, "softmax_cross_entropy", "labels")
    n, classes = xs.shape
    if labels.shape != (n,):
        raise ValueError(
            f"softmax_cross_entropy: labels of shape {labels.shape} do not match x of shape "
            f"{xs.shape} (expected ({n},))"
        )
    keep = labels != ignore_index
    bad = keep & ((labels < 0) | (labels >= classes))
    if bad.any():
        raise ValueError(
            f"softmax_cross_entropy: label {labels[bad][0]} is out of range for {classes} classes"
        )
    return SoftmaxCrossEntropy(labels, keep)(x)
