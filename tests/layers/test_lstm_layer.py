"""LSTM layer: fused gates in the order f, i, o, u, checked against a hand-written NumPy step."""
import numpy as np
import pytest

from cygrad.layers import LSTM
from cygrad.layers.lstm_cell import LSTMCell
from cygrad.variable import Variable


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_lstm_step(p, x, h, c):
    """One LSTM step from the fused weights: blocks [f | i | o | u] along the last axis."""
    H = p["Wh"].shape[0]
    a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
    f = sigmoid(a[:, :H])
    i = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    u = np.tanh(a[:, 3 * H :])
    c = f * c + i * u
    return o * np.tanh(c), c


def test_fused_parameters_and_shapes():
    layer = LSTM(4, in_size=3, rng=0)
    shapes = {k: p.shape for k, p in layer.params().items()}
    assert shapes == {"Wx": (3, 16), "Wh": (4, 16), "b": (16,)}
    assert list(layer.params()) == ["Wx", "Wh", "b"]


def test_gate_order_matches_a_hand_written_step():
    H = 3
    layer = LSTM(H, in_size=2, rng=0)
    # A distinct bias per gate block makes any mix-up of the blocks visible.
    b = np.concatenate([np.full(H, 2.0), np.full(H, -1.0), np.full(H, 0.5), np.full(H, -0.3)])
    layer.params()["b"].data = b
    p = {k: v.data for k, v in layer.params().items()}
    xs = list(np.random.default_rng(1).standard_normal((4, 2, 2)))
    h, c = np.zeros((2, H)), np.zeros((2, H))
    for x in xs:
        h, c = numpy_lstm_step(p, x, h, c)
        y = layer(Variable(x))
        np.testing.assert_allclose(y.data, h, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(layer.c.data, c, rtol=1e-13, atol=1e-15)


def test_state_carries_across_calls_until_reset():
    layer = LSTM(3, rng=0)
    x = np.ones((1, 2))
    first = layer(x).data
    second = layer(x).data
    assert not np.allclose(first, second)
    layer.reset_state()
    assert layer.h is None and layer.c is None
    np.testing.assert_array_equal(layer(x).data, first)


def test_gradient_through_three_steps_matches_finite_differences(numerical_grad):
    layer = LSTM(2, in_size=2, rng=0)
    layer.params()["b"].data = np.linspace(-1, 1, 8)
    xs = list(np.random.default_rng(1).standard_normal((3, 2, 2)))

    def run():
        layer.reset_state()
        out = [layer(x) for x in xs]
        return (out[-1] * out[-1]).sum() + out[0].sum()

    run().backward()
    for name, p in layer.params().items():
        expected = numerical_grad(lambda: run().item(), p.data)
        np.testing.assert_allclose(p.grad.data, expected, rtol=1e-6, atol=1e-9, err_msg=name)


def test_bad_hidden_size():
    with pytest.raises(TypeError, match="LSTM: hidden_size must be an int, got str"):
        LSTM("64")


def test_each_step_is_three_graph_nodes_two_products_and_the_fused_cell():
    layer = LSTM(3, in_size=2, rng=0)
    layer(np.ones((1, 2)))
    h = layer(np.ones((1, 2)))
    cell = h.creator
    assert isinstance(cell, LSTMCell) and layer.c.creator is cell
    a, c = cell.inputs
    assert type(a.creator).__name__ == "Affine"  # h @ Wh + (x @ Wx + b)
    assert type(a.creator.inputs[2].creator).__name__ == "Affine"
    assert isinstance(c.creator, LSTMCell)  # the previous step's cell
