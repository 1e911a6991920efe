"""What the vision layers share: checking images, and creation from the channel count.

``ChannelLayer`` is a ``cygrad.layers.LayerBase`` that creates its parameters for the
input's channel count (axis 1 of (N, C) or (N, C, H, W) data) on the first call, unless
given ``in_channels``; so it provides what ``Model.load`` asks of a lazy layer
(``initialized``, ``in_key``, ``in_axis``, ``param_shapes``, ``initialize``), and a fresh,
uncalled model loads saved weights. The layers without parameters are
``cygrad.layers.ParameterLayer``s.
"""
from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from cygrad.layers import LayerBase
from cygrad.variable import Variable
from cygrad.random import RNGLike

__all__ = ["ChannelLayer", "example_images", "images"]


def images(owner: str, x: Any, ndims: tuple[int, ...] = (4,)) -> Any:
    """``x`` unchanged when it is a Variable or an ndarray, else as an ndarray; TypeError for
    data that are not numbers, ValueError for a number of dimensions not in ``ndims``."""
    if not isinstance(x, (Variable, np.ndarray)):
        x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: expected numbers, got an input of dtype {x.dtype}")
    if x.ndim not in ndims:
        layouts = " or ".join({2: "(N, C)", 4: "(N, C, H, W)"}.get(n, f"{n}-D") for n in ndims)
        raise ValueError(f"{owner}: expected an input of shape {layouts}, got shape {x.shape}")
    return x


def example_images(input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray]:
    """Standard normal images for ``cygrad.testing.check_layer``: a 4-D ``input_shape`` as
    given, else its first two sizes as (N, C) of 5x5 images."""
    shape = input_shape if len(input_shape) == 4 else (*input_shape[:2], 5, 5)
    return (rng.standard_normal(shape),)


class ChannelLayer(LayerBase):
    """A layer whose parameters depend on the number of input channels.

    Subclasses set ``in_key`` and ``in_axis`` (where that count sits in a parameter's
    shape) and define ``param_shapes(channels)``, ``initial_value(name, shape, rng)`` and
    ``forward``. Parameters take the dtype of the first float input (float64 otherwise).
    """

    in_size_name = "in_channels"

    def __init__(self, in_channels: int | None, rng: RNGLike) -> None:
        super().__init__(in_channels, rng)

    @property
    def in_channels(self) -> int | None:
        """The input's channel count (None until the first call without ``in_channels``)."""
        return self.in_size

    @abstractmethod
    def initial_value(self, name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """The starting value of the parameter ``name``."""

    def checked(self, x: Any, ndims: tuple[int, ...]) -> Any:
        """``x`` checked (see ``images``), the parameters created from it on the first call."""
        owner = type(self).__name__
        x = images(owner, x, ndims)
        if not self.initialized:
            if x.dtype in (np.float32, np.float64):
                self.dtype = np.dtype(x.dtype)
            self.initialize(x.shape[1])
        elif x.shape[1] != self.in_channels:
            raise ValueError(
                f"{owner}: expected {self.in_channels} channels (axis 1), got an input of "
                f"shape {x.shape}"
            )
        return x
