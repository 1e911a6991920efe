"""Plugins add converters through ``cygrad_register_onnx_converters``: for their operations,
and for their recurrent layers' state."""
import types
import warnings

import numpy as np
import pytest

import cygrad.functions as F
from cygrad import registry
from cygrad.onnx import export
from cygrad.registry import PluginWarning
from cygrad.variable import Function, Variable
from cygrad_contrib_layers import GRU

from .conftest import export_and_compare, session


class Softsign(Function):
    """x / (1 + |x|): an operation of a plugin-to-be (ONNX has Softsign)."""

    def forward(self, x):
        return x / (1 + np.abs(x))

    def backward(self, gy):
        return gy / (1 + F.abs(self.inputs[0])) ** 2


class Halves(Function):
    """Two outputs: the halves of the last axis."""

    def forward(self, x):
        h = x.shape[-1] // 2
        return x[..., :h], x[..., h:]

    def backward(self, ga, gb):
        return F.concat([ga, gb], axis=-1)


class Accumulator:
    """A recurrent layer of a plugin-to-be: its state ``total`` adds up the inputs."""

    def __init__(self):
        self.total = None

    def __call__(self, x):
        self.total = x if self.total is None else self.total + x
        return self.total * 2

    def reset_state(self):
        self.total = None


def plugin(**hooks):
    module = types.ModuleType("onnx_test_plugin")
    for name, fn in hooks.items():
        setattr(module, name, registry.hookimpl(fn))
    return module


@pytest.fixture
def registered():
    """Register an in-process plugin providing ``cygrad_register_onnx_converters``."""
    def register(converters):
        def cygrad_register_onnx_converters(register):
            for cls, converter in converters.items():
                register(cls, converter)

        return registry.register(plugin(cygrad_register_onnx_converters=cygrad_register_onnx_converters))

    yield register
    registry.refresh()


def test_a_plugin_converter_exports_its_operation(tmp_path, registered):
    registered({Softsign: lambda node: node.make("Softsign", node.inputs)})
    [row] = [r for r in registry.plugins() if r.plugin == "onnx_test_plugin"]
    assert row.provides == {"onnx_converters": ("tests.onnx.test_hook.Softsign",)}
    assert registry.names("onnx_converters") == sorted(
        ["cygrad_contrib_layers.gru.GRU", "tests.onnx.test_hook.Softsign"])
    # float32: onnxruntime runs Softsign on float32 only.
    proto = export_and_compare(
        tmp_path, lambda x: Softsign()(x * 3),
        lambda n: (np.random.default_rng(n).standard_normal((n, 4)).astype(np.float32),))
    assert "Softsign" in [n.op_type for n in proto.graph.node]


def test_a_converter_of_several_outputs_returns_one_name_per_output(tmp_path, registered):
    def halves(node):
        return node.make("Split", node.inputs, outputs=2, axis=-1, num_outputs=2)

    registered({Halves: halves})
    export_and_compare(tmp_path, lambda x: Halves()(x), lambda n: (np.ones((n, 4)) * n,))


def test_a_converter_returning_the_wrong_number_of_outputs_is_named(tmp_path, registered):
    registered({Halves: lambda node: node.make("Identity", node.inputs)})
    with pytest.raises(ValueError, match="the converter of Halves returned 1 output names for its 2 outputs"):
        export(lambda x: Halves()(x), np.ones((2, 4)), tmp_path / "m.onnx")


def test_a_converter_making_invalid_onnx_is_caught_before_writing(tmp_path, registered):
    registered({Softsign: lambda node: node.make("NoSuchOperation", node.inputs)})
    with pytest.raises(ValueError, match="export: the converted graph is not valid ONNX: .*NoSuchOperation"):
        export(lambda x: Softsign()(x), np.ones((2, 4)), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_a_plugin_names_its_recurrent_layer_state(tmp_path, registered):
    layer = Accumulator()
    with pytest.raises(ValueError, match="Accumulator keeps a state"):
        export(layer, np.ones((2, 3)), tmp_path / "m.onnx")
    registered({Accumulator: ("total",)})
    proto = export(layer, np.ones((2, 3)), tmp_path / "m.onnx")
    assert [i.name for i in proto.graph.input] == ["x", "total"]
    assert [o.name for o in proto.graph.output] == ["y", "total_next"]
    run = session(tmp_path / "m.onnx")
    total = np.zeros((3, 3))
    layer.reset_state()
    for step in range(3):
        x = np.full((3, 3), step + 1.0)
        y, total = run.run(None, {"x": x, "total": total})
        np.testing.assert_array_equal(y, layer(Variable(x)).data)


@pytest.mark.parametrize(
    "key, converter, problem",
    [
        (Softsign, 42, "registers ONNX converter 'tests.onnx.test_hook.Softsign' as an object of type int, "
                       "which is not callable"),
        (Accumulator, (), "which is not callable"),
        (Accumulator, ("not a name",), "which is not callable"),
        ("not a class", print, "registers the ONNX converter name 'not a class'"),
    ],
)
def test_invalid_registrations_are_plugin_problems(registered, key, converter, problem, monkeypatch):
    monkeypatch.delenv("CYGRAD_STRICT_PLUGINS", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        registered({key: converter})
        [row] = [r for r in registry.plugins() if r.plugin == "onnx_test_plugin"]
    assert row.provides == {}
    assert any(problem in p for p in row.problems), row.problems


def test_the_gru_plugin_registers_its_state():
    assert registry.get("onnx_converters", "cygrad_contrib_layers.gru.GRU") == ("h",)
    assert GRU.__module__ == "cygrad_contrib_layers.gru"
