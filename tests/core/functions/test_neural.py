"""clip, dropout, mask_fill and the elementwise square, sqrt, abs: values, gradients, errors."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable
from cygrad.variable import test_mode as evaluation


def test_clip_reference():
    x = Variable(np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 6.0, 8.0]))
    y = F.clip(x, 0.0, 5.0)
    y.backward()
    np.testing.assert_array_equal(y.data, [0, 0, 0, 1, 2, 4, 5, 5])
    np.testing.assert_array_equal(x.grad.data, [0, 0, 1, 1, 1, 1, 0, 0])


def test_clip_with_one_bound():
    x = np.array([-1.0, 0.5, 3.0])
    np.testing.assert_array_equal(F.clip(x, None, 1.0).data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(F.clip(x, 0.0, None).data, [0.0, 0.5, 3.0])


def test_clip_float32_with_float64_bounds():
    x = Variable(np.array([-1.0, 0.5, 3.0], dtype=np.float32))
    y = F.clip(x, np.float64(0.0), np.float64(1.0))
    y.backward()
    assert y.dtype == x.grad.dtype == np.float32


def test_clip_lo_above_hi():
    with pytest.raises(ValueError, match="^clip: lo 2.0 is greater than hi 1.0$"):
        F.clip(np.ones(3), 2.0, 1.0)


@pytest.mark.parametrize("create_graph", [False, True])
def test_mask_fill_gradient_is_zero_exactly_where_filled(create_graph):
    # The Go original let the gradient through at the filled positions.
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    mask = np.array([[True, False, True], [False, False, True]])
    y = F.mask_fill(x, mask, -1e9)
    np.testing.assert_array_equal(y.data, [[-1e9, 2, -1e9], [4, 5, -1e9]])
    y.grad = Variable(np.full((2, 3), 7.0))
    y.backward(create_graph=create_graph)
    np.testing.assert_array_equal(x.grad.data, np.where(mask, 0.0, 7.0))


def test_mask_fill_broadcasts_the_mask_and_keeps_float32():
    x = Variable(np.ones((2, 3), dtype=np.float32))
    y = F.mask_fill(x, Variable(np.array([1.0, 0.0, 0.0])), -np.inf)
    y.backward()
    np.testing.assert_array_equal(y.data, [[-np.inf, 1, 1]] * 2)
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 1]] * 2)
    assert y.dtype == x.grad.dtype == np.float32


def test_mask_fill_then_softmax_masks_attention():
    scores = F.mask_fill(np.zeros((1, 4)), np.array([False, False, True, True]), -np.inf)
    np.testing.assert_array_equal(F.softmax(scores).data, [[0.5, 0.5, 0, 0]])


def test_mask_fill_mask_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"mask_fill: mask of shape \(2,\) does not broadcast to x of shape \(2, 3\)"):
        F.mask_fill(np.ones((2, 3)), np.array([True, False]), 0.0)
    with pytest.raises(ValueError, match=r"mask of shape \(2, 2, 3\) does not broadcast"):
        F.mask_fill(np.ones((2, 3)), np.ones((2, 2, 3), dtype=bool), 0.0)


def test_dropout_is_inverted_and_reproducible_from_a_seed():
    x = Variable(np.ones((200, 50)))
    y = F.dropout(x, 0.25, rng=7)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.75, rtol=1e-15)
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_array_equal(F.dropout(x, 0.25, rng=7).data, y.data)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, y.data)


def test_dropout_generator_advances():
    rng = np.random.default_rng(0)
    a, b = F.dropout(np.ones(100), rng=rng), F.dropout(np.ones(100), rng=rng)
    assert not np.array_equal(a.data, b.data)


def test_dropout_is_the_identity_in_test_mode():
    x = Variable(np.arange(6.0))
    with evaluation():
        y = F.dropout(x, 0.9)
    assert y is x


def test_dropout_keeps_float32():
    x = Variable(np.ones((4, 4), dtype=np.float32))
    y = F.dropout(x, 0.5, rng=0)
    y.backward()
    assert y.dtype == x.grad.dtype == np.float32


@pytest.mark.parametrize("ratio", [1.0, -0.1, 1.5])
def test_dropout_ratio_outside_0_1(ratio):
    with pytest.raises(ValueError, match=rf"^dropout: ratio must be in \[0, 1\), got {ratio}$"):
        F.dropout(np.ones(3), ratio)


def test_dropout_bad_rng():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        F.dropout(np.ones(3), 0.5, rng="seed")


def test_square_sqrt_abs_values_and_gradients():
    x = Variable(np.array([-2.0, 0.0, 3.0]))
    y = F.square(x) + F.abs(x)
    y.backward()
    np.testing.assert_array_equal(y.data, [6.0, 0.0, 12.0])
    np.testing.assert_array_equal(x.grad.data, [-5.0, 0.0, 7.0])
    x = Variable(np.array([4.0, 9.0]))
    y = F.sqrt(x)
    y.backward()
    np.testing.assert_array_equal(y.data, [2.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [0.25, 1 / 6])
