"""Scale: y = x * w, the smallest layer that provides the Layer protocol (nothing lazy, no
state). test_check_layer imports it; the registry's tests write this file into fake plugins."""
import numpy as np
from cygrad.layers import Parameter, Parameters


class Scale:
    """``x * w`` with ``w`` of ``size`` values from 0.5 to 1.5."""

    def __init__(self, size=4):
        self._params = Parameters()
        self._params.add("w", Parameter(np.linspace(0.5, 1.5, size)))

    def first(self, x):
        return self.forward(x)[0]

    def forward(self, x):
        return [x * self._params["w"]]

    def params(self):
        return self._params

    def cleargrads(self):
        self._params.cleargrads()
