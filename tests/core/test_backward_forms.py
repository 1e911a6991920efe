"""Functions compute first-order gradients in two forms: ``backward_arrays`` on arrays for a
first-order pass, and ``backward`` in recorded Variable operations under create_graph. Both
must give the same numbers bit for bit, the same dtypes, and the same gradient ownership; every
Function of cygrad and of the installed plugins that defines both is checked here.
"""
import importlib
import pkgutil
from importlib.metadata import entry_points

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.functions.activation import (
    GELU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh,
)
from cygrad.functions.elementwise import Abs, Cos, Sin, Sqrt, Square
from cygrad.functions.linalg import Affine
from cygrad.functions.loss import MeanSquaredError, SoftmaxCrossEntropy
from cygrad.functions.neural import Clip, Dropout, MaskFill
from cygrad.functions.reduction import Max, Mean, Min
from cygrad.functions.shape import Concat, Split
from cygrad.layers.lstm_cell import LSTMCell
from cygrad.testing import check_backward_forms
from cygrad.variable import Function, Variable, no_grad
from cygrad.variable import _core
from cygrad.variable._core import recording
from cygrad_contrib_vision.functions.conv import Convolution2d
from cygrad_contrib_vision.functions.im2col import Col2im, Im2col
from cygrad_contrib_vision.functions.pooling import (
    AvgPooling2d, AvgSpread, MaxGather, MaxPooling2d, MaxScatter, pool_window,
)
from cygrad_contrib_vision.functions.window import Window

DTYPES = [np.float64, np.float32]


def grads(f, arrays, create_graph):
    xs = [Variable(a.copy()) for a in arrays]
    y = f(*xs)
    y.backward(create_graph=create_graph)
    return [x.grad.data for x in xs]


def assert_same_in_both_forms(f, *arrays):
    plain = grads(f, arrays, False)
    recorded = grads(f, arrays, True)
    for a, b in zip(plain, recorded):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, strict=True)


def data(shape, dtype, seed=0, low=0.5, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((), ()), ((1,), (1,)), ((3, 4), (4,)), ((2, 1), (1, 3))])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary_operators(op, shapes, dtype):
    f = {"add": lambda a, b: (a + b) * a, "sub": lambda a, b: (a - b) * b,
         "mul": lambda a, b: a * b * b, "div": lambda a, b: a / b}[op]
    assert_same_in_both_forms(f, data(shapes[0], dtype, 1), data(shapes[1], dtype, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (2, 3)])
@pytest.mark.parametrize("c", [2, 3, 2.0, 0.5, -1, -0.5, 1 / 3, 3.7, 0])
def test_pow_with_a_constant_exponent(c, shape, dtype):
    assert_same_in_both_forms(lambda x: x**c, data(shape, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_with_an_array_exponent(dtype):
    assert_same_in_both_forms(lambda x: F.pow(x, np.array([2.0, 0.5, 3.0])), data((2, 3), dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("f", [
    lambda x: -x * x,
    lambda x: F.exp(x) * x,
    lambda x: F.log(x) * x,
    lambda x: F.sum(x * x, axis=1),
    lambda x: F.sum(x * x, axis=0, keepdims=True),
    lambda x: F.reshape(x, (3, 2)) * F.reshape(x, (3, 2)),
    lambda x: F.transpose(x) @ x,
    lambda x: F.transpose(x, (1, 0)) * 2,
    lambda x: F.get_item(x, (slice(None), [0, 2, 0])) * x[:, :3],
    lambda x: F.broadcast_to(x[0], (4, 3)) * 3,
    lambda x: F.sum_to(x, (1, 3)) * x[0],
], ids=["neg", "exp", "log", "sum", "sum-keepdims", "reshape", "matmul", "transpose",
        "get_item", "broadcast_to", "sum_to"])
def test_unary_and_shape_operations(f, dtype):
    assert_same_in_both_forms(f, data((2, 3), dtype))


@pytest.mark.parametrize(
    "shapes", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3, 4))]
)
def test_matmul_shapes(shapes):
    a, b = data(shapes[0], np.float64, 1), data(shapes[1], np.float64, 2)
    assert_same_in_both_forms(F.matmul, a, b)


def test_only_variables_get_gradients_in_the_array_form():
    x = Variable(data((2, 3), np.float64))
    w = data((3, 2), np.float64, 1)
    y = F.sum(x @ w) + F.sum(w.T @ x.T)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.tile(w.sum(axis=1), (2, 1)))


def test_leaf_gradients_from_one_shared_array_do_not_alias():
    x0, x1 = Variable(np.array(1.0)), Variable(np.array(2.0))
    (x0 + x1).backward()
    assert not np.shares_memory(x0.grad.data, x1.grad.data)
    x0.grad.data += 1
    assert x1.grad.item() == 1.0


# Functions written in Python keep the same rule: their array-form backward (taken when the
# pass is not recorded) gives the numbers of their Variable form.

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("labels", [[2, 0, 1, 1], [2, -100, 1, -100], [-100] * 4])
def test_softmax_cross_entropy(labels, dtype):
    t = np.array(labels)
    assert_same_in_both_forms(lambda x: F.softmax_cross_entropy(x, t) * 3, data((4, 3), dtype))


@pytest.mark.parametrize("labels", [[0, 3, 1, 1], [-1, 0, 1, 1], [2, -100, 3, -100]])
def test_softmax_cross_entropy_rejects_labels_out_of_range(labels):
    bad = [v for v in labels if v != -100 and not 0 <= v < 3][0]
    with pytest.raises(ValueError, match=rf"label {bad} is out of range for 3 classes"):
        F.softmax_cross_entropy(data((4, 3), np.float64), np.array(labels))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("b_shape", [(2,), (1, 2), (3, 2), None])
def test_linear(b_shape, dtype):
    arrays = [data((3, 4), dtype, 1), data((4, 2), dtype, 2)]
    if b_shape is None:
        assert_same_in_both_forms(lambda x, w: F.linear(x, w) ** 2, *arrays)
    else:
        arrays.append(data(b_shape, dtype, 3))
        assert_same_in_both_forms(lambda x, w, b: F.linear(x, w, b) ** 2, *arrays)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid(dtype):
    assert_same_in_both_forms(lambda x: F.sigmoid(x) * x, data((3, 4), dtype, low=-3, high=3))


def test_linear_rejects_a_bias_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"linear: bias of shape \(3,\) does not broadcast"):
        F.linear(np.ones((2, 4)), np.ones((4, 2)), np.ones(3))


class Probe(Function):
    """The identity, noting whether its backward ran while operations were recorded."""

    seen: list = []

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        Probe.seen.append(recording())
        return gy


class Fails(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        raise RuntimeError("Fails.backward")


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_methods_run_with_recording_equal_to_create_graph(create_graph):
    x = Variable(np.array([1.0, 2.0]))
    y = F.sum(Probe()(x * x) * 3.0 + x)
    Probe.seen = []
    y.backward(create_graph=create_graph)
    assert Probe.seen == [create_graph]
    assert recording()
    with no_grad():
        Probe.seen = []
        F.sum(x * 2.0).backward(create_graph=create_graph)  # nothing recorded: no Probe
        assert not recording()


def test_settings_are_restored_when_a_backward_raises():
    x = Variable(np.array(2.0))
    y = Fails()(x * x) * 3.0
    with pytest.raises(RuntimeError, match="Fails.backward"):
        y.backward()
    assert recording()


# Every Function class that defines both forms, with inputs to check it at: (factory,
# inputs, cotangents) where cotangents None draws one for every output. Inputs are float64
# and checked in float32 too.

def r(shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


# The vision plugin's Functions work on NCHW images through a window fixed at construction.
IMAGES = r((2, 2, 5, 4), 3)
WINDOW = Window.of("conv2d", IMAGES.shape, 3, 1, 1)
POOL = pool_window("max_pool2d", IMAGES.shape, 2, None, 0)
POOLED = MaxPooling2d(POOL).forward(IMAGES).shape


def positive(shape, seed=0):
    return r(shape, seed, 0.5, 2.0)


LABELS = np.array([2, 0, 1, 1])
CASES = {
    # The engine's operations (their array forms are C methods).
    "Add": [(_core.Add, [r((3, 4)), r((4,), 1)])],
    "Sub": [(_core.Sub, [r((2, 1)), r((1, 3), 1)])],
    "Mul": [(_core.Mul, [r((3, 4)), r((4,), 1)]), (_core.Mul, [r(()), r((), 1)])],
    "Div": [(_core.Div, [r((2, 3)), positive((2, 3), 1)]), (_core.Div, [r(()), positive(())])],
    "Neg": [(_core.Neg, [r((2, 3))])],
    "Pow": [(lambda: _core.Pow(2.5), [positive((2, 3))]), (lambda: _core.Pow(2), [r(())]),
            (lambda: _core.Pow(0), [r((3,))])],
    "PowVar": [(_core.PowVar, [positive((2, 3)), r((3,), 1)]),
               (_core.PowVar, [np.array([0.0, 0.0, 2.0]), np.array([0.0, 2.0, 0.0])])],
    "Exp": [(_core.Exp, [r((2, 3))])],
    "Log": [(_core.Log, [positive((2, 3))])],
    "Cast": [(_core.Cast, [r((2, 3))])],
    "Copy": [(_core.Copy, [r((2, 3))])],
    "Reshape": [(lambda: _core.Reshape((3, 2)), [r((2, 3))])],
    "Transpose": [(lambda: _core.Transpose((1, 0, 2)), [r((2, 3, 4))]),
                  (_core.Transpose, [r((2, 3))])],
    "Sum": [(lambda: _core.Sum(1, False), [r((2, 3))]), (lambda: _core.Sum(None, True), [r((2, 3))])],
    "SumTo": [(lambda: _core.SumTo((1, 3)), [r((2, 3))])],
    "BroadcastTo": [(lambda: _core.BroadcastTo((4, 2, 3)), [r((2, 1))])],
    "GetItem": [(lambda: _core.GetItem((slice(None), [0, 2, 0])), [r((2, 3))]),
                (lambda: _core.GetItem(1), [r((2, 3))])],
    "GetItemGrad": [(lambda: _core.GetItemGrad((slice(None), [0, 2, 0]), (2, 3)), [r((2, 3))])],
    "MatMul": [(_core.MatMul, [r((2, 3)), r((3, 4), 1)]), (_core.MatMul, [r((3,)), r((2, 3, 4), 1)])],
    # cygrad.functions
    "Sigmoid": [(Sigmoid, [r((3, 4), high=3)])],
    "ReLU": [(ReLU, [r((3, 4))])],
    "GELU": [(GELU, [r((3, 4))])],
    "Tanh": [(Tanh, [r((3, 4))])],
    "Softmax": [(lambda: Softmax(1), [r((3, 4))]), (lambda: Softmax(0), [r((3, 4))])],
    "LogSoftmax": [(lambda: LogSoftmax(-1), [r((3, 4))])],
    "Sin": [(Sin, [r((2, 3))])],
    "Cos": [(Cos, [r((2, 3))])],
    "Square": [(Square, [r((2, 3))])],
    "Sqrt": [(Sqrt, [positive((2, 3))])],
    "Abs": [(Abs, [r((2, 3))])],
    "Affine": [(Affine, [r((3, 4)), r((4, 2), 1), r((2,), 2)]), (Affine, [r((3, 4)), r((4, 2), 1)]),
               (Affine, [r((2, 3, 4)), r((4, 2), 1), r((1, 2), 2)])],
    "MeanSquaredError": [(MeanSquaredError, [r((3, 2)), r((2,), 1)])],
    "SoftmaxCrossEntropy": [(lambda: SoftmaxCrossEntropy(LABELS, None), [r((4, 3))]),
                            (lambda: SoftmaxCrossEntropy(LABELS, LABELS != 0), [r((4, 3))])],
    "Clip": [(lambda: Clip(-0.5, 1.0), [r((3, 4))])],
    "Dropout": [(lambda: Dropout(0.5, np.random.default_rng(0)), [r((3, 4))])],
    "MaskFill": [(lambda: MaskFill(np.array([True, False, True, False]), 9.0), [r((3, 4))])],
    "Mean": [(lambda: Mean((1,), False), [r((3, 4))]), (lambda: Mean((0, 1), True), [r((3, 4))])],
    "Max": [(lambda: Max((1,), False), [np.array([[1.0, 3.0, 3.0], [2.0, 0.5, -1.0]])])],
    "Min": [(lambda: Min((0,), True), [np.array([[1.0, 3.0, -1.0], [1.0, 0.5, -1.0]])])],
    "Concat": [(lambda: Concat(1), [r((2, 3)), r((2, 1), 1), r((2, 2), 2)])],
    "Split": [(lambda: Split(3, 1), [r((2, 6))], [r((2, 2), 1), None, r((2, 2), 2)]),
              (lambda: Split([1], 0), [r((2, 6))], None)],
    # the cygrad-contrib-vision plugin
    "Convolution2d": [(lambda: Convolution2d(WINDOW, (True, True, True)),
                       [IMAGES, r((3, 2, 3, 3), 1), r((3,), 2)]),
                      (lambda: Convolution2d(WINDOW, (True, True)), [IMAGES, r((3, 2, 3, 3), 1)])],
    "Im2col": [(lambda: Im2col(WINDOW), [IMAGES])],
    "Col2im": [(lambda: Col2im(WINDOW), [r(Im2col(WINDOW).apply(IMAGES).shape, 1)])],
    "MaxPooling2d": [(lambda: MaxPooling2d(POOL), [IMAGES])],
    "MaxScatter": [(lambda: MaxScatter(_maxima()), [r(POOLED, 1)])],
    "MaxGather": [(lambda: MaxGather(_maxima()), [r(IMAGES.shape, 1)])],
    "AvgPooling2d": [(lambda: AvgPooling2d(POOL), [IMAGES])],
    "AvgSpread": [(lambda: AvgSpread(POOL), [r(POOLED, 1)])],
    # cygrad.layers
    "LSTMCell": [(LSTMCell, [r((2, 12)), r((2, 3), 1)], None), (LSTMCell, [r((2, 12))], None),
                 (LSTMCell, [r((2, 12)), r((2, 3), 1)], [r((2, 3), 2), None]),
                 (LSTMCell, [r((2, 12))], [None, r((2, 3), 2)])],
}


def _maxima():
    """Where max pooling found the maxima of ``IMAGES``: the spec of MaxScatter and MaxGather."""
    pooling = MaxPooling2d(POOL)
    pooling.forward(IMAGES)
    return pooling.maxima


def _plugin_modules():
    """Every module of cygrad's packages and of the installed plugins that hold Functions."""
    names = {"cygrad.functions", "cygrad.layers"}
    names |= {ep.module.split(".")[0] for ep in entry_points(group="cygrad")
              if not ep.module.startswith("cygrad.")}
    for name in sorted(names):
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            yield importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _defines_both_forms(cls) -> bool:
    """Whether the class has its own array form beside ``backward`` (engine operations all do)."""
    if cls.__module__ == _core.__name__:
        return True
    owner = next(k for k in cls.__mro__ if "backward_arrays" in vars(k))
    return owner is not Function and vars(owner)["backward_arrays"] is not None


def test_every_function_that_defines_both_forms_has_a_case_here():
    modules = {m.__name__ for m in _plugin_modules()} | {_core.__name__}
    both = {cls.__name__ for cls in _subclasses(Function)
            if cls.__module__ in modules and not cls.__name__.startswith("_")
            and _defines_both_forms(cls)}
    # LinearMap is the vision plugin's base for its linear maps: it computes nothing itself.
    assert sorted(both - set(CASES) - {"LinearMap"}) == []
    assert sorted(set(CASES) - both) == []


def _cases():
    for name, cases in CASES.items():
        for k, case in enumerate(cases):
            factory, inputs, cotangents = (*case, None)[:3]
            yield pytest.param(factory, inputs, cotangents, id=f"{name}-{k}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("factory, inputs, cotangents", list(_cases()))
def test_both_forms_of_every_function_agree_bit_for_bit(factory, inputs, cotangents, dtype):
    cast = [a.astype(dtype) for a in inputs]
    check_backward_forms(factory, *cast,
                         cotangents=None if cotangents is None else
                         [None if c is None else c.astype(dtype) for c in cotangents])
