"""Conv2d: a bank of learned filters slid over the input images."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.variable import Variable
from cygrad.checks import check_size
from cygrad.random import RNGLike

from cygrad_contrib_vision.functions import conv2d
from cygrad_contrib_vision.functions.window import Pair, pair
from cygrad_contrib_vision.layers.base import ChannelLayer, example_images

__all__ = ["Conv2d"]


class Conv2d(ChannelLayer):
    """``conv2d(x, W, b, stride, pad)`` with ``W`` (out, in, KH, KW) and ``b`` (out,).

    ``W`` starts as N(0, 1) / sqrt(in * KH * KW), ``b`` at zero. Without ``in_channels`` the
    parameters are created on the first call from the input's axis 1; ``nobias`` leaves
    ``b`` out. Sizes are an int or an (height, width) pair.
    """

    in_key = "W"
    in_axis = 1
    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = (2, 3)

    def __init__(
        self,
        out_channels: int,
        kernel_size: Pair,
        *,
        stride: Pair = 1,
        pad: Pair = 0,
        in_channels: int | None = None,
        nobias: bool = False,
        rng: RNGLike = None,
    ) -> None:
        self.out_channels = check_size("Conv2d", "out_channels", out_channels)
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = pair("Conv2d", "stride", stride, 1)
        self.pad = pair("Conv2d", "pad", pad, 0)
        self.nobias = bool(nobias)
        super().__init__(in_channels, rng)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        shapes = {"W": (self.out_channels, in_size, *self.kernel_size)}
        if not self.nobias:
            shapes["b"] = (self.out_channels,)
        return shapes

    def initial_value(self, name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if name == "b":
            return np.zeros(shape)
        fan_in = shape[1] * shape[2] * shape[3]
        return rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)

    def example_inputs(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray]:
        """Images for ``cygrad.testing.check_layer`` (see ``example_images``)."""
        return example_images(input_shape, rng)

    def forward(self, x: Any) -> list[Variable]:
        """``[y]`` of shape (N, out, OH, OW) for images ``x`` (N, in, H, W).

        Images passed as an ndarray stay a constant (no gradient is computed for them).
        """
        x = self.checked(x, (4,))
        p = self._params
        return [conv2d(x, p["W"], None if self.nobias else p["b"], self.stride, self.pad)]

    def __repr__(self) -> str:
        return (
            f"Conv2d(in_channels={self.in_channels}, out_channels={self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, pad={self.pad}, "
            f"nobias={self.nobias})"
        )
