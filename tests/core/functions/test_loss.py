"""mean_squared_error and softmax_cross_entropy: values, broadcasting, labels, dtypes, errors."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable


def log_softmax_np(x):
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("create_graph", [False, True])
def test_mse_broadcasts_and_sums_gradients_back_to_each_shape(create_graph):
    # The Go original returned gradients of the broadcast shape here.
    rng = np.random.default_rng(0)
    y, t = Variable(rng.standard_normal((3, 1))), Variable(rng.standard_normal(4))
    loss = F.mean_squared_error(y, t)
    loss.backward(create_graph=create_graph)
    d = y.data - t.data
    assert loss.shape == ()
    assert loss.item() == pytest.approx(np.mean(d**2), rel=1e-14)
    assert y.grad.shape == (3, 1) and t.grad.shape == (4,)
    np.testing.assert_allclose(y.grad.data, (2 * d / 12).sum(axis=1, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(t.grad.data, (-2 * d / 12).sum(axis=0), rtol=1e-13)


def test_mse_of_the_seed_example():
    y = Variable([[0.2, 0.9, 0.1]])
    t = np.array([0.0, 1.0, 0.0])
    loss = F.mean_squared_error(y, t)
    loss.backward()
    assert loss.item() == pytest.approx((0.04 + 0.01 + 0.01) / 3, rel=1e-14)
    np.testing.assert_allclose(y.grad.data, [[0.4 / 3, -0.2 / 3, 0.2 / 3]], rtol=1e-14)


@pytest.mark.parametrize("create_graph", [False, True])
def test_mse_float32(create_graph):
    y = Variable(np.ones((2, 3), dtype=np.float32))
    t = Variable(np.zeros(3, dtype=np.float32))
    loss = F.mean_squared_error(y, t)
    loss.backward(create_graph=create_graph)
    assert loss.dtype == y.grad.dtype == t.grad.dtype == np.float32


def test_mse_errors():
    with pytest.raises(ValueError, match=r"^mean_squared_error: shapes \(2, 3\) and \(4,\) cannot be broadcast together$"):
        F.mean_squared_error(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="mean_squared_error: .* no elements"):
        F.mean_squared_error(np.ones((0, 3)), np.ones(3))


X = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 8.0], [0.5, -1.0, 2.0], [3.0, 0.0, -3.0]])


@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_value_and_gradient(create_graph):
    t = np.array([2, 0, 1, 1])
    x = Variable(X)
    loss = F.softmax_cross_entropy(x, t)
    loss.backward(create_graph=create_graph)
    logp = log_softmax_np(X)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(-logp[np.arange(4), t].mean(), rel=1e-14)
    want = np.exp(logp)
    want[np.arange(4), t] -= 1
    np.testing.assert_allclose(x.grad.data, want / 4, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_ignores_rows_and_averages_over_the_rest(create_graph):
    t = np.array([2, -100, 1, -100])
    x = Variable(X)
    loss = F.softmax_cross_entropy(x, t)
    loss.backward(create_graph=create_graph)
    logp = log_softmax_np(X)
    assert loss.item() == pytest.approx(-(logp[0, 2] + logp[2, 1]) / 2, rel=1e-14)
    np.testing.assert_array_equal(x.grad.data[[1, 3]], 0.0)
    assert np.all(x.grad.data[[0, 2]] != 0)


def test_cross_entropy_custom_ignore_index():
    loss = F.softmax_cross_entropy(X, np.array([2, 0, 1, 7]), ignore_index=7)
    assert loss.item() == pytest.approx(-log_softmax_np(X)[[0, 1, 2], [2, 0, 1]].mean(), rel=1e-14)


@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_all_rows_ignored_is_zero_with_zero_gradient(create_graph):
    x = Variable(X)
    loss = F.softmax_cross_entropy(x, np.full(4, -100))
    loss.backward(create_graph=create_graph)
    assert loss.item() == 0.0
    np.testing.assert_array_equal(x.grad.data, np.zeros_like(X))


def test_cross_entropy_labels_as_float_variable():
    t = Variable(np.array([2.0, 0.0, 1.0, 1.0]))
    want = F.softmax_cross_entropy(X, np.array([2, 0, 1, 1])).item()
    assert F.softmax_cross_entropy(X, t).item() == want


@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_float32_throughout(create_graph):
    x = Variable(X.astype(np.float32))
    loss = F.softmax_cross_entropy(x, Variable(np.array([2, 0, 1, 1], dtype=np.float32)))
    loss.backward(create_graph=create_graph)
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_finite_for_logits_of_1000(create_graph):
    x = Variable(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, -1000.0]]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = F.softmax_cross_entropy(x, np.array([1, 1]))
        loss.backward(create_graph=create_graph)
    assert loss.item() == pytest.approx(1000.0, rel=1e-12)
    np.testing.assert_allclose(x.grad.data, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-15)


def test_cross_entropy_label_out_of_range():
    with pytest.raises(ValueError, match=r"^softmax_cross_entropy: label 3 is out of range for 3 classes$"):
        F.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="label -1 is out of range for 3 classes"):
        F.softmax_cross_entropy(np.ones((2, 3)), np.array([-1, 0]))


def test_cross_entropy_bad_labels_and_shapes():
    with pytest.raises(ValueError, match="softmax_cross_entropy: labels must be integers, got 1.5"):
        F.softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.5]))
    with pytest.raises(TypeError, match="softmax_cross_entropy: labels must be integers"):
        F.softmax_cross_entropy(np.ones((2, 3)), np.array([True, False]))
    with pytest.raises(ValueError, match=r"labels of shape \(3,\) do not match x of shape \(2, 3\)"):
        F.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"x must be 2-D \(N, C\), got shape \(3,\)"):
        F.softmax_cross_entropy(np.ones(3), np.array([0]))


@pytest.mark.parametrize("create_graph", [False, True])
def test_mse_against_a_plain_array_target(create_graph):
    y = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    loss = F.mean_squared_error(y, np.array([1.0, 0.0]))
    loss.backward(create_graph=create_graph)
    np.testing.assert_allclose(y.grad.data, [[0.0, 1.0], [1.0, 2.0]], rtol=1e-15)


def test_cross_entropy_ignore_index_among_the_classes_ignores_those_rows():
    # A label in range may be the ignored one: the rows labelled 0 leave the mean.
    loss = F.softmax_cross_entropy(X, np.array([2, 0, 1, 0]), ignore_index=0)
    assert loss.item() == pytest.approx(-log_softmax_np(X)[[0, 2], [2, 1]].mean(), rel=1e-14)
