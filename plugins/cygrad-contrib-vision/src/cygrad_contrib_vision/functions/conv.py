"""conv2d: two-dimensional convolution of NCHW images, as a matrix product on im2col."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

import cygrad.functions as F
from cygrad.variable import Function, Variable

from cygrad_contrib_vision.functions.im2col import Col2im, Im2col
from cygrad_contrib_vision.functions.scratch import scratch
from cygrad_contrib_vision.functions.window import Pair, Window, operand

__all__ = ["conv2d"]


class Convolution2d(Function):
    """``W @ im2col(x) + b`` as one graph node: for each image, the filters (O, C*KH*KW)
    times its windows (C*KH*KW, OH*OW), already in NCHW order.

    ``wanted`` tells which of x, W, b are Variables: constants get no gradient computed.
    """

    def __init__(self, window: Window, wanted: tuple[bool, ...]) -> None:
        self.window = window
        self.wanted = wanted

    def forward(self, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        (n, o), (oh, ow) = (x.shape[0], W.shape[0]), self.window.out
        self.col = Im2col(self.window).apply(x)  # kept: the gradient of W is computed from it
        y = np.matmul(W.reshape(o, W.size // o), self.col)
        if b is not None:
            y += b.reshape(o, 1)  # the product is a fresh array: no second allocation
        return y.reshape(n, o, oh, ow)

    def backward(self, gy: Variable) -> tuple[Variable | None, ...]:
        x, W = self.inputs[0], self.inputs[1]
        o = W.shape[0]
        gy2 = F.reshape(gy, (x.shape[0], o, gy.shape[2] * gy.shape[3]))
        gx = gW = gb = None
        if self.wanted[0]:
            gx = Col2im(self.window)(F.matmul(F.transpose(F.reshape(W, (o, W.size // o))), gy2))
        if self.wanted[1]:
            # The windows as a function of x, so that the gradient of gW reaches x.
            col = Im2col(self.window)(x)
            gW = F.reshape(F.sum(F.matmul(gy2, F.transpose(col, (0, 2, 1))), axis=0), W.shape)
        if len(self.inputs) == 2:
            return gx, gW
        if self.wanted[2]:
            gb = F.sum(gy, axis=(0, 2, 3))
        return gx, gW, gb

    def backward_arrays(self, gy: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, W = self.inputs[0].data, self.inputs[1].data
        o = W.shape[0]
        gy2 = gy.reshape(x.shape[0], o, gy.shape[2] * gy.shape[3])
        gx = gW = gb = None
        if self.wanted[0]:
            W2t = W.reshape(o, W.size // o).T
            gcol = scratch("conv2d gcol", self.col.shape, np.result_type(W2t, gy2))
            gx = Col2im(self.window).apply(np.matmul(W2t, gy2, out=gcol))
        if self.wanted[1]:
            gW = np.matmul(gy2, self.col.transpose(0, 2, 1)).sum(axis=0).reshape(W.shape)
        if len(self.inputs) == 2:
            return gx, gW
        if self.wanted[2]:
            gb = gy.sum(axis=(0, 2, 3))
        return gx, gW, gb


def conv2d(
    x: ArrayLike, W: ArrayLike, b: ArrayLike | None = None, stride: Pair = 1, pad: Pair = 0
) -> Variable:
    """Cross-correlate images ``x`` (N, C, H, W) with filters ``W`` (O, C, KH, KW), plus ``b``
    (O,): shape (N, O, OH, OW), as ``torch.nn.functional.conv2d`` computes it.

    ``stride`` and ``pad`` (zeros) are an int or an (height, width) pair. An argument given
    as an ndarray is a constant: no gradient is computed for it, which for the images ``x``
    saves the largest matrix product of the backward pass.
    """
    W, x = operand(W), operand(x)
    if W.ndim != 4 or W.shape[0] == 0:
        raise ValueError(
            f"conv2d: W must have shape (out_channels, in_channels, KH, KW) with at least one "
            f"filter, got shape {W.shape}"
        )
    window = Window.of("conv2d", x.shape, W.shape[2:], stride, pad)
    (c, o) = x.shape[1], W.shape[0]
    if c != W.shape[1]:
        raise ValueError(
            f"conv2d: x of shape {x.shape} has {c} channels, but W of shape {W.shape} "
            f"expects {W.shape[1]}"
        )
    if b is None:
        return Convolution2d(window, (isinstance(x, Variable), isinstance(W, Variable)))(x, W)
    b = operand(b)
    if b.shape != (o,):
        raise ValueError(f"conv2d: b must have shape ({o},) for {o} filters, got {b.shape}")
    wanted = (isinstance(x, Variable), isinstance(W, Variable), isinstance(b, Variable))
    return Convolution2d(window, wanted)(x, W, b)
