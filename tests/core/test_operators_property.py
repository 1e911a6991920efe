"""Every operator of the engine against finite differences, first and second order, with
drawn cotangents, on broadcast shapes: through the public kit in cygrad.testing."""
import functools

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cygrad.functions as F
from cygrad.testing import check_double_grad, check_grad
from cygrad.testing import strategies as cst

nonzero = functools.partial(cst.arrays_away_from, margin=0.5)
scalars = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)
nonzero_scalars = st.floats(0.5, 2.0) | st.floats(-2.0, -0.5)


def both_orders(f, *xs):
    check_grad(f, *xs)
    check_double_grad(f, *xs)


# --- + - * / between Variables, broadcasting ----------------------------------------------

BINARY = {
    "a+b": lambda a, b: a + b,
    "a-b": lambda a, b: a - b,
    "b-a": lambda a, b: b - a,
    "a*b": lambda a, b: a * b,
    "add": F.add,
    "sub": F.sub,
    "mul": F.mul,
}


@pytest.mark.parametrize("name", BINARY)
@given(pair=cst.broadcastable_arrays())
def test_add_sub_mul_broadcast(name, pair):
    both_orders(BINARY[name], *pair)


@pytest.mark.parametrize("name", ["a/b", "b/a", "div"])
@given(pair=cst.broadcastable_arrays(values=nonzero))
def test_div_broadcast(name, pair):
    f = {"a/b": lambda a, b: a / b, "b/a": lambda a, b: b / a, "div": F.div}[name]
    both_orders(f, *pair)


def test_same_variable_on_both_sides():
    x = np.array([[0.5, -1.5], [2.0, 0.75]])
    both_orders(lambda a: a * a + a / (a + 3.0) - a, x)


# --- Python scalars and ndarrays as the other operand, on either side -------------------

WITH_SCALAR = {
    "v+s": lambda v, s: v + s,
    "s+v": lambda v, s: s + v,
    "v-s": lambda v, s: v - s,
    "s-v": lambda v, s: s - v,
    "v*s": lambda v, s: v * s,
    "s*v": lambda v, s: s * v,
    "v/s": lambda v, s: v / s,
}


@pytest.mark.parametrize("name", WITH_SCALAR)
@given(x=cst.arrays(), s=nonzero_scalars)
def test_python_scalar_operands(name, x, s):
    both_orders(lambda v: WITH_SCALAR[name](v, s), x)


@given(x=nonzero(), s=scalars)
def test_python_scalar_divided_by_a_variable(x, s):
    both_orders(lambda v: s / v, x)


@pytest.mark.parametrize("name", ["c+v", "c-v", "c*v", "c/v", "v-c", "v/c"])
@given(pair=cst.broadcastable_arrays(values=nonzero))
def test_ndarray_operands_broadcast(name, pair):
    c, x = pair
    f = {
        "c+v": lambda v: c + v,
        "c-v": lambda v: c - v,
        "c*v": lambda v: c * v,
        "c/v": lambda v: c / v,
        "v-c": lambda v: v - c,
        "v/c": lambda v: v / c,
    }[name]
    both_orders(f, x)


@given(pair=cst.broadcastable_arrays(values=functools.partial(nonzero, dtype=np.float32)))
def test_arithmetic_in_float32_keeps_float32_gradients(pair):
    def f(a, b):
        return (a * b - a / b + 1.5) * (2.0 - b) + -a

    check_grad(f, *pair, rtol=1e-3, atol=1e-4)
    check_double_grad(f, *pair, rtol=1e-3, atol=1e-4)


# --- unary minus ---------------------------------------------------------------------------


@given(x=cst.arrays())
def test_neg(x):
    both_orders(lambda v: -v, x)
    both_orders(F.neg, x)


# --- ** ------------------------------------------------------------------------------------


@given(x=nonzero(margin=0.3), c=st.integers(-2, 3))
def test_pow_integer_exponent_any_sign_base(x, c):
    both_orders(lambda v: v**c, x)


@given(x=cst.positive_arrays(min_value=0.3), c=st.floats(-2.0, 3.0))
def test_pow_real_exponent_positive_base(x, c):
    both_orders(lambda v: v**c, x)
    both_orders(lambda v: F.pow(v, c), x)


@given(pair=cst.broadcastable_arrays(values=[functools.partial(cst.positive_arrays, min_value=0.3),
                                             cst.arrays]))
def test_pow_constant_array_exponent_broadcast(pair):
    x, c = pair
    both_orders(lambda v: v**c, x)


@given(pair=cst.broadcastable_arrays(values=[functools.partial(cst.positive_arrays, min_value=0.5,
                                                               max_value=2.5),
                                             cst.arrays]))
def test_pow_variable_exponent_broadcast(pair):
    both_orders(lambda a, b: a**b, *pair)


@given(base=st.floats(0.3, 3.0), y=cst.arrays())
def test_python_scalar_to_a_variable_power(base, y):
    both_orders(lambda v: base**v, y)


@given(pair=cst.broadcastable_arrays(values=[cst.positive_arrays, cst.arrays]))
def test_ndarray_to_a_variable_power_broadcast(pair):
    base, y = pair
    both_orders(lambda v: base**v, y)


# --- @ -------------------------------------------------------------------------------------

_r = np.random.default_rng(3)


@given(pair=cst.matmul_arrays())
@example(pair=(_r.normal(size=3), _r.normal(size=3)))  # 1-D @ 1-D
@example(pair=(_r.normal(size=3), _r.normal(size=(2, 3, 2))))  # 1-D @ batch
@example(pair=(_r.normal(size=(2, 3)), _r.normal(size=3)))  # 2-D @ 1-D
@example(pair=(_r.normal(size=(2, 1, 2, 3)), _r.normal(size=(3, 3, 2))))  # broadcast batches
def test_matmul_every_numpy_case(pair):
    both_orders(lambda a, b: a @ b, *pair)


@given(pair=cst.matmul_arrays())
def test_matmul_with_an_ndarray_on_either_side(pair):
    a, b = pair
    both_orders(lambda v: a @ v, b)
    both_orders(lambda v: F.matmul(v, b), a)


# --- indexing ------------------------------------------------------------------------------


@given(data=st.data())
def test_basic_indexing(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
    index = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True))
    both_orders(lambda v: v[index], x)


@given(data=st.data())
@example(data=None)
def test_integer_array_index_with_repeats(data):
    if data is None:
        x, index = np.arange(6.0).reshape(3, 2), np.array([0, 2, 0, -1, 0])
    else:
        x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
        n = x.shape[0]
        index = data.draw(hnp.arrays(np.intp, st.integers(1, 6), elements=st.integers(-n, n - 1)))
    both_orders(lambda v: v[index], x)
    both_orders(lambda v: F.get_item(v, index), x)


@given(data=st.data())
def test_integer_arrays_on_several_axes(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=2)))
    index = data.draw(hnp.integer_array_indices(x.shape, result_shape=hnp.array_shapes(max_side=3)))
    both_orders(lambda v: v[index], x)


@given(data=st.data())
def test_integer_array_mixed_with_a_slice(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=2)))
    n = x.shape[0]
    rows = data.draw(hnp.arrays(np.intp, st.integers(1, 4), elements=st.integers(-n, n - 1)))
    both_orders(lambda v: v[rows, 1:], x)


@given(data=st.data())
def test_boolean_masks(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
    mask = data.draw(hnp.arrays(np.bool_, x.shape))
    leading = data.draw(hnp.arrays(np.bool_, x.shape[:1]))
    both_orders(lambda v: v[mask], x)
    both_orders(lambda v: v[leading], x)


# --- reshape and transpose -----------------------------------------------------------------


@st.composite
def reshapes(draw):
    """An array and a shape of the same size, sometimes with one -1."""
    x = draw(cst.arrays())
    rest, dims = x.size, []
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        dims.append(d)
        rest //= d
    dims.append(rest)
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return x, tuple(dims)


@given(case=reshapes())
def test_reshape(case):
    x, shape = case
    both_orders(lambda v: v.reshape(shape), x)
    both_orders(lambda v: v.reshape(*shape), x)
    both_orders(lambda v: F.reshape(v, shape), x)


@given(x=cst.arrays())
def test_transpose_without_axes(x):
    both_orders(lambda v: v.T, x)
    both_orders(lambda v: v.transpose(), x)
    both_orders(F.transpose, x)


def test_transpose_by_a_cycle_of_equal_sides():
    # The inverse of a 3-cycle is the other 3-cycle: a backward applying the forward's axes
    # again would give the right shape here, but the wrong values.
    x = np.arange(8.0).reshape(2, 2, 2) / 4.0 - 1.0
    both_orders(lambda v: v.transpose(1, 2, 0), x)
    both_orders(lambda v: F.transpose(v, (-1, 0, -2)), x)


@given(data=st.data())
def test_transpose_with_axes(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
    axes = data.draw(st.permutations(range(x.ndim)))
    negative = tuple(a - x.ndim if data.draw(st.booleans()) else a for a in axes)
    both_orders(lambda v: v.transpose(*axes), x)
    both_orders(lambda v: F.transpose(v, negative), x)


# --- sum, broadcast_to, sum_to -------------------------------------------------------------


@given(data=st.data())
def test_sum(data):
    x = data.draw(cst.arrays())
    choices = [st.none(), hnp.valid_tuple_axes(x.ndim)]
    if x.ndim:
        choices.append(st.integers(-x.ndim, x.ndim - 1))
    axis = data.draw(st.one_of(choices))
    keepdims = data.draw(st.booleans())
    both_orders(lambda v: v.sum(axis=axis, keepdims=keepdims), x)
    both_orders(lambda v: F.sum(v, axis, keepdims), x)


@given(data=st.data())
def test_broadcast_to_and_sum_to(data):
    small, other = data.draw(cst.broadcastable_shapes(2))
    big = np.broadcast_shapes(small, other)
    both_orders(lambda v: F.broadcast_to(v, big), data.draw(cst.arrays(small)))
    both_orders(lambda v: F.sum_to(v, small), data.draw(cst.arrays(big)))


# --- exp and log ---------------------------------------------------------------------------


@given(x=cst.arrays())
def test_exp(x):
    both_orders(F.exp, x)


@given(x=cst.positive_arrays())
def test_log(x):
    both_orders(F.log, x)
