"""Model, MLP and the LSTM model: parameter keys, shapes, order, seeding and state."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.layers import LSTM as LSTMLayer
from cygrad.layers import Linear
from cygrad.models import LSTM, MLP, Model
from cygrad.variable import Variable


def test_params_are_keyed_by_layer_index_in_order():
    model = Model([Linear(3, in_size=2), Linear(1, in_size=3, nobias=True), Linear(2, in_size=1)])
    ps = model.params()
    assert list(ps) == ["0.W", "0.b", "1.W", "2.W", "2.b"]
    assert ps["1.W"] is model.layers[1].params()["W"]
    assert [p.shape for p in ps.params()] == [(2, 3), (3,), (3, 1), (1, 2), (2,)]


def test_forward_chains_the_layers_and_cleargrads_reaches_every_layer():
    model = Model([Linear(3, rng=0), Linear(1, rng=1)])
    x = np.ones((2, 4))
    y = model(x)
    a, b = model.layers
    np.testing.assert_allclose(y.data, b(a(x)).data)
    y.sum().backward()
    assert all(p.grad is not None for p in model.params().values())
    model.cleargrads()
    assert all(p.grad is None for p in model.params().values())


def test_a_layer_without_the_protocol_is_refused():
    with pytest.raises(TypeError, match=r"Model: layer 1 \(function\) lacks the Layer methods"):
        Model([Linear(2), F.sigmoid])


def test_mlp_keys_and_shapes_of_the_seed_example():
    mlp = MLP([10, 10, 1], rng=0)
    assert len(mlp.params()) == 0
    y = mlp(Variable([1.0, 2.0, 3.0]))
    assert y.shape == (1,)
    shapes = {k: p.shape for k, p in mlp.params().items()}
    assert shapes == {
        "0.W": (3, 10), "0.b": (10,), "1.W": (10, 10), "1.b": (10,), "2.W": (10, 1), "2.b": (1,)
    }
    assert list(shapes) == ["0.W", "0.b", "1.W", "1.b", "2.W", "2.b"]


def test_mlp_applies_the_activation_between_layers_only():
    mlp = MLP([4, 3, 2], activation=F.tanh, rng=0)
    x = np.random.default_rng(1).standard_normal((5, 6))
    y = mlp(x).data
    W = [mlp.params()[f"{i}.W"].data for i in range(3)]
    expected = np.tanh(np.tanh(x @ W[0]) @ W[1]) @ W[2]
    np.testing.assert_allclose(y, expected, rtol=1e-13)


def test_mlp_default_activation_is_sigmoid():
    assert MLP([1]).activation is F.sigmoid


def test_mlp_refuses_bad_arguments():
    with pytest.raises(ValueError, match="MLP: out_sizes must be a non-empty list of ints"):
        MLP([])
    with pytest.raises(ValueError, match="MLP: out_sizes must be a non-empty list of ints, got 10"):
        MLP(10)
    with pytest.raises(TypeError, match="MLP: activation must be a callable"):
        MLP([3], activation=3)
    with pytest.raises(ValueError, match="Linear: out_size must be at least 1, got 0"):
        MLP([3, 0])


def trained_copy_of(make, x):
    model = make()
    model(x)
    return {k: p.data.copy() for k, p in model.params().items()}


@pytest.mark.parametrize(
    "make, x",
    [
        (lambda: MLP([5, 4, 1], rng=42), np.ones((2, 3))),
        (lambda: LSTM(6, 2, rng=42), np.ones((2, 3))),
    ],
)
def test_the_same_seed_gives_the_same_model(make, x):
    a, b = trained_copy_of(make, x), trained_copy_of(make, x)
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_different_seeds_give_different_models():
    a = trained_copy_of(lambda: MLP([4, 1], rng=1), np.ones((1, 2)))
    b = trained_copy_of(lambda: MLP([4, 1], rng=2), np.ones((1, 2)))
    assert not np.array_equal(a["0.W"], b["0.W"])


def test_one_generator_is_shared_across_layers_in_order():
    mlp = MLP([4, 2], rng=np.random.default_rng(5))
    mlp(np.ones((1, 3)))
    ref = np.random.default_rng(5)
    for key, shape in [("0.W", (3, 4)), ("1.W", (4, 2))]:
        expected = ref.standard_normal(shape) * np.sqrt(1 / shape[0])
        np.testing.assert_array_equal(mlp.params()[key].data, expected)

    lstm = LSTM(3, 1, rng=9)
    lstm(np.ones((1, 2)))
    ref = np.random.default_rng(9)
    for key, shape in [("0.Wx", (2, 12)), ("0.Wh", (3, 12)), ("1.W", (3, 1))]:
        expected = ref.standard_normal(shape) * np.sqrt(1 / shape[0])
        np.testing.assert_array_equal(lstm.params()[key].data, expected)


def test_lstm_model_keys_and_shapes():
    lstm = LSTM(64, 1, rng=0)
    assert [type(layer) for layer in lstm.layers] == [LSTMLayer, Linear]
    y = lstm(np.zeros((1, 1)))
    assert y.shape == (1, 1)
    shapes = {k: p.shape for k, p in lstm.params().items()}
    assert list(shapes) == ["0.Wx", "0.Wh", "0.b", "1.W", "1.b"]
    assert shapes == {
        "0.Wx": (1, 256), "0.Wh": (64, 256), "0.b": (256,), "1.W": (64, 1), "1.b": (1,)
    }


def test_lstm_model_state_carries_across_calls_until_reset():
    lstm = LSTM(8, 1, rng=0)
    x = np.array([[0.5]])
    first = lstm(x).item()
    second = lstm(x).item()
    third = lstm(x).item()
    assert len({first, second, third}) == 3
    lstm.reset_state()
    assert lstm(x).item() == first
    assert lstm(x).item() == second


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: MLP(None), ValueError, "MLP: out_sizes must be a non-empty list of ints, got None"),
        (lambda: MLP("10"), ValueError, "MLP: out_sizes must be a non-empty list of ints, got '10'"),
        (lambda: Model(5), TypeError, r"Model: layers must be a list of layers \(or None\), got int"),
        (lambda: Model(Linear(2)), TypeError, "Model: layers must be a list of layers .*got Linear"),
    ],
)
def test_bad_constructor_arguments_name_the_class_and_what_was_expected(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_mlp_takes_any_iterable_of_sizes():
    assert [layer.out_size for layer in MLP(np.array([3, 1])).layers] == [3, 1]
    assert [layer.out_size for layer in MLP(n for n in (4, 2)).layers] == [4, 2]
