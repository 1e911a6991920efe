"""``export``: a cygrad model's forward pass written as an ONNX model.

The forward pass is recorded on the example input; every recorded operation becomes ONNX
nodes through its converter, the model's parameters become initializers. With
``dynamic_batch`` the pass is recorded twice more, at two other batch sizes, so that shapes
which follow the batch size are computed in the graph instead of written as numbers. Every
run is also a check: an operation, a constant or an attribute that changes with the data
(computed outside the recorded operations) cannot be exported and is refused.
"""
from __future__ import annotations

import os
from importlib import metadata
from typing import Any

import numpy as np
import onnx
from onnx import helper

from cygrad.onnx.converters import converter_for, state_names
from cygrad.onnx.graph import Graph, tensor_type
from cygrad.onnx.node import Node, changes, same
from cygrad.models.atomic_write import atomic_write
from cygrad.onnx.trace import Recurrent, Run, record
from cygrad.variable import Variable

__all__ = ["DEFAULT_OPSET", "export"]

#: The opset ``export`` writes when none is given: the highest the test suite runs through
#: onnxruntime.
DEFAULT_OPSET = 21


def export(
    model: Any,
    example_input: Any,
    path: str | os.PathLike[str],
    *,
    opset: int | None = None,
    dynamic_batch: bool = True,
) -> onnx.ModelProto:
    """Write ``model``'s forward pass to ``path`` as an ONNX model; returns the model proto.

    ``example_input`` is a Variable or an array (a tuple of them for a model of several
    inputs), with the batch on axis 0. One forward pass on it is recorded in test mode
    (dropout is the identity); the model is left exactly as it was. The graph's inputs are
    ``x`` (``x0``, ``x1``... for several), its outputs ``y`` (``y0``, ``y1``...). A recurrent
    model exports one step: its state enters as inputs named after the state (``h``, ``c``;
    prefixed by the layer's position, ``"0.h"``, when several layers keep one) and leaves as
    ``h_next``, ``c_next``; feed zeros at the first step and the previous outputs after.

    ``opset`` (default ``DEFAULT_OPSET``) is the ONNX opset to write; an operation that
    cannot be written in it raises ValueError naming it. ``dynamic_batch`` makes axis 0 of
    every input and output symbolic (``N``) so the model runs at any batch size; False
    fixes the example's. An operation without a converter raises ValueError naming its class.
    """
    opset = _check_opset(opset)
    if not isinstance(dynamic_batch, bool):
        raise TypeError(f"export: dynamic_batch must be True or False, got {dynamic_batch!r}")
    path = os.fspath(path)
    arrays = _example_arrays(example_input, dynamic_batch)
    if not (callable(model) or callable(getattr(model, "first", None))):
        raise TypeError(
            f"export: model must be callable (a model or a layer), got {type(model).__name__}"
        )
    _check_initialized(model)
    recurrent = _recurrent(model)
    runs = [record(model, arrays, recurrent)]
    batch = arrays[0].shape[0]
    for size in ([batch + 1, batch + 2] if dynamic_batch else [batch]):
        runs.append(_probe(model, arrays, recurrent, size, dynamic_batch))
    proto = _build(model, runs, recurrent, opset, dynamic_batch)
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as e:
        raise ValueError(f"export: the converted graph is not valid ONNX: {e}") from None
    # through a temporary file, as Model.save: a failed export never damages a good file
    atomic_write("cygrad.onnx.export", path, lambda f: f.write(proto.SerializeToString()))
    return proto


def _check_opset(opset: Any) -> int:
    if opset is None:
        return DEFAULT_OPSET
    latest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise TypeError(f"export: opset must be an int, got {opset!r}")
    if not 1 <= opset <= latest:
        raise ValueError(
            f"export: opset {opset} does not exist; the installed onnx knows 1 to {latest}"
        )
    return int(opset)


def _example_arrays(example: Any, dynamic_batch: bool) -> list[np.ndarray]:
    """The example inputs as float arrays (converted as ``Variable`` converts data)."""
    items = list(example) if isinstance(example, tuple) else [example]
    if not items:
        raise ValueError("export: example_input is an empty tuple; give at least one input")
    arrays = [x.data if isinstance(x, Variable) else Variable(x).data for x in items]
    if dynamic_batch:
        for i, a in enumerate(arrays):
            if a.ndim == 0 or a.shape[0] == 0:
                raise ValueError(
                    f"export: example input {i} of shape {a.shape} has no batch on axis 0; give "
                    "a batch, or pass dynamic_batch=False"
                )
        if len({a.shape[0] for a in arrays}) > 1:
            raise ValueError(
                f"export: the example inputs' batch sizes differ ({[a.shape[0] for a in arrays]}); "
                "axis 0 of every input is the batch"
            )
    return arrays


def _layers(model: Any) -> list[Any]:
    layers = getattr(model, "layers", None)
    return list(layers) if isinstance(layers, (list, tuple)) else [model]


def _check_initialized(model: Any) -> None:
    for i, layer in enumerate(_layers(model)):
        if not getattr(layer, "initialized", True):
            raise ValueError(
                f"export: layer {i} ({type(layer).__name__}) has no parameters yet; call the "
                "model once or load its weights before exporting"
            )


def _recurrent(model: Any) -> list[Recurrent]:
    layers = [(i, layer, state_names(layer)) for i, layer in enumerate(_layers(model))]
    stateful = [(i, layer, names) for i, layer, names in layers if names]
    several = len(stateful) > 1
    return [Recurrent(f"{i}." if several else "", layer, names) for i, layer, names in stateful]


def _probe(model: Any, arrays: list[np.ndarray], recurrent: list[Recurrent], size: int,
           dynamic_batch: bool) -> Run:
    """A run on ``size`` rows taken from the example in another order (the example's rows
    shifted by one): what changes from the example's run follows the batch size or the data."""
    batch = arrays[0].shape[0]
    rows = (np.arange(size) + 1) % batch if batch else np.arange(0)
    try:
        return record(model, [np.take(a, rows, axis=0) for a in arrays], recurrent)
    except Exception as e:
        if not dynamic_batch:
            raise
        raise ValueError(
            f"export: the model fails on a batch of {size} ({type(e).__name__}: {e}), so it "
            "cannot be exported with dynamic_batch=True; pass dynamic_batch=False"
        ) from e


def _build(model: Any, runs: list[Run], recurrent: list[Recurrent], opset: int,
           dynamic_batch: bool) -> onnx.ModelProto:
    first = runs[0]
    _check_same_operations(runs)
    inputs = _numbered("x", len(first.inputs)) + [r.prefix + n for r in recurrent for n in r.names]
    outputs = _numbered("y", len(first.outputs)) + [n + "_next" for n in inputs[len(first.inputs):]]
    graph = Graph(opset, inputs[0])
    for name in inputs + outputs:
        graph.name(name)
    names = {id(v): name for v, name in zip(first.inputs + first.states, inputs)}
    _leaves(graph, model, runs, names)
    _convert(graph, runs, names)

    graph_inputs = [
        helper.make_tensor_value_info(name, tensor_type(v.dtype), _dims(
            [(run.batch, (run.inputs + run.states)[i].shape) for run in runs], dynamic_batch,
            batch_axis=True))
        for i, (v, name) in enumerate(zip(first.inputs + first.states, inputs))
    ]
    graph_outputs = []
    renamed: dict[str, str] = {}
    for i, (v, name) in enumerate(zip(first.outputs + first.next_states, outputs)):
        source = renamed.get(names[id(v)], names[id(v)])
        renamed[source] = _name_output(graph, source, name, set(inputs + outputs))
        shapes = [(run.batch, (run.outputs + run.next_states)[i].shape) for run in runs]
        graph_outputs.append(helper.make_tensor_value_info(
            name, tensor_type(v.dtype), _dims(shapes, dynamic_batch, batch_axis=False)))

    onnx_graph = helper.make_graph(graph.nodes, type(model).__name__, graph_inputs, graph_outputs,
                                   initializer=graph.initializers)
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(onnx_graph, opset_imports=opsets, producer_name="cygrad-onnx",
                              producer_version=metadata.version("cygrad-onnx"))
    proto.ir_version = helper.find_min_ir_version_for(opsets)
    return proto


def _numbered(stem: str, count: int) -> list[str]:
    """``[stem]`` for one tensor, ``[stem0, stem1, ...]`` for several."""
    return [stem] if count == 1 else [f"{stem}{i}" for i in range(count)]


def _convert(graph: Graph, runs: list[Run], names: dict[int, str]) -> None:
    """Every recorded operation through its converter, in order; ``names`` learns the ONNX
    name of each output (by the Variable's id)."""
    for k, f in enumerate(runs[0].functions):
        node = Node(graph, [(run.batch, run.functions[k]) for run in runs],
                    [names[id(x)] for x in f.inputs])
        result = converter_for(f)(node)
        outs = [result] if isinstance(result, str) else list(result)
        if len(outs) != len(f.outputs):
            raise ValueError(
                f"export: the converter of {type(f).__name__} returned {len(outs)} output names "
                f"for its {len(f.outputs)} outputs"
            )
        for ref, name in zip(f.outputs, outs):
            y = ref()
            if y is not None:
                names[id(y)] = name


def _check_same_operations(runs: list[Run]) -> None:
    ours = [type(f).__name__ for f in runs[0].functions]
    for run in runs[1:]:
        theirs = [type(f).__name__ for f in run.functions]
        if ours != theirs:
            at = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
                      min(len(ours), len(theirs)))
            raise ValueError(
                f"export: the recorded operations {_change(runs[0].batch, run.batch)}: at "
                f"operation {at}, {ours[at:at + 3]} against {theirs[at:at + 3]}"
            )


def _change(batch: int, other: int) -> str:
    if batch != other:
        return (f"differ between batch sizes {batch} and {other} (export with "
                "dynamic_batch=False to fix the batch)")
    return "change with the input data"


def _leaves(graph: Graph, model: Any, runs: list[Run], names: dict[int, str]) -> None:
    """Name the Variables the operations start from: parameters become initializers under
    their names in ``model.params()``, other constants unnamed initializers."""
    params = getattr(model, "params", None)
    keys = {id(p): key for key, p in params().items()} if callable(params) else {}
    first = runs[0]
    for i, leaf in enumerate(first.leaves):
        if id(leaf) in names:
            continue
        if id(leaf) in keys:
            names[id(leaf)] = graph.initializer(leaf.data, keys[id(leaf)])
            continue
        for run in runs[1:]:
            other = run.leaves[i]
            if not same(other.data, leaf.data):
                user = next(type(f).__name__ for f in first.functions
                            if any(x is leaf for x in f.inputs))
                raise ValueError(
                    f"export: a constant of shape {leaf.shape} read by {user} "
                    f"{changes(first.batch, run.batch)}, so it cannot be written into the graph"
                )
        names[id(leaf)] = graph.initializer(leaf.data, "const")


def _name_output(graph: Graph, source: str, name: str, reserved: set[str]) -> str:
    """Make the tensor ``source`` available as the graph output ``name``: rename the node
    output that computes it (returns ``name``), or add an Identity when it is an input, an
    initializer or another output already (returns ``source``)."""
    if source == name:
        return name
    if source not in reserved and any(source in n.output for n in graph.nodes):
        for n in graph.nodes:
            n.input[:] = [name if s == source else s for s in n.input]
            n.output[:] = [name if s == source else s for s in n.output]
        return name
    graph.node("Identity", [source], [name])
    return source


def _dims(shapes: list[tuple[int, tuple[int, ...]]], dynamic_batch: bool,
          batch_axis: bool) -> list[Any]:
    """A tensor's dimensions for its value info: ``"N"`` for axis 0 of an input, and for a
    dimension of an output that equals the batch size; None for one that follows it otherwise."""
    (batch, shape), others = shapes[0], shapes[1:]
    if not dynamic_batch:
        return list(shape)
    dims: list[Any] = []
    for axis, d in enumerate(shape):
        if batch_axis and axis == 0:
            dims.append("N")
        elif all(s[axis] == d for _, s in others):
            dims.append(d)
        elif all(s[axis] == n for n, s in shapes):
            dims.append("N")
        else:
            dims.append(None)
    return dims
