"""Every registered layer, activation and optimizer, first-party or from any installed plugin,
is checked here with the shipped checks of ``cygrad.testing`` (the ones plugin authors run and
``pytest --cygrad-conformance`` runs): the list is read from the registry at collection."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cygrad import registry
from cygrad.testing import check_activation, check_registered, registered_components

COMPONENTS = registered_components()


def test_the_built_ins_and_the_repository_plugins_are_among_the_checked():
    names = {kind: {n for k, n in COMPONENTS if k == kind} for kind in ("layers", "activations", "optimizers")}
    assert {"linear", "rnn", "lstm", "gru", "embedding"} <= names["layers"]
    assert {"sigmoid", "relu", "tanh", "gelu", "softmax", "log_softmax", "leaky_relu"} <= names["activations"]
    assert {"sgd", "momentum", "adam", "adamw"} <= names["optimizers"]


@pytest.mark.parametrize("kind, name", COMPONENTS, ids=[f"{k}-{n}" for k, n in COMPONENTS])
def test_every_registered_component_passes_its_conformance_check(kind, name):
    check_registered(kind, name)


# Values at least 0.01 from 0, where relu-like activations have a kink.
AWAY_FROM_ZERO = st.one_of(st.floats(-3.0, -0.01), st.floats(0.01, 3.0))


@pytest.mark.parametrize("name", registry.names("activations"))
@given(x=hnp.arrays(np.float64, (2, 3), elements=AWAY_FROM_ZERO))
def test_every_registered_activation_conforms_at_drawn_inputs(name, x):
    check_activation(registry.activation(name), inputs=[x])


def test_check_registered_names_the_kinds_it_checks():
    with pytest.raises(ValueError, match=r"check_registered: kind must be one of layers, activations, optimizers, "
                       r"got 'commands'"):
        check_registered("commands", "plugins")
    with pytest.raises(registry.UnknownNameError, match=r"no layer named 'lstn'; closest: lstm"):
        check_registered("layers", "lstn")
