"""Spare one-element arrays: a freed Variable's one-element float64 array that nothing else
refers to is kept and handed out again as the next one-element result. Nothing may tell a
reused array from a new one: an array something still reaches (a reference, a weak
reference, a view, another Variable) is never reused, nor one whose kind differs from a new
one's (read-only, byte-swapped, another dtype, shape or strides), and results computed on
reused arrays are NumPy's bit for bit.
"""
import warnings
import weakref

import numpy as np
import pytest

from cygrad.variable import Variable

SHAPES = [(), (1,), (1, 1)]


def fresh_result(shape: tuple) -> np.ndarray:
    """The data of a new one-element result of ``shape``: the first spare, if any, is it."""
    return (Variable(np.full(shape, 3.0)) ** 2).data


def take_the_spares(shape: tuple) -> list:
    """Take (and hold, with their graphs) every spare of ``shape`` there is: the next array
    a freed Variable leaves as a spare is then the first handed out (last in, first out)."""
    return [Variable(np.full(shape, 3.0)) ** 2 for _ in range(40)]


def churn(shape: tuple) -> None:
    """Make and free enough one-element results to take every spare there is."""
    for _ in range(40):
        Variable(np.full(shape, 1.5)) * 2.0 - 1.0


class Subclass(Variable):
    """A Variable subclass written in Python, as a layer's parameter is."""


class Finalized(Variable):
    """A Variable subclass whose finalizer keeps its data."""

    kept: list = []

    def __del__(self):
        Finalized.kept.append(self.data)


@pytest.mark.parametrize("cls", [Variable, Subclass], ids=["Variable", "subclass"])
@pytest.mark.parametrize("shape", SHAPES)
def test_a_freed_variables_array_is_handed_out_again(shape, cls):
    _held = take_the_spares(shape)
    v = cls(np.full(shape, 7.0))
    address = id(v.data)  # as a spare, the array lives on: no other object can take its id
    del v
    others = [np.empty(shape) for _ in range(8)]  # would take the memory of a freed array
    assert id(fresh_result(shape)) == address
    assert all(id(a) != address for a in others)


@pytest.mark.parametrize("shape", SHAPES)
def test_an_array_a_finalizer_keeps_is_never_reused(shape):
    _held = take_the_spares(shape)
    Finalized.kept.clear()
    v = Finalized(np.full(shape, 7.0))
    del v
    results = [fresh_result(shape) for _ in range(40)]
    (a,) = Finalized.kept
    assert np.array_equal(a, np.full(shape, 7.0))
    assert not any(r is a for r in results)


@pytest.mark.parametrize("shape", SHAPES)
def test_an_array_still_referenced_is_never_reused(shape):
    _held = take_the_spares(shape)
    v = Variable(np.full(shape, 7.0))
    a = v.data
    del v
    results = [fresh_result(shape) for _ in range(40)]
    assert np.array_equal(a, np.full(shape, 7.0))
    assert not any(r is a for r in results)


@pytest.mark.parametrize("shape", SHAPES)
def test_an_array_shared_by_two_variables_is_kept_by_the_other(shape):
    _held = take_the_spares(shape)
    a = np.full(shape, 7.0)
    v1, v2 = Variable(a), Variable(a)
    del a, v1
    churn(shape)
    assert np.array_equal(v2.data, np.full(shape, 7.0))


@pytest.mark.parametrize("shape", SHAPES)
def test_an_array_with_a_weak_reference_dies_as_before(shape):
    _held = take_the_spares(shape)
    v = Variable(np.full(shape, 7.0))
    ref = weakref.ref(v.data)
    del v
    assert ref() is None
    churn(shape)
    assert ref() is None


@pytest.mark.parametrize("shape", SHAPES)
def test_an_array_with_a_view_is_never_reused(shape):
    _held = take_the_spares(shape)
    v = Variable(np.full(shape, 7.0))
    view = v.data[...]
    del v
    churn(shape)
    assert np.array_equal(view, np.full(shape, 7.0))


@pytest.mark.parametrize("shape", SHAPES)
def test_a_view_is_not_handed_out(shape):
    _held = take_the_spares(shape)
    base = np.full(2, 7.0)
    v = Variable(base[1:].reshape(shape))
    del v
    r = fresh_result(shape)
    assert r.base is None and np.array_equal(base, [7.0, 7.0])


@pytest.mark.parametrize("shape", SHAPES)
def test_a_gradient_still_referenced_after_cleargrad_is_not_reused(shape):
    x = Variable(np.full(shape, 3.0))
    (x * x).backward()
    _held = take_the_spares(shape)
    g = x.grad.data
    x.cleargrad()
    churn(shape)
    assert np.array_equal(g, np.full(shape, 6.0))


@pytest.mark.parametrize("shape", SHAPES)
def test_a_read_only_array_is_not_handed_out(shape):
    _held = take_the_spares(shape)
    a = np.full(shape, 7.0)
    a.flags.writeable = False
    v = Variable(a)
    del a, v
    r = fresh_result(shape)
    assert r.flags.writeable and r.flags.owndata and r.base is None


@pytest.mark.parametrize("shape", SHAPES)
def test_a_byte_swapped_array_is_not_handed_out(shape):
    _held = take_the_spares(shape)
    v = Variable(np.full(shape, 7.0, dtype=">f8"))
    del v
    r = fresh_result(shape)
    assert r.dtype == np.dtype(np.float64) and r.dtype.isnative
    assert np.array_equal(r, np.full(shape, 9.0))


@pytest.mark.parametrize("shape", SHAPES)
def test_a_float32_array_is_not_handed_out_for_float64(shape):
    _held = take_the_spares(shape)
    v = Variable(np.full(shape, 7.0, dtype=np.float32))
    del v
    assert fresh_result(shape).dtype == np.float64


@pytest.mark.parametrize("freed, wanted", [((2,), (1,)), ((1, 2), (1, 1)), ((1,), ()),
                                           ((), (1,)), ((1, 1, 1), (1, 1))])
def test_an_array_of_another_shape_is_not_handed_out(freed, wanted):
    _held = take_the_spares(wanted)
    v = Variable(np.ones(freed))
    del v
    r = fresh_result(wanted)
    assert r.shape == wanted and r.strides == np.empty(wanted).strides


def test_an_array_with_other_strides_is_not_handed_out():
    _held = take_the_spares((1,))
    a = np.full(1, 7.0)
    with warnings.catch_warnings():  # (setting strides is deprecated, not yet refused)
        warnings.simplefilter("ignore", DeprecationWarning)
        a.strides = (16,)
    v = Variable(a)
    del a, v
    assert fresh_result((1,)).strides == (8,)


@pytest.mark.parametrize("shape", SHAPES)
def test_results_on_reused_arrays_are_numpys_bit_for_bit(shape):
    # Rosenbrock descent: every iteration frees the last graph and the gradients, whose
    # arrays the next one reuses.
    x0, x1 = Variable(np.zeros(shape)), Variable(np.full(shape, 2.0))
    n0, n1 = np.zeros(shape), np.full(shape, 2.0)
    for _ in range(50):
        x0.cleargrad()
        x1.cleargrad()
        y = 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2
        y.backward()
        x0.data -= 0.001 * x0.grad.data
        x1.data -= 0.001 * x1.grad.data
        t = n1 - n0**2
        gt = 200.0 * t
        gx0 = -2.0 * n0 * gt + 2.0 * (n0 - 1.0)
        n0 = n0 - 0.001 * gx0
        n1 = n1 - 0.001 * gt
        assert x0.data.tobytes() == n0.tobytes() and x1.data.tobytes() == n1.tobytes()
        assert y.data.shape == shape and x0.grad.data.shape == shape
