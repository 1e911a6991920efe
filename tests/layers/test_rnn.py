"""RNN: h' = tanh(x @ Wx + h @ Wh + b), with state carried across calls until reset."""
import numpy as np
import pytest

from cygrad.layers import RNN


def numpy_rnn(p, xs):
    h = np.zeros((xs[0].shape[0], p["Wh"].shape[0]))
    out = []
    for x in xs:
        h = np.tanh(x @ p["Wx"] + h @ p["Wh"] + p["b"])
        out.append(h)
    return out


def test_parameters_and_shapes():
    layer = RNN(5, in_size=3, rng=0)
    shapes = {k: p.shape for k, p in layer.params().items()}
    assert shapes == {"Wx": (3, 5), "Wh": (5, 5), "b": (5,)}
    ref = np.random.default_rng(0)
    Wx, Wh = layer.params()["Wx"].data, layer.params()["Wh"].data
    np.testing.assert_array_equal(Wx, ref.standard_normal((3, 5)) * np.sqrt(1 / 3))
    np.testing.assert_array_equal(Wh, ref.standard_normal((5, 5)) * np.sqrt(1 / 5))


def test_steps_match_numpy_and_state_carries_until_reset():
    layer = RNN(4, rng=1)
    xs = list(np.random.default_rng(2).standard_normal((3, 2, 3)))
    ys = [layer(x).data for x in xs]
    layer.params()["b"].data = np.linspace(-0.5, 0.5, 4)
    p = {k: v.data for k, v in layer.params().items()}
    p_first = dict(p, b=np.zeros(4))
    for got, want in zip(ys, numpy_rnn(p_first, xs)):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    carried = layer(xs[0]).data
    layer.reset_state()
    fresh = layer(xs[0]).data
    np.testing.assert_allclose(fresh, numpy_rnn(p, xs[:1])[0], rtol=1e-13)
    expected = np.tanh(xs[0] @ p["Wx"] + ys[-1] @ p["Wh"] + p["b"])
    np.testing.assert_allclose(carried, expected, rtol=1e-13)


def test_gradient_through_two_steps_matches_finite_differences(numerical_grad):
    layer = RNN(3, in_size=2, rng=0)
    layer.params()["b"].data = np.array([0.1, -0.2, 0.3])
    xs = list(np.random.default_rng(1).standard_normal((2, 1, 2)))

    def loss_value():
        layer.reset_state()
        out = [layer(x) for x in xs]
        return float((out[-1] * out[-1]).sum().item())

    layer.reset_state()
    out = [layer(x) for x in xs]
    (out[-1] * out[-1]).sum().backward()
    for name, p in layer.params().items():
        expected = numerical_grad(loss_value, p.data)
        np.testing.assert_allclose(p.grad.data, expected, rtol=1e-6, atol=1e-9, err_msg=name)


def test_bad_hidden_size():
    with pytest.raises(ValueError, match="RNN: hidden_size must be at least 1, got 0"):
        RNN(0)
