"""sigmoid, relu, linear and mean_squared_error as engine operations (the engine's dense.pxi): any
array layout, the tails without warnings, second derivatives against the composed form, and a
Function instance applied twice."""
import warnings

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.functions.activation import ReLU, Sigmoid
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


def composed_relu(x):
    # x where x > 0, else 0: the product with the mask, a constant (its derivative is 0).
    return x * (x.data > 0).astype(x.dtype)


def composed_linear(x, W, b):
    return F.matmul(x, W) + b


def composed_mse(y, t):
    d = y - t
    return F.sum(d * d) / d.size


CASES = [
    (F.sigmoid, composed_sigmoid, [np.linspace(-4, 4, 12).reshape(3, 4)]),
    (F.relu, composed_relu, [np.linspace(-4, 4, 12).reshape(3, 4)]),
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
    (ReLU, [[[-1.0, 0.5, 0.0, 3.0]]]),
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
    np.testing.assert_array_equal(ReLU().forward(np.array([-1.0, 2.0])), [0.0, 2.0])
    assert MeanSquaredError().forward(np.ones(3), np.zeros(3)) == 1.0
    with pytest.raises(TypeError, match="Affine.forward: expected an ndarray, got list"):
        Affine().forward([[1.0]], W)
    with pytest.raises(ValueError, match=r"linear: shapes \(2, 3\) and \(2, 3\) are not aligned"):
        Affine().forward(x, x)


@pytest.mark.parametrize("make, n, counts", [
    (Sigmoid, 2, "1"), (ReLU, 2, "1"), (Affine, 1, "2 or 3"), (Affine, 4, "2 or 3"), (MeanSquaredError, 3, "2"),
])
def test_a_wrong_number_of_inputs_is_a_type_error(make, n, counts):
    xs = [Variable(np.ones((2, 2))) for _ in range(n)]
    with pytest.raises(TypeError, match=f"{make.__name__} takes {counts} inputs, got {n}"):
        make()(*xs)


def test_the_functions_build_engine_nodes():
    x = Variable(np.ones((1, 3)))
    assert type(F.sigmoid(x).creator) is Sigmoid
    assert type(F.relu(x).creator) is ReLU
    assert type(F.linear(x, np.ones((3, 2))).creator) is Affine
    assert type(F.mean_squared_error(x, np.zeros(3)).creator) is MeanSquaredError
    assert Sigmoid.__module__ == ReLU.__module__ == Affine.__module__ == "cygrad.variable._core"


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


# ReLU's edge cases: both zeros, both infinities, quiet NaNs of either sign and another payload,
# the smallest subnormal of either sign, and ordinary values.
def relu_edges(dtype):
    bits = np.uint64 if dtype == np.float64 else np.uint32
    payload = np.array([0x7FF8000000000123 if dtype == np.float64 else 0x7FC00123], bits)
    tiny = np.finfo(dtype).smallest_subnormal
    values = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, -np.nan, 0.0, tiny, -tiny, -2.5, 3.0],
                      dtype)
    values[6] = payload.view(dtype)[0]
    return values


def relu_and_grad(a, gy):
    x = Variable(a)
    y = F.relu(x)
    y.grad = Variable(gy)
    y.backward()
    return y.data, x.grad.data


def assert_same_bits(got, expected):
    assert got.dtype == expected.dtype and got.shape == expected.shape
    bits = np.uint64 if got.dtype == np.float64 else np.uint32
    assert list(np.ascontiguousarray(got).view(bits).ravel()) == list(
        np.ascontiguousarray(expected).view(bits).ravel())


def warnings_of(f):
    """What ``f()`` returns, and the messages of the warnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = f()
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_is_numpys_maximum_and_mask_product_bit_for_bit_in_every_layout(dtype):
    x = relu_edges(dtype)
    # Every gradient value against every input: NaN, infinities and -0.0 times the 0.0 mask.
    xs = np.repeat(x, x.size)
    gys = np.tile(x, x.size)
    finite = np.isfinite(gys)
    for v, g in zip(layouts(xs), layouts(gys)):
        native_v, native_g = v.astype(dtype), g.astype(dtype)
        (y, gx), said = warnings_of(lambda: relu_and_grad(v, g))
        # The old array form's product (and its warning: an infinity times the 0.0 mask).
        expected, expected_said = warnings_of(lambda: native_g * (native_v > 0))
        assert said == expected_said == ["invalid value encountered in multiply"]
        assert_same_bits(y, np.maximum(native_v, 0))
        assert_same_bits(gx, expected)
        with np.errstate(invalid="ignore"):  # the old recorded form's formula
            assert_same_bits(gx, native_g * (native_v > 0).astype(dtype))
    # A finite gradient (the C pass for the plain layouts) warns of nothing.
    for v, g in zip(layouts(xs[finite]), layouts(gys[finite])):
        (_, gx), said = warnings_of(lambda: relu_and_grad(v, g))
        assert said == []
        assert_same_bits(gx, g.astype(dtype) * (v.astype(dtype) > 0))
    # -0.0 becomes 0.0, NaN stays NaN, and the derivative at 0 (either zero) is 0.
    y, gx = relu_and_grad(x, np.ones_like(x))
    assert not np.signbit(y[0]) and np.isnan(y[4]) and list(gx[:2]) == [0.0, 0.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_gradient_quiets_a_signalling_nan_as_numpys_product(dtype):
    bits = np.uint64 if dtype == np.float64 else np.uint32
    signalling = np.array([0x7FF0000000000001 if dtype == np.float64 else 0x7F800001],
                          bits).view(dtype)
    gy = np.repeat(signalling, 8)
    x = np.array([1.0, -1.0] * 4, dtype)
    with np.errstate(invalid="ignore"):
        _, gx = relu_and_grad(x, gy)
        assert_same_bits(gx, gy * (x > 0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_of_0d_empty_and_mixed_dtype_arrays(dtype):
    y, gx = relu_and_grad(np.array(-0.0, dtype), np.array(5.0, dtype))
    assert y.shape == gx.shape == () and y.dtype == gx.dtype == dtype
    assert not np.signbit(y) and gx == 0.0
    y, gx = relu_and_grad(np.zeros((0, 3), dtype), np.zeros((0, 3), dtype))
    assert y.shape == gx.shape == (0, 3) and y.dtype == dtype
    # A gradient of another dtype than x takes NumPy's product (the C pass wants one dtype).
    x = np.array([-1.0, 2.0, 0.0], dtype)
    other = np.float32 if dtype == np.float64 else np.float64
    gy = np.array([3.0, -4.0, -5.0], other)
    f = ReLU()
    y = f(Variable(x))
    assert_same_bits(f.backward_arrays(gy), gy * (x > 0))
    assert y.creator is f


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_backward_forms_agree_and_its_second_derivative_is_zero(dtype):
    a = relu_edges(dtype)[np.isfinite(relu_edges(dtype))]
    gy = np.linspace(-2, 2, a.size).astype(dtype)
    plain, recorded = [], []
    for create_graph, out in ((False, plain), (True, recorded)):
        x = Variable(a.copy())
        y = F.relu(x)
        y.grad = Variable(gy)
        y.backward(create_graph=create_graph)
        out.append(x.grad.data)
    assert_same_bits(plain[0], recorded[0])
    # d/dx of sum(relu'(x) * w) is 0 wherever relu is differentiable.
    x = Variable(np.array([-1.5, 0.5, 2.0], dtype))
    y = F.sum(F.relu(x) * F.relu(x))
    y.backward(create_graph=True)
    gx = x.grad
    np.testing.assert_array_equal(gx.data, np.array([0.0, 1.0, 4.0], dtype), strict=True)
    x.cleargrad()
    F.sum(gx).backward()
    np.testing.assert_array_equal(x.grad.data, np.array([0.0, 2.0, 2.0], dtype), strict=True)
