"""max_pool2d and avg_pool2d: the maximum or the mean of each window of NCHW images.

Both follow PyTorch: ``stride=None`` means the kernel size, ``pad`` is at most half the
kernel, max pooling pads with -inf and sends each window's gradient to its first maximal
element (in row-major order), average pooling pads with zeros that count in the mean.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cygrad.variable import Function, Variable

from cygrad_contrib_vision.functions.linear_map import LinearMap
from cygrad_contrib_vision.functions.window import (
    Pair,
    Window,
    crop_images,
    fold,
    operand,
    pad_images,
    unfold,
)

__all__ = ["avg_pool2d", "max_pool2d"]


def pool_window(owner: str, shape: tuple[int, ...], kernel_size: Pair, stride: Pair | None,
                pad: Pair) -> Window:
    """The pooling window of ``owner``; ``stride=None`` is the kernel size."""
    window = Window.of(owner, shape, kernel_size, kernel_size if stride is None else stride, pad)
    if any(2 * p > k for p, k in zip(window.pad, window.kernel)):
        raise ValueError(
            f"{owner}: pad {window.pad} must be at most half the kernel size {window.kernel}"
        )
    return window


@dataclass(frozen=True)
class Maxima:
    """Where max pooling found each window's maximum: flat indices into the padded images
    (N * C * HP * WP elements), one per output element (N, C, OH, OW)."""

    window: Window
    positions: np.ndarray


class MaxPooling2d(Function):
    """(N, C, H, W) -> (N, C, OH, OW): the maximum of each window, padded with -inf."""

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, x: np.ndarray) -> np.ndarray:
        w = self.window
        (n, c), (kh, kw), (oh, ow), (sh, sw), (hp, wp) = (
            w.shape[:2], w.kernel, w.out, w.stride, w.padded
        )
        col = unfold(x, w, fill=-np.inf).reshape(n, c, kh * kw, oh, ow)
        first = col.argmax(axis=2)  # argmax answers the first of tied maxima
        i, j = np.divmod(first, kw)
        rows = np.arange(oh).reshape(oh, 1) * sh + i
        cols = np.arange(ow) * sw + j
        images = np.arange(n * c).reshape(n, c, 1, 1)
        self.maxima = Maxima(w, (images * hp + rows) * wp + cols)
        return np.take_along_axis(col, first[:, :, None], axis=2)[:, :, 0]

    def backward(self, gy: Variable) -> Variable:
        return MaxScatter(self.maxima)(gy)

    def backward_arrays(self, gy: np.ndarray) -> np.ndarray:
        return MaxScatter(self.maxima).apply(gy)


class MaxScatter(LinearMap):
    """(N, C, OH, OW) -> (N, C, H, W): each value added at its window's maximum, zeros elsewhere."""

    spec: Maxima

    def apply(self, g: np.ndarray) -> np.ndarray:
        w = self.spec.window
        out = np.zeros((*w.shape[:2], *w.padded), dtype=g.dtype)
        np.add.at(out.reshape(-1), self.spec.positions.reshape(-1), g.reshape(-1))
        return crop_images(out, w)


class MaxGather(LinearMap):
    """(N, C, H, W) -> (N, C, OH, OW): the value at each window's maximum."""

    spec: Maxima

    def apply(self, g: np.ndarray) -> np.ndarray:
        padded = pad_images(g, self.spec.window)
        return padded.reshape(-1)[self.spec.positions]


MaxScatter.adjoint = MaxGather
MaxGather.adjoint = MaxScatter


class AvgPooling2d(LinearMap):
    """(N, C, H, W) -> (N, C, OH, OW): the mean of each window, padding counted."""

    spec: Window

    def apply(self, x: np.ndarray) -> np.ndarray:
        return unfold(x, self.spec).mean(axis=(2, 3))


class AvgSpread(LinearMap):
    """(N, C, OH, OW) -> (N, C, H, W): each value shared evenly over its window."""

    spec: Window

    def apply(self, g: np.ndarray) -> np.ndarray:
        kh, kw = self.spec.kernel
        share = (g / (kh * kw))[:, :, None, None]
        return fold(np.broadcast_to(share, self.spec.col_shape), self.spec)


AvgPooling2d.adjoint = AvgSpread
AvgSpread.adjoint = AvgPooling2d


def max_pool2d(
    x: ArrayLike, kernel_size: Pair, stride: Pair | None = None, pad: Pair = 0
) -> Variable:
    """The largest element of each ``kernel_size`` window of the images ``x`` (N, C, H, W),
    as ``torch.nn.functional.max_pool2d``: shape (N, C, OH, OW).

    ``stride`` defaults to the kernel size; ``pad`` (-inf, at most half the kernel) widens
    the images. The gradient goes to each window's first maximal element.
    """
    x = operand(x)
    return MaxPooling2d(pool_window("max_pool2d", x.shape, kernel_size, stride, pad))(x)


def avg_pool2d(
    x: ArrayLike, kernel_size: Pair, stride: Pair | None = None, pad: Pair = 0
) -> Variable:
    """The mean of each ``kernel_size`` window of the images ``x`` (N, C, H, W), as
    ``torch.nn.functional.avg_pool2d``: shape (N, C, OH, OW).

    ``stride`` defaults to the kernel size; ``pad`` (zeros, at most half the kernel) widens
    the images, and padded zeros count in the mean. The gradient is shared evenly.
    """
    x = operand(x)
    return AvgPooling2d(pool_window("avg_pool2d", x.shape, kernel_size, stride, pad))(x)
