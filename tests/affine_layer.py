"""Affine: x * gamma + beta over the last axis, its parameters created on the first call."""
import numpy as np
from cygrad.layers import Parameter, Parameters


class Affine:
    """A lazy layer of its own class, not a cygrad.layers.LayerBase: it provides the LazyLayer
    protocol itself. The tests import it, and write this file as a plugin's module."""

    in_key = "gamma"

    def __init__(self, scale=1.0):
        self.scale = scale
        self._params = Parameters()

    @property
    def initialized(self):
        return "gamma" in self._params

    def param_shapes(self, in_size):
        return {"gamma": (in_size,), "beta": (in_size,)}

    def initialize(self, in_size):
        self._params.add("gamma", Parameter(np.full(in_size, float(self.scale))))
        self._params.add("beta", Parameter(np.linspace(-1.0, 1.0, in_size)))

    def first(self, x):
        return self.forward(x)[0]

    def forward(self, x):
        if not self.initialized:
            self.initialize(np.shape(x)[-1])
        return [x * self._params["gamma"] + self._params["beta"]]

    def params(self):
        return self._params

    def cleargrads(self):
        self._params.cleargrads()
