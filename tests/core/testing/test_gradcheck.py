"""cygrad.testing: the checks catch wrong gradients, pass right ones, and the strategies keep
their promises."""
import functools
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import cygrad.functions as F
from cygrad.testing import check_double_grad, check_grad, numerical_grad
from cygrad.testing import strategies as cst
from cygrad.variable import Function, Variable

X = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]])


class Square(Function):
    """Right to every order: the backward is built from Variable operations."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * 2.0 * self.inputs[0]


class SquareOffByOneElement(Function):
    """The gradient is 3x instead of 2x at element (1, 2) only."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        factor = np.full(self.inputs[0].shape, 2.0)
        factor[1, 2] = 3.0
        return gy * factor * self.inputs[0]


class SquareFrozenBackward(Function):
    """Right first derivative, wrong second: the backward uses raw data, a constant to
    double backprop, so d/dx of the gradient misses the 2 * gy term."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * (2.0 * self.inputs[0].data)


class ReverseForgetsToReverseBack(Function):
    """y = x[::-1], with a backward that does not reverse: right only for a constant cotangent."""

    def forward(self, x):
        return x[::-1].copy()

    def backward(self, gy):
        return gy * 1.0


class UpcastingIdentity(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return Variable(gy.data.astype(np.float64))


class MulSecondWrong(Function):
    """x * y whose gradient for y (input 1) is off by a factor of 2."""

    def forward(self, x, y):
        return x * y

    def backward(self, gy):
        x, y = self.inputs
        return gy * y, gy * x * 2.0


def _numbers(message, label):
    return float(re.search(label + r" (-?[0-9.e+-]+)", message).group(1))


# --- numerical_grad ------------------------------------------------------------------------


def test_numerical_grad_of_sin_is_cos():
    (g,) = numerical_grad(F.sin, X)
    np.testing.assert_allclose(g, np.cos(X), rtol=1e-8, atol=1e-10)
    assert g.shape == X.shape and g.dtype == np.float64


def test_numerical_grad_of_a_product_and_a_quotient():
    gx, gy = numerical_grad(lambda x, y: x * y / (y + 3.0), 2.0, 1.5)
    assert gx == pytest.approx(1.5 / 4.5, rel=1e-8)
    assert gy == pytest.approx(2.0 * 3.0 / 4.5**2, rel=1e-8)


def test_numerical_grad_sums_a_non_scalar_output():
    (g,) = numerical_grad(lambda x: x.sum(axis=0) * 3.0, X)
    np.testing.assert_allclose(g, np.full(X.shape, 3.0), rtol=1e-8)


def test_numerical_grad_works_in_float64_for_float32_inputs():
    x32 = np.array([0.3, 1.7], dtype=np.float32)
    (g,) = numerical_grad(F.exp, x32)
    assert g.dtype == np.float64
    # float32 differencing with eps=1e-6 would be off in the second digit.
    np.testing.assert_allclose(g, np.exp(x32.astype(np.float64)), rtol=1e-8)


def test_numerical_grad_takes_variables_and_leaves_them_alone():
    x = Variable(X.copy())
    (g,) = numerical_grad(lambda v: v * v, x)
    np.testing.assert_allclose(g, 2 * X, rtol=1e-8)
    np.testing.assert_array_equal(x.data, X)
    assert x.grad is None


def test_numerical_grad_with_a_transposed_view():
    a = X.T  # not C-contiguous: each element must still be perturbed in place
    gx, gy = numerical_grad(lambda p, q: p @ q, X, a)
    np.testing.assert_allclose(gx, np.ones((2, 2)) @ a.T, rtol=1e-8)
    np.testing.assert_allclose(gy, X.T @ np.ones((2, 2)), rtol=1e-8)


# --- check_grad ----------------------------------------------------------------------------


def test_check_grad_passes_a_right_gradient():
    check_grad(lambda x: Square()(x), X)
    check_grad(lambda x, y: x * y + F.sin(x), X, X[::-1])


def test_check_grad_names_the_worst_element_and_both_values():
    cotangent = np.full(X.shape, 0.5)
    with pytest.raises(AssertionError) as info:
        check_grad(lambda x: SquareOffByOneElement()(x), X, cotangent=cotangent)
    message = str(info.value)
    assert "input 0" in message and "(1, 2)" in message
    assert _numbers(message, "analytic") == pytest.approx(0.5 * 3.0 * X[1, 2])
    assert _numbers(message, "numeric") == pytest.approx(0.5 * 2.0 * X[1, 2], rel=1e-7)
    assert "rtol 1e-05" in message and "atol 1e-07" in message
    assert "1 of 6 elements" in message


def test_check_grad_names_the_wrong_input():
    with pytest.raises(AssertionError, match="input 1"):
        check_grad(lambda x, y: MulSecondWrong()(x, y), X, X + 1.0)


def test_a_drawn_cotangent_catches_what_an_all_ones_seed_misses():
    x = np.array([0.1, 0.2, 0.3, 0.4])
    f = lambda v: ReverseForgetsToReverseBack()(v)  # noqa: E731
    check_grad(f, x, cotangent=np.ones(4))
    with pytest.raises(AssertionError, match="analytic"):
        check_grad(f, x)


def test_an_upcasting_backward_still_gives_gradients_of_the_input_dtype():
    # The engine casts every gradient to its variable's dtype, so the kit's dtype check holds.
    x32 = np.array([1.0, 2.0], dtype=np.float32)
    check_grad(lambda v: UpcastingIdentity()(v), x32)


def test_check_grad_on_float32_with_a_float32_tolerance():
    x32 = X.astype(np.float32)
    check_grad(F.tanh, x32, rtol=1e-3, atol=1e-5)
    with pytest.raises(AssertionError):
        check_grad(lambda v: SquareOffByOneElement()(v), x32, rtol=1e-3, atol=1e-5)


def test_check_grad_leaves_the_callers_variables_alone():
    x = Variable(X.copy())
    x.grad = Variable(np.full(X.shape, 7.0))
    check_grad(F.sin, x)
    np.testing.assert_array_equal(x.grad.data, np.full(X.shape, 7.0))
    np.testing.assert_array_equal(x.data, X)


def test_check_grad_on_a_zero_dimensional_input():
    class CubeWithSquaresGradient(Function):
        def forward(self, x):
            return x**3

        def backward(self, gy):
            return gy * 2.0 * self.inputs[0] ** 2

    check_grad(F.exp, 0.25)
    with pytest.raises(AssertionError, match=r"index \(\)") as info:
        check_grad(lambda v: CubeWithSquaresGradient()(v), 0.5, cotangent=1.0)
    assert _numbers(str(info.value), "analytic") == pytest.approx(0.5)
    assert _numbers(str(info.value), "numeric") == pytest.approx(0.75, rel=1e-8)


def test_check_grad_counts_an_input_without_a_gradient_as_zero():
    check_grad(lambda x, y: x * 2.0, X, X)
    with pytest.raises(AssertionError, match="input 1"):
        check_grad(lambda x, y: x * Variable(y.data), X, X)


def test_check_grad_checks_the_cotangent_shape():
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\).*\(2, 3\)"):
        check_grad(F.sin, X, cotangent=np.ones(3))


def test_check_grad_wants_a_variable_back():
    with pytest.raises(TypeError, match="must return a Variable"):
        check_grad(lambda x: x.data, X)


# --- check_double_grad ---------------------------------------------------------------------


def test_check_double_grad_passes_right_second_derivatives():
    check_double_grad(lambda x: Square()(x), X)
    check_double_grad(lambda x, y: x * y * y + F.tanh(x * y), X, X + 0.5)


def test_check_double_grad_catches_a_backward_that_is_not_differentiable():
    f = lambda x: SquareFrozenBackward()(x)  # noqa: E731
    check_grad(f, X)  # the first derivative is right ...
    with pytest.raises(AssertionError) as info:  # ... the second is not
        check_double_grad(f, X)
    message = str(info.value)
    assert "second-order gradient of input 0" in message
    # d/dx sum(2 x gy w) = 2 gy w; the frozen backward gives 0 everywhere.
    assert _numbers(message, "analytic") == 0.0
    assert abs(_numbers(message, "numeric")) > 0.5


def test_check_double_grad_catches_a_wrong_cross_derivative():
    class MulFrozenY(Function):
        def forward(self, x, y):
            return x * y

        def backward(self, gy):
            x, y = self.inputs
            return gy * y.data, gy * x

    check_grad(lambda x, y: MulFrozenY()(x, y), X, X)
    with pytest.raises(AssertionError, match="second-order gradient of input 1"):
        check_double_grad(lambda x, y: MulFrozenY()(x, y), X, X)


def test_checks_of_a_function_that_calls_backward_itself():
    def derivative_of_cube(x):
        (x**3).backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        return gx

    check_grad(derivative_of_cube, X)  # 6x: the third derivative of x^3 ...
    check_double_grad(derivative_of_cube, X)  # ... and 6: its fourth

    def derivative_of_frozen_square(x):
        SquareFrozenBackward()(x).backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        return gx

    with pytest.raises(AssertionError, match="input 0") as info:
        check_grad(derivative_of_frozen_square, X)
    assert _numbers(str(info.value), "analytic") == 0.0


def test_check_double_grad_of_a_linear_function_is_zero():
    check_double_grad(lambda x: x * 3.0 - 1.0, X)
    check_double_grad(lambda x: x, X)


# --- strategies ----------------------------------------------------------------------------


@given(cst.shapes(min_dims=1, max_dims=4, max_side=5, max_size=30))
def test_shapes_keep_their_bounds(shape):
    assert 1 <= len(shape) <= 4
    assert all(1 <= s <= 5 for s in shape)
    assert np.prod(shape) <= 30


@given(cst.arrays(min_value=-0.5, max_value=1.5))
def test_arrays_are_bounded_small_float64(a):
    assert a.dtype == np.float64 and a.size <= cst.MAX_SIZE
    assert np.all(np.isfinite(a)) and np.all((a >= -0.5) & (a <= 1.5))


@given(cst.arrays((2, 3), min_value=0.1, max_value=0.7, dtype=np.float32))
def test_float32_arrays_round_their_bounds_inwards(a):
    assert a.shape == (2, 3) and a.dtype == np.float32
    assert np.all((a >= 0.1) & (a <= 0.7))


@given(cst.positive_arrays(max_value=2.0))
def test_positive_arrays_are_positive(a):
    assert np.all((a >= 0.1) & (a <= 2.0))


@given(cst.arrays_away_from(points=(-1.0, 0.0, 0.5), margin=0.2))
def test_arrays_away_from_keep_the_margin(a):
    for p in (-1.0, 0.0, 0.5):
        assert np.all(np.abs(a - p) >= 0.2)
    assert np.all(np.abs(a) <= 2.0)


@given(cst.distinct_arrays(min_gap=0.05))
def test_distinct_arrays_have_no_ties(a):
    values = np.sort(a.reshape(-1))
    assert np.all(np.diff(values) >= 0.05 - 1e-12)
    assert np.all(np.abs(a) <= 2.0)


@given(cst.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    assert np.prod(np.broadcast_shapes(*shapes)) <= cst.MAX_SIZE


@given(cst.broadcastable_arrays(values=[cst.arrays, cst.positive_arrays]))
def test_broadcastable_arrays_take_one_value_strategy_per_array(pair):
    a, b = pair
    np.broadcast_shapes(a.shape, b.shape)
    assert np.all(b > 0)


@given(cst.matmul_shapes())
def test_matmul_shapes_are_accepted_by_numpy(shapes):
    a, b = shapes
    np.matmul(np.ones(a), np.ones(b))
    assert np.prod(a) <= cst.MAX_SIZE and np.prod(b) <= cst.MAX_SIZE


@given(cst.matmul_arrays(values=functools.partial(cst.arrays, min_value=0.0, max_value=1.0)))
def test_matmul_arrays_multiply(pair):
    a, b = pair
    assert all(np.all((v >= 0.0) & (v <= 1.0)) for v in pair)
    # Each entry sums k = a.shape[-1] products of values in [0, 1].
    assert np.all(np.matmul(a, b) <= a.shape[-1])


@pytest.mark.parametrize(
    "case",
    [
        lambda a, b: len(a) == 1 and len(b) == 1,
        lambda a, b: len(a) == 1 and len(b) > 2,
        lambda a, b: len(a) > 2 and len(b) == 1,
        lambda a, b: len(a) > 2 and len(b) > 2 and a[:-2] != b[:-2],
    ],
    ids=["vector-vector", "vector-batch", "batch-vector", "broadcast-batches"],
)
def test_matmul_shapes_reach_every_numpy_case(case):
    a, b = find(cst.matmul_shapes(), lambda s: case(*s),
                settings=settings(database=None, max_examples=500,
                                  suppress_health_check=list(HealthCheck)))
    np.matmul(np.ones(a), np.ones(b))


def test_strategies_refuse_what_they_cannot_promise():
    with pytest.raises(ValueError, match="positive_arrays"):
        cst.positive_arrays(min_value=0.0)
    with pytest.raises(ValueError, match="distinct_arrays"):
        cst.distinct_arrays((5,), min_gap=1.0, min_value=0.0, max_value=2.0)
    with pytest.raises(ValueError, match="arrays_away_from"):
        cst.arrays_away_from(points=(0.0,), margin=3.0)
    with pytest.raises(ValueError, match="float32 or float64"):
        cst.arrays((2,), dtype=np.int64)


@given(st.data())
def test_strategies_draw_inside_given(data):
    shape = data.draw(cst.shapes(max_dims=2))
    a = data.draw(cst.arrays(shape))
    assert a.shape == shape
