"""The layer bases: ParameterLayer gives a layer that defines ``forward`` the rest of the Layer
protocol; LayerBase creates the parameters lazily, each from ``initial_value``."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.layers import Layer, LayerBase, Parameter, ParameterLayer
from cygrad.protocols import LazyLayer


class Shift(ParameterLayer):
    """``[x + s, x - s]``: two outputs, one parameter, created in the constructor."""

    def __init__(self):
        super().__init__()
        self._params.add("s", Parameter(np.array([1.0, 2.0]), name="s"))

    def forward(self, x):
        s = self._params["s"]
        return [x + s, x - s]


def test_a_parameter_layer_provides_the_layer_protocol_from_forward_alone():
    layer = Shift()
    assert isinstance(layer, Layer) and not isinstance(layer, LazyLayer)
    x = np.array([[10.0, 20.0]])
    np.testing.assert_array_equal(layer.first(x).data, [[11.0, 22.0]])
    np.testing.assert_array_equal(layer(x).data, [[11.0, 22.0]])
    assert list(layer.params()) == ["s"]
    F.sum(layer(x)).backward()
    np.testing.assert_array_equal(layer.params()["s"].grad.data, [1.0, 1.0])
    layer.cleargrads()
    assert layer.params()["s"].grad is None


def test_a_parameter_layer_without_forward_cannot_be_built():
    class Nothing(ParameterLayer):
        pass

    with pytest.raises(TypeError, match="forward"):
        Nothing()


class Scaled(LayerBase):
    """A lazy layer starting its parameters its own way (``initial_value``) and calling its
    input size ``features`` in messages."""

    in_key = "w"
    in_size_name = "features"

    def __init__(self, in_size=None, dtype=None):
        super().__init__(in_size, rng=0, dtype=dtype)

    def param_shapes(self, in_size):
        return {"w": (in_size, 2), "scale": (in_size,)}

    def initial_value(self, name, shape, rng):
        return np.full(shape, 3.0) if name == "scale" else np.arange(float(np.prod(shape))).reshape(shape)

    def forward(self, x):
        if not self.initialized:
            self._ensure_initialized(x)
        return [F.matmul(x * self._params["scale"], self._params["w"])]


def test_initial_value_starts_each_parameter_in_the_layers_dtype():
    layer = Scaled()
    layer(np.ones((1, 3), dtype=np.float32))
    p = layer.params()
    assert list(p) == ["w", "scale"]
    np.testing.assert_array_equal(p["w"].data, np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(p["scale"].data, [3.0, 3.0, 3.0])
    assert p["w"].dtype == p["scale"].dtype == np.float32


def test_the_default_initial_value_is_scaled_normal_weights_and_zero_vectors():
    class Plain(Scaled):
        initial_value = LayerBase.initial_value

    layer = Plain(in_size=4)
    expected = np.random.default_rng(0).standard_normal((4, 2)) * np.sqrt(1.0 / 4)
    np.testing.assert_array_equal(layer.params()["w"].data, expected)
    np.testing.assert_array_equal(layer.params()["scale"].data, np.zeros(4))


def test_messages_call_the_input_size_by_the_layers_name_for_it():
    with pytest.raises(ValueError, match="Scaled: features must be at least 1, got 0"):
        Scaled(in_size=0)
    with pytest.raises(ValueError, match="Scaled: already initialised with features 2"):
        Scaled(in_size=2).initialize(3)


class Misshapen(Scaled):
    """``initial_value`` gets ``scale`` (the second parameter) wrong: ``bad`` says how."""

    bad = None

    def initial_value(self, name, shape, rng):
        return self.bad if name == "scale" else super().initial_value(name, shape, rng)


@pytest.mark.parametrize("bad, error, message", [
    (np.zeros((3, 1)), ValueError, r"Misshapen.initial_value: 'scale' has shape \(3, 1\), expected \(3,\)"),
    ([3.0, 3.0, 3.0], TypeError, "Misshapen.initial_value: 'scale' must be an ndarray, got list"),
])
def test_a_wrong_initial_value_is_an_error_that_leaves_the_layer_uninitialised(bad, error, message):
    layer = Misshapen()
    layer.bad = bad
    with pytest.raises(error, match=message):
        layer.initialize(3)
    assert not layer.initialized and list(layer.params()) == []
    layer.bad = np.full(3, 3.0)  # corrected, the same layer initialises
    layer.initialize(3)
    assert list(layer.params()) == ["w", "scale"]
