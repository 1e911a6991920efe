"""Data passed to a layer as an ndarray or a list stays a constant (no gradient is computed for
it); data passed as a Variable gets its gradient. Both give the same outputs and parameter
gradients."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.layers import LSTM, RNN, Linear
from cygrad.variable import Variable
from cygrad.variable._core import wants_grad


def first_input(y):
    """The data operand of the graph node nearest the layer's input."""
    f = y.creator
    while f.inputs[0].creator is not None:
        f = f.inputs[0].creator
    return f.inputs[0]


@pytest.mark.parametrize("make", [lambda: Linear(3, rng=0), lambda: RNN(3, rng=0),
                                  lambda: LSTM(3, rng=0)], ids=["Linear", "RNN", "LSTM"])
def test_ndarray_data_is_a_constant_and_gives_the_same_gradients(make):
    x = np.random.default_rng(1).standard_normal((4, 2))
    by_array, by_variable = make(), make()
    y0 = by_array(x)
    assert not wants_grad(first_input(y0))
    xv = Variable(x)
    y1 = by_variable(xv)
    np.testing.assert_array_equal(y0.data, y1.data)
    F.sum(y0 * y0).backward()
    F.sum(y1 * y1).backward()
    assert xv.grad is not None and xv.grad.shape == x.shape
    grads0 = {k: p.grad for k, p in by_array.params().items()}
    grads1 = {k: p.grad for k, p in by_variable.params().items()}
    assert grads0.keys() == grads1.keys()
    assert any(g is not None for g in grads0.values())
    for k, g in grads0.items():
        # A recurrent layer's Wh gets no gradient from its first step (the state starts at 0).
        assert (g is None) == (grads1[k] is None)
        if g is not None:
            np.testing.assert_array_equal(g.data, grads1[k].data)


def test_lazy_linear_takes_its_input_size_from_a_list():
    layer = Linear(2, rng=0)
    y = layer([[1.0, 2.0, 3.0]])
    assert layer.in_size == 3 and y.shape == (1, 2)


def test_lazy_linear_rejects_a_0d_array():
    with pytest.raises(ValueError, match=r"Linear: input must have at least one dimension"):
        Linear(2)(np.array(1.0))


def test_float32_data_trains_a_float32_model_end_to_end():
    from cygrad.models import LSTM as LSTMModel
    from cygrad.models import MLP
    from cygrad.optimizers import Adam

    x = np.ones((4, 3), dtype=np.float32)
    t = np.zeros((4, 1), dtype=np.float32)
    for model in (MLP([10, 10, 1], rng=0), LSTMModel(5, 1, rng=0)):
        opt = Adam()
        for _ in range(3):
            loss = F.mean_squared_error(model(x), t)
            model.cleargrads()
            loss.backward()
            opt.update(model)
        assert loss.dtype == np.float32
        for name, p in model.params().items():
            assert (p.dtype, p.grad.dtype) == (np.float32, np.float32), name


def test_an_explicit_dtype_wins_over_the_input():
    layer = Linear(2, dtype=np.float64)
    assert layer(np.ones((1, 3), dtype=np.float32)).dtype == np.float64
    assert Linear(2)(np.ones((1, 3))).dtype == np.float64


def test_a_batch_that_does_not_fit_the_state_is_a_clear_error():
    for layer in (LSTM(4, rng=0), RNN(4, rng=0)):
        layer(np.ones((1, 2)))
        layer(np.ones((1, 2)))
        with pytest.raises(ValueError, match=r"does not fit the state .*reset_state\(\)"):
            layer(np.ones((3, 2)))
        layer.reset_state()
        assert layer(np.ones((3, 2))).shape == (3, 4)
