"""cygrad-contrib-activations: values against NumPy formulas, stability far from zero,
parameters, and registration."""
from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cygrad import registry
from cygrad.testing import check_double_grad, check_grad
from cygrad.variable import Variable

from cygrad_contrib_activations import elu, leaky_relu, mish, silu, softplus, swish


def np_softplus(x):
    return np.logaddexp(0, x)


REFERENCE = {
    swish: lambda x: x / (1 + np.exp(-x)),
    softplus: np_softplus,
    mish: lambda x: x * np.tanh(np_softplus(x)),
    leaky_relu: lambda x: np.where(x > 0, x, 0.01 * x),
    elu: lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
}


@pytest.mark.parametrize("fn", list(REFERENCE), ids=lambda f: f.__name__)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=st.floats(-30, 30)))
def test_values_match_numpy(fn, x):
    np.testing.assert_allclose(fn(Variable(x)).data, REFERENCE[fn](x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn", list(REFERENCE), ids=lambda f: f.__name__)
def test_far_from_zero_values_and_gradients_stay_finite_and_right(fn):
    x = Variable(np.array([-1000.0, -50.0, 50.0, 1000.0]))
    y = fn(x)
    y.backward()
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()
    assert y.data[-1] == 1000.0  # every one of them is the identity far to the right
    np.testing.assert_allclose(x.grad.data[2:], [1.0, 1.0])


def test_softplus_is_exact_where_the_naive_formula_overflows_or_rounds_to_zero():
    y = softplus(Variable(np.array([-700.0, 800.0])))  # log(1 + exp(x)) gives 0 and inf here
    np.testing.assert_allclose(y.data, [np.exp(-700.0), 800.0], rtol=1e-15, atol=0)


def test_silu_is_swish_under_both_names():
    assert silu is swish
    assert registry.activation("silu") is registry.activation("swish") is swish


@pytest.mark.parametrize("slope", [0.0, 0.2, 1.5])
def test_leaky_relu_slope_and_elu_alpha_are_parameters(slope):
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(leaky_relu(Variable(x), slope=slope).data, np.where(x > 0, x, slope * x))
    np.testing.assert_allclose(elu(Variable(x), alpha=slope).data, np.where(x > 0, x, slope * np.expm1(x)))
    check_grad(functools.partial(leaky_relu, slope=slope), x)
    check_double_grad(functools.partial(elu, alpha=slope + 0.1), x)


def test_float32_stays_float32():
    x = Variable(np.array([-1.0, 2.0], dtype=np.float32))
    for fn in REFERENCE:
        assert fn(x).dtype == np.float32, fn.__name__


def test_the_plugin_registers_every_name_under_its_distribution():
    [row] = [r for r in registry.plugins() if r.distribution == "cygrad-contrib-activations"]
    assert (row.plugin, row.version, row.problems) == ("contrib-activations", "0.1.0", ())
    assert row.provides == {"activations": ("elu", "leaky_relu", "mish", "silu", "softplus", "swish")}


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x: leaky_relu(x, slope="a"), TypeError, r"leaky_relu: slope must be a real number, got 'a'"),
        (lambda x: leaky_relu(x, slope=None), TypeError, r"leaky_relu: slope must be a real number, got None"),
        (lambda x: leaky_relu(x, slope=True), TypeError, r"leaky_relu: slope must be a real number, got True"),
        (lambda x: leaky_relu(x, slope=float("nan")), ValueError, r"leaky_relu: slope must be finite, got nan"),
        (lambda x: elu(x, alpha="1"), TypeError, r"elu: alpha must be a real number, got '1'"),
        (lambda x: elu(x, alpha=float("inf")), ValueError, r"elu: alpha must be finite, got inf"),
    ],
)
def test_a_bad_coefficient_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call(Variable(np.array([-1.0, 1.0])))


def test_coefficients_may_be_numpy_scalars():
    x = Variable(np.array([-2.0, 2.0]))
    np.testing.assert_allclose(leaky_relu(x, slope=np.float32(0.5)).data, [-1.0, 2.0])
