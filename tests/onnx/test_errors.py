"""What export refuses, and how it says so: before anything is written, naming the cause."""
import os

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.models import MLP, Sequential
from cygrad.onnx import export
from cygrad.variable import Function, Variable


class Cube(Function):
    """An operation no converter knows (defined here, in no plugin)."""

    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        return gy * 3 * self.inputs[0] ** 2


def test_an_operation_without_a_converter_is_named(tmp_path):
    message = (r"no ONNX converter for the operation tests\.onnx\.test_errors\.Cube; its author can "
               r"register one through the cygrad_register_onnx_converters hook")
    with pytest.raises(ValueError, match=message):
        export(lambda x: Cube()(F.relu(x)), np.ones((2, 3)), tmp_path / "m.onnx")
    assert os.listdir(tmp_path) == []


def test_a_plugin_operation_names_its_plugin(tmp_path):
    model = Sequential("linear:3", "softplus", rng=0)
    model(np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"cygrad_contrib_activations\.activations\.Softplus \(from plugin "
                                         r"'contrib-activations' \(cygrad-contrib-activations 0\.1\.0\)\)"):
        export(model, np.ones((2, 2)), tmp_path / "m.onnx")


def test_a_failed_export_leaves_an_existing_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match="Cube"):
        export(lambda x: Cube()(x), np.ones((2, 3)), path)
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["m.onnx"]


def test_an_unbuilt_model_is_refused_rather_than_initialised(tmp_path):
    model = MLP([3, 1], rng=0)
    with pytest.raises(ValueError, match=r"layer 0 \(Linear\) has no parameters yet; call the model once"):
        export(model, np.ones((2, 4)), tmp_path / "m.onnx")
    assert not model.layers[0].initialized


def test_a_stateful_layer_without_a_converter_is_refused(tmp_path):
    class Counter:
        def __init__(self):
            self.n = None

        def __call__(self, x):
            return x * 2

        def reset_state(self):
            self.n = None

    with pytest.raises(ValueError, match="Counter keeps a state .* no ONNX converter names it"):
        export(Counter(), np.ones((2, 3)), tmp_path / "m.onnx")


@pytest.mark.parametrize(
    "fn, opset, message",
    [
        (lambda x: F.softmax(x, axis=0), 12, "Softmax cannot be expressed in opset 12: Softmax over an axis "
                                             "other than the last needs opset 13 or later"),
        (lambda x: x[:, ::2], 9, "GetItem cannot be expressed in opset 9: a slice with a step needs opset 10"),
        (lambda x: x + 1.0, 6, "Add cannot be expressed in opset 6: Add with broadcasting needs opset 7"),
        (lambda x: x[:, -1], 10, "GetItem cannot be expressed in opset 10: Gather with a negative index"),
    ],
)
def test_an_operation_the_opset_cannot_express_is_named(tmp_path, fn, opset, message):
    with pytest.raises(ValueError, match=message):
        export(fn, np.ones((2, 4)), tmp_path / "m.onnx", opset=opset)


@pytest.mark.parametrize(
    "opset, error", [(0, ValueError), (10_000, ValueError), ("13", TypeError), (True, TypeError)]
)
def test_bad_opsets(tmp_path, opset, error):
    with pytest.raises(error, match="export: opset"):
        export(F.relu, np.ones((2, 3)), tmp_path / "m.onnx", opset=opset)


def test_a_constant_computed_from_the_data_is_refused(tmp_path):
    # leaky_relu's 0/1 mask is computed from x.data, outside the recorded operations.
    model = Sequential("linear:3", "leaky_relu", rng=0)
    model(np.ones((1, 2)))
    x = np.random.default_rng(0).standard_normal((4, 2))
    with pytest.raises(ValueError, match=r"a constant of shape \(4, 3\) read by Mul changes with the batch size "
                                         r"\(export with dynamic_batch=False to fix it\)"):
        export(model, x, tmp_path / "m.onnx")
    with pytest.raises(ValueError, match=r"a constant of shape \(4, 3\) read by Mul changes with the input data "
                                         r"\(it is computed outside the recorded operations\)"):
        export(model, x, tmp_path / "m.onnx", dynamic_batch=False)


def test_an_attribute_that_follows_the_batch_is_refused(tmp_path):
    def model(x):
        return F.mask_fill(x, np.arange(len(x))[:, None] % 2 == 0, 0.0)

    message = r"MaskFill\.mask changes with the batch size \(export with dynamic_batch=False"
    with pytest.raises(ValueError, match=message):
        export(model, np.ones((2, 3)), tmp_path / "m.onnx")
    export(model, np.ones((2, 3)), tmp_path / "m.onnx", dynamic_batch=False)


def test_operations_that_change_with_the_batch_size_are_refused(tmp_path):
    # Squeezing every length-1 axis removes the batch axis at batch 1 only.
    with pytest.raises(ValueError, match="the recorded operations differ between batch sizes 1 and 2"):
        export(lambda x: F.squeeze(x) * 2, np.ones((1, 3)), tmp_path / "m.onnx")


def test_a_model_that_only_runs_at_the_example_batch_needs_a_fixed_batch(tmp_path):
    offsets = np.ones((2, 3))
    with pytest.raises(ValueError, match="the model fails on a batch of 3 .* pass dynamic_batch=False"):
        export(lambda x: x + offsets, np.ones((2, 3)), tmp_path / "m.onnx")
    export(lambda x: x + offsets, np.ones((2, 3)), tmp_path / "m.onnx", dynamic_batch=False)


def test_bad_arguments(tmp_path):
    path = tmp_path / "m.onnx"
    with pytest.raises(TypeError, match="export: the model's output 0 is a ndarray"):
        export(lambda x: x.data, np.ones((2, 3)), path)
    with pytest.raises(ValueError, match="example_input is an empty tuple"):
        export(F.relu, (), path)
    with pytest.raises(ValueError, match=r"example input 0 of shape \(\) has no batch on axis 0"):
        export(F.relu, Variable(1.0), path)
    with pytest.raises(ValueError, match=r"batch sizes differ \(\[2, 3\]\)"):
        export(lambda x, y: x + y, (np.ones((2, 1)), np.ones((3, 1))), path)
    with pytest.raises(TypeError, match="dynamic_batch must be True or False"):
        export(F.relu, np.ones((2, 3)), path, dynamic_batch=1)
    with pytest.raises(TypeError, match="model must be callable"):
        export(object(), np.ones((2, 3)), path)
    assert not path.exists()
