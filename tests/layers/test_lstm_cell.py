"""The fused LSTM cell: the same values and gradients, to second order, as the cell composed
of separate operations, with and without a previous cell and whichever outputs are used."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.layers.lstm_cell import LSTMCell, lstm_cell
from cygrad.testing import check_double_grad, check_grad
from cygrad.variable import Variable

H = 3


def composed(a, c=None):
    """The cell written with one operation per step of the maths."""
    f, i, o = (F.sigmoid(a[:, k * H : (k + 1) * H]) for k in range(3))
    u = F.tanh(a[:, 3 * H :])
    cell = i * u if c is None else f * c + i * u
    return o * F.tanh(cell), cell


def inputs(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, 4 * H)).astype(dtype), rng.standard_normal((2, H)).astype(dtype)


WEIGHTS = np.random.default_rng(7).standard_normal((2, 2, H))
USES = {"both": (0, 1), "h": (0,), "c": (1,)}


def scalar(cell, a, c, use):
    """A weighted sum of the outputs ``use`` names."""
    outs = cell(a) if c is None else cell(a, c)
    return sum((outs[k] * WEIGHTS[k]).sum() for k in use)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("first_step", [True, False])
def test_outputs_equal_the_composed_cell(first_step, dtype):
    a, c = inputs(0, dtype)
    c = None if first_step else c
    h, cell = lstm_cell(Variable(a), None if c is None else Variable(c))
    want_h, want_c = composed(Variable(a), c)
    tol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(h.data, want_h.data, rtol=tol, atol=tol)
    np.testing.assert_allclose(cell.data, want_c.data, rtol=tol, atol=tol)
    assert h.dtype == cell.dtype == dtype
    assert h.creator is cell.creator  # one node


def grads(cell, a, c, use, create_graph):
    av = Variable(a.copy())
    cv = None if c is None else Variable(c.copy())
    scalar(cell, av, cv, use).backward(create_graph=create_graph)
    return av, cv


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("first_step", [True, False])
@pytest.mark.parametrize("create_graph", [False, True])
def test_first_order_gradients_equal_the_composed_cells(create_graph, first_step, use):
    a, c = inputs(1)
    c = None if first_step else c
    fused = grads(lstm_cell, a, c, USES[use], create_graph)
    plain = grads(composed, a, c, USES[use], create_graph)
    for got, want in zip(fused, plain):
        if want is not None:
            np.testing.assert_allclose(got.grad.data, want.grad.data, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("first_step", [True, False])
def test_second_order_gradients_through_backward_equal_the_composed_cells(first_step, use):
    a, c = inputs(2)
    c = None if first_step else c
    v = np.random.default_rng(3).standard_normal((2, 4 * H))
    w = np.random.default_rng(4).standard_normal((2, H))
    results = []
    for cell in (lstm_cell, composed):
        av, cv = grads(cell, a, c, USES[use], True)
        ga, gc = av.grad, None if cv is None else cv.grad
        av.cleargrad()
        if cv is not None:
            cv.cleargrad()
        second = (ga * v).sum() if gc is None else (ga * v).sum() + (gc * w).sum()
        second.backward()
        results.append([av.grad.data] + ([] if cv is None else [cv.grad.data]))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("first_step", [True, False])
def test_gradients_match_finite_differences_to_second_order(first_step):
    a, c = inputs(5)
    if first_step:
        check_grad(lambda x: lstm_cell(x)[0] * lstm_cell(x)[1], a)
        check_double_grad(lambda x: lstm_cell(x)[0] + lstm_cell(x)[1], a)
    else:
        check_grad(lambda x, y: lstm_cell(x, y)[0] + 2 * lstm_cell(x, y)[1], a, c)
        check_double_grad(lambda x, y: lstm_cell(x, y)[0] * lstm_cell(x, y)[1], a, c)


def test_the_pre_activation_must_hold_four_blocks():
    with pytest.raises(ValueError, match=r"lstm_cell: the pre-activation's last axis must hold 4 "
                                         r"gate blocks, got shape \(2, 10\)"):
        lstm_cell(np.zeros((2, 10)))


def test_the_cell_must_fit_the_pre_activation():
    with pytest.raises(ValueError, match=r"lstm_cell: a cell of shape \(2, 4\) does not fit the "
                                         r"pre-activation of shape \(2, 12\) \(expected \(2, 3\)\)"):
        lstm_cell(np.zeros((2, 12)), np.zeros((2, 4)))


def test_the_node_keeps_nothing_alive_beyond_its_outputs():
    a, c = inputs(6)
    h, cell = LSTMCell()(Variable(a), Variable(c))
    f = h.creator
    del h, cell
    assert all(ref() is None for ref in f.outputs)
