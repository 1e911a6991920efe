"""check_activation accepts conforming activations and names what is wrong with the others."""
from __future__ import annotations

import functools

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.testing import check_activation
from cygrad.variable import Function, Variable, as_variable


class HalfSquare(Function):
    """x**2 / 2 with a backward that forgets the factor x."""

    def forward(self, x):
        return x * x / 2

    def backward(self, gy):
        return gy * 1.0


class FrozenBackward(Function):
    """x**2 with a backward on raw data: right first derivative, wrong second."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * (2.0 * self.inputs[0].data)


def wrong_gradient(x):
    return HalfSquare()(x)


def wrong_second_derivative(x):
    return FrozenBackward()(x)


def no_argument():
    return Variable(1.0)


def two_arguments(x, y):
    return x * y


def returns_an_array(x):
    return np.tanh(as_variable(x).data)


def sums_everything(x):
    return F.tanh(x).sum()


def upcasts_float32(x):
    x = as_variable(x)
    return F.tanh(x) + np.zeros(x.shape)


def overflows(x):
    return F.exp(x)


def changes_its_input(x):
    x = as_variable(x)
    x.data *= 2
    return F.tanh(x)


@pytest.mark.parametrize("fn", [F.tanh, F.sigmoid, F.relu, functools.partial(F.softmax, axis=-1), F.gelu],
                         ids=["tanh", "sigmoid", "relu", "softmax-partial", "gelu"])
def test_conforming_activations_pass(fn):
    check_activation(fn)


@pytest.mark.parametrize(
    "fn, message",
    [
        (no_argument, r"check_activation\(no_argument\): an activation is called with one Variable, but its "
                      r"signature \(\) cannot take one argument"),
        (two_arguments, r"signature \(x, y\) cannot take one argument \(missing a required argument: 'y'\)"),
        (returns_an_array, r"returned a ndarray, not a Variable"),
        (sums_everything, r"an input of shape \(2, 3\) and dtype float64 gave shape \(\) and dtype float64"),
        (changes_its_input, r"changed its input in place"),
        (wrong_gradient, r"check_grad\(wrong_gradient\): gradient of input 0 \(shape \(2, 3\)\) is wrong"),
        (wrong_second_derivative, r"check_double_grad\(wrong_second_derivative\): second-order gradient of input 0"),
        (upcasts_float32, r"a float32 input gave float64; an activation keeps float32"),
        (overflows, r"at float32 inputs \[-200.0, -1.0, 0.5, 200.0\] the output is \[.*inf\]; it must stay finite"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_each_violation_is_named(fn, message):
    with pytest.raises(AssertionError, match=message), np.errstate(over="ignore"):
        check_activation(fn)


def test_given_inputs_are_the_ones_checked():
    kink = np.array([[0.5, -0.5], [2.0, -3.0]])
    check_activation(F.relu, inputs=[kink, Variable(kink * 2)])
    with pytest.raises(AssertionError, match=r"check_grad\(relu\): gradient of input 0 \(shape \(1,\)\)"):
        check_activation(F.relu, inputs=[np.array([0.0])])  # on the kink, differences give 0.5
