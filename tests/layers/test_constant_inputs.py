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
