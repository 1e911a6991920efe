"""Metrics: numbers about predictions that are reported, not differentiated."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import integer_array
from cygrad.variable import Variable, as_variable

__all__ = ["accuracy"]


def accuracy(y: ArrayLike, t: ArrayLike) -> Variable:
    """The fraction of rows whose highest score is at the label: ``mean(argmax(y, -1) == t)``.

    ``y`` holds scores of shape (..., C), ``t`` integer labels of shape (...). Not
    differentiable: returns a 0-d Variable of y's float dtype with no creator, like the Go
    original.
    """
    scores = as_variable(y).data
    labels = integer_array(t, "accuracy", "labels")
    if scores.ndim == 0 or labels.shape != scores.shape[:-1]:
        raise ValueError(
            f"accuracy: labels of shape {labels.shape} do not match scores of shape "
            f"{scores.shape} (expected the scores' shape without its last axis)"
        )
    if labels.size == 0 or scores.shape[-1] == 0:
        raise ValueError(f"accuracy: no predictions to score (scores of shape {scores.shape})")
    hits = scores.argmax(axis=-1) == labels
    return Variable(np.asarray(hits.mean(), dtype=scores.dtype))
