"""im2col and col2im: the windows of a batch of images as the columns of a matrix, and back.

``im2col`` is PyTorch's ``unfold`` and ``col2im`` its ``fold``: each is the other's gradient.
Convolution is one matrix product on ``im2col``'s output.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from cygrad.variable import Variable
from cygrad.checks import check_size

from cygrad_contrib_vision.functions.linear_map import LinearMap
from cygrad_contrib_vision.functions.window import Pair, Window, fold, operand, unfold

__all__ = ["Col2im", "Im2col", "col2im", "im2col"]


class Im2col(LinearMap):
    """Images (N, C, H, W) -> windows (N, C * KH * KW, OH * OW), channel-major in each column."""

    spec: Window

    def apply(self, x: np.ndarray) -> np.ndarray:
        n, c, kh, kw, oh, ow = self.spec.col_shape
        return unfold(x, self.spec).reshape(n, c * kh * kw, oh * ow)


class Col2im(LinearMap):
    """Windows (N, C * KH * KW, OH * OW) -> images (N, C, H, W), overlaps summed."""

    spec: Window

    def apply(self, col: np.ndarray) -> np.ndarray:
        return fold(col.reshape(self.spec.col_shape), self.spec)


Im2col.adjoint = Col2im
Col2im.adjoint = Im2col


def im2col(x: ArrayLike, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0) -> Variable:
    """Every ``kernel_size`` window of the images ``x`` (N, C, H, W), zero-padded by ``pad``:
    shape (N, C * KH * KW, OH * OW), as ``torch.nn.functional.unfold``.

    Sizes are an int or an (height, width) pair. The gradient is ``col2im``.
    """
    x = operand(x)
    return Im2col(Window.of("im2col", x.shape, kernel_size, stride, pad))(x)


def col2im(
    col: ArrayLike, input_shape: Sequence[int], kernel_size: Pair, stride: Pair = 1, pad: Pair = 0
) -> Variable:
    """The adjoint of ``im2col``: windows ``col`` (N, C * KH * KW, OH * OW) added back onto
    images of ``input_shape`` (N, C, H, W), overlapping windows summed, as
    ``torch.nn.functional.fold``. The gradient is ``im2col``.
    """
    col = operand(col)
    if not isinstance(input_shape, Sequence):
        raise TypeError(
            f"col2im: input_shape must be a sequence of ints, got {type(input_shape).__name__}"
        )
    shape = tuple(check_size("col2im", "input_shape", s, 0) for s in input_shape)
    window = Window.of("col2im", shape, kernel_size, stride, pad)
    (n, c), (kh, kw), (oh, ow) = shape[:2], window.kernel, window.out
    expected = (n, c * kh * kw, oh * ow)
    if col.shape != expected:
        raise ValueError(
            f"col2im: col has shape {col.shape}, but images of shape {shape} with a {kh}x{kw} "
            f"kernel, stride {window.stride} and pad {window.pad} give {expected}"
        )
    return Col2im(window)(col)
