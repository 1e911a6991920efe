"""Every function of cygrad.functions with an ONNX counterpart exports and runs in onnxruntime.

Each case is a small model ``f(*inputs) -> Variable(s)`` with the batch on axis 0, exported
at a batch of 2 and run at batch sizes 1, 3 and 5 on fresh random inputs, in float32 and
float64, at the default opset and at older ones whose operations take other forms.
"""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.onnx import DEFAULT_OPSET
from cygrad.variable import Variable

from .conftest import export_and_compare

C = np.array([0.5, -1.0, 2.0, 0.25])
W = np.random.default_rng(1).standard_normal((4, 3))


def const(a, x):
    """A constant in the model's dtype (as a layer's parameters would be)."""
    return np.asarray(a, dtype=x.dtype)


# name -> (function, number of inputs, inputs kept positive)
CASES = {
    "add_scalar": (lambda x: x + 2.0, 1, False),
    "add_array": (lambda x: x + const(C, x), 1, False),
    "radd_array": (lambda x: const(C, x) + x, 1, False),
    "add_two_inputs": (lambda x, y: x + y, 2, False),
    "sub": (lambda x, y: x - y, 2, False),
    "rsub_scalar": (lambda x: 1 - x, 1, False),
    "mul": (lambda x, y: x * y, 2, False),
    "div": (lambda x, y: x / y, 2, True),
    "rdiv_scalar": (lambda x: 2.0 / x, 1, True),
    "neg": (lambda x: -x, 1, False),
    "pow_square": (lambda x: x ** 2, 1, False),
    "pow_cube": (lambda x: x ** 3, 1, False),
    "pow_half": (lambda x: x ** 0.5, 1, True),
    "pow_array": (lambda x: x ** const([1.0, 2.0, 0.5, 3.0], x), 1, True),
    "pow_variable": (lambda x, y: x ** y, 2, True),
    "rpow": (lambda x: 2.0 ** x, 1, False),
    "exp": (F.exp, 1, False),
    "log": (F.log, 1, True),
    "sin": (F.sin, 1, False),
    "cos": (F.cos, 1, False),
    "tanh": (F.tanh, 1, False),
    "sqrt": (F.sqrt, 1, True),
    "abs": (F.abs, 1, False),
    "square": (F.square, 1, False),
    "matmul": (lambda x: x @ const(W, x), 1, False),
    "matmul_vector": (lambda x: F.matmul(x, const(W[:, 0], x)), 1, False),
    "matmul_batched": (lambda x: F.matmul(F.reshape(x, (len(x), 2, 2)), const(W[:2], x)), 1, False),
    "linear": (lambda x: F.linear(x, const(W, x), const([0.1, 0.2, 0.3], x)), 1, False),
    "linear_nobias": (lambda x: F.linear(x, const(W, x)), 1, False),
    "reshape_batch": (lambda x: F.reshape(x, (len(x), 2, 2)), 1, False),
    "reshape_flat": (lambda x: F.reshape(x, (-1,)), 1, False),
    "reshape_rows": (lambda x: x.reshape(2 * len(x), 2), 1, False),
    "transpose": (lambda x: x.T, 1, False),
    "transpose_axes": (lambda x: F.transpose(F.reshape(x, (len(x), 2, 2)), (1, 0, 2)), 1, False),
    "transpose_negative_axes": (
        lambda x: F.transpose(F.reshape(x, (len(x), 2, 2)), (0, -1, -2)), 1, False),
    "broadcast_to": (lambda x: F.broadcast_to(x[:, :1], (len(x), 3)), 1, False),
    "broadcast_to_twice_the_batch": (
        lambda x: F.broadcast_to(F.sum(x, 0, keepdims=True), (2 * len(x), 4)), 1, False),
    "sum_to": (lambda x: F.sum_to(x, (1, 4)), 1, False),
    "sum_to_lead": (lambda x: F.sum_to(x, (4,)), 1, False),
    "squeeze": (lambda x: F.squeeze(x[:, :1], 1), 1, False),
    "unsqueeze": (lambda x: F.unsqueeze(x, (1, 3)), 1, False),
    "concat": (lambda x, y: F.concat([x, y * 2], axis=1), 2, False),
    "concat_batch_axis": (lambda x, y: F.concat([x, y], axis=0), 2, False),
    "split_sections": (lambda x: F.split(x, 2, axis=1), 1, False),
    "split_indices": (lambda x: F.split(x, [1, 3], axis=-1), 1, False),
    "split_batch_axis": (lambda x: F.split(F.concat([x, x], axis=0), 2, axis=0), 1, False),
    "get_item_int": (lambda x: x[:, 1], 1, False),
    "get_item_negative_int": (lambda x: x[:, -1], 1, False),
    "get_item_slice": (lambda x: x[:, 1:3], 1, False),
    "get_item_batch_slice": (lambda x: x[1:], 1, False),
    "get_item_reversed": (lambda x: x[..., ::-1], 1, False),
    "get_item_step": (lambda x: x[:, 3:0:-2], 1, False),
    "get_item_new_axis": (lambda x: x[:, None, :2], 1, False),
    "get_item_array": (lambda x: x[:, [0, 2, 2]], 1, False),
    "get_item_negative_array": (lambda x: x[:, np.array([-1, 0])], 1, False),
    "get_item_mask": (lambda x: x[:, np.array([True, False, True, True])], 1, False),
    "get_item_array_index": (lambda x: F.get_item(x.T, np.array([3, 1])), 1, False),
    "take": (lambda x: F.take(x, [0, 3], axis=1), 1, False),
    "take_flat": (lambda x: F.take(x, [0, 3, 2]), 1, False),
    "sum_all": (F.sum, 1, False),
    "sum_axis": (lambda x: F.sum(x, axis=1), 1, False),
    "sum_keepdims": (lambda x: F.sum(x, axis=(-1,), keepdims=True), 1, False),
    "sum_method_batch_axis": (lambda x: x.sum(axis=0), 1, False),
    "mean": (lambda x: F.mean(x, axis=1), 1, False),
    "mean_all": (F.mean, 1, False),
    "max": (lambda x: F.max(x, axis=0), 1, False),
    "min": (lambda x: F.min(x, axis=1, keepdims=True), 1, False),
    "variance": (lambda x: F.variance(x, axis=1, keepdims=True), 1, False),
    "sigmoid": (F.sigmoid, 1, False),
    "relu": (F.relu, 1, False),
    "gelu": (F.gelu, 1, False),
    "softmax": (F.softmax, 1, False),
    "softmax_batch_axis": (lambda x: F.softmax(x, axis=0), 1, False),
    "log_softmax": (F.log_softmax, 1, False),
    "clip": (lambda x: F.clip(x, -0.5, 0.5), 1, False),
    "clip_lower_only": (lambda x: F.clip(x, 0.0, None), 1, False),
    "clip_array_bounds": (lambda x: F.clip(x, const([-1.0, 0.0, -0.5, 0.1], x), 1.0), 1, False),
    "dropout_in_test_mode": (lambda x: F.dropout(x, 0.5), 1, False),
    "mask_fill": (lambda x: F.mask_fill(x, np.array([True, False, True, False]), -2.0), 1, False),
    "mean_squared_error": (F.mean_squared_error, 2, False),
    "composite": (
        lambda x, y: F.tanh(x @ const(W, x)) * F.sigmoid(y[:, :3]) + x.sum(axis=1, keepdims=True),
        2, False),
}


def inputs_for(count: int, positive: bool, dtype):
    def make(n):
        rng = np.random.default_rng(n)
        xs = [rng.standard_normal((n, 4)).astype(dtype) for _ in range(count)]
        return tuple(np.abs(x) + 0.5 for x in xs) if positive else tuple(xs)

    return make


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_function_exports_and_matches_cygrad(tmp_path, name, dtype):
    fn, count, positive = CASES[name]
    export_and_compare(tmp_path, fn, inputs_for(count, positive, dtype))


# Softmax over a leading axis cannot be written before opset 13 (see test_errors).
OLDER = [(name, opset) for opset in (11, 13, 17) for name in sorted(CASES)
         if not (name == "softmax_batch_axis" and opset < 13)]


@pytest.mark.parametrize("name, opset", OLDER)
def test_function_exports_at_older_opsets(tmp_path, name, opset):
    fn, count, positive = CASES[name]
    proto = export_and_compare(tmp_path, fn, inputs_for(count, positive, np.float64), opset=opset)
    assert [o.version for o in proto.opset_import] == [opset]


def test_the_default_opset_is_written(tmp_path):
    proto = export_and_compare(tmp_path, F.relu, inputs_for(1, False, np.float64))
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", DEFAULT_OPSET)]


def test_softmax_cross_entropy_exports_with_a_fixed_batch(tmp_path):
    labels = np.array([2, 0, 3])

    def loss(x):
        return F.softmax_cross_entropy(x, labels)

    export_and_compare(tmp_path, loss, inputs_for(1, False, np.float64), batches=(3,),
                       example_batch=3, dynamic_batch=False)


def test_softmax_cross_entropy_ignores_rows_as_cygrad_does(tmp_path):
    labels = np.array([2, -100, 3])

    def loss(x):
        return F.softmax_cross_entropy(x, labels)

    export_and_compare(tmp_path, loss, inputs_for(1, False, np.float64), batches=(3,),
                       example_batch=3, dynamic_batch=False)
