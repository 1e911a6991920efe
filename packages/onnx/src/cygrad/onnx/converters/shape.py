"""Converters of the shape operations: reshape, transpose, broadcasting, concat, split, indexing."""
from __future__ import annotations

from typing import Any, cast

import numpy as np

from cygrad.onnx.node import Node
from cygrad.variable import _core as engine

__all__ = [
    "broadcast_to", "concat", "get_item", "reshape", "split", "sum_to", "transpose", "unsqueeze",
]

# Slice bounds meaning "to the end" in either direction (ONNX clamps them to the axis).
_END = np.iinfo(np.int64).max
_START_OF_REVERSED = np.iinfo(np.int64).min


def reshape(node: Node) -> str:
    node.require(5, "Reshape with a shape input")
    shape = node.shape("shape", minus_one=True)
    if 0 in cast(engine.Reshape, node.function).shape:  # the converter of Reshape only
        # ONNX reads a 0 as "keep this dimension" unless told otherwise.
        node.require(14, "Reshape to a shape holding 0")
        return node.make("Reshape", [node.inputs[0], shape], allowzero=1)
    return node.make("Reshape", [node.inputs[0], shape])


def transpose(node: Node) -> str:
    ndim = len(node.input_shapes[0])
    axes = node.fixed("axes")
    perm = list(reversed(range(ndim))) if axes is None else [int(a) % ndim for a in axes]
    return node.make("Transpose", node.inputs, perm=perm)


def broadcast_to(node: Node) -> str:
    node.require(8, "Expand")
    return node.make("Expand", [node.inputs[0], node.shape("shape")])


def sum_to(node: Node) -> str:
    """The sum over the leading axes and the axes the target shape has as 1."""
    from cygrad.onnx.converters.reduction import reduce

    in_shape, out_shape = node.input_shapes[0], node.output_shapes[0]
    assert out_shape is not None, "sum_to: the traced graph holds the output"
    lead = len(in_shape) - len(out_shape)
    ones = [lead + i for i, s in enumerate(out_shape) if s == 1 and in_shape[lead + i] != 1]
    y = reduce(node, "ReduceSum", node.inputs[0], ones, keepdims=True) if ones else node.inputs[0]
    return reduce(node, "ReduceSum", y, list(range(lead)), keepdims=False)


def concat(node: Node) -> str:
    node.require(4, "Concat")
    return node.make("Concat", node.cast_inputs(), axis=int(node.fixed("axis")))


def split(node: Node) -> str | list[str]:
    """np.split into equal sections (ONNX's equal split, any axis length) or at indices
    (one output name, not a list, for a single section)."""
    axis = node.fixed("axis")
    sections = node.fixed("sections")
    n = len(node.output_shapes)
    attributes: dict[str, Any] = {"axis": axis}
    inputs = list(node.inputs)
    if isinstance(sections, list):
        sizes = node.fixed("shapes", lambda shapes: [s[axis] for s in shapes])
        if node.opset >= 13:
            inputs.append(node.ints(sizes))
        else:
            attributes["split"] = sizes
    elif node.opset >= 18:
        attributes["num_outputs"] = n
    return node.make("Split", inputs, outputs=n, **attributes)


def unsqueeze(node: Node, x: str, axes: list[int]) -> str:
    """New length-1 axes at ``axes`` of the result (axes as an input from opset 13)."""
    if node.opset >= 13:
        return node.make("Unsqueeze", [x, node.ints(axes)])
    return node.make("Unsqueeze", [x], axes=axes)


def get_item(node: Node) -> str:
    """NumPy indexing: ints, slices, None and ``...``, with at most one integer or boolean
    array and then no int (so that NumPy puts the array's axes where the indexed axis was,
    as ONNX's Gather does). Each item becomes one node, left to right."""
    index = node.fixed("index")
    items = [np.asarray(i) if isinstance(i, list) else i
             for i in (index if isinstance(index, tuple) else (index,))]
    arrays = sum(isinstance(i, np.ndarray) for i in items)
    if arrays > 1 or (arrays and any(_is_int(i) for i in items)):
        raise ValueError(
            f"export: GetItem with the index {index!r} has no ONNX form here: at most one "
            "index array, and then no integer, is supported"
        )
    x, axis = node.inputs[0], 0
    for item in _expand_ellipsis(items, len(node.input_shapes[0])):
        if item is None:
            x = unsqueeze(node, x, [axis])
            axis += 1
        elif isinstance(item, slice):
            if item != slice(None):
                x = _slice(node, x, item, axis)
            axis += 1
        elif _is_int(item):
            if item < 0:
                node.require(11, "Gather with a negative index")
            x = node.make("Gather", [x, node.constant(np.int64(item))], axis=axis)
        elif isinstance(item, np.ndarray) and item.dtype.kind in "biu":
            indices = np.flatnonzero(item) if item.dtype == bool else item.astype(np.int64)
            if item.dtype == bool and item.ndim != 1:
                raise ValueError(
                    f"export: GetItem with a {item.ndim}-D boolean index has no ONNX form here"
                )
            if (indices < 0).any():
                node.require(11, "Gather with negative indices")
            x = node.make("Gather", [x, node.constant(indices)], axis=axis)
            axis += indices.ndim
        else:
            raise ValueError(f"export: GetItem with the index item {item!r} has no ONNX form here")
    return x


def _is_int(item: Any) -> bool:
    return isinstance(item, (int, np.integer)) and not isinstance(item, bool)


def _expand_ellipsis(items: list[Any], ndim: int) -> list[Any]:
    """The index with ``...`` (or the axes it leaves out at the end) as full slices."""
    used = sum(1 for item in items if item is not None and item is not Ellipsis)
    fill = [slice(None)] * (ndim - used)
    for i, item in enumerate(items):
        if item is Ellipsis:
            return items[:i] + fill + items[i + 1:]
    return items + fill


def _slice(node: Node, x: str, item: slice, axis: int) -> str:
    """One axis sliced as NumPy does; open ends become bounds ONNX clamps to the axis, so the
    same node serves every batch size."""
    step = 1 if item.step is None else int(item.step)
    forward = step > 0
    start = int(item.start) if item.start is not None else (0 if forward else _END)
    stop = int(item.stop) if item.stop is not None else (_END if forward else _START_OF_REVERSED)
    return node.slice(x, [start], [stop], [axis], None if step == 1 else [step])
