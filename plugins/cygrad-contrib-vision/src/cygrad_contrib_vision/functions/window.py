"""Window: how a kernel slides over a batch of images, and the two array maps built on it.

``unfold`` copies every kernel-sized window of (N, C, H, W) images into an array of shape
(N, C, KH, KW, OH, OW); ``fold`` is its adjoint, adding such an array back onto the images
(overlapping windows sum). Convolution and pooling are built on this pair.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cygrad.variable import Variable, as_variable
from cygrad.checks import check_size

from cygrad_contrib_vision.functions.scratch import scratch

__all__ = [
    "Pair", "Window", "crop_images", "fold", "operand", "pad_images", "pair", "unfold",
]

#: A size for both image axes (an int) or for (height, width) separately.
Pair = Union[int, tuple[int, int]]


def operand(x: Any) -> Variable | np.ndarray:
    """``x`` itself when it is a Variable, else its float array (integers become float64).

    A Function takes an array as a constant: nothing is computed for its gradient.
    """
    return x if isinstance(x, Variable) else as_variable(x).data


def pair(owner: str, name: str, value: Any, least: int) -> tuple[int, int]:
    """``value`` (an int or a pair of ints, each at least ``least``) as (height, width)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{owner}: {name} must be an int or a pair of ints, got {value!r}")
        return (check_size(owner, name, value[0], least), check_size(owner, name, value[1], least))
    size = check_size(owner, name, value, least)
    return (size, size)


@dataclass(frozen=True)
class Window:
    """A kernel of ``kernel`` (KH, KW) moved by ``stride`` over images of ``shape``
    (N, C, H, W) padded by ``pad`` rows and columns on each side."""

    shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]

    @classmethod
    def of(cls, owner: str, shape: tuple[int, ...], kernel_size: Pair, stride: Pair,
           pad: Pair) -> Window:
        """The window of ``owner`` (the function's name, for errors) over images of ``shape``.

        Raises ValueError when the images are not 4-D or the kernel does not fit them.
        """
        kernel = pair(owner, "kernel_size", kernel_size, 1)
        steps = pair(owner, "stride", stride, 1)
        padding = pair(owner, "pad", pad, 0)
        if len(shape) != 4:
            raise ValueError(f"{owner}: expected images of shape (N, C, H, W), got shape {shape}")
        window = cls(tuple(shape), kernel, steps, padding)  # type: ignore[arg-type]
        padded = window.padded
        if padded[0] < kernel[0] or padded[1] < kernel[1]:
            raise ValueError(
                f"{owner}: a {kernel[0]}x{kernel[1]} kernel does not fit images of "
                f"{shape[2]}x{shape[3]} padded by {padding}"
            )
        return window

    @property
    def padded(self) -> tuple[int, int]:
        """(H + 2 * pad_h, W + 2 * pad_w)."""
        return (self.shape[2] + 2 * self.pad[0], self.shape[3] + 2 * self.pad[1])

    @property
    def out(self) -> tuple[int, int]:
        """(OH, OW): how many window positions fit down and across."""
        (hp, wp), (kh, kw), (sh, sw) = self.padded, self.kernel, self.stride
        return ((hp - kh) // sh + 1, (wp - kw) // sw + 1)

    @property
    def col_shape(self) -> tuple[int, int, int, int, int, int]:
        """(N, C, KH, KW, OH, OW): the shape ``unfold`` returns."""
        return (*self.shape[:2], *self.kernel, *self.out)

    def offsets(self) -> list[tuple[int, int, slice, slice]]:
        """Each kernel offset (i, j) with the slices of the padded images it covers."""
        (oh, ow), (sh, sw) = self.out, self.stride
        return [
            (i, j, slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw))
            for i in range(self.kernel[0])
            for j in range(self.kernel[1])
        ]


def pad_images(x: np.ndarray, window: Window, fill: float = 0.0) -> np.ndarray:
    """``x`` with ``window.pad`` rows and columns of ``fill`` around each image (``x`` itself
    when there is no padding)."""
    ph, pw = window.pad
    if ph == 0 and pw == 0:
        return x
    out = np.full((*x.shape[:2], *window.padded), fill, dtype=x.dtype)
    out[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] = x
    return out


def unfold(x: np.ndarray, window: Window, fill: float = 0.0) -> np.ndarray:
    """Every window of the images ``x`` (padded with ``fill``), as a C-contiguous array of
    shape (N, C, KH, KW, OH, OW)."""
    (oh, ow), (sh, sw) = window.out, window.stride
    views = sliding_window_view(pad_images(x, window, fill), window.kernel, axis=(2, 3))
    views = views[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw]
    # One copy from (N, C, OH, OW, KH, KW) strides into the layout a matrix product wants.
    return np.ascontiguousarray(views.transpose(0, 1, 4, 5, 2, 3))


def fold(col: np.ndarray, window: Window) -> np.ndarray:
    """The adjoint of ``unfold``: each window of ``col`` (N, C, KH, KW, OH, OW) added onto
    images of ``window.shape``; padding is dropped."""
    offsets = window.offsets()
    # Each kernel offset's windows are copied into a padded image of their own, then the
    # images are summed: NumPy copies into strided views and sums contiguous arrays several
    # times faster than it adds into strided views. The scratch array is only ever written
    # at the windows of this geometry, so everywhere else it keeps its initial zeros.
    stack = scratch(("fold", window), (len(offsets), *window.shape[:2], *window.padded), col.dtype)
    for k, (i, j, rows, cols) in enumerate(offsets):
        stack[k, :, :, rows, cols] = col[:, :, i, j]
    return crop_images(stack.sum(axis=0), window)


def crop_images(padded: np.ndarray, window: Window) -> np.ndarray:
    """The inverse of ``pad_images``: the images without their padding, as a fresh array
    (``padded`` itself when there is no padding)."""
    (ph, pw), (h, w) = window.pad, window.shape[2:]
    if ph == 0 and pw == 0:
        return padded
    return np.ascontiguousarray(padded[:, :, ph:ph + h, pw:pw + w])
