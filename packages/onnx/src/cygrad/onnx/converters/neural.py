"""Converters of the neural-network functions: activations, linear, clip, dropout, mask_fill,
the losses, and the LSTM layer's fused cell."""
from __future__ import annotations

import math
from typing import Callable, cast

import numpy as np

from cygrad.onnx.node import Node

__all__ = [
    "clip", "dropout", "gelu", "linear", "lstm_cell", "mask_fill", "mean_squared_error",
    "softmax", "softmax_cross_entropy",
]

# gelu's tanh approximation, as cygrad.functions computes it.
_K = math.sqrt(2.0 / math.pi)
_A = 0.044715


def gelu(node: Node) -> str:
    """x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), in the order cygrad computes it."""
    [x] = node.inputs
    cube = node.make("Mul", [node.make("Mul", [node.make("Mul", [node.constant(_A), x]), x]), x])
    t = node.make("Tanh", [node.make("Mul", [node.constant(_K), node.make("Add", [x, cube])])])
    half_x = node.make("Mul", [node.constant(0.5), x])
    return node.make("Mul", [node.make("Add", [t, node.constant(1.0)]), half_x])


def softmax(op_type: str) -> Callable[[Node], str]:
    """Softmax or LogSoftmax along the function's axis."""

    def convert(node: Node) -> str:
        axis = int(node.fixed("axis"))
        if node.opset < 13 and axis != len(node.input_shapes[0]) - 1:
            # Before opset 13 the operation flattens the axes from ``axis`` on.
            node.require(13, f"{op_type} over an axis other than the last")
        return node.make(op_type, node.inputs, axis=axis)

    return convert


def linear(node: Node) -> str:
    """``x @ W (+ b)``: a matrix product and a broadcast addition."""
    x, W, *b = node.cast_inputs()
    y = node.make("MatMul", [x, W])
    return node.make("Add", [y, b[0]]) if b else y


def clip(node: Node) -> str:
    """Clip for number bounds (from opset 12, where it takes every float type); Max and Min
    for array bounds, which Clip does not take, and before opset 12."""
    [x] = node.inputs
    lo, hi = [None if b is None else np.asarray(b, dtype=node.dtype)
              for b in (node.fixed("lo"), node.fixed("hi"))]
    if node.opset >= 12 and all(b is None or b.ndim == 0 for b in (lo, hi)):
        return node.make("Clip", [x] + ["" if b is None else node.constant(b) for b in (lo, hi)])
    node.require(8, "Max and Min with broadcasting")
    if lo is not None:
        x = node.make("Max", [x, node.constant(lo)])
    if hi is not None:
        x = node.make("Min", [x, node.constant(hi)])
    return x


def dropout(node: Node) -> str:
    """The identity: an exported model runs inference."""
    return node.make("Identity", node.inputs)


def mask_fill(node: Node) -> str:
    """``value`` where the mask is true, the input elsewhere."""
    node.require(9, "Where")
    mask = node.constant(node.fixed("mask"))
    value = node.constant(np.asarray(node.fixed("value"), dtype=node.dtype))
    return node.make("Where", [mask, value, node.inputs[0]])


def mean_squared_error(node: Node) -> str:
    """The mean of the squared broadcast difference over every element (a 0-d result)."""
    d = node.make("Sub", node.cast_inputs())
    return node.make("ReduceMean", [node.make("Mul", [d, d])], keepdims=0)


def softmax_cross_entropy(node: Node) -> str:
    """ONNX's SoftmaxCrossEntropyLoss with the labels the function holds; ignored rows get a
    label of -1 and are left out of the mean, as cygrad does."""
    node.require(12, "SoftmaxCrossEntropyLoss")
    labels = node.fixed("labels").astype(np.int64)
    keep = node.fixed("keep")
    if keep is not None:
        labels = np.where(keep, labels, -1)
    return node.make(
        "SoftmaxCrossEntropyLoss", [node.inputs[0], node.constant(labels)], reduction="mean",
        ignore_index=-1,
    )


def lstm_cell(node: Node) -> list[str]:
    """One LSTM step after the matrix products: the pre-activation cut into f, i, o (sigmoid)
    and u (tanh), then ``c' = f*c + i*u`` (``i*u`` without a previous cell) and
    ``h = o*tanh(c')``; outputs h and c'."""
    a, *c = node.inputs
    axis = len(node.input_shapes[0]) - 1
    attributes = {"num_outputs": 4} if node.opset >= 18 else {}
    four = node.make("Split", [a], outputs=4, axis=axis, **attributes)
    f, i, o, u = cast(list[str], four)  # four outputs: a list of names
    cell = node.make("Mul", [node.make("Sigmoid", [i]), node.make("Tanh", [u])])
    if c:
        cell = node.make("Add", [node.make("Mul", [node.make("Sigmoid", [f]), c[0]]), cell])
    h = node.make("Mul", [node.make("Sigmoid", [o]), node.make("Tanh", [cell])])
    return [h, cell]
