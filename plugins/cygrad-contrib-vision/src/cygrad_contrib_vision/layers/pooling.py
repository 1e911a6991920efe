"""MaxPool2d and AvgPool2d: pooling layers, without parameters."""
from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np

from cygrad.layers import ParameterLayer
from cygrad.variable import Variable

from cygrad_contrib_vision.functions import avg_pool2d, max_pool2d
from cygrad_contrib_vision.functions.window import Pair, pair
from cygrad_contrib_vision.layers.base import example_images, images

__all__ = ["AvgPool2d", "MaxPool2d"]


class Pool2d(ParameterLayer):
    """A pooling function as a layer; sizes are checked when the layer is built."""

    function: ClassVar[Callable[..., Variable]]
    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = (2,)

    def __init__(self, kernel_size: Pair, *, stride: Pair | None = None, pad: Pair = 0) -> None:
        owner = type(self).__name__
        self.kernel_size = pair(owner, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else pair(owner, "stride", stride, 1)
        self.pad = pair(owner, "pad", pad, 0)
        if any(2 * p > k for p, k in zip(self.pad, self.kernel_size)):
            raise ValueError(
                f"{owner}: pad {self.pad} must be at most half the kernel size {self.kernel_size}"
            )
        super().__init__()

    def example_inputs(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray]:
        """Images for ``cygrad.testing.check_layer`` (see ``example_images``)."""
        return example_images(input_shape, rng)

    def forward(self, x: Any) -> list[Variable]:
        """``[y]`` of shape (N, C, OH, OW) for images ``x`` (N, C, H, W)."""
        x = images(type(self).__name__, x)
        return [type(self).function(x, self.kernel_size, self.stride, self.pad)]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
            f"pad={self.pad})"
        )


class MaxPool2d(Pool2d):
    """The largest element of each window (``max_pool2d``); ``stride`` defaults to the kernel."""

    function = staticmethod(max_pool2d)


class AvgPool2d(Pool2d):
    """The mean of each window (``avg_pool2d``, padding counted); ``stride`` defaults to the
    kernel."""

    function = staticmethod(avg_pool2d)
