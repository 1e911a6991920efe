"""check_layer accepts conforming layers and names what is wrong with the others."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.layers import LSTM, RNN, Linear, Parameter, Parameters
from cygrad.protocols import Layer
from cygrad.registry.checks import LAYER_METHODS
from cygrad.testing import check_layer
from cygrad.variable import Function, Variable

# Scale, y = x * w, is the smallest conforming layer; the subclasses below break one rule each.
from ...scale_layer import Scale


class WrongSquare(Function):
    """x**2 with a backward that forgets the factor 2."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * self.inputs[0]


class WrongGradient(Scale):
    def forward(self, x):
        return [WrongSquare()(x) * self._params["w"]]


class ReturnsVariable(Scale):
    def forward(self, x):
        return x * self._params["w"]


class RenamesParams(Scale):
    calls = 0

    def params(self):
        RenamesParams.calls += 1
        out = Parameters()
        out.add(f"w{RenamesParams.calls}", self._params["w"])
        return out


class AliasedParam(Scale):
    def params(self):
        return {"w": self._params["w"], "v": self._params["w"]}


class EmptyName(Scale):
    def params(self):
        return {"": self._params["w"]}


class HiddenState(Scale):
    """Stateful, but without reset_state: identical runs differ."""

    def __init__(self):
        super().__init__()
        self.h = None

    def forward(self, x):
        y = x * self._params["w"] if self.h is None else x * self._params["w"] + self.h
        self.h = y
        return [y]


class BroadcastsState(HiddenState):
    """Resets properly, but adds a state of another batch size by broadcasting (GRU's old bug)."""

    def reset_state(self):
        self.h = None


class KeepsGrads(Scale):
    def cleargrads(self):
        pass


class FirstIsNotForward(Scale):
    def first(self, x):
        return self.forward(x)[0] * 2


class NoCleargrads:
    first = Scale.first
    forward = Scale.forward
    params = Scale.params


class Lookup:
    """Integer inputs declared through example_inputs, like an embedding."""

    def __init__(self):
        self._params = Parameters()
        self._params.add("W", Parameter(np.arange(15.0).reshape(5, 3) / 10))

    def example_inputs(self, input_shape, rng):
        return (rng.integers(0, 5, size=input_shape),)

    def first(self, ids):
        return self.forward(ids)[0]

    def forward(self, ids):
        if not np.issubdtype(np.asarray(ids).dtype, np.integer):
            raise TypeError("Lookup: ids must be integers")
        return [F.tanh(self._params["W"][ids])]

    def params(self):
        return self._params

    def cleargrads(self):
        self._params.cleargrads()


class LazyScale(Scale):
    """Creates ``w`` on the first call, like a third-party LayerNorm, without the LazyLayer
    protocol: Model.load into a fresh model cannot create ``w``."""

    def __init__(self):
        self._params = Parameters()

    def forward(self, x):
        if "w" not in self._params:
            self._params.add("w", Parameter(np.linspace(0.5, 1.5, np.shape(x)[-1])))
        return super().forward(x)


class ProtocolLazyScale(LazyScale):
    """LazyScale with the LazyLayer protocol: loads into a fresh model."""

    in_key = "w"

    @property
    def initialized(self):
        return "w" in self._params

    def param_shapes(self, in_size):
        return {"w": (in_size,)}

    def initialize(self, in_size):
        self._params.add("w", Parameter(np.linspace(0.5, 1.5, in_size)))


class MisdeclaredShapes(ProtocolLazyScale):
    def param_shapes(self, in_size):
        return {"w": (in_size, 1)}


class InitializeCreatesNothing(ProtocolLazyScale):
    def initialize(self, in_size):
        pass


class ReadyButNotInitialized(ProtocolLazyScale):
    def __init__(self):
        super().__init__()
        self.initialize(4)

    @property
    def initialized(self):
        return False


class UnsavedOffset(Scale):
    """Adds a per-instance random offset that is not a parameter, so saving loses it."""

    def __init__(self):
        super().__init__()
        self.offset = np.random.default_rng().standard_normal(4)

    def forward(self, x):
        return [x * self._params["w"] + self.offset]


@pytest.mark.parametrize("factory", [lambda: Linear(3), lambda: RNN(3), lambda: LSTM(3), Scale, Lookup, ProtocolLazyScale],
                         ids=["linear", "rnn", "lstm", "scale", "integer-inputs", "lazy-with-protocol"])
def test_conforming_layers_pass(factory):
    check_layer(factory, (2, 4))


@pytest.mark.parametrize(
    "factory, message",
    [
        (NoCleargrads, r"NoCleargrads lacks the Layer method\(s\) cleargrads"),
        (ReturnsVariable, r"forward must return a non-empty list of Variables, got Variable"),
        (FirstIsNotForward, r"first\(\*xs\) \(shape \(2, 4\)\) differs from forward\(\*xs\)\[0\]"),
        (HiddenState, r"two identical runs gave different outputs; a stateful layer must define reset_state"),
        (RenamesParams, r"params\(\) names changed on a second call: \['w\d+'\] became \['w\d+'\]"),
        (AliasedParam, r"one parameter object is listed under two names in \['w', 'v'\]"),
        (EmptyName, r"parameter name '' is not a non-empty string"),
        (KeepsGrads, r"cleargrads\(\) left the gradient of w"),
        (WrongGradient, r"the gradient of input 0 of step 0 \(shape \(2, 4\)\) is wrong at index \(\d, \d\): analytic"),
        (LazyScale, r"LazyScale creates its parameters \(w\) on its first call but is not a "
                    r"cygrad.protocols.LazyLayer \(it lacks in_key, initialized, param_shapes, initialize\), "
                    r"so Model.load cannot create them in a fresh model"),
        (MisdeclaredShapes, r"param_shapes\(4\) gives \{'w': \(4, 1\)\}, but the first call created \{'w': \(4,\)\}"),
        (InitializeCreatesNothing, r"initialize\(4\) created \{\} and left initialized False; expected \{'w': \(4,\)\} and True"),
        (ReadyButNotInitialized, r"initialized is False, though params\(\) lists \['w'\]"),
        (BroadcastsState, r"after a batch of shape \(2, 4\), an input of shape \(1, 4\) gave outputs of shape "
                          r"\[\(2, 4\)\], from a reset state \[\(1, 4\)\]; a stateful layer raises ValueError"),
        (UnsavedOffset, r"after Model.save and Model.load into a fresh layer, output 0 differs from the saved layer's"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_each_violation_is_named(factory, message):
    with pytest.raises(AssertionError, match=message):
        check_layer(factory, (2, 4))


def test_a_wrong_parameter_gradient_is_named():
    class WrongWeight(Scale):
        def forward(self, x):
            return [x * WrongSquare()(self._params["w"])]

    with pytest.raises(AssertionError, match=r"gradient of parameter 'w' \(shape \(4,\)\) is wrong"):
        check_layer(WrongWeight, (2, 4))


def test_a_lost_gradient_through_the_state_is_caught():
    class ForgetfulRNN(RNN):
        """Uses the state's value but cuts the graph through it."""

        def forward(self, x):
            if self.h is not None:
                self.h = Variable(self.h.data)
            return super().forward(x)

    with pytest.raises(AssertionError, match=r"the gradient of parameter 'W[xh]' \(shape \(\d, 3\)\) is wrong"):
        check_layer(lambda: ForgetfulRNN(3), (2, 4))


def test_the_registry_checks_exactly_the_protocol_methods():
    members = {n for n in vars(Layer) if not n.startswith("_")}
    assert set(LAYER_METHODS) == members


def test_without_cygrad_models_the_round_trip_is_skipped_with_a_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "cygrad.models", None)  # what an environment without it sees
    with pytest.warns(UserWarning, match=r"check_layer\(UnsavedOffset\): cygrad-models is not installed, so the "
                      r"Model.save/Model.load round trip was skipped"):
        check_layer(UnsavedOffset, (2, 4))
    with pytest.raises(AssertionError, match="is not a cygrad.protocols.LazyLayer"):  # the protocol check still runs
        check_layer(LazyScale, (2, 4))
