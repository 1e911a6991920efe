"""The Layer protocol: defined in core, re-exported by cygrad.layers, met by the built-ins."""
import numpy as np
import pytest

import cygrad.layers
import cygrad.protocols
from cygrad.layers import LSTM, RNN, Layer, Linear


def test_layer_is_reexported_from_core():
    assert cygrad.layers.Layer is cygrad.protocols.Layer


@pytest.mark.parametrize("layer", [Linear(2), RNN(2), LSTM(2), Linear(2, in_size=3)])
def test_built_in_layers_satisfy_the_protocol(layer):
    assert isinstance(layer, Layer)


def test_an_object_missing_a_method_is_not_a_layer():
    class NoCleargrads:
        def first(self, *xs):
            return xs[0]

        def forward(self, *xs):
            return list(xs)

        def params(self):
            return {}

    assert not isinstance(NoCleargrads(), Layer)
    NoCleargrads.cleargrads = lambda self: None
    assert isinstance(NoCleargrads(), Layer)


@pytest.mark.parametrize("make", [
    lambda: Linear(3, rng=0), lambda: RNN(3, rng=0), lambda: LSTM(3, rng=0)
])
def test_call_first_and_forward_agree(make):
    x = np.arange(4.0).reshape(2, 2) / 4
    a, b, c = make(), make(), make()
    ys = a.forward(x)
    assert isinstance(ys, list) and len(ys) == 1
    np.testing.assert_array_equal(ys[0].data, b.first(x).data)
    np.testing.assert_array_equal(ys[0].data, c(x).data)
