"""sum, mean, variance, max, min: reference values on [[1,2,3],[4,5,6]], ties, dtypes, errors."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
REDUCTIONS = {"sum": np.sum, "mean": np.mean, "variance": np.var, "max": np.max, "min": np.min}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reference_values_like_numpy(name, axis, keepdims):
    y = getattr(F, name)(Variable(X), axis=axis, keepdims=keepdims)
    want = REDUCTIONS[name](X, axis=axis, keepdims=keepdims)
    assert y.shape == want.shape
    np.testing.assert_allclose(y.data, want, rtol=1e-15)


def test_reference_gradients():
    def grad(f, **kw):
        x = Variable(X)
        f(x, **kw).backward()
        return x.grad.data

    np.testing.assert_array_equal(grad(F.sum, axis=0), np.ones((2, 3)))
    np.testing.assert_allclose(grad(F.mean), np.full((2, 3), 1 / 6), rtol=1e-15)
    np.testing.assert_allclose(grad(F.mean, axis=1), np.full((2, 3), 1 / 3), rtol=1e-15)
    # The original's values: variance over axis 0 is 2.25 with gradient -1.5 / +1.5.
    np.testing.assert_allclose(grad(F.variance, axis=0), [[-1.5] * 3, [1.5] * 3], rtol=1e-15)
    np.testing.assert_array_equal(grad(F.max), [[0, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(grad(F.max, axis=0), [[0, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(grad(F.min, axis=1), [[1, 0, 0], [1, 0, 0]])


def test_variance_of_the_original_with_its_second_derivative():
    x = Variable(np.array([[-3.0, 0.0, 3.0], [-3.0, 0.0, 3.0]]))
    y = F.variance(x, axis=1)
    y.backward(create_graph=True)
    np.testing.assert_array_equal(y.data, [6.0, 6.0])
    np.testing.assert_allclose(x.grad.data, [[-2, 0, 2], [-2, 0, 2]], atol=1e-15)
    gx = x.grad
    x.cleargrad()
    gx.backward()  # the gradients of each row sum to 0 whatever x is: d/dx sum = 0
    np.testing.assert_allclose(x.grad.data, np.zeros((2, 3)), atol=1e-15)


@pytest.mark.parametrize("create_graph", [False, True])
def test_max_and_min_split_the_gradient_among_exact_ties_only(create_graph):
    # The Go original sent the full gradient to every tied element.
    x = Variable(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, np.nextafter(5.0, 6.0), 0.0]]))
    F.max(x, axis=1).backward(create_graph=create_graph)
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [1 / 3] * 3, [0, 1, 0]], rtol=1e-15)
    x = Variable(np.array([[1.0, 1.0], [4.0, 1.0]]))
    F.min(x).backward(create_graph=create_graph)
    np.testing.assert_allclose(x.grad.data, [[1 / 3, 1 / 3], [0, 1 / 3]], rtol=1e-15)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", ["max", "min"])
def test_a_nan_result_sends_the_gradient_to_the_nan_elements(name, create_graph):
    # As PyTorch: [0, 1, 0] for [1, nan, 0]; several NaNs share it like exact ties.
    f = getattr(F, name)
    x = Variable(np.array([1.0, np.nan, 0.0]))
    y = f(x)
    y.backward(create_graph=create_graph)
    assert np.isnan(y.item())
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])
    x = Variable(np.array([[1.0, np.nan, np.nan], [3.0, 1.0, 2.0]]))
    F.sum(f(x, axis=1)).backward(create_graph=create_graph)
    other = [1.0, 0.0, 0.0] if name == "max" else [0.0, 1.0, 0.0]
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.5, 0.5], other])


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("create_graph", [False, True])
def test_float32_stays_float32(name, create_graph):
    x = Variable(X.astype(np.float32))
    y = getattr(F, name)(x, axis=1)
    y.backward(create_graph=create_graph)
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_axis_out_of_range(name):
    with pytest.raises(ValueError, match=f"^{name}: axis 3 is out of range for an array of 2 dimensions$"):
        getattr(F, name)(X, axis=3)
    with pytest.raises(ValueError, match=f"^{name}: axis -3 is out of range"):
        getattr(F, name)(X, axis=(0, -3))


@pytest.mark.parametrize("name", ["mean", "variance", "max", "min"])
def test_repeated_axis(name):
    with pytest.raises(ValueError, match=f"{name}: repeated axis"):
        getattr(F, name)(X, axis=(1, -1))


@pytest.mark.parametrize("name", ["max", "min"])
def test_empty_axis(name):
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce an empty axis of shape \(0, 3\)"):
        getattr(F, name)(np.ones((0, 3)), axis=0)
