"""sigmoid, linear and mean_squared_error as engine operations (the engine's dense.pxi): any
array layout, the tails without warnings, second derivatives against the composed form, and a
Function instance applied twice."""
import warnings

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.functions.activation import Sigmoid
from cygrad.functions.linalg import Affine
from cygrad.functions.loss import MeanSquaredError
from cygrad.variable import Variable

DTYPES = [np.float64, np.float32]
# Both tails (below float32's and float64's exp range too), the middle, and a NaN.
TAILS = [-1000.0, -750.0, -100.0, -90.0, -1.5, 0.0, 3.0, 90.0, 750.0, 1000.0, np.nan]


LAYOUTS = ["contiguous", "read-only", "strided", "swapped", "misaligned"]


def layouts(a):
    """``a`` (1-D) as a contiguous array, a read-only one, a strided view, a byte-swapped
    copy, a misaligned copy and a Fortran-ordered 2-D array: the C loop reads the first two."""
    readonly = a.copy()
    readonly.flags.writeable = False
    strided = np.repeat(a, 2)[::2]
    swapped = a.astype(a.dtype.newbyteorder())
    buffer = np.zeros(a.nbytes + 1, np.uint8)
    misaligned = buffer[1:].view(a.dtype)
    misaligned[...] = a
    fortran = np.asfortranarray(np.stack([a, a[::-1]], axis=1))
    return [a, readonly, strided, swapped, misaligned, fortran]


def sigmoid_and_grad(a):
    x = Variable(a)
    y = F.sigmoid(x)
    y.backward()
    return y.data, x.grad.data


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_is_the_same_in_every_layout_and_warns_of_nothing(dtype):
    a = np.array(TAILS, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected_y, expected_g = sigmoid_and_grad(a)
        for v in layouts(a):
            y, g = sigmoid_and_grad(v)
            assert y.dtype == g.dtype == dtype
            flat = v if v.ndim == 1 else v[:, 0]
            np.testing.assert_array_equal(y if y.ndim == 1 else y[:, 0], expected_y, strict=True)
            np.testing.assert_array_equal(g if g.ndim == 1 else g[:, 0], expected_g, strict=True)
            assert flat.shape == a.shape
    # Far left sigmoid is exp(x) and its derivative too; far right 1 and 0; NaN stays NaN.
    assert expected_y[0] == np.exp(dtype(-1000.0)) == 0.0
    assert expected_y[-2] == 1.0 and expected_g[-2] == 0.0
    assert np.isnan(expected_y[-1]) and np.isnan(expected_g[-1])
    assert expected_y[1] == np.exp(dtype(-750.0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_of_a_0d_array_and_of_an_empty_one(dtype):
    y, g = sigmoid_and_grad(np.array(-1000.0, dtype))
    assert y.shape == g.shape == () and y.dtype == dtype
    assert y == np.exp(dtype(-1000.0)) and g == np.exp(dtype(-1000.0))
    y, g = sigmoid_and_grad(np.zeros((0, 3), dtype))
    assert y.shape == g.shape == (0, 3) and y.dtype == dtype


# Around the limit below which sigmoid takes its careful path (-708 in float64, -88 in
# float32), where the float64 check compares in float32 and may send an array down the
# careful path early: no element may change with the array it is in.
EDGES = {np.float64: [-708.0001, -708.0, -707.99999, -707.9999, -707.0],
         np.float32: [-88.0001, -88.0, -87.99999, -87.9999, -87.0]}


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_near_its_careful_path_is_each_element_alone(dtype):
    edges = np.array(EDGES[dtype], dtype)
    alone = [sigmoid_and_grad(np.array([v], dtype)) for v in edges]
    batch = np.concatenate([edges, np.zeros(64, dtype)])
    for together in (sigmoid_and_grad(edges), sigmoid_and_grad(batch)):
        for k, (y, g) in enumerate(alone):
            assert together[0][k] == y[0] and together[1][k] == g[0]
    # Above the limit: NumPy's 1/(1 + exp(-x)); below: exp(x).
    limit = -708.0 if dtype == np.float64 else -88.0
    for v, (y, _) in zip(edges, alone):
        assert y[0] == (np.exp(v) if v < limit else 1 / (1 + np.exp(-v)))
    assert sigmoid_and_grad(edges)[0].dtype == dtype


def second_derivatives(f, arrays):
    """d/dinputs of sum((d f / d inputs)**2): the second-order gradients of ``f`` (None for an
    input that first-order gradients do not depend on: linear's bias)."""
    xs = [Variable(a.copy()) for a in arrays]
    y = f(*xs)
    y.backward(create_graph=True)
    total = sum(F.sum(x.grad * x.grad) for x in xs)
    for x in xs:
        x.cleargrad()
    total.backward()
    return [None if x.grad is None else x.grad.data for x in xs]


def composed_sigmoid(x):
    return 1 / (1 + F.exp(-x))


def composed_linear(x, W, b):
    return F.matmul(x, W) + b


def composed_mse(y, t):
    d = y - t
    return F.sum(d * d) / d.size


CASES = [
    (F.sigmoid, composed_sigmoid, [np.linspace(-4, 4, 12).reshape(3, 4)]),
    (F.linear, composed_linear, [np.linspace(-1, 1, 12).reshape(4, 3),
                                 np.linspace(-2, 1, 6).reshape(3, 2), np.array([0.5, -0.25])]),
    (F.mean_squared_error, composed_mse, [np.linspace(-1, 2, 6).reshape(3, 2),
                                          np.array([0.25, -1.0])]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fused, composed, arrays", CASES)
def test_second_derivatives_match_the_composed_form(fused, composed, arrays, dtype):
    arrays = [a.astype(dtype) for a in arrays]
    got = second_derivatives(fused, arrays)
    expected = second_derivatives(composed, arrays)
    assert [g is None for g in got] == [e is None for e in expected]
    for g, e in zip(got, expected):
        if g is None:
            continue
        assert g.dtype == dtype
        np.testing.assert_allclose(g, e, rtol=1e-12 if dtype == np.float64 else 1e-5, atol=1e-12)


@pytest.mark.parametrize("make, arrays", [
    (Sigmoid, [[[-800.0, 0.5, 2.0, -3.0]]]),
    (Affine, [[[1.0, 2.0]], [[3.0], [4.0]], [0.5]]),
    (MeanSquaredError, [[[1.0, 2.0]], [0.0, 1.0]]),
])
def test_an_instance_applied_twice_keeps_each_node_state(make, arrays):
    f = make()
    first = [Variable(np.array(a)) for a in arrays]
    second = [Variable(np.array(a) * 2) for a in arrays]
    y1 = f(*first)
    y2 = f(*second)
    assert y1.creator is not y2.creator
    y1.backward()
    y2.backward()
    for xs in (first, second):
        fresh = [Variable(x.data.copy()) for x in xs]
        make()(*fresh).backward()
        for x, e in zip(xs, fresh):
            np.testing.assert_array_equal(x.grad.data, e.grad.data, strict=True)


def test_forward_called_on_arrays_directly():
    x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.arange(4.0)
    np.testing.assert_array_equal(Affine().forward(x, W, b), x @ W + b)
    np.testing.assert_array_equal(Affine().forward(x, W), x @ W)
    np.testing.assert_array_equal(Sigmoid().forward(np.zeros(2)), [0.5, 0.5])
    assert MeanSquaredError().forward(np.ones(3), np.zeros(3)) == 1.0
    with pytest.raises(TypeError, match="Affine.forward: expected an ndarray, got list"):
        Affine().forward([[1.0]], W)
    with pytest.raises(ValueError, match=r"linear: shapes \(2, 3\) and \(2, 3\) are not aligned"):
        Affine().forward(x, x)


@pytest.mark.parametrize("make, n, counts", [
    (Sigmoid, 2, "1"), (Affine, 1, "2 or 3"), (Affine, 4, "2 or 3"), (MeanSquaredError, 3, "2"),
])
def test_a_wrong_number_of_inputs_is_a_type_error(make, n, counts):
    xs = [Variable(np.ones((2, 2))) for _ in range(n)]
    with pytest.raises(TypeError, match=f"{make.__name__} takes {counts} inputs, got {n}"):
        make()(*xs)


def test_the_functions_build_engine_nodes():
    x = Variable(np.ones((1, 3)))
    assert type(F.sigmoid(x).creator) is Sigmoid
    assert type(F.linear(x, np.ones((3, 2))).creator) is Affine
    assert type(F.mean_squared_error(x, np.zeros(3)).creator) is MeanSquaredError
    assert Sigmoid.__module__ == Affine.__module__ == "cygrad.variable._core"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_bias_gradient_of_one_row_is_the_column_sum_in_both_forms(dtype, layout):
    # The one-row batch's bias gradient is summed in C: the same bits as NumPy's column sum
    # (-0.0 becomes 0.0, NaN and infinities pass) and as the recorded backward's.
    gy = np.array([[-0.0, 0.0, 1.5, -np.inf, np.nan, 3e-310 if dtype == np.float64 else 1e-40]],
                  dtype)
    gy = dict(zip(LAYOUTS, layouts(gy[0])))[layout][None, :]
    expected = np.add.reduce(gy, axis=0)
    for create_graph in (False, True):
        x, W, b = (Variable(np.ones(s, dtype)) for s in [(1, 2), (2, 6), (6,)])
        y = F.linear(x, W, b)
        y.grad = Variable(gy)
        y.backward(create_graph=create_graph)
        assert b.grad.data.shape == (6,) and b.grad.data.dtype == dtype
        np.testing.assert_array_equal(b.grad.data, expected, strict=True)
        assert list(np.signbit(b.grad.data)) == list(np.signbit(expected))
