"""Which converter exports which class: cygrad's own, then those plugins registered.

A ``Function`` class maps to a converter ``(node) -> output name(s)``; a recurrent layer
class maps to the names of its state attributes. Lookups are by exact class: a subclass may
compute something else, so it needs its own entry.
"""
from __future__ import annotations

from typing import Any, Callable

from cygrad import registry
from cygrad.functions import activation, elementwise, linalg, loss, neural as neural_fns
from cygrad.functions import reduction as reduction_fns, shape as shape_fns
from cygrad.layers import LSTM, RNN
from cygrad.layers.lstm_cell import LSTMCell
from cygrad.onnx.converters import arithmetic, neural, reduction, shape
from cygrad.onnx.converters.arithmetic import binary, unary
from cygrad.onnx.node import Node
from cygrad.variable import _core as engine

__all__ = ["BUILT_IN", "STATES", "Converter", "converter_for", "state_names"]

Converter = Callable[[Node], Any]

BUILT_IN: dict[type, Converter] = {
    # The engine's operations.
    engine.Add: binary("Add"),
    engine.Sub: binary("Sub"),
    engine.Mul: binary("Mul"),
    engine.Div: binary("Div"),
    engine.PowVar: binary("Pow"),
    engine.Pow: arithmetic.pow_constant,
    engine.Neg: unary("Neg", 6),
    engine.Exp: unary("Exp", 6),
    engine.Log: unary("Log", 6),
    engine.MatMul: arithmetic.matmul,
    engine.Reshape: shape.reshape,
    engine.Transpose: shape.transpose,
    engine.BroadcastTo: shape.broadcast_to,
    engine.SumTo: shape.sum_to,
    engine.GetItem: shape.get_item,
    engine.Sum: reduction.sum,
    # cygrad.functions.
    elementwise.Sin: unary("Sin", 7),
    elementwise.Cos: unary("Cos", 7),
    activation.Tanh: unary("Tanh", 6),
    elementwise.Sqrt: unary("Sqrt", 6),
    elementwise.Abs: unary("Abs", 6),
    elementwise.Square: arithmetic.square,
    activation.Sigmoid: unary("Sigmoid", 6),
    activation.ReLU: unary("Relu", 6),
    activation.GELU: neural.gelu,
    activation.Softmax: neural.softmax("Softmax"),
    activation.LogSoftmax: neural.softmax("LogSoftmax"),
    linalg.Affine: neural.linear,
    neural_fns.Clip: neural.clip,
    neural_fns.Dropout: neural.dropout,
    neural_fns.MaskFill: neural.mask_fill,
    reduction_fns.Mean: reduction.reduction("ReduceMean"),
    reduction_fns.Max: reduction.reduction("ReduceMax"),
    reduction_fns.Min: reduction.reduction("ReduceMin"),
    shape_fns.Concat: shape.concat,
    shape_fns.Split: shape.split,
    loss.MeanSquaredError: neural.mean_squared_error,
    loss.SoftmaxCrossEntropy: neural.softmax_cross_entropy,
    # cygrad.layers.
    LSTMCell: neural.lstm_cell,
}

STATES: dict[type, tuple[str, ...]] = {LSTM: ("h", "c"), RNN: ("h",)}


def converter_for(function: Any) -> Converter:
    """The converter of ``function``'s class, or a ValueError naming the class (and the
    plugin its module belongs to, when a plugin's)."""
    cls = type(function)
    found = BUILT_IN.get(cls) or _registered(cls)
    if not callable(found):
        raise ValueError(
            f"export: no ONNX converter for the operation {cls.__module__}.{cls.__qualname__}"
            f"{_from_plugin(cls)}; its author can register one through the "
            "cygrad_register_onnx_converters hook (see cygrad.registry.hookspecs)"
        )
    return found


def state_names(layer: Any) -> tuple[str, ...] | None:
    """The state attributes of a recurrent layer, None for a layer that keeps no state."""
    cls = type(layer)
    found = STATES.get(cls) or _registered(cls)
    if isinstance(found, tuple):
        return found
    if callable(getattr(layer, "reset_state", None)):
        raise ValueError(
            f"export: {cls.__qualname__} keeps a state (it has reset_state) but no ONNX converter "
            f"names it{_from_plugin(cls)}; its author can register the state attributes through "
            "the cygrad_register_onnx_converters hook (see cygrad.registry.hookspecs)"
        )
    return None


def _registered(cls: type) -> Any:
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name not in registry.names("onnx_converters"):
        return None
    return registry.get("onnx_converters", name)


def _from_plugin(cls: type) -> str:
    """`` (from plugin 'x' (dist 1.0))`` when a plugin registered a layer or activation from
    the package ``cls`` comes from, else nothing."""
    package = _package(cls.__module__)
    for kind in ("layers", "activations"):
        for name in registry.names(kind):
            try:
                obj = registry.get(kind, name)
            except registry.PluginError:
                continue
            if _package(getattr(obj, "__module__", None) or "") == package:
                return f" (from {registry.REGISTRY.provider(kind, name)})"
    return ""


def _package(module: str) -> str:
    """The package a module belongs to: its top-level name (``cygrad.<x>`` for cygrad's own)."""
    parts = module.split(".")
    return ".".join(parts[:2] if parts[0] == "cygrad" else parts[:1])
