"""Every differentiable function of cygrad.functions beyond the engine's operators (those are in
tests/core/test_operators_property.py) against central finite differences.

Each test draws inputs with cygrad.testing.strategies (broadcast shapes where the function
broadcasts) and checks the first derivative with a drawn cotangent (check_grad) and the
second by double backprop (check_double_grad). For a function that is linear, or linear
piece by piece, the second-order check runs on ``f(x) ** 2``: its own second derivative is
zero, and squaring makes the check differentiate through the function's backward instead.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import cygrad.functions as F
from cygrad.testing import check_double_grad, check_grad
from cygrad.testing import strategies as cst


def check(f, *xs):
    """First and second order of a function with curvature of its own."""
    check_grad(f, *xs)
    check_double_grad(f, *xs)


def check_linear(f, *xs):
    """First order of f, second order through f's backward via f(x) ** 2."""
    check_grad(f, *xs)
    check_double_grad(lambda *vs: f(*vs) ** 2, *xs)


@st.composite
def axes(draw, ndim, allow_none=True):
    """None, one axis or a tuple of distinct axes of an ndim array, negative ones included."""
    choices = [st.just(None)] if allow_none else []
    if ndim:
        choices.append(st.integers(-ndim, ndim - 1))
        choices.append(
            st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(
                lambda ax: tuple(a - ndim if i % 2 else a for i, a in enumerate(ax))
            )
        )
    return draw(st.one_of(choices))


# --- arithmetic ----------------------------------------------------------------------------

@given(cst.arrays())
def test_square(x):
    check(F.square, x)


@given(cst.arrays())
def test_sin(x):
    check(F.sin, x)


@given(cst.arrays())
def test_cos(x):
    check(F.cos, x)


@given(cst.arrays())
def test_tanh(x):
    check(F.tanh, x)


@given(cst.positive_arrays())
def test_sqrt(x):
    check(F.sqrt, x)


@given(cst.arrays_away_from())
def test_abs(x):
    check_linear(F.abs, x)


# --- shapes --------------------------------------------------------------------------------

@given(st.data())
def test_squeeze(data):
    base = data.draw(cst.shapes())
    ones = data.draw(st.lists(st.booleans(), min_size=len(base), max_size=len(base)))
    shape = tuple(1 if one else s for s, one in zip(base, ones))
    x = data.draw(cst.arrays(shape))
    unit = [i for i, s in enumerate(shape) if s == 1]
    axis = data.draw(st.one_of(st.none(), st.lists(st.sampled_from(unit), unique=True).map(tuple))
                     if unit else st.none())
    check_linear(lambda v: F.squeeze(v, axis), x)


@given(st.data())
def test_unsqueeze(data):
    x = data.draw(cst.arrays())
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check_linear(lambda v: F.unsqueeze(v, axis), x)


@given(st.data())
def test_concat(data):
    shape = data.draw(cst.shapes(min_dims=1, max_size=12))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    xs = [data.draw(cst.arrays(shape[:axis % len(shape)] + (n,) + shape[axis % len(shape) + 1:]))
          for n in lengths]
    check_linear(lambda *vs: F.concat(vs, axis), *xs)


@given(st.data())
def test_split(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    by_count = st.sampled_from([k for k in range(1, n + 1) if n % k == 0])
    by_index = st.lists(st.integers(1, n - 1), unique=True).map(sorted) if n > 1 else by_count
    sections = data.draw(st.one_of(by_count, by_index))
    count = sections if isinstance(sections, int) else len(sections) + 1
    k = data.draw(st.integers(0, count - 1))
    # One part only: the others get no gradient and the backward fills in zeros.
    check_linear(lambda v: F.split(v, sections, axis)[k], x)


@given(st.data())
def test_take(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    n = x.size if axis is None else x.shape[axis]
    indices = data.draw(st.one_of(
        st.integers(-n, n - 1),
        st.lists(st.integers(-n, n - 1), min_size=1, max_size=6).map(np.array),
    ))
    check_linear(lambda v: F.take(v, indices, axis), x)


# --- reductions ----------------------------------------------------------------------------

@given(st.data())
def test_mean(data):
    x = data.draw(cst.arrays())
    axis, keepdims = data.draw(axes(x.ndim)), data.draw(st.booleans())
    check_linear(lambda v: F.mean(v, axis, keepdims), x)


@given(st.data())
def test_variance(data):
    x = data.draw(cst.arrays())
    axis, keepdims = data.draw(axes(x.ndim)), data.draw(st.booleans())
    check(lambda v: F.variance(v, axis, keepdims), x)


@given(st.data())
def test_max(data):
    x = data.draw(cst.distinct_arrays())
    axis, keepdims = data.draw(axes(x.ndim)), data.draw(st.booleans())
    check_linear(lambda v: F.max(v, axis, keepdims), x)


@given(st.data())
def test_min(data):
    x = data.draw(cst.distinct_arrays())
    axis, keepdims = data.draw(axes(x.ndim)), data.draw(st.booleans())
    check_linear(lambda v: F.min(v, axis, keepdims), x)


# --- linear algebra ------------------------------------------------------------------------

@given(st.data())
def test_linear(data):
    n_in, n_out = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    lead = data.draw(cst.shapes(max_dims=2, max_side=3, max_size=6))
    x = data.draw(cst.arrays(lead + (n_in,)))
    W = data.draw(cst.arrays((n_in, n_out)))
    bias_shapes = [None, (n_out,), ()] + ([(1, n_out)] if lead else [])
    bias_shape = data.draw(st.sampled_from(bias_shapes))
    if bias_shape is None:
        check(F.linear, x, W)
    else:
        check(F.linear, x, W, data.draw(cst.arrays(bias_shape)))


# --- neural --------------------------------------------------------------------------------

@given(cst.arrays())
def test_sigmoid(x):
    check(F.sigmoid, x)


@given(cst.arrays_away_from())
def test_relu(x):
    check_linear(F.relu, x)


@given(cst.arrays(min_value=-4.0, max_value=4.0))
def test_gelu(x):
    check(F.gelu, x)


@given(st.data())
def test_softmax(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check(lambda v: F.softmax(v, axis), x)


@given(st.data())
def test_log_softmax(data):
    x = data.draw(cst.arrays(cst.shapes(min_dims=1)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check(lambda v: F.log_softmax(v, axis), x)


@given(st.data())
def test_clip(data):
    lo = data.draw(st.floats(-1.5, 0.5))
    hi = lo + data.draw(st.floats(0.5, 1.5))
    x = data.draw(cst.arrays_away_from(points=(lo, hi)))
    check_linear(lambda v: F.clip(v, lo, hi), x)


@given(cst.arrays(), st.floats(0.0, 0.9), st.integers(0, 2**32 - 1))
def test_dropout(x, ratio, seed):
    # An int seed draws the same mask on every call, as finite differences need.
    check_linear(lambda v: F.dropout(v, ratio, rng=seed), x)


@given(st.data())
def test_mask_fill(data):
    shape, mask_shape = data.draw(cst.broadcastable_shapes())
    shape = np.broadcast_shapes(shape, mask_shape)
    x = data.draw(cst.arrays(shape))
    mask = data.draw(st.lists(st.booleans(), min_size=int(np.prod(mask_shape)),
                              max_size=int(np.prod(mask_shape))))
    mask = np.array(mask, dtype=bool).reshape(mask_shape)
    value = data.draw(st.floats(-5, 5))
    check_linear(lambda v: F.mask_fill(v, mask, value), x)


# --- losses --------------------------------------------------------------------------------

@given(cst.broadcastable_arrays())
def test_mean_squared_error(yt):
    check(F.mean_squared_error, *yt)


@given(st.data())
def test_softmax_cross_entropy(data):
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    x = data.draw(cst.arrays((n, c), min_value=-4.0, max_value=4.0))
    labels = np.array(data.draw(st.lists(st.integers(-1, c - 1), min_size=n, max_size=n)))
    check(lambda v: F.softmax_cross_entropy(v, labels, ignore_index=-1), x)


# --- float32 -------------------------------------------------------------------------------

FLOAT32_CASES = {
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "gelu": F.gelu,
    "softmax": F.softmax,
    "log_softmax": F.log_softmax,
    "variance": F.variance,
    "linear": lambda v: F.linear(v, np.full((v.shape[-1], 2), 0.5, dtype=np.float32)),
    "mean_squared_error": lambda v: F.mean_squared_error(v, np.float32(0.25)),
}


@given(cst.arrays(cst.shapes(min_dims=1), dtype=np.float32), st.sampled_from(sorted(FLOAT32_CASES)))
def test_float32_gradients_are_float32_and_right(x, name):
    # check_grad also asserts that each gradient keeps its input's dtype.
    check_grad(FLOAT32_CASES[name], x, rtol=1e-2, atol=1e-3)
    check_double_grad(FLOAT32_CASES[name], x, rtol=1e-2, atol=1e-2)


@given(st.data())
def test_softmax_cross_entropy_float32(data):
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    x = data.draw(cst.arrays((n, c), dtype=np.float32))
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)),
                      dtype=np.float32)
    check_grad(lambda v: F.softmax_cross_entropy(v, labels), x, rtol=1e-2, atol=1e-3)


# --- not differentiable --------------------------------------------------------------------

@given(st.data())
def test_accuracy_counts_argmax_hits(data):
    n, c = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 4))
    y = data.draw(cst.distinct_arrays((n, c)))
    t = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    hits = sum(int(np.argmax(row) == label) for row, label in zip(y, t))
    assert F.accuracy(y, t).item() == hits / n
