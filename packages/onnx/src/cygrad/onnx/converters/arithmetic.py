"""Converters of the elementwise arithmetic: + - * / ** and the unary functions."""
from __future__ import annotations

from typing import Callable

import numpy as np

from cygrad.onnx.node import Node

__all__ = ["binary", "matmul", "pow_constant", "square", "unary"]


def binary(op_type: str) -> Callable[[Node], str]:
    """``op_type`` on two inputs, with NumPy's broadcasting (ONNX's from opset 7)."""

    def convert(node: Node) -> str:
        node.require(7, f"{op_type} with broadcasting")
        return node.make(op_type, node.cast_inputs())

    return convert


def unary(op_type: str, since: int = 1) -> Callable[[Node], str]:
    """``op_type`` on the one input (an ONNX operation that exists from opset ``since``)."""

    def convert(node: Node) -> str:
        node.require(since, op_type)
        return node.make(op_type, node.inputs)

    return convert


def square(node: Node) -> str:
    """``x * x``, the product NumPy's square computes."""
    [x] = node.inputs
    return node.make("Mul", [x, x])


def pow_constant(node: Node) -> str:
    """``x ** c`` for the constant exponent ``c`` (a number or an array) the operation holds."""
    node.require(7, "Pow with broadcasting")
    [x] = node.cast_inputs()
    c = node.fixed("c")
    return node.make("Pow", [x, node.constant(np.asarray(c), dtype=node.dtype)])


def matmul(node: Node) -> str:
    """NumPy's matmul (1-D operands promoted, leading axes broadcast), as ONNX's is."""
    return node.make("MatMul", node.cast_inputs())
