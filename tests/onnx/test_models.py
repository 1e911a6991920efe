"""Models export and run in onnxruntime: MLP, Sequential, recurrent models one step at a time."""
import functools

import numpy as np
import onnx
import pytest

import cygrad.functions as F
from cygrad.layers import LSTM as LSTMLayer, Linear
from cygrad.models import LSTM, MLP, Sequential
from cygrad.onnx import converters, export
from cygrad.variable import Variable
from cygrad_contrib_layers import GRU

from .conftest import assert_close, export_and_compare, session


def rows(features, dtype=np.float64):
    return lambda n: (np.random.default_rng(n).standard_normal((n, features)).astype(dtype),)


def built(model, features, dtype=np.float64):
    """``model`` after one call (its lazy layers created), its state reset."""
    model(np.zeros((1, features), dtype=dtype))
    if hasattr(model, "reset_state"):
        model.reset_state()
    return model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", [F.sigmoid, "relu", "gelu", F.tanh])
def test_mlp(tmp_path, dtype, activation):
    model = built(MLP([8, 8, 3], activation=activation, rng=0), 5, dtype)
    proto = export_and_compare(tmp_path, model, rows(5, dtype))
    # The parameters come first, under their names in model.params() (gelu adds constants).
    names = [i.name for i in proto.graph.initializer]
    assert names[:6] == ["0.W", "0.b", "1.W", "1.b", "2.W", "2.b"]
    x = proto.graph.input[0].type.tensor_type.shape.dim
    assert (x[0].dim_param, x[1].dim_value) == ("N", 5)


def test_sequential_of_names_objects_and_partial_activations(tmp_path):
    model = built(Sequential("linear:8", "relu", Linear(6, rng=1), F.tanh, "linear:4",
                             functools.partial(F.softmax, axis=1), rng=0), 3)
    export_and_compare(tmp_path, model, rows(3))


def test_a_model_of_several_inputs_and_outputs(tmp_path):
    def model(x, y):
        return F.relu(x) + y, F.sum(x * y, axis=1)

    def inputs(n):
        rng = np.random.default_rng(n)
        return rng.standard_normal((n, 4)), rng.standard_normal((n, 4))

    proto = export_and_compare(tmp_path, model, inputs)
    assert [i.name for i in proto.graph.input] == ["x0", "x1"]
    assert [o.name for o in proto.graph.output] == ["y0", "y1"]


def run_steps(tmp_path, model, features, batch, steps, state_names, dtype=np.float64):
    """Export ``model`` (one step), then run a sequence through onnxruntime, feeding zeros
    as the first state and each step's state outputs to the next, against cygrad."""
    path = tmp_path / "step.onnx"
    export(model, rows(features, dtype)(2)[0], path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    run = session(path)
    inputs = [i.name for i in run.get_inputs()]
    assert inputs == ["x", *state_names]
    assert [o.name for o in run.get_outputs()] == ["y", *[s + "_next" for s in state_names]]
    shapes = {i.name: i.shape for i in run.get_inputs()}
    states = {s: np.zeros((batch, shapes[s][1]), dtype=dtype) for s in state_names}
    model.reset_state()
    rng = np.random.default_rng(batch)
    for _ in range(steps):
        x = rng.standard_normal((batch, features)).astype(dtype)
        y, *next_states = run.run(None, {"x": x, **states})
        assert_close(y, model(Variable(x)).data, dtype)
        states = dict(zip(state_names, next_states))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch", [1, 3, 8])
def test_lstm_model_exports_one_step_with_its_state(tmp_path, batch, dtype):
    model = built(LSTM(6, 2, rng=0), 3, dtype)
    run_steps(tmp_path, model, 3, batch, 4, ["h", "c"], dtype)


def test_lstm_state_shapes_and_outputs(tmp_path):
    model = built(LSTM(6, 2, rng=0), 3)
    proto = export(model, np.zeros((4, 3)), tmp_path / "lstm.onnx")

    def dims(value):
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    assert {i.name: dims(i) for i in proto.graph.input} == {
        "x": ["N", 3], "h": ["N", 6], "c": ["N", 6],
    }
    assert {o.name: dims(o) for o in proto.graph.output} == {
        "y": ["N", 2], "h_next": ["N", 6], "c_next": ["N", 6],
    }


def test_rnn_and_gru_in_sequential(tmp_path):
    run_steps(tmp_path, built(Sequential("rnn:5", "linear:2", rng=0), 3), 3, 4, 3, ["h"])
    run_steps(tmp_path, built(Sequential("linear:4", "gru:5", "linear:2", rng=0), 3), 3, 4, 3, ["h"])


def test_the_gru_plugin_layer_alone_returns_y_and_h_next(tmp_path):
    layer = GRU(4, in_size=3, rng=0)
    run_steps(tmp_path, layer, 3, 2, 3, ["h"])


def test_several_recurrent_layers_are_named_by_position(tmp_path):
    model = built(Sequential("lstm:4", "gru:3", "linear:1", rng=0), 2)
    run_steps(tmp_path, model, 2, 3, 3, ["0.h", "0.c", "1.h"])


def test_export_leaves_the_model_as_it_was(tmp_path):
    model = built(LSTM(5, 1, rng=0), 2)
    model(np.ones((3, 2)))  # mid-sequence: a state with its graph
    layer = model.layers[0]
    h, c = layer.h, layer.c
    params = {k: p.data.copy() for k, p in model.params().items()}
    export(model, np.zeros((3, 2)), tmp_path / "m.onnx")
    assert layer.h is h and layer.c is c
    assert all(np.array_equal(p.data, params[k]) for k, p in model.params().items())
    assert all(p.grad is None for p in model.params().values())
    fresh = built(LSTM(5, 1, rng=0), 2)
    fresh(np.ones((3, 2)))
    x = np.full((3, 2), 0.5)
    np.testing.assert_array_equal(model(x).data, fresh(x).data)


def test_export_restores_the_state_when_the_model_fails(tmp_path, monkeypatch):
    class Failing(LSTMLayer):
        armed = False

        def forward(self, x):
            out = super().forward(x)
            if self.armed and self.h is not None and self.h.creator is not None:
                raise RuntimeError("boom")  # in the recorded pass, after the state moved
            return out

    monkeypatch.setitem(converters.STATES, Failing, ("h", "c"))
    layer = Failing(3, in_size=2, rng=0)
    layer(np.ones((1, 2)))
    h, c = layer.h, layer.c
    layer.armed = True
    with pytest.raises(RuntimeError, match="boom"):
        export(layer, np.ones((1, 2)), tmp_path / "f.onnx")
    assert layer.h is h and layer.c is c
    assert not (tmp_path / "f.onnx").exists()


def test_dropout_is_the_identity_in_the_exported_model(tmp_path):
    model = built(Sequential("linear:6", functools.partial(F.dropout, ratio=0.5), "linear:2", rng=0), 3)
    export_and_compare(tmp_path, model, rows(3))


def test_a_dropout_node_recorded_in_training_exports_as_the_identity(tmp_path):
    from cygrad.functions.neural import Dropout

    def model(x):
        return Dropout(0.5, np.random.default_rng(0))(x)

    proto = export(model, np.ones((2, 3)), tmp_path / "d.onnx")
    assert [n.op_type for n in proto.graph.node] == ["Identity"]
    x = np.random.default_rng(1).standard_normal((4, 3))
    np.testing.assert_array_equal(session(tmp_path / "d.onnx").run(None, {"x": x})[0], x)


def test_a_fixed_batch_keeps_the_example_batch(tmp_path):
    model = built(MLP([4, 2], rng=0), 3)
    proto = export_and_compare(tmp_path, model, rows(3), batches=(2,), dynamic_batch=False)
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [2, 3]
    with pytest.raises(Exception, match="dimension"):
        session(tmp_path / "model.onnx").run(None, {"x": np.zeros((3, 3))})


def test_batch_dependent_reshape_uses_minus_one_and_broadcast_computes_the_batch(tmp_path):
    def model(x):
        return F.reshape(x, (len(x), 2, 2)), F.broadcast_to(x[:, :1], (len(x), 3))

    proto = export_and_compare(tmp_path, model, rows(4))
    shapes = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    reshape = next(n for n in proto.graph.node if n.op_type == "Reshape")
    assert list(shapes[reshape.input[1]]) == [-1, 2, 2]
    assert "Shape" in [n.op_type for n in proto.graph.node]
