"""cygrad.protocols: what code relies on, declared; the registry's checks derive from it, and
Model and Sequential accept any object that provides it, built-in base class or not."""
from __future__ import annotations

import numpy as np
import pytest

from cygrad.layers import LSTM, RNN, Linear
from cygrad.models import Model, Sequential
from cygrad.optimizers import Adam
from cygrad.protocols import (
    Activation,
    Layer,
    LazyLayer,
    StatefulLayer,
    SupportsStateDict,
    SupportsUpdate,
    awaiting_parameters,
)
from cygrad.registry.checks import (
    LAYER_METHODS,
    OPTIMIZER_METHODS,
    missing_members,
    protocol_members,
    registration_problem,
)

from cygrad_contrib_layers import GRU, Embedding

from ...affine_layer import Affine


def test_the_protocols_list_what_code_reads():
    assert protocol_members(Layer) == ("first", "forward", "params", "cleargrads")
    assert protocol_members(LazyLayer) == protocol_members(Layer) + ("in_key", "initialized", "param_shapes", "initialize")
    assert protocol_members(StatefulLayer) == protocol_members(Layer) + ("reset_state",)
    assert protocol_members(Activation) == ("__call__",)
    assert protocol_members(SupportsUpdate) == ("update",)
    assert protocol_members(SupportsStateDict) == ("state_dict", "load_state_dict")


def test_the_registry_checks_come_from_the_protocols():
    assert LAYER_METHODS == protocol_members(Layer)
    assert OPTIMIZER_METHODS == protocol_members(SupportsUpdate)
    assert registration_problem("optimizers", "x", type("Stepper", (), {"step": lambda self: None})).endswith(
        "which lacks the method(s) update"
    )


@pytest.mark.parametrize(
    "layer, protocols",
    [
        (Linear(2), {Layer, LazyLayer}),
        (RNN(2), {Layer, LazyLayer, StatefulLayer}),
        (LSTM(2), {Layer, LazyLayer, StatefulLayer}),
        (GRU(2), {Layer, LazyLayer, StatefulLayer}),
        (Embedding(3, 2), {Layer}),
        (Affine(), {Layer, LazyLayer}),
    ],
    ids=["linear", "rnn", "lstm", "gru", "embedding", "affine"],
)
def test_layers_provide_exactly_their_protocols(layer, protocols):
    assert {p for p in (Layer, LazyLayer, StatefulLayer) if isinstance(layer, p)} == protocols


def test_optimizers_provide_update_and_state_dict():
    assert isinstance(Adam(), SupportsUpdate) and isinstance(Adam(), SupportsStateDict)


def test_a_lazy_layer_of_any_class_loads_into_a_fresh_model(tmp_path):
    x = np.arange(6.0).reshape(2, 3)
    trained = Model([Linear(4, rng=0), Affine()])
    trained(x)
    trained.layers[1].params()["beta"].data = np.array([1.0, 2.0, 3.0, 4.0])
    trained.save(tmp_path / "m.npz")
    fresh = Model([Linear(4, rng=1), Affine()])
    assert awaiting_parameters(fresh.layers[1])
    fresh.load(tmp_path / "m.npz")
    assert not awaiting_parameters(fresh.layers[1])
    np.testing.assert_array_equal(fresh(x).data, trained(x).data)


def test_saving_a_lazy_layer_of_any_class_before_its_first_call_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"Model.save: layer 0 \(Affine\) has no parameters yet"):
        Model([Affine()]).save(tmp_path / "m.npz")


def test_sequential_resets_any_stateful_layer():
    class Counter(Affine):
        calls = 0

        def reset_state(self):
            self.calls = 0

    model = Sequential(Counter(), "tanh")
    model.layers[0].calls = 5
    model.reset_state()
    assert model.layers[0].calls == 0


def test_missing_members_follows_isinstance_and_names_what_is_lacking():
    class HalfLazy:
        first, forward, params, cleargrads = Affine.first, Affine.forward, Affine.params, Affine.cleargrads
        __init__, initialized, initialize = Affine.__init__, Affine.initialized, Affine.initialize
        param_shapes = None  # present, but not a method; and no in_key at all

    layer = HalfLazy()
    assert not isinstance(layer, LazyLayer)
    assert missing_members(layer, LazyLayer) == ["in_key", "param_shapes"]
    assert missing_members(Affine(), LazyLayer) == []
