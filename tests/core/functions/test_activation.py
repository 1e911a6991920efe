"""sigmoid, relu, gelu, softmax, log_softmax: reference values, numerics, dtypes, errors."""
import decimal
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cygrad.functions as F
from cygrad.variable import Variable

K = math.sqrt(2 / math.pi)
A = 0.044715


def grad_of(f, x, create_graph=False):
    v = Variable(x)
    y = f(v)
    y.backward(create_graph=create_graph)
    return y, v.grad


def test_softmax_reference_rows():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 8.0]])
    e = np.exp(x)
    y = F.softmax(Variable(x), axis=1)
    np.testing.assert_allclose(y.data, e / e.sum(axis=1, keepdims=True), rtol=1e-15)
    np.testing.assert_allclose(y.data.sum(axis=1), [1.0, 1.0], rtol=1e-15)


def test_softmax_along_first_axis_and_negative_axis():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 8.0]])
    e = np.exp(x)
    np.testing.assert_allclose(F.softmax(x, axis=0).data, e / e.sum(axis=0), rtol=1e-15)
    np.testing.assert_allclose(F.softmax(x, axis=-2).data, e / e.sum(axis=0), rtol=1e-15)


def test_log_softmax_is_log_of_softmax():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 8.0]])
    np.testing.assert_allclose(
        F.log_softmax(x).data, np.log(F.softmax(x).data), rtol=1e-14
    )


def test_sigmoid_reference_from_minus_4_to_4():
    x = np.arange(-4.0, 5.0)
    y, gx = grad_of(F.sigmoid, x)
    want = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(y.data, want, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(gx.data, want * (1 - want), rtol=1e-14)
    assert y.data[4] == 0.5


def gelu_derivatives(x):
    """gelu' and gelu'' of the tanh approximation, written out by hand."""
    t = np.tanh(K * (x + A * x**3))
    du = K * (1 + 3 * A * x**2)
    d2u = 6 * A * K * x
    first = 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * du
    second = (1 - t**2) * du + 0.5 * x * (1 - t**2) * (d2u - 2 * t * du**2)
    return first, second


def test_gelu_reference_with_first_and_second_derivatives():
    x = np.array([-10.0, 0.0, 10.0])
    v = Variable(x)
    y = F.gelu(v)
    y.backward(create_graph=True)
    g1 = v.grad
    v.cleargrad()
    g1.backward()
    first, second = gelu_derivatives(x)
    assert abs(y.data[0]) < 1e-12 and y.data[1] == 0.0 and abs(y.data[2] - 10.0) < 1e-12
    np.testing.assert_allclose(g1.data, first, atol=1e-12)
    assert g1.data[1] == 0.5
    np.testing.assert_allclose(v.grad.data, second, atol=1e-12)
    assert v.grad.data[1] == pytest.approx(K, rel=1e-15)


def test_gelu_matches_the_originals_printed_values():
    x = Variable(np.array([-3.0, 3.0]))
    y = F.gelu(x)
    y.backward()
    np.testing.assert_allclose(y.data, [-0.0036373920817729943, 2.996362607918227], rtol=1e-13)
    np.testing.assert_allclose(x.grad.data, [-0.011584166630969648, 1.0115841666309695], rtol=1e-13)


def test_relu_values_and_gradient():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    y, gx = grad_of(F.relu, x)
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(gx.data, [0.0, 0.0, 0.0, 1.0, 1.0])


@pytest.mark.parametrize("f", [F.sigmoid, F.softmax, F.log_softmax, F.gelu, F.relu, F.tanh])
@pytest.mark.parametrize("create_graph", [False, True])
def test_finite_for_logits_of_1000(f, create_graph):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y, gx = grad_of(f, x, create_graph)
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(gx.data))


def test_saturated_values_are_exact():
    x = np.array([1000.0, -1000.0])
    np.testing.assert_array_equal(F.sigmoid(x).data, [1.0, 0.0])
    np.testing.assert_allclose(F.log_softmax(x).data, [0.0, -2000.0])
    np.testing.assert_array_equal(F.softmax(x).data, [1.0, 0.0])


@pytest.mark.parametrize(
    "f", [F.sigmoid, F.relu, F.gelu, F.tanh, F.softmax, F.log_softmax, F.square, F.abs, F.sin]
)
@pytest.mark.parametrize("create_graph", [False, True])
def test_float32_stays_float32(f, create_graph):
    x = np.array([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]], dtype=np.float32)
    y, gx = grad_of(f, x, create_graph)
    assert y.dtype == np.float32 and gx.dtype == np.float32


@pytest.mark.parametrize("f", [F.softmax, F.log_softmax])
def test_softmax_axis_out_of_range(f):
    name = f.__name__
    with pytest.raises(ValueError, match=f"^{name}: axis 2 is out of range for an array of 2 dimensions$"):
        f(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match=f"^{name}: axis -3 is out of range"):
        f(np.ones((2, 3)), axis=-3)


def test_float64_is_the_default():
    assert F.sigmoid([1, 2]).dtype == np.float64
    assert F.softmax([1, 2]).dtype == np.float64


def exact_sigmoid_derivatives(x):
    """sigmoid and its first three derivatives at each float of ``x``, to 60 digits (in
    terms of sigmoid(x) and sigmoid(-x), so that neither tail cancels)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        rows = []
        for v in np.asarray(x, dtype=np.float64).ravel().tolist():
            p = 1 / (1 + decimal.Decimal(-v).exp())
            q = 1 / (1 + decimal.Decimal(v).exp())
            d1 = p * q
            rows.append([p, d1, d1 * (q - p), d1 * (q * q - 4 * p * q + p * p)])
        return np.array(rows, dtype=np.float64).T.reshape((4,) + np.shape(x))


def sigmoid_and_derivatives(x):
    v = Variable(x)
    y = F.sigmoid(v)
    out = [y.data]
    g = y
    for _ in range(3):
        v.cleargrad()
        F.sum(g).backward(create_graph=True)
        g = v.grad
        out.append(g.data)
    return out


@given(x=hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-700, 700)))
def test_sigmoid_keeps_its_relative_precision_in_both_tails_at_every_order(x):
    exact = exact_sigmoid_derivatives(x)
    got = sigmoid_and_derivatives(x)
    np.testing.assert_allclose(got[0], exact[0], rtol=2e-15)
    np.testing.assert_allclose(got[1], exact[1], rtol=2e-15)
    # Higher derivatives have zeros (at 0 and +-1.32), near which only absolute error is small.
    tails = np.abs(x) >= 3
    for order in (2, 3):
        np.testing.assert_allclose(got[order][tails], exact[order][tails], rtol=1e-13)
        np.testing.assert_allclose(got[order], exact[order], rtol=1e-13, atol=1e-16)


@given(x=hnp.arrays(np.float32, st.integers(1, 8), elements=st.floats(-85, 85, width=32)))
def test_float32_sigmoid_keeps_its_relative_precision_in_both_tails(x):
    v = Variable(x)
    y = F.sigmoid(v)
    y.backward()
    exact = exact_sigmoid_derivatives(x)
    np.testing.assert_allclose(y.data, exact[0], rtol=1e-6)
    np.testing.assert_allclose(v.grad.data, exact[1], rtol=1e-6)


def test_log_of_sigmoid_far_in_either_tail():
    # log(sigmoid(x)) is x, with gradient 1, far left; far right sigmoid rounds to 1, but
    # the gradient sigmoid(-x) keeps its digits.
    x = Variable(np.array([-40.0, -700.0, 40.0]))
    F.sum(F.log(F.sigmoid(x))).backward()
    np.testing.assert_allclose(F.log(F.sigmoid(x.data)).data, [-40.0, -700.0, 0.0], rtol=1e-15)
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0, 4.248354255291589e-18], rtol=1e-15)
    # Below exp's range sigmoid is exp(x) itself, down to the subnormals.
    assert F.sigmoid(np.array([-740.0])).data[0] == np.exp(-740.0)
    assert F.sigmoid(np.array([-100.0], np.float32)).data[0] == np.exp(np.float32(-100.0))


@pytest.mark.parametrize("f", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape, axis", [((2, 0), -1), ((0, 3), 0), ((0,), 0), ((0, 3), 1)])
@pytest.mark.parametrize("create_graph", [False, True])
def test_softmax_over_an_empty_axis_is_empty(f, shape, axis, create_graph):
    x = Variable(np.ones(shape, np.float32))
    y = f(x, axis=axis)
    assert y.shape == shape and y.dtype == np.float32
    F.sum(y).backward(create_graph=create_graph)
    assert x.grad.shape == shape


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_of_infinities_and_nan(dtype):
    x = Variable(np.array([np.nan, -np.inf, np.inf, -1000.0, 1000.0, 2.0], dtype))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.sigmoid(x)
        y.backward()
    np.testing.assert_array_equal(y.data[:5], [np.nan, 0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(x.grad.data[:5], [np.nan, 0.0, 0.0, 0.0, 0.0])
    assert y.data[5] == F.sigmoid(np.array([2.0], dtype)).data[0]  # each element on its own
