"""Every registered layer, activation and optimizer, first-party or from any installed plugin,
is checked here: the list is read from the registry when the tests are collected."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cygrad import registry
from cygrad.layers import Linear
from cygrad.models import Model
from cygrad.testing import check_double_grad, check_grad, check_layer
from cygrad.variable import Variable

LAYERS = registry.names("layers")
ACTIVATIONS = registry.names("activations")
OPTIMIZERS = registry.names("optimizers")


def test_the_built_ins_are_among_the_checked():
    assert {"linear", "rnn", "lstm"} <= set(LAYERS)
    assert {"sigmoid", "relu", "tanh", "gelu", "softmax", "log_softmax"} <= set(ACTIVATIONS)
    assert {"sgd", "momentum", "adam", "adamw"} <= set(OPTIMIZERS)


@pytest.mark.parametrize("name", LAYERS)
def test_every_registered_layer_passes_check_layer(name):
    args = getattr(registry.get("layers", name), "example_args", (3,))
    check_layer(lambda: registry.layer(name, *args), (2, 4))


# Values at least 0.01 from 0, where relu-like activations have a kink.
AWAY_FROM_ZERO = st.one_of(st.floats(-3.0, -0.01), st.floats(0.01, 3.0))


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(x=hnp.arrays(np.float64, (2, 3), elements=AWAY_FROM_ZERO))
def test_every_registered_activation_has_right_first_and_second_derivatives(name, x):
    fn = registry.activation(name)
    y = fn(Variable(x))
    assert isinstance(y, Variable) and y.shape == x.shape and y.dtype == np.float64
    check_grad(fn, x)
    check_double_grad(fn, x)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_registered_activation_keeps_float32_and_stays_finite(name):
    fn = registry.activation(name)
    x = Variable(np.array([[-200.0, -1.0, 0.5, 200.0]], dtype=np.float32))
    y = fn(x)
    assert y.dtype == np.float32
    y.backward()
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_registered_optimizer_descends_with_its_defaults(name):
    model = Model([Linear(2, in_size=3, rng=0)])

    def loss() -> Variable:
        return sum(((p - 1.0) ** 2).sum() for p in model.params().values())

    optimizer = registry.optimizer(name)
    start = loss().item()
    for _ in range(5):
        model.cleargrads()
        loss().backward()
        optimizer.update(model)
    assert loss().item() < start
