"""Converters of the reductions: sum, mean, max and min over axes."""
from __future__ import annotations

from typing import Callable, Sequence

from cygrad.onnx.node import Node
from cygrad.variable._core import normalize_axes

__all__ = ["reduce", "reduction", "sum"]

# The opset from which each reduction takes its axes as an input rather than an attribute.
_AXES_AS_INPUT = {"ReduceSum": 13, "ReduceMean": 18, "ReduceMax": 18, "ReduceMin": 18}


def reduce(node: Node, op_type: str, x: str, axes: Sequence[int], keepdims: bool) -> str:
    """``op_type`` of ``x`` over ``axes``; reducing over no axis leaves ``x`` as it is."""
    if not axes:
        return x
    if node.opset >= _AXES_AS_INPUT[op_type]:
        return node.make(op_type, [x, node.ints(axes)], keepdims=int(keepdims))
    return node.make(op_type, [x], axes=list(axes), keepdims=int(keepdims))


def sum(node: Node) -> str:
    """The engine's sum, whose ``axis`` may still be None, negative or an int."""
    axes = normalize_axes(node.fixed("axis"), len(node.input_shapes[0]), "sum")
    return reduce(node, "ReduceSum", node.inputs[0], axes, node.fixed("keepdims"))


def reduction(op_type: str) -> Callable[[Node], str]:
    """mean, max or min, which hold their axes normalized already."""

    def convert(node: Node) -> str:
        return reduce(node, op_type, node.inputs[0], node.fixed("axes"), node.fixed("keepdims"))

    return convert
