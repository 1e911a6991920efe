"""What layers share: named parameters, calling, and creation on the first call.

``ParameterLayer`` is any layer that keeps its own parameters and defines ``forward``; the
rest of the Layer protocol follows. ``LayerBase`` adds lazy creation: a layer whose input
size is not given creates its parameters on the first call, from the input's last dimension.
``param_shapes(in_size)`` tells every parameter's shape without creating anything, which is
how ``Model.load`` checks a file against a layer that has not been called yet and then
creates the parameters from the file's shapes.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from cygrad.layers.parameter import Parameter, Parameters
import cygrad.functions as F
from cygrad.variable import Variable
from cygrad.checks import check_size
from cygrad.random import RNGLike, rng_from

__all__ = ["LayerBase", "ParameterLayer", "RecurrentBase"]


class ParameterLayer(ABC):
    """A layer that holds its own parameters (``self._params``, empty for one without any)
    and defines ``forward``: ``first``, calling the layer, ``params`` and ``cleargrads``
    follow, so a subclass provides the Layer protocol.
    """

    def __init__(self) -> None:
        self._params = Parameters()

    @abstractmethod
    def forward(self, *xs: Any) -> list[Variable]:
        """Run the layer; every output in a list."""

    def first(self, *xs: Any) -> Variable:
        """The first output of ``forward``."""
        return self.forward(*xs)[0]

    def __call__(self, *xs: Any) -> Variable:
        return self.first(*xs)

    def params(self) -> Parameters:
        """This layer's parameters (empty before the first call of a lazy layer)."""
        return self._params

    def cleargrads(self) -> None:
        self._params.cleargrads()


class LayerBase(ParameterLayer):
    """Base of the lazy layers; subclasses define ``param_shapes`` and ``forward``.

    Weights (2-D parameters) start as N(0, 1) / sqrt(rows), drawn from the layer's generator
    in the order ``param_shapes`` lists them; vectors (biases) start at zero. A subclass
    starting them otherwise overrides ``initial_value``.
    """

    #: The parameter whose dimension ``in_axis`` is the input size (``Model.load`` reads it).
    in_key: ClassVar[str]
    in_axis: ClassVar[int] = 0
    #: What messages call the input size (a layer counting channels says ``in_channels``).
    in_size_name: ClassVar[str] = "in_size"

    def __init__(self, in_size: int | None, rng: RNGLike, dtype: Any = None) -> None:
        super().__init__()
        self._rng = rng_from(rng)
        # Without a dtype: float64, or a lazy layer's first float input's dtype, so float32
        # data trains a float32 model (no silent upcast).
        self._follow_input_dtype = dtype is None
        self.dtype = np.dtype(np.float64 if dtype is None else dtype)
        if self.dtype.kind != "f" or self.dtype.itemsize not in (4, 8):
            raise TypeError(
                f"{type(self).__name__}: dtype must be float32 or float64, got {self.dtype}"
            )
        self.in_size: int | None = None
        if in_size is not None:
            self.initialize(in_size)

    @property
    def initialized(self) -> bool:
        """Whether the parameters exist (False until the first call when ``in_size`` was None)."""
        return self.in_size is not None

    @abstractmethod
    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        """Every parameter's name and shape for an input of ``in_size`` features, in order."""

    def initial_value(self, name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """The starting value of the parameter ``name``, an ndarray of ``shape`` (cast to the
        layer's dtype): N(0, 1) / sqrt(rows) drawn from ``rng`` for a 2-D weight, zeros
        otherwise."""
        if len(shape) != 2:
            return np.zeros(shape)
        weight: np.ndarray = rng.standard_normal(shape) * np.sqrt(1.0 / shape[0])
        return weight

    def initialize(self, in_size: int) -> None:
        """Create the parameters for inputs of ``in_size`` features (once)."""
        owner = type(self).__name__
        in_size = check_size(owner, self.in_size_name, in_size)
        if self.initialized:
            raise ValueError(
                f"{owner}: already initialised with {self.in_size_name} {self.in_size}"
            )
        # Every value is made and checked before any is added: a failure leaves the layer
        # without parameters, as it was, so a corrected call can initialise it.
        params = [(name, self._initial_parameter(owner, name, tuple(shape)))
                  for name, shape in self.param_shapes(in_size).items()]
        for name, p in params:
            self._params.add(name, p)
        self.in_size = in_size

    def _initial_parameter(self, owner: str, name: str, shape: tuple[int, ...]) -> Parameter:
        """The parameter ``name`` from ``initial_value``, checked to be an array of ``shape``."""
        value = self.initial_value(name, shape, self._rng)
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"{owner}.initial_value: {name!r} must be an ndarray, got {type(value).__name__}"
            )
        if value.shape != shape:
            raise ValueError(
                f"{owner}.initial_value: {name!r} has shape {value.shape}, expected {shape}"
            )
        return Parameter(value.astype(self.dtype, copy=False), name=name)

    def _ensure_initialized(self, x: Any) -> None:
        """Create the parameters from the first input's last dimension."""
        owner = type(self).__name__
        if not isinstance(x, (Variable, np.ndarray)):
            try:
                x = np.asarray(x)
            except ValueError as e:
                raise ValueError(f"{owner}: {e}") from None
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{owner}: expected numbers, got an input of dtype {x.dtype}")
        shape = x.shape
        if len(shape) == 0:
            raise ValueError(f"{owner}: input must have at least one dimension, got shape ()")
        if self._follow_input_dtype and x.dtype in (np.float32, np.float64):
            self.dtype = np.dtype(x.dtype)
        self.initialize(shape[-1])


class RecurrentBase(LayerBase):
    """What RNN, LSTM and recurrent layers of plugins (GRU) share: parameters ``Wx``, ``Wh``,
    ``b`` and a hidden state ``h``."""

    in_key = "Wx"
    h: Variable | None

    def _input_part(self, x: Any) -> Variable:
        """``x @ Wx + b``, the parameters created by the first call; ValueError for a batch
        that does not fit the state.

        Data passed as an ndarray (or list) stays a constant: no gradient is computed for it.
        """
        if self.in_size is None:
            self._ensure_initialized(x)
        p = self._params
        a = F.linear(x, p["Wx"], p["b"])
        h = self.h
        if h is not None and h.shape[:-1] != a.shape[:-1]:
            raise ValueError(
                f"{type(self).__name__}: an input batch of shape {np.shape(x)} does not fit "
                f"the state of shape {h.shape}; call reset_state() to start a new sequence"
            )
        return a

    def _preactivation(self, x: Any) -> Variable:
        """``x @ Wx + b``, plus ``h @ Wh`` once there is a state (it starts at zero)."""
        a = self._input_part(x)
        h = self.h
        if h is None:
            return a
        # The recurrent product takes the input part as its bias: one node, not two.
        return F.linear(h, self._params["Wh"], a)
