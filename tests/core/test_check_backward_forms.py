"""cygrad.testing.check_backward_forms: passes a Function whose two backward forms agree bit for
bit, and names the input, the element and both values when they do not."""
import numpy as np
import pytest

from cygrad.testing import check_backward_forms
from cygrad.variable import Function

X = np.array([0.5, -1.25, 2.0])


class Cube(Function):
    """x**3 with both forms; ``offset`` (added to the array form) makes them disagree."""

    offset = 0.0

    def forward(self, x):
        return x**3

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (3 * x * x)

    def backward_arrays(self, gy):
        x = self.inputs[0].data
        g = gy * (3 * x * x)
        g[1] += self.offset
        return g


def test_agreeing_forms_pass_in_both_dtypes():
    check_backward_forms(Cube, X)
    check_backward_forms(Cube, X.astype(np.float32))


def test_one_ulp_of_difference_is_caught_with_the_element_and_both_values():
    class OffByOneUlp(Cube):
        offset = float(np.spacing(3 * 1.25**2 * 2))

    with pytest.raises(AssertionError, match=r"check_backward_forms\(.*OffByOneUlp\): the gradients "
                                             r"of input 0 differ at index \(1,\): backward_arrays "
                                             r".*, backward .* \(1 of 3 elements differ\)"):
        check_backward_forms(OffByOneUlp, X)


def test_a_signed_zero_counts_as_a_difference():
    class NegativeZero(Function):
        def forward(self, x):
            return x * 0

        def backward(self, gy):
            return gy * 0.0

        def backward_arrays(self, gy):
            return -(gy * 0.0)

    with pytest.raises(AssertionError, match="differ at index"):
        check_backward_forms(NegativeZero, X, cotangents=[np.ones(3)])


def test_a_gradient_in_only_one_form_is_caught():
    class Dropped(Cube):
        def backward_arrays(self, gy):
            return None

    with pytest.raises(AssertionError, match="backward gives a gradient for input 0, "
                                             "backward_arrays gives none"):
        check_backward_forms(Dropped, X)


def test_a_different_dtype_is_caught():
    class Upcast(Cube):
        def backward_arrays(self, gy):
            return super().backward_arrays(gy).astype(np.float64)

    with pytest.raises(AssertionError, match="differ in form: backward_arrays gives shape "
                                             r"\(3,\) and dtype float64, backward shape "
                                             r"\(3,\) and dtype float32"):
        check_backward_forms(Upcast, X.astype(np.float32))


def test_an_array_form_that_writes_into_its_output_gradient_is_caught():
    class InPlace(Cube):
        def backward_arrays(self, gy):
            gy *= 3 * self.inputs[0].data ** 2
            return gy

    with pytest.raises(AssertionError, match="backward_arrays changed the gradient of output 0 in place"):
        check_backward_forms(InPlace, X)


def test_a_function_without_an_array_form_is_caught():
    class OnlyBackward(Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            return gy * 2

    with pytest.raises(AssertionError, match="OnlyBackward does not define backward_arrays"):
        check_backward_forms(OnlyBackward, X)


def test_cotangents_are_checked_against_the_outputs():
    with pytest.raises(ValueError, match="2 cotangents for a Function of 1 outputs"):
        check_backward_forms(Cube, X, cotangents=[np.ones(3), np.ones(3)])
    with pytest.raises(ValueError, match=r"cotangent 0 has shape \(2,\), but output 0 has shape \(3,\)"):
        check_backward_forms(Cube, X, cotangents=[np.ones(2)])


def test_the_factory_must_make_a_function():
    with pytest.raises(TypeError, match="the factory must make a Function, got int"):
        check_backward_forms(lambda: 3, X)
