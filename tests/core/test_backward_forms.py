"""The engine's operations compute first-order gradients in two forms: on arrays when the
backward pass is not recorded, and with recorded Variable operations under create_graph.
Both must give the same numbers bit for bit, the same dtypes, and the same gradient ownership.
"""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Function, Variable, no_grad
from cygrad.variable._core import recording

DTYPES = [np.float64, np.float32]


def grads(f, arrays, create_graph):
    xs = [Variable(a.copy()) for a in arrays]
    y = f(*xs)
    y.backward(create_graph=create_graph)
    return [x.grad.data for x in xs]


def assert_same_in_both_forms(f, *arrays):
    plain = grads(f, arrays, False)
    recorded = grads(f, arrays, True)
    for a, b in zip(plain, recorded):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, strict=True)


def data(shape, dtype, seed=0, low=0.5, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((), ()), ((1,), (1,)), ((3, 4), (4,)), ((2, 1), (1, 3))])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary_operators(op, shapes, dtype):
    f = {"add": lambda a, b: (a + b) * a, "sub": lambda a, b: (a - b) * b,
         "mul": lambda a, b: a * b * b, "div": lambda a, b: a / b}[op]
    assert_same_in_both_forms(f, data(shapes[0], dtype, 1), data(shapes[1], dtype, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (2, 3)])
@pytest.mark.parametrize("c", [2, 3, 2.0, 0.5, -1, -0.5, 1 / 3, 3.7, 0])
def test_pow_with_a_constant_exponent(c, shape, dtype):
    assert_same_in_both_forms(lambda x: x**c, data(shape, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_with_an_array_exponent(dtype):
    assert_same_in_both_forms(lambda x: F.pow(x, np.array([2.0, 0.5, 3.0])), data((2, 3), dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("f", [
    lambda x: -x * x,
    lambda x: F.exp(x) * x,
    lambda x: F.log(x) * x,
    lambda x: F.sum(x * x, axis=1),
    lambda x: F.sum(x * x, axis=0, keepdims=True),
    lambda x: F.reshape(x, (3, 2)) * F.reshape(x, (3, 2)),
    lambda x: F.transpose(x) @ x,
    lambda x: F.transpose(x, (1, 0)) * 2,
    lambda x: F.get_item(x, (slice(None), [0, 2, 0])) * x[:, :3],
    lambda x: F.broadcast_to(x[0], (4, 3)) * 3,
    lambda x: F.sum_to(x, (1, 3)) * x[0],
], ids=["neg", "exp", "log", "sum", "sum-keepdims", "reshape", "matmul", "transpose",
        "get_item", "broadcast_to", "sum_to"])
def test_unary_and_shape_operations(f, dtype):
    assert_same_in_both_forms(f, data((2, 3), dtype))


@pytest.mark.parametrize(
    "shapes", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3, 4))]
)
def test_matmul_shapes(shapes):
    a, b = data(shapes[0], np.float64, 1), data(shapes[1], np.float64, 2)
    assert_same_in_both_forms(F.matmul, a, b)


def test_only_variables_get_gradients_in_the_array_form():
    x = Variable(data((2, 3), np.float64))
    w = data((3, 2), np.float64, 1)
    y = F.sum(x @ w) + F.sum(w.T @ x.T)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.tile(w.sum(axis=1), (2, 1)))


def test_leaf_gradients_from_one_shared_array_do_not_alias():
    x0, x1 = Variable(np.array(1.0)), Variable(np.array(2.0))
    (x0 + x1).backward()
    assert not np.shares_memory(x0.grad.data, x1.grad.data)
    x0.grad.data += 1
    assert x1.grad.item() == 1.0


# Functions written in Python keep the same rule: their array-form backward (taken when the
# pass is not recorded) gives the numbers of their Variable form.

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("labels", [[2, 0, 1, 1], [2, -100, 1, -100], [-100] * 4])
def test_softmax_cross_entropy(labels, dtype):
    t = np.array(labels)
    assert_same_in_both_forms(lambda x: F.softmax_cross_entropy(x, t) * 3, data((4, 3), dtype))


@pytest.mark.parametrize("labels", [[0, 3, 1, 1], [-1, 0, 1, 1], [2, -100, 3, -100]])
def test_softmax_cross_entropy_rejects_labels_out_of_range(labels):
    bad = [v for v in labels if v != -100 and not 0 <= v < 3][0]
    with pytest.raises(ValueError, match=rf"label {bad} is out of range for 3 classes"):
        F.softmax_cross_entropy(data((4, 3), np.float64), np.array(labels))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("b_shape", [(2,), (1, 2), (3, 2), None])
def test_linear(b_shape, dtype):
    arrays = [data((3, 4), dtype, 1), data((4, 2), dtype, 2)]
    if b_shape is None:
        assert_same_in_both_forms(lambda x, w: F.linear(x, w) ** 2, *arrays)
    else:
        arrays.append(data(b_shape, dtype, 3))
        assert_same_in_both_forms(lambda x, w, b: F.linear(x, w, b) ** 2, *arrays)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid(dtype):
    assert_same_in_both_forms(lambda x: F.sigmoid(x) * x, data((3, 4), dtype, low=-3, high=3))


def test_linear_rejects_a_bias_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"linear: bias of shape \(3,\) does not broadcast"):
        F.linear(np.ones((2, 4)), np.ones((4, 2)), np.ones(3))


class Probe(Function):
    """The identity, noting whether its backward ran while operations were recorded."""

    seen: list = []

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        Probe.seen.append(recording())
        return gy


class Fails(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        raise RuntimeError("Fails.backward")


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_methods_run_with_recording_equal_to_create_graph(create_graph):
    x = Variable(np.array([1.0, 2.0]))
    y = F.sum(Probe()(x * x) * 3.0 + x)
    Probe.seen = []
    y.backward(create_graph=create_graph)
    assert Probe.seen == [create_graph]
    assert recording()
    with no_grad():
        Probe.seen = []
        F.sum(x * 2.0).backward(create_graph=create_graph)  # nothing recorded: no Probe
        assert not recording()


def test_settings_are_restored_when_a_backward_raises():
    x = Variable(np.array(2.0))
    y = Fails()(x * x) * 3.0
    with pytest.raises(RuntimeError, match="Fails.backward"):
        y.backward()
    assert recording()
