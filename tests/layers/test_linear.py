"""Linear: shapes, initialisation, laziness, values and gradients."""
import numpy as np
import pytest

from cygrad.layers import LSTM, RNN, Linear, Parameter
from cygrad.variable import Variable


def test_eager_parameters_follow_the_documented_initialisation():
    layer = Linear(4, in_size=3, rng=0)
    assert list(layer.params()) == ["W", "b"]
    W, b = layer.params()["W"], layer.params()["b"]
    assert isinstance(W, Parameter) and isinstance(b, Parameter)
    expected = np.random.default_rng(0).standard_normal((3, 4)) * np.sqrt(1 / 3)
    np.testing.assert_array_equal(W.data, expected)
    np.testing.assert_array_equal(b.data, np.zeros(4))
    assert W.dtype == np.float64 and layer.initialized and layer.in_size == 3


def test_lazy_layer_takes_the_input_size_from_the_first_call():
    layer = Linear(4, rng=1)
    assert not layer.initialized and len(layer.params()) == 0
    x = np.random.default_rng(2).standard_normal((2, 5))
    y = layer(x)
    W, b = layer.params()["W"], layer.params()["b"]
    assert W.shape == (5, 4) and b.shape == (4,) and layer.in_size == 5
    np.testing.assert_allclose(y.data, x @ W.data + b.data, rtol=1e-15)


def test_lazy_and_eager_layers_draw_the_same_weights_from_the_same_seed():
    lazy, eager = Linear(3, rng=7), Linear(3, in_size=2, rng=7)
    lazy(np.ones((1, 2)))
    np.testing.assert_array_equal(lazy.params()["W"].data, eager.params()["W"].data)


def test_a_one_dimensional_input_works_like_the_seed_example():
    layer = Linear(10, rng=0)
    y = layer(Variable([1.0, 2.0, 3.0]))
    assert y.shape == (10,) and layer.params()["W"].shape == (3, 10)


def test_nobias_has_only_W():
    layer = Linear(2, in_size=3, nobias=True, rng=0)
    assert list(layer.params()) == ["W"]
    x = np.ones((4, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.params()["W"].data)


def test_float32_weights_are_the_float64_draws_rounded():
    layer = Linear(4, in_size=3, rng=0, dtype=np.float32)
    W = layer.params()["W"]
    assert W.dtype == np.float32 and layer.params()["b"].dtype == np.float32
    draws = np.random.default_rng(0).standard_normal((3, 4)) * np.sqrt(1 / 3)
    expected = draws.astype(np.float32)
    np.testing.assert_array_equal(W.data, expected)
    assert layer(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


def test_gradients_match_the_closed_form():
    layer = Linear(3, in_size=2, rng=0)
    x = Variable(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]]))
    layer(x).sum().backward()
    W, b = layer.params()["W"], layer.params()["b"]
    np.testing.assert_allclose(W.grad.data, x.data.T @ np.ones((3, 3)))
    np.testing.assert_allclose(b.grad.data, [3.0, 3.0, 3.0])
    np.testing.assert_allclose(x.grad.data, np.ones((3, 3)) @ W.data.T)
    layer.cleargrads()
    assert W.grad is None and b.grad is None


def test_a_shared_generator_is_drawn_in_call_order():
    gen = np.random.default_rng(3)
    a, b = Linear(2, rng=gen), Linear(2, rng=gen)
    a(np.ones((1, 3)))
    b(np.ones((1, 2)))
    ref = np.random.default_rng(3)
    first = ref.standard_normal((3, 2)) * np.sqrt(1 / 3)
    second = ref.standard_normal((2, 2)) * np.sqrt(1 / 2)
    np.testing.assert_array_equal(a.params()["W"].data, first)
    np.testing.assert_array_equal(b.params()["W"].data, second)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"out_size": 0}, ValueError, "Linear: out_size must be at least 1, got 0"),
        ({"out_size": 2.0}, TypeError, "Linear: out_size must be an int, got float"),
        ({"out_size": 2, "in_size": -1}, ValueError, "Linear: in_size must be at least 1, got -1"),
        ({"out_size": 2, "dtype": np.int64}, TypeError, "Linear: dtype must be float32 or float64"),
        ({"out_size": 2, "rng": "seed"}, TypeError, "rng must be"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        Linear(**kwargs)


def test_a_scalar_input_is_refused_before_anything_is_created():
    layer = Linear(2)
    message = r"Linear: input must have at least one dimension, got shape \(\)"
    with pytest.raises(ValueError, match=message):
        layer(Variable(1.0))
    assert not layer.initialized and len(layer.params()) == 0


@pytest.mark.parametrize("make", [Linear, RNN, LSTM], ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", ["abc", None, [["a"]], [[object()]]])
def test_a_lazy_layer_refuses_a_non_numeric_input_with_a_type_error(make, bad):
    layer = make(2)
    with pytest.raises(TypeError, match=rf"{make.__name__}: expected numbers"):
        layer(bad)
    assert not layer.initialized and len(layer.params()) == 0


def test_a_ragged_input_is_a_value_error_naming_the_layer():
    layer = Linear(2)
    with pytest.raises(ValueError, match="Linear: .*inhomogeneous"):
        layer([[1.0, 2.0], [3.0]])
    assert not layer.initialized


def test_initialising_twice_is_an_error():
    layer = Linear(2, in_size=3)
    with pytest.raises(ValueError, match="already initialised with in_size 3"):
        layer.initialize(4)


def test_first_and_forward_give_the_same_output_with_and_without_bias():
    x = np.arange(6.0).reshape(2, 3)
    for nobias in (False, True):
        layer = Linear(4, in_size=3, nobias=nobias, rng=0)
        (out,) = layer.forward(x)
        np.testing.assert_array_equal(layer.first(x).data, out.data)
        np.testing.assert_array_equal(layer(x).data, out.data)


def test_a_subclass_overriding_forward_is_what_calling_it_runs():
    class Doubled(Linear):
        def forward(self, x):
            (y,) = super().forward(x)
            return [y * 2.0]

    class Again(Doubled):
        pass

    x = np.ones((1, 3))
    plain = Linear(2, in_size=3, rng=0)(x).data
    for cls in (Doubled, Again):
        np.testing.assert_array_equal(cls(2, in_size=3, rng=0)(x).data, plain * 2.0)


def test_a_subclass_overriding_first_keeps_it():
    class Negated(Linear):
        def first(self, x):
            return -super().first(x)

    x = np.ones((1, 3))
    plain = Linear(2, in_size=3, rng=0)(x).data
    layer = Negated(2, in_size=3, rng=0)
    np.testing.assert_array_equal(layer(x).data, -plain)
    np.testing.assert_array_equal(layer.forward(x)[0].data, plain)


def test_a_replaced_weight_is_the_one_used():
    layer = Linear(2, in_size=3, rng=0)
    layer.params().delete("W")
    layer.params().add("W", Parameter(np.ones((3, 2))))
    np.testing.assert_array_equal(layer(np.ones((1, 3))).data, [[3.0, 3.0]])
    layer.params().delete("b")
    with pytest.raises(KeyError, match="'b'"):
        layer(np.ones((1, 3)))
