"""Variable: construction, attributes, operators, repr, and bad input."""
import gc
import math

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Function, Variable, normal, rand, randn


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1, np.float64),
        (True, np.float64),
        ([1, 2, 3], np.float64),
        (np.arange(3, dtype=np.int32), np.float64),
        (np.float32(1.5), np.float32),
        (np.ones(2, dtype=np.float32), np.float32),
        (np.ones(2, dtype=np.float16), np.float64),
        (2.5, np.float64),
    ],
)
def test_data_becomes_float32_or_float64(data, dtype):
    v = Variable(data)
    assert isinstance(v.data, np.ndarray)
    assert v.dtype == dtype
    np.testing.assert_array_equal(v.data, np.asarray(data, dtype=dtype))


def test_python_scalar_gives_0d_array():
    v = Variable(0.84)
    assert v.shape == () and v.ndim == 0 and v.size == 1
    assert v.item() == 0.84


@pytest.mark.parametrize("bad", ["abc", None, object(), [1, "a"], {"a": 1}, 1 + 2j])
def test_non_numeric_data_raises_type_error(bad):
    with pytest.raises(TypeError, match="Variable"):
        Variable(bad)


def test_variable_of_variable_is_a_type_error():
    with pytest.raises(TypeError, match="already a Variable"):
        Variable(Variable(1.0))


def test_assigning_data_converts_and_validates():
    v = Variable(1.0)
    v.data = [1, 2]
    assert v.dtype == np.float64 and v.shape == (2,)
    with pytest.raises(TypeError):
        v.data = "x"
    assert v.shape == (2,)


def test_attributes_and_helpers():
    data = np.arange(6.0).reshape(2, 3)
    v = Variable(data, name="w")
    assert v.name == "w"
    assert v.grad is None and v.creator is None and v.generation == 0
    assert len(v) == 2
    assert v.numpy() is data
    np.testing.assert_array_equal(np.asarray(v), data)
    np.testing.assert_array_equal(v.T.data, data.T)


def test_repr():
    assert repr(Variable(0.84)) == "variable(0.84)"
    assert repr(Variable(0.84, name="x")) == "x(0.84)"
    text = repr(Variable(np.arange(6.0).reshape(2, 3)))
    assert text.startswith("variable([[0., 1., 2.],") and "shape=(2, 3)" in text
    assert "dtype=float32" in repr(Variable(np.ones(2, dtype=np.float32)))


def test_operators_with_scalars_and_arrays_on_either_side():
    x = Variable(np.array([1.0, 2.0]))
    a = np.array([3.0, 4.0])
    cases = {
        "x + 2": (x + 2, [3, 4]),
        "2 + x": (2 + x, [3, 4]),
        "x - a": (x - a, [-2, -2]),
        "a - x": (a - x, [2, 2]),
        "x * a": (x * a, [3, 8]),
        "a * x": (a * x, [3, 8]),
        "x / 2": (x / 2, [0.5, 1]),
        "2 / x": (2 / x, [2, 1]),
        "x ** 2": (x**2, [1, 4]),
        "2 ** x": (2**x, [2, 4]),
        "x ** x": (x**x, [1, 4]),
        "-x": (-x, [-1, -2]),
        "+x": (+x, [1, 2]),
        "x @ a": (x @ a, 11),
        "a @ x": (a @ x, 11),
        "x[1]": (x[1], 2),
    }
    for label, (result, expected) in cases.items():
        assert isinstance(result, Variable), label
        np.testing.assert_allclose(result.data, expected, err_msg=label)


def test_python_scalars_keep_float32():
    x = Variable(np.ones(3, dtype=np.float32))
    y = (2.0 * x + 1) ** 2 / 3 - 0.5
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_broadcasting_gradients_sum_back_to_each_shape():
    a = Variable(np.ones((2, 3)))
    b = Variable(np.array([1.0, 2.0, 3.0]))
    c = Variable(np.ones((2, 1)))
    y = (a * b + c).sum()
    y.backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,) and c.grad.shape == (2, 1)
    np.testing.assert_array_equal(b.grad.data, [2, 2, 2])
    np.testing.assert_array_equal(c.grad.data, [[3], [3]])


def _functions_referring_to(v):
    gc.collect()
    return [r for r in gc.get_referrers(v) if isinstance(r, tuple)
            and any(isinstance(o, Function) for o in gc.get_referrers(r))]


@pytest.mark.parametrize(
    "op, pattern",
    [
        (lambda a, b: a + b, r"add: shapes \(2, 3\) and \(4,\)"),
        (lambda a, b: a - b, r"sub: shapes \(2, 3\) and \(4,\)"),
        (lambda a, b: a * b, r"mul: shapes \(2, 3\) and \(4,\)"),
        (lambda a, b: a / b, r"div: shapes \(2, 3\) and \(4,\)"),
        (lambda a, b: a**b, r"pow: shapes \(2, 3\) and \(4,\)"),
        (lambda a, b: a @ b, r"matmul: shapes \(2, 3\) and \(4,\) are not aligned"),
    ],
)
def test_incompatible_shapes_raise_before_recording(op, pattern):
    a = Variable(np.ones((2, 3)))
    b = Variable(np.ones(4))
    with pytest.raises(ValueError, match=pattern):
        op(a, b)
    assert _functions_referring_to(a) == []
    assert a.grad is None and a.creator is None


def test_unsupported_operand_is_a_type_error():
    with pytest.raises(TypeError):
        Variable(1.0) + "a"


def test_reshape_transpose_sum_methods():
    x = Variable(np.arange(6.0))
    assert x.reshape(2, 3).shape == (2, 3)
    assert x.reshape((3, 2)).shape == (3, 2)
    m = x.reshape(2, 3)
    assert m.transpose().shape == (3, 2)
    assert m.transpose(1, 0).shape == (3, 2)
    assert m.transpose((1, 0)).shape == (3, 2)
    np.testing.assert_array_equal(m.sum(axis=0).data, [3, 5, 7])
    assert m.sum(axis=-1, keepdims=True).shape == (2, 1)
    assert m.sum().item() == 15
    with pytest.raises(ValueError, match="reshape: cannot reshape"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="sum: axis 2 is out of range"):
        m.sum(axis=2)
    with pytest.raises(ValueError, match="transpose: axes"):
        m.transpose(0, 0)


def test_indexing_gradients_add_up_over_repeated_indices():
    x = Variable(np.arange(5.0))
    y = x[np.array([0, 0, 3])].sum() + x[1:3].sum() + x[x.data > 3].sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2, 1, 1, 1, 1])


def test_constructors():
    from cygrad.variable import normal, ones, ones_like, rand, randn, zeros, zeros_like

    assert zeros(2, 3).shape == (2, 3) and zeros((2, 3)).data.sum() == 0
    assert ones(4).data.sum() == 4
    assert ones(2, dtype=np.float32).dtype == np.float32
    assert zeros_like(Variable(np.ones((2, 2)))).shape == (2, 2)
    assert ones_like(np.ones(3)).data.sum() == 3
    np.testing.assert_array_equal(rand(3, rng=0).data, np.random.default_rng(0).random(3))
    np.testing.assert_array_equal(randn(3, rng=1).data, randn(3, rng=1).data)
    gen = np.random.default_rng(5)
    assert normal((2, 2), 10.0, 0.1, rng=gen).data.mean() == pytest.approx(10, abs=1)
    with pytest.raises(TypeError, match="rng"):
        randn(2, rng="seed")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x: F.sin("abc"), TypeError, "Sin: expected numbers"),
        (lambda x: F.matmul(x, "a"), TypeError, "MatMul: expected numbers"),
        (lambda x: x.sum(axis=1.5), TypeError, "sum: axis must be an int"),
        (lambda x: F.reshape(x, 6.0), TypeError, "reshape: shape must be an int"),
        (lambda x: F.transpose(x, 1.0), TypeError, "transpose: axes must be an int"),
        (lambda x: F.pow(x, "a"), TypeError, "pow: the exponent must be a number"),
        (lambda x: F.pow(x, Variable(2.0)), TypeError, "pow: the exponent must be a constant"),
    ],
)
def test_bad_arguments_name_the_function(call, error, message):
    x = Variable(np.ones((2, 3)))
    with pytest.raises(error, match=message):
        call(x)
    assert x.grad is None and x.creator is None



@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (1,)])
def test_one_element_division_by_zero_follows_ieee_like_numpy(shape, dtype, monkeypatch):
    unraisable = []
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)
    one, zero = np.ones(shape, dtype), np.zeros(shape, dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.all(np.isposinf((Variable(one) / Variable(zero)).data))
        assert np.all(np.isneginf((Variable(-one) / zero).data))
        assert np.all(np.isnan((Variable(zero) / Variable(zero)).data))
        x = Variable(zero.copy())
        y = x**-1
        assert np.all(np.isposinf(y.data)) and y.dtype == dtype
        y.backward()
        assert np.all(np.isneginf(x.grad.data))  # -1 * 0**-2
        x = Variable(zero.copy())
        (1 / x).backward()
        assert np.all(np.isneginf(x.grad.data))
    assert unraisable == []  # nothing swallowed and printed instead of a result


@pytest.mark.parametrize("shape", [(), (1,)])
@pytest.mark.parametrize("c", [2, 3, 4, 2.0, 0.5, -1, -2.5, 1 / 3, 1.7, 0, 1])
def test_one_element_pow_equals_numpy_exactly(c, shape):
    for v in np.random.default_rng(7).uniform(0.01, 10.0, 200):
        a = np.full(shape, v)
        x = Variable(a.copy())
        y = x**c
        y.backward()
        np.testing.assert_array_equal(y.data, a**c, strict=True)
        np.testing.assert_array_equal(x.grad.data, 1.0 * (c * a ** np.float64(c - 1)), strict=True)
        e = np.full(shape, float(c))
        np.testing.assert_array_equal((x ** Variable(e)).data, a**e, strict=True)


@pytest.mark.parametrize("operand", [np.int64(3), [1, 2], (1, 2), np.array([1, 2]), True])
def test_integer_operands_take_the_variables_dtype(operand):
    x = Variable(np.ones(2, dtype=np.float32))
    for y in (x + operand, operand * x, x - operand, x / operand, x**operand):
        assert y.dtype == np.float32
    y = x * operand
    y.backward()
    assert x.grad.dtype == np.float32
    expected = np.broadcast_to(np.asarray(operand, np.float32), (2,))
    np.testing.assert_array_equal(x.grad.data, expected)


def test_float_array_operands_keep_their_dtype_as_numpy_would():
    x = Variable(np.ones(2, dtype=np.float32))
    assert (x + [1.5, 2.0]).dtype == np.float64
    assert (x + np.ones(2)).dtype == np.float64


def test_engine_operations_cannot_be_subclassed():
    # Their C methods would ignore a Python override: a new operation subclasses Function.
    from cygrad.variable import _core

    for name in ["Add", "Mul", "Pow", "MatMul", "Sum", "GetItem"]:
        with pytest.raises(TypeError):
            type("Sub" + name, (getattr(_core, name),), {})


def test_signatures_are_introspectable():
    import inspect

    assert str(inspect.signature(Variable)) == "(data, name=None)"
    backward = "(self, retain_grad=False, create_graph=False)"
    assert str(inspect.signature(Variable.backward)) == backward
    assert inspect.getdoc(Variable).startswith("A node of the graph")


@pytest.mark.parametrize("shape", [(), (1,)])
def test_one_element_results_that_are_not_finite_warn_as_numpy_does(shape):
    one, zero = np.ones(shape), np.zeros(shape)
    with np.errstate(divide="raise", over="raise"):
        with pytest.raises(FloatingPointError):
            Variable(one) / Variable(zero)
        with pytest.raises(FloatingPointError):
            Variable(zero) ** -1
        with pytest.raises(FloatingPointError):
            Variable(np.full(shape, 1e308)) * 10.0
        with pytest.raises(FloatingPointError):
            Variable(np.full(shape, 3e38, np.float32)) * np.float32(10)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        Variable(one) / 0


def derivatives(f, x, orders):
    """The first ``orders`` derivatives of sum(f(x)) at ``x``, by repeated double backprop."""
    v = Variable(x)
    g = f(v)
    out = []
    for _ in range(orders):
        v.cleargrad()
        F.sum(g).backward(create_graph=True)
        g = v.grad
        out.append(g.data)
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (1,), (3,)])
@pytest.mark.parametrize("c", [0, 1, 2, 3, 0.0, 2.0])
def test_derivatives_of_a_power_at_zero_are_finite_and_exact(c, shape, dtype):
    # d^n/dx^n x**c at 0 is c! when n == c and 0 otherwise (PyTorch's values): never 0 * inf.
    for n, d in enumerate(derivatives(lambda v: v**c, np.zeros(shape, dtype), int(c) + 2), 1):
        assert d.dtype == dtype
        np.testing.assert_array_equal(d, np.full(shape, math.factorial(n) if n == c else 0.0))


def test_a_zero_power_does_not_spread_nan_through_a_sum():
    x = Variable(np.array([0.0, 1.0, 2.0]))
    F.sum(x**0 + x).backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])
    x = Variable(np.zeros(3))
    F.sum(F.pow(x, np.array([0.0, 1.0, 2.0]))).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def test_a_variable_exponent_at_a_zero_base_has_pytorchs_gradients():
    base = Variable(np.array([0.0, 0.0, 0.0, 2.0]))
    exponent = Variable(np.array([0.0, 1.0, 2.5, 0.0]))
    F.sum(base**exponent).backward()
    np.testing.assert_array_equal(base.grad.data, [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(exponent.grad.data, [0.0, 0.0, 0.0, math.log(2.0)])
    exponent = Variable(np.array([0.0, 1.0, 2.5]))
    F.sum(0.0**exponent).backward()  # d/de 0**e is 0 for e >= 0
    np.testing.assert_array_equal(exponent.grad.data, [0.0, 0.0, 0.0])
    base, exponent = Variable(0.0), Variable(0.0)
    (base**exponent).backward()  # 0**0 = 1, with both gradients 0
    assert base.grad.item() == 0.0 and exponent.grad.item() == 0.0
    with np.errstate(divide="ignore"):
        exponent = Variable(np.array([-1.0]))
        (0.0**exponent).backward()  # 0**-1 is inf, and its gradient -inf * inf: as in PyTorch
    np.testing.assert_array_equal(exponent.grad.data, [-np.inf])


def test_indices_that_are_not_whole_numbers_are_an_index_error_as_in_numpy():
    x = Variable(np.arange(6.0).reshape(2, 3))
    for index in (np.array([1.0]), (0, np.array([0.5]))):
        with pytest.raises(IndexError, match="get_item: arrays used as indices must be of integer"):
            x[index]
    # A Variable holds floats, so it never indexes, not even with whole numbers (as NumPy
    # refuses np.array([1.0]) and PyTorch a float tensor); nothing is truncated.
    for index in (Variable(1.7), Variable([0.0, -0.5]), Variable([np.nan]), Variable([1.0, 0.0]),
                  Variable(-1.0)):
        with pytest.raises(IndexError, match="^get_item: indices must be integers or booleans, got a Variable"):
            x[index]
    assert x.creator is None
    np.testing.assert_array_equal(x[np.array([1, 0])].data, [[3, 4, 5], [0, 1, 2]])


@pytest.mark.parametrize("make", [
    lambda rng: rand(2, rng=rng),
    lambda rng: randn(2, rng=rng),
    lambda rng: normal((2,), rng=rng),
    lambda rng: F.dropout(np.ones(2), 0.5, rng=rng),
])
def test_a_bool_is_not_a_random_seed(make):
    for rng in (True, False):
        with pytest.raises(TypeError, match="rng must be a numpy.random.Generator, an int seed or "
                                            "None, got bool"):
            make(rng)
    make(np.int64(3))


@pytest.mark.parametrize("shape", [(), (1,)])
@pytest.mark.parametrize("operation", [
    lambda v: v + 1e40, lambda v: 1e40 - v, lambda v: v * 1e40, lambda v: v / 1e-40,
])
def test_float32_constants_that_overflow_warn_as_numpy_does(operation, shape):
    v = Variable(np.ones(shape, np.float32))
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match="overflow"):
            operation(v)
    with pytest.warns(RuntimeWarning, match="overflow"):
        y = operation(v)
    assert y.dtype == np.float32 and np.all(np.isinf(y.data))
    with np.errstate(all="raise"):  # what fits in float32 takes the fast path, as before
        assert (v + 3e38).dtype == np.float32


def test_data_numpy_cannot_hold_is_a_clear_error():
    with pytest.raises(ValueError, match=r"^Variable: the integer 1267650600228229401496703205376 "
                                         r"does not fit in 64 bits; pass it as a float$"):
        Variable(2**100)
    with pytest.raises(ValueError, match="Variable: the integer"):
        Variable([1.0, -(2**70)])
    for data in ([Variable(1.0), Variable(2.0)], [[1.0, Variable(2.0)]], (Variable(1.0),)):
        with pytest.raises(TypeError, match="^Variable: expected numbers, got a sequence holding "
                                            "Variables"):
            Variable(data)
    assert Variable(float(2**100)).item() == 2.0**100


def test_broadcast_to_takes_an_int_shape_as_numpy_does():
    x = Variable(2.0)
    y = F.broadcast_to(x, 3)
    np.testing.assert_array_equal(y.data, [2.0, 2.0, 2.0])
    F.sum(y).backward()
    assert x.grad.item() == 3.0
    np.testing.assert_array_equal(F.sum_to(Variable(np.ones((2, 3))), 3).data, [2.0, 2.0, 2.0])
