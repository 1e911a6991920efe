"""linear and matmul: reference values, the fused node, dtypes, errors."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable


def test_matmul_reference_1_to_6_by_1_to_12():
    a = Variable(np.arange(1.0, 7.0).reshape(2, 3))
    b = Variable(np.arange(1.0, 13.0).reshape(3, 4))
    y = F.matmul(a, b)
    y.backward()
    np.testing.assert_array_equal(y.data, [[38, 44, 50, 56], [83, 98, 113, 128]])
    np.testing.assert_array_equal(a.grad.data, np.ones((2, 4)) @ b.data.T)
    np.testing.assert_array_equal(a.grad.data, [[10, 26, 42], [10, 26, 42]])
    np.testing.assert_array_equal(b.grad.data, [[5] * 4, [7] * 4, [9] * 4])


def test_linear_is_one_node_equal_to_matmul_plus_bias():
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    y = F.linear(x, W, b)
    assert y.creator.inputs[0].creator is None  # no intermediate x @ W node
    np.testing.assert_allclose(y.data, x @ W + b, rtol=1e-14)


@pytest.mark.parametrize("create_graph", [False, True])
def test_linear_gradients(create_graph):
    rng = np.random.default_rng(2)
    x, W, b = (Variable(rng.standard_normal(s)) for s in [(4, 3), (3, 2), (2,)])
    gy = rng.standard_normal((4, 2))
    y = F.linear(x, W, b)
    y.grad = Variable(gy)
    y.backward(create_graph=create_graph)
    np.testing.assert_allclose(x.grad.data, gy @ W.data.T, rtol=1e-14)
    np.testing.assert_allclose(W.grad.data, x.data.T @ gy, rtol=1e-14)
    np.testing.assert_allclose(b.grad.data, gy.sum(axis=0), rtol=1e-14)


def test_linear_without_bias_and_on_batched_and_1d_inputs():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((3, 2))
    for shape in [(3,), (4, 3), (2, 5, 3)]:
        x = rng.standard_normal(shape)
        np.testing.assert_allclose(F.linear(x, W).data, x @ W, rtol=1e-14)
        xv, Wv = Variable(x), Variable(W)
        F.linear(xv, Wv).backward()
        assert xv.grad.shape == shape and Wv.grad.shape == (3, 2)
        np.testing.assert_allclose(Wv.grad.data, x.reshape(-1, 3).sum(axis=0)[:, None] * np.ones(2))


@pytest.mark.parametrize("create_graph", [False, True])
def test_linear_float32(create_graph):
    x, W, b = (Variable(np.ones(s, dtype=np.float32)) for s in [(4, 3), (3, 2), (2,)])
    y = F.linear(x, W, b)
    y.backward(create_graph=create_graph)
    assert y.dtype == np.float32
    assert x.grad.dtype == W.grad.dtype == b.grad.dtype == np.float32


def test_linear_misaligned():
    with pytest.raises(ValueError, match=r"^linear: shapes \(2, 3\) and \(4, 5\) are not aligned$"):
        F.linear(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"linear: shapes \(3,\) and \(3, 4, 5\) are not aligned"):
        F.linear(np.ones(3), np.ones((3, 4, 5)))


def test_linear_bad_bias():
    with pytest.raises(ValueError, match=r"linear: bias of shape \(3,\) does not broadcast to the output shape \(2, 5\)"):
        F.linear(np.ones((2, 4)), np.ones((4, 5)), np.ones(3))


def test_matmul_misaligned():
    with pytest.raises(ValueError, match=r"^matmul: shapes \(2, 3\) and \(4, 5\) are not aligned$"):
        F.matmul(np.ones((2, 3)), np.ones((4, 5)))


@pytest.mark.parametrize("create_graph", [False, True])
def test_linear_on_a_plain_data_batch(create_graph):
    # A batch passed as an ndarray is an engine constant: its gradient is skipped, the
    # parameters' gradients are not.
    rng = np.random.default_rng(4)
    x, gy = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    W, b = Variable(rng.standard_normal((3, 2))), Variable(np.zeros(2))
    y = F.linear(x, W, b)
    y.grad = Variable(gy)
    y.backward(create_graph=create_graph)
    np.testing.assert_allclose(W.grad.data, x.T @ gy, rtol=1e-14)
    np.testing.assert_allclose(b.grad.data, gy.sum(axis=0), rtol=1e-14)
    assert y.creator.inputs[0].grad is None
