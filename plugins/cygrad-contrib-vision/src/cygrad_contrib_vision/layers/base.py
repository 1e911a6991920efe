"""What the vision layers share: calling, parameters, and creation from the channel count.

``ChannelLayer`` creates its parameters for the input's channel count (axis 1 of (N, C) or
(N, C, H, W) data) on the first call, unless given ``in_channels``. It provides what
``Model.load`` asks of a lazy layer (``initialized``, ``in_key``, ``in_axis``,
``param_shapes``, ``initialize``), so a fresh, uncalled model loads saved weights.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from cygrad.layers import Parameter, Parameters
from cygrad.variable import Variable
from cygrad.checks import check_size
from cygrad.random import RNGLike, rng_from

__all__ = ["ChannelLayer", "VisionLayer", "example_images", "images"]


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


class VisionLayer(ABC):
    """A layer with one input and one output; subclasses define ``forward``."""

    def __init__(self) -> None:
        self._params = Parameters()

    @abstractmethod
    def forward(self, x: Any) -> list[Variable]:
        """The layer's output, in a list."""

    def first(self, x: Any) -> Variable:
        return self.forward(x)[0]

    def __call__(self, x: Any) -> Variable:
        return self.first(x)

    def params(self) -> Parameters:
        return self._params

    def cleargrads(self) -> None:
        self._params.cleargrads()


class ChannelLayer(VisionLayer):
    """A layer whose parameters depend on the number of input channels.

    Subclasses set ``in_key`` and ``in_axis`` (where that count sits in a parameter's
    shape) and define ``param_shapes(channels)`` and ``initial_value(name, shape, rng)``.
    Parameters take the dtype of the first float input (float64 otherwise).
    """

    in_key: ClassVar[str]
    in_axis: ClassVar[int]

    def __init__(self, in_channels: int | None, rng: RNGLike) -> None:
        super().__init__()
        self._rng = rng_from(rng)
        self.dtype = np.dtype(np.float64)
        self.in_channels: int | None = None
        if in_channels is not None:
            self.initialize(in_channels)

    @property
    def initialized(self) -> bool:
        """Whether the parameters exist (False until the first call without ``in_channels``)."""
        return self.in_channels is not None

    @abstractmethod
    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        """Every parameter's name and shape for ``in_size`` input channels, in order."""

    @abstractmethod
    def initial_value(self, name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """The starting value of the parameter ``name``."""

    def initialize(self, in_size: int) -> None:
        """Create the parameters for inputs of ``in_size`` channels (once)."""
        owner = type(self).__name__
        in_size = check_size(owner, "in_channels", in_size)
        if self.initialized:
            raise ValueError(f"{owner}: already initialised with {self.in_channels} channels")
        for name, shape in self.param_shapes(in_size).items():
            value = self.initial_value(name, shape, self._rng).astype(self.dtype, copy=False)
            self._params.add(name, Parameter(value, name=name))
        self.in_channels = in_size

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
