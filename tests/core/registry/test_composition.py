"""Registered names compose: MLP(activation="name") and Sequential from names, dicts and objects,
with plugin components beside the built-ins."""
from __future__ import annotations

import functools
import json

import numpy as np
import pytest

import cygrad.functions as F
from cygrad import registry
from cygrad.layers import LSTM, Linear
from cygrad.models import MLP, Sequential
from cygrad.layers import ActivationLayer
from cygrad.variable import Variable

from .conftest import SCALE_LAYER

FAKE_PLUGIN = SCALE_LAYER + '''
from cygrad.registry import hookimpl

class Counter(Scale):
    """A stateful Scale: adds the number of calls since reset_state."""
    def __init__(self, size=3):
        super().__init__(size)
        self.calls = 0
    def reset_state(self):
        self.calls = 0
    def forward(self, x):
        self.calls += 1
        return [x * self._params["w"] + self.calls]

def cube(x, shift=0.0):
    return (x + shift) ** 3

@hookimpl
def cygrad_register_layers(register):
    register("fake_scale", Scale)
    register("fake_counter", Counter)

@hookimpl
def cygrad_register_activations(register):
    register("fake_cube", cube)
'''


@pytest.fixture
def fake(site):
    site.add("cygrad-fake-compose", {"compose": "fake_compose_plugin"}, {"fake_compose_plugin": FAKE_PLUGIN})
    return site


X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])


def test_mlp_takes_a_registered_activation_name():
    by_name = MLP([4, 2], activation="tanh", rng=0)
    by_function = MLP([4, 2], activation=F.tanh, rng=0)
    assert np.array_equal(by_name(X).data, by_function(X).data)
    assert by_name.activation is registry.activation("tanh")


def test_mlp_takes_a_plugin_activation_name(fake):
    mlp = MLP([4, 1], activation="fake_cube", rng=0)
    hidden = mlp.layers[0](X)
    assert np.allclose(mlp(X).data, mlp.layers[1](hidden**3).data)


def test_mlp_rejects_an_unknown_activation_name_with_suggestions():
    with pytest.raises(registry.UnknownNameError, match=r"no activation named 'sigmod'; closest: sigmoid"):
        MLP([2], activation="sigmod")


def test_sequential_builds_from_names_with_arguments_and_counts_activations_as_positions():
    model = Sequential("linear:4", "relu", "lstm:3", "softmax:axis=-1", "linear:1,nobias=True", rng=0)
    y = model(X)
    assert y.shape == (2, 1)
    assert list(model.params()) == ["0.W", "0.b", "2.Wx", "2.Wh", "2.b", "4.W"]
    assert isinstance(model.layers[1], ActivationLayer) and model.layers[1].fn is F.relu
    expected = model.layers[4](F.softmax(model.layers[2].h, axis=-1))
    assert np.allclose(y.data, expected.data)


def test_the_same_seed_gives_the_same_sequential():
    a = Sequential("linear:4", "tanh", "linear:2", rng=7)
    b = Sequential("linear:4", "tanh", "linear:2", rng=7)
    assert np.array_equal(a(X).data, b(X).data)


def test_sequential_takes_objects_dicts_and_names_together():
    dense = Linear(4, rng=1)
    model = Sequential(dense, {"activation": "sigmoid"}, functools.partial(F.softmax, axis=0),
                       {"layer": "linear", "out_size": 2}, rng=0)
    assert model.layers[0] is dense
    y = model(X)
    assert np.allclose(y.data, model.layers[3](F.softmax(F.sigmoid(dense(X)), axis=0)).data)


def test_to_config_round_trips_through_json_to_the_same_architecture(fake):
    model = Sequential("linear:4", "relu", "fake_scale:4", {"layer": "lstm", "hidden_size": 3},
                       "fake_cube:shift=0.5", F.tanh, functools.partial(F.softmax, axis=0), "linear:1", rng=0)
    model(X)
    config = model.to_config()
    assert config == [
        {"layer": "linear", "out_size": 4},
        {"activation": "relu"},
        {"layer": "fake_scale", "size": 4},
        {"layer": "lstm", "hidden_size": 3},
        {"activation": "fake_cube", "shift": 0.5},
        {"activation": "tanh"},
        {"activation": "softmax", "axis": 0},
        {"layer": "linear", "out_size": 1},
    ]
    rebuilt = Sequential(json.loads(json.dumps(config)), rng=0)
    rebuilt(X)
    assert rebuilt.to_config() == config
    assert [type(a) for a in rebuilt.layers] == [type(b) for b in model.layers]
    assert repr(rebuilt.layers[4]) == repr(model.layers[4]) == "ActivationLayer(cube(shift=0.5))"
    assert [(k, p.shape) for k, p in rebuilt.params().items()] == [(k, p.shape) for k, p in model.params().items()]
    model.reset_state()
    rebuilt.reset_state()
    assert np.array_equal(rebuilt(X).data, model(X).data)  # same seed, same weights too


def test_a_positional_activation_argument_becomes_a_keyword(fake):
    model = Sequential("fake_cube:2.0")
    assert model.to_config() == [{"activation": "fake_cube", "shift": 2.0}]
    assert model(Variable(1.0)).item() == 27.0


def test_to_config_needs_every_object_to_have_a_config():
    with pytest.raises(ValueError, match=r"Sequential.to_config: item 0 \(Linear\) was given as an object that has no config"):
        Sequential(Linear(2), "relu").to_config()
    with pytest.raises(ValueError, match=r"item 1 \(<lambda>\) was given as an object"):
        Sequential("linear:2", lambda x: x * 2).to_config()


def test_a_layer_object_with_its_own_to_config_is_written_down():
    class Named(Linear):
        def to_config(self):
            return {"layer": "linear", "out_size": self.out_size}

    assert Sequential(Named(5)).to_config() == [{"layer": "linear", "out_size": 5}]


def test_reset_state_resets_every_stateful_item(fake):
    model = Sequential("fake_counter:3", "tanh", LSTM(2, rng=0), "linear:1", rng=0)
    first = model(X).data
    second = model(X).data
    assert not np.array_equal(first, second)
    model.reset_state()
    assert model.layers[0].calls == 0 and model.layers[2].h is None
    assert np.array_equal(model(X).data, first)


def test_a_plugin_layer_trains_and_saves_like_a_built_in(fake, tmp_path):
    model = Sequential("fake_scale:3", "fake_cube", "linear:1", rng=0)
    loss = (model(X) ** 2).sum()
    loss.backward()
    assert model.params()["0.w"].grad is not None
    model.save(tmp_path / "m.npz")
    other = Sequential("fake_scale:3", "fake_cube", "linear:1", rng=1)
    other(X)
    other.load(tmp_path / "m.npz")
    assert np.array_equal(other(X).data, model(X).data)


@pytest.mark.parametrize(
    "items, error, message",
    [
        ((), ValueError, r"Sequential: give at least one layer or activation"),
        (("linear:4", "lstn:3"), registry.UnknownNameError, r"item 1: no layer or activation named 'lstn'; closest: lstm"),
        (("linear:x+1",), ValueError, r"item 0 'linear:x\+1': the arguments after ':' must read like a call's arguments"),
        (("linear:4,5,6",), TypeError, r"Sequential: item 0 'linear': too many positional arguments"),
        (({"layer": "linear", "activation": "relu"},), ValueError, r"exactly one of the keys 'layer' and 'activation'"),
        (({"out_size": 3},), ValueError, r"exactly one of the keys 'layer' and 'activation'"),
        ((42,), TypeError, r"Sequential: item 0 is a int; expected a layer, an activation callable"),
        ((Linear(2), type("Half", (), {"forward": lambda self, x: [x], "__call__": lambda self, x: x})()), TypeError,
         r"Sequential: item 1 \(Half\) has some Layer methods but lacks first, params, cleargrads"),
        (("relu:1,2",), TypeError, r"item 0 'relu': 2 extra argument\(s\) given, but the activation takes 0"),
    ],
)
def test_bad_items_are_named(items, error, message):
    with pytest.raises(error, match=message):
        Sequential(*items)


def test_a_name_that_is_both_a_layer_and_an_activation_must_be_spelled_out(site):
    source = '''
from cygrad.registry import hookimpl

@hookimpl
def cygrad_register_activations(register):
    register("linear", lambda x: x)
'''
    site.add("cygrad-fake-both", {"both": "fake_both_plugin"}, {"fake_both_plugin": source})
    with pytest.warns(registry.PluginWarning) as caught:
        registry.names("layers")  # reported when the plugin loads, before any use
    assert sorted(str(w.message).split(": ", 1)[1].split(" from ")[0] for w in caught) == [
        "activation 'linear' has the name of layer 'linear'",
        "layer 'linear' has the name of activation 'linear'",
    ]
    with pytest.raises(ValueError, match=r"'linear' is both a registered layer and a registered activation; "
                       r"write \{'layer': 'linear'\} or \{'activation': 'linear'\}"):
        Sequential("linear:2")
    assert Sequential({"layer": "linear", "out_size": 2}).to_config() == [{"layer": "linear", "out_size": 2}]
