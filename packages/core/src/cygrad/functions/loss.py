"""Losses: mean squared error and softmax cross entropy, each one graph node with a 0-d result.

``mean_squared_error`` (its Function ``MeanSquaredError``) is an engine operation, defined with
the other nodes of a dense network's training step in the engine's ``dense.pxi``.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import data_of, integer_array
from cygrad.functions.activation import softmax
from cygrad.variable import Function, Variable
from cygrad.variable._core import (
    MeanSquaredError as MeanSquaredError,
    _labels_in_range,
    _row_entries,
    _subtract_one_at,
)

__all__ = ["mean_squared_error", "softmax_cross_entropy"]


class SoftmaxCrossEntropy(Function):
    """Mean over the kept rows of -log softmax(x)[row, label]; labels are constants.

    ``keep`` is a boolean mask of the kept rows, or None when every row is kept. The forward
    pass sets ``rows``/``cols`` (each kept row and its label; ``rows`` is None when every row
    is kept, row i's label then being ``cols[i]``), ``weights`` (1/kept for a kept row and 0
    for an ignored one: an (N, 1) array, or a 0-d one when every row is kept) and ``probs`` =
    softmax(x), all of x's dtype. With every row kept, the label entries are read and written
    by the engine's C loops instead of NumPy's advanced indexing (the same numbers).
    """

    def __init__(self, labels: np.ndarray, keep: np.ndarray | None) -> None:
        self.labels = labels
        self.keep = keep

    def forward(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        if self.keep is None:
            n_kept = n
            self.rows, self.cols = None, self.labels
            self.weights = np.array(1 / max(n, 1), dtype=x.dtype)
        else:
            n_kept = int(self.keep.sum())
            self.weights = (self.keep / max(n_kept, 1)).astype(x.dtype)[:, None]
            self.rows = np.flatnonzero(self.keep)
            self.cols = self.labels[self.rows]
        z = x - x.max(axis=1, keepdims=True)
        e = np.exp(z)
        total = e.sum(axis=1, keepdims=True)
        e /= total
        self.probs = e
        if n_kept == 0:
            return np.zeros((), dtype=x.dtype)
        if self.rows is None:  # every row's total (a view) and label entry
            totals, picked = total[:, 0], _row_entries(z, self.cols)
        else:
            totals, picked = total[self.rows, 0], z[self.rows, self.cols]
        return (np.log(totals) - picked).sum() / n_kept

    def backward(self, gy: Variable) -> Variable:
        onehot = np.zeros_like(self.probs)
        onehot[np.arange(len(self.cols)) if self.rows is None else self.rows, self.cols] = 1
        return (softmax(self.inputs[0], axis=1) - onehot) * (gy * self.weights)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        g = self.weights * gy
        if self.keep is None:
            # One weight for every row: (probs - onehot) * g as probs with 1 taken from each
            # row's label entry, then scaled in place (the same numbers, fewer passes).
            gx = self.probs.copy()
            _subtract_one_at(gx, self.cols)
            gx *= g
            return gx
        # (probs - onehot) * g, with the one-hot subtraction done only where it is not zero
        # (the same numbers, without an N x C one-hot array).
        gx = self.probs * g
        gx[self.rows, self.cols] = (self.probs[self.rows, self.cols] - 1) * g[self.rows, 0]
        return gx


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
    if xs.dtype.kind not in "biuf":
        raise TypeError(f"softmax_cross_entropy: x must be numbers, got {x!r}")
    if xs.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: x must be 2-D (N, C), got shape {xs.shape}")
    labels = integer_array(t, "softmax_cross_entropy", "labels")
    n, classes = xs.shape
    if labels.shape != (n,):
        raise ValueError(
            f"softmax_cross_entropy: labels of shape {labels.shape} do not match x of shape "
            f"{xs.shape} (expected ({n},))"
        )
    # The usual case, every label in range (so none is ignore_index), takes one C pass.
    if n and not 0 <= ignore_index < classes and _labels_in_range(labels, classes):
        return SoftmaxCrossEntropy(labels, None)(x)
    keep = labels != ignore_index
    all_kept = bool(keep.all())
    kept = labels if all_kept else labels[keep]
    if kept.size and (kept.min() < 0 or kept.max() >= classes):
        bad = kept[(kept < 0) | (kept >= classes)][0]
        raise ValueError(
            f"softmax_cross_entropy: label {bad} is out of range for {classes} classes"
        )
    return SoftmaxCrossEntropy(labels, None if all_kept else keep)(x)
