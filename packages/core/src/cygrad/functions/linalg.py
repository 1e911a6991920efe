"""``linear(x, W, b)``: the affine map of every dense layer, fused into one graph node."""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from cygrad.functions._util import broadcasts_to, sum_to_array
from cygrad.variable import Function, Variable
from cygrad.variable._core import matmul, reshape, sum_to, transpose, wants_grad

__all__ = ["linear"]


class Affine(Function):
    """``x @ W + b`` for x of shape (..., in), W (in, out) and b broadcastable to (..., out)."""

    def forward(self, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        if W.ndim != 2 or x.ndim < 1 or x.shape[-1] != W.shape[0]:
            raise ValueError(f"linear: shapes {x.shape} and {W.shape} are not aligned")
        y = x @ W
        if b is not None:
            # A bias of shape (out,), or the output's own shape (a recurrent layer's input
            # part), is the common case: skip the general broadcast check.
            common = b.shape == y.shape[-1:] or b.shape == y.shape
            if not common and not broadcasts_to(b.shape, y.shape):
                raise ValueError(
                    f"linear: bias of shape {b.shape} does not broadcast to the output "
                    f"shape {y.shape}"
                )
            if b.dtype == y.dtype or y.dtype == np.result_type(y, b):
                y += b  # the product is a fresh array: add in place, no second allocation
            else:
                y = y + b
        return y

    def backward(self, gy: Variable) -> tuple[Variable | np.ndarray | None, ...]:
        x, W = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        gx = gW = gb = None
        rows, (n_in, n_out) = math.prod(x.shape[:-1]), W.shape
        if wants_grad(x):
            gx = matmul(gy, transpose(W))
        if wants_grad(W):
            gW = matmul(transpose(reshape(x, (rows, n_in))), reshape(gy, (rows, n_out)))
        if b is not None and wants_grad(b):
            gb = sum_to(gy, b.shape)
        return (gx, gW) if b is None else (gx, gW, gb)

    def backward_arrays(self, gy: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, W = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        gx = gW = gb = None
        xd = x.data
        if wants_grad(x):
            gx = gy @ W.data.T
        if wants_grad(W):
            if xd.ndim == 2:
                gW = xd.T @ gy
            else:
                rows, (n_in, n_out) = math.prod(xd.shape[:-1]), W.shape
                gW = xd.reshape(rows, n_in).T @ gy.reshape(rows, n_out)
        if b is not None and wants_grad(b):
            # The usual (batch, out) gradient and (out,) bias: a column sum, which returns
            # a fresh array (no reshaped view the engine would have to copy).
            if gy.ndim == 2 and b.shape == gy.shape[1:]:
                gb = np.add.reduce(gy, axis=0)
            else:
                gb = sum_to_array(gy, b.shape)
        return (gx, gW) if b is None else (gx, gW, gb)


def linear(x: ArrayLike, W: ArrayLike, b: ArrayLike | None = None) -> Variable:
    """``x @ W + b`` (``b`` optional) as one graph node: the hot path of every dense layer."""
    if b is None:
        return Affine()(x, W)
    return Affine()(x, W, b)
