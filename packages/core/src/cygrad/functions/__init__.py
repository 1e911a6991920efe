"""Differentiable functions on Variables, ndarrays and scalars: ``import cygrad.functions as F``."""
from cygrad.variable._core import (
    add,
    broadcast_to,
    div,
    exp,
    get_item,
    log,
    matmul,
    mul,
    neg,
    pow,
    reshape,
    sub,
    sum,
    sum_to,
    transpose,
)
from cygrad.functions.activation import gelu, log_softmax, relu, sigmoid, softmax
from cygrad.functions.elementwise import abs, cos, sin, sqrt, square, tanh
from cygrad.functions.linalg import linear
from cygrad.functions.loss import mean_squared_error, softmax_cross_entropy

__all__ = [
    "abs",
    "add",
    "broadcast_to",
    "cos",
    "div",
    "exp",
    "gelu",
    "get_item",
    "linear",
    "log",
    "log_softmax",
    "matmul",
    "mean_squared_error",
    "mul",
    "neg",
    "pow",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "softmax_cross_entropy",
    "sqrt",
    "square",
    "sub",
    "sum",
    "sum_to",
    "tanh",
    "transpose",
]
