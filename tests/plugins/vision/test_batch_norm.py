"""batch_norm: the batch's statistics in training, the running ones under test_mode, the
running update, gradients of the first and second order, and refused arguments."""
import numpy as np
import pytest

from cygrad.testing import check_double_grad, check_grad
from cygrad import variable
from cygrad.variable import Variable
from cygrad_contrib_vision.functions import batch_norm


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 5)])
def test_training_normalises_each_channel_with_the_batch_mean_and_biased_variance(shape):
    x = np.random.default_rng(0).normal(3.0, 2.0, shape)
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 4.0])
    y = batch_norm(x, gamma, beta, eps=1e-12).data
    axes = (0,) + tuple(range(2, len(shape)))
    per_channel = (3,) + (1,) * (len(shape) - 2)
    np.testing.assert_allclose(y.mean(axis=axes), beta, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=axes), gamma, rtol=1e-9)  # std: ddof 0
    expected = (x - x.mean(axis=axes, keepdims=True)) / x.std(axis=axes, keepdims=True)
    np.testing.assert_allclose(y, expected * gamma.reshape(per_channel) + beta.reshape(per_channel),
                               rtol=1e-9, atol=1e-12)


def test_training_updates_the_running_statistics_in_place_as_pytorch_does():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0]])
    mean, var = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    batch_norm(x, np.ones(2), np.zeros(2), mean, var, momentum=0.25)
    # batch means (3, 12), unbiased variances (4, 12)
    np.testing.assert_allclose(mean, [0.75 * 0.0 + 0.25 * 3, 0.75 * 1.0 + 0.25 * 12])
    np.testing.assert_allclose(var, [0.75 + 0.25 * 4, 0.75 + 0.25 * 12])


def test_a_variable_holding_running_statistics_is_updated_and_gets_no_gradient():
    x = Variable(np.random.default_rng(1).standard_normal((5, 2)))
    mean, var = Variable(np.zeros(2)), Variable(np.ones(2))
    before = mean.data.copy()
    batch_norm(x, np.ones(2), np.zeros(2), mean, var).sum().backward()
    assert not np.array_equal(mean.data, before)
    assert mean.grad is None and var.grad is None and x.grad is not None


def test_test_mode_uses_the_running_statistics_and_leaves_them_alone():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    mean, var = np.array([1.0, 2.0]), np.array([4.0, 16.0])
    with variable.test_mode():
        y = batch_norm(x, np.array([2.0, 1.0]), np.array([0.5, 0.0]), mean, var, eps=1e-12)
    np.testing.assert_allclose(y.data, [[0.5, 0.0], [2.5, 1.0]])
    assert mean.tolist() == [1.0, 2.0] and var.tolist() == [4.0, 16.0]


def test_test_mode_without_running_statistics_uses_the_batch():
    x = np.random.default_rng(2).standard_normal((4, 3))
    with variable.test_mode():
        y = batch_norm(x, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(y.data, batch_norm(x, np.ones(3), np.zeros(3)).data)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 2, 2)])
def test_gradients_first_and_second_order(shape):
    rng = np.random.default_rng(3)
    x, gamma, beta = rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)
    check_grad(batch_norm, x, gamma, beta)
    check_double_grad(batch_norm, x, gamma, beta)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)

    def evaluated(x, gamma, beta):
        with variable.test_mode():
            return batch_norm(x, gamma, beta, mean, var) ** 2

    check_grad(evaluated, x, gamma, beta)
    check_double_grad(evaluated, x, gamma, beta)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"x": np.ones((2, 3, 4))}, ValueError,
     r"batch_norm: x must have shape \(N, C\) or \(N, C, H, W\), got \(2, 3, 4\)"),
    ({"gamma": np.ones(2)}, ValueError,
     r"batch_norm: gamma must have shape \(3,\) for x of shape \(4, 3\), got \(2,\)"),
    ({"running_var": np.ones(2)}, ValueError,
     r"batch_norm: running_var must have shape \(3,\) for 3 channels, got \(2,\)"),
    ({"running_var": [1.0, 1.0, 1.0]}, TypeError,
     r"batch_norm: running_var must be a float ndarray or Variable \(it is updated in place\), "
     r"got list"),
    ({"running_var": None}, ValueError,
     r"batch_norm: give both running_mean and running_var, or neither"),
    ({"momentum": 1.5}, ValueError, r"batch_norm: momentum must be a number in \[0, 1\], got 1.5"),
    ({"eps": 0}, ValueError, r"batch_norm: eps must be a number above 0, got 0"),
    ({"x": np.ones((1, 3))}, ValueError,
     r"batch_norm: training needs more than one value per channel, got x of shape \(1, 3\)"),
])
def test_bad_arguments_are_refused_before_the_running_statistics_change(kwargs, error, message):
    mean = np.zeros(3)
    args = {"x": np.arange(12.0).reshape(4, 3), "gamma": np.ones(3), "beta": np.zeros(3),
            "running_mean": mean, "running_var": np.ones(3), **kwargs}
    with pytest.raises(error, match=message):
        batch_norm(**args)
    assert mean.tolist() == [0.0, 0.0, 0.0]
