"""squeeze, unsqueeze, concat, split, take, get_item: NumPy's meanings, gradients, errors."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable

X = np.arange(1.0, 13.0).reshape(3, 4)


def test_get_item_reference():
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = F.get_item(x, 1)
    y.backward()
    np.testing.assert_array_equal(y.data, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 0], [1, 1, 1]])
    x.cleargrad()
    F.get_item(x, (np.array([0, 0, 1]), np.array([2, 2, 0]))).backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 2], [1, 0, 0]])


@pytest.mark.parametrize("shape,axis", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1),
                                        ((1, 3, 1), (0, 2)), ((1,), 0), ((), None)])
def test_squeeze_like_numpy(shape, axis):
    x = Variable(np.ones(shape))
    y = F.squeeze(x, axis)
    assert y.shape == np.squeeze(x.data, axis).shape
    y.backward()
    assert x.grad.shape == shape


def test_squeeze_errors():
    with pytest.raises(ValueError, match=r"squeeze: axis 1 of shape \(1, 3\) has length 3, not 1"):
        F.squeeze(np.ones((1, 3)), 1)
    with pytest.raises(ValueError, match="squeeze: axis 2 is out of range for an array of 2 dimensions"):
        F.squeeze(np.ones((1, 3)), 2)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3, (0, 1), (0, -1), (3, 1)])
def test_unsqueeze_like_expand_dims(axis):
    x = Variable(X)
    y = F.unsqueeze(x, axis)
    assert y.shape == np.expand_dims(X, axis).shape
    y.backward()
    assert x.grad.shape == X.shape


def test_unsqueeze_axis_out_of_range():
    with pytest.raises(ValueError, match="unsqueeze: axis 3 is out of range for an array of 3 dimensions"):
        F.unsqueeze(X, 3)


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
@pytest.mark.parametrize("create_graph", [False, True])
def test_concat_accepts_negative_axes(axis, create_graph):
    # The Go original rejected negative axes.
    a, b = Variable(X), Variable(X[:2] if axis in (0, -2) else X[:, :3])
    y = F.concat([a, b], axis=axis)
    np.testing.assert_array_equal(y.data, np.concatenate([a.data, b.data], axis=axis))
    gy = np.arange(y.size, dtype=float).reshape(y.shape)
    y.grad = Variable(gy)
    y.backward(create_graph=create_graph)
    ga, gb = np.split(gy, [a.shape[axis]], axis=axis)
    np.testing.assert_array_equal(a.grad.data, ga)
    np.testing.assert_array_equal(b.grad.data, gb)


def test_concat_errors():
    with pytest.raises(ValueError, match="concat: axis 2 is out of range for an array of 2 dimensions"):
        F.concat([X, X], axis=2)
    with pytest.raises(ValueError, match=r"concat: shapes \(3, 4\) and \(2, 3\) do not match outside axis 0"):
        F.concat([X, np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"concat: shapes \(3, 4\) and \(4,\) do not match"):
        F.concat([X, np.ones(4)])
    with pytest.raises(ValueError, match="concat: need at least one array"):
        F.concat([])
    with pytest.raises(ValueError, match="concat: zero-dimensional"):
        F.concat([1.0, 2.0])


@pytest.mark.parametrize("sections,axis", [(2, 1), (3, 0), (1, 0), ([1, 3], 1), ([2], -2),
                                           ([0, 2, 2, 9], -1), ([], 0)])
def test_split_like_numpy_split(sections, axis):
    parts = F.split(Variable(X), sections, axis)
    want = np.split(X, sections, axis)
    assert isinstance(parts, tuple) and len(parts) == len(want)
    for p, w in zip(parts, want):
        np.testing.assert_array_equal(p.data, w)


@pytest.mark.parametrize("create_graph", [False, True])
def test_split_gradient_with_unused_parts(create_graph):
    x = Variable(X)
    a, _, c = F.split(x, [1, 3], axis=1)
    (a * 2 + F.sum(c, axis=1, keepdims=True)).sum().backward(create_graph=create_graph)
    np.testing.assert_array_equal(x.grad.data, [[2, 0, 0, 1]] * 3)


def test_split_errors():
    with pytest.raises(ValueError, match="^split: 3 sections do not divide axis 0 of length 4$"):
        F.split(np.ones(4), 3)
    with pytest.raises(ValueError, match="split: the number of sections must be positive, got 0"):
        F.split(np.ones(4), 0)
    with pytest.raises(ValueError, match="split: axis 1 is out of range for an array of 1 dimensions"):
        F.split(np.ones(4), 2, axis=1)
    with pytest.raises(ValueError, match="split: split indices must be integers, got 1.5"):
        F.split(np.ones(4), [1.5])


@pytest.mark.parametrize("indices,axis", [([0, 2, 2], 0), ([3, -1], 1), (1, 1), (np.array([[0, 1], [11, 5]]), None),
                                          (-12, None), ([], 0)])
def test_take_like_numpy_take(indices, axis):
    x = Variable(X)
    y = F.take(x, indices, axis)
    want = np.take(X, indices, axis)
    assert y.shape == want.shape
    np.testing.assert_array_equal(y.data, want)


@pytest.mark.parametrize("create_graph", [False, True])
def test_take_repeated_indices_add_their_gradients(create_graph):
    x = Variable(np.array([1.0, 2.0, 3.0]))
    F.take(x, [0, 2, 0, 0]).backward(create_graph=create_graph)
    np.testing.assert_array_equal(x.grad.data, [3, 0, 1])


def test_take_errors():
    with pytest.raises(IndexError, match="take: index 4 is out of bounds for axis 1 of length 4"):
        F.take(X, [0, 4], axis=1)
    with pytest.raises(IndexError, match="take: index -13 is out of bounds for the flattened array of length 12"):
        F.take(X, -13)
    with pytest.raises(ValueError, match="take: axis -3 is out of range for an array of 2 dimensions"):
        F.take(X, 0, axis=-3)
    with pytest.raises(TypeError, match="take: indices must be integers"):
        F.take(X, [True])


@pytest.mark.parametrize("f", [lambda x: F.squeeze(F.unsqueeze(x, 0), 0),
                               lambda x: F.concat(F.split(x, 2, axis=1), axis=-1),
                               lambda x: F.take(x, [1, 0], axis=-1)])
def test_float32_stays_float32(f):
    x = Variable(X.astype(np.float32))
    y = f(x)
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
