"""Python numbers as operands and exponents: converted in C, they give NumPy's own results.

The engine converts a Python int straight to a C double (PyLong_AsDouble) rather than through
``float(value)``; these tests pin that the values, including ints that do not fit a double
exactly, and the OverflowError for ints beyond the double range, are NumPy's.
"""
import numpy as np
import pytest

from cygrad.variable import Variable

INTS = [0, 1, -1, 2, 3, -7, 100, 2**53 + 1, -(2**53) - 1, 2**63 + 12345, 10**308]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", INTS)
def test_int_operand_gives_numpy_result(n, dtype):
    a = np.array(1.5, dtype=dtype)
    with np.errstate(over="ignore"):
        expected = [a * n, n - a, a + n]
        got = [(Variable(a) * n).data, (n - Variable(a)).data, (Variable(a) + n).data]
    for e, g in zip(expected, got):
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("n", [0, 1, 2, -1, 3, -2])
def test_int_exponent_gives_numpy_result(n):
    a = np.array([0.75, 2.5, 3.0])
    x = Variable(a)
    y = x**n
    np.testing.assert_array_equal(y.data, a**n)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, n * a ** (n - 1 if n != 0 else 0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_int_beyond_double_range_raises_overflow_error(dtype):
    x = Variable(np.array(2.0, dtype=dtype))
    with pytest.raises(OverflowError):
        np.array(2.0, dtype=dtype) * 10**400  # what NumPy does
    with pytest.raises(OverflowError):
        x * 10**400
    with pytest.raises(OverflowError):
        x**10**400


def test_bool_and_int_subclass_operands_convert_like_ints():
    class Small(int):
        pass

    x = Variable(np.array(2.0))
    assert (x * True).data == 2.0
    assert (x * Small(3)).data == 6.0
    assert (x ** Small(2)).data == 4.0
