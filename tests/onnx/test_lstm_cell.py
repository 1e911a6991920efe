"""The fused LSTM cell exports as ONNX operations (Split, Sigmoid, Tanh, Mul, Add), with and
without a previous cell, before and after Split took its number of outputs (opset 18)."""
import numpy as np
import pytest

from cygrad.layers.lstm_cell import lstm_cell

from .conftest import export_and_compare


def pre_activation(dtype):
    return lambda n: (np.random.default_rng(n).standard_normal((n, 12)).astype(dtype),)


@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_first_step_without_a_previous_cell(tmp_path, dtype, opset):
    export_and_compare(tmp_path, lstm_cell, pre_activation(dtype), opset=opset)


@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_step_from_a_previous_cell(tmp_path, dtype, opset):
    def inputs(n):
        rng = np.random.default_rng(n)
        return (rng.standard_normal((n, 12)).astype(dtype), rng.standard_normal((n, 3)).astype(dtype))

    proto = export_and_compare(tmp_path, lstm_cell, inputs, opset=opset)
    assert {"Split", "Sigmoid", "Tanh", "Mul", "Add"} <= {n.op_type for n in proto.graph.node}
