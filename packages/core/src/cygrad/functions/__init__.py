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
from cygrad.functions.activation import gelu, log_softmax, relu, sigmoid, softmax, tanh
from cygrad.functions.elementwise import abs, cos, sin, sqrt, square
from cygrad.functions.linalg import linear
from cygrad.functions.loss import mean_squared_error, softmax_cross_entropy
from cygrad.functions.metrics import accuracy
from cygrad.functions.neural import clip, dropout, mask_fill
from cygrad.functions.reduction import max, mean, min, variance
from cygrad.functions.shape import concat, split, squeeze, take, unsqueeze

__all__ = [
    "abs",
    "accuracy",
    "add",
    "broadcast_to",
    "clip",
    "concat",
    "cos",
    "div",
    "dropout",
    "exp",
    "gelu",
    "get_item",
    "linear",
    "log",
    "log_softmax",
    "mask_fill",
    "matmul",
    "max",
    "mean",
    "mean_squared_error",
    "min",
    "mul",
    "neg",
    "pow",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "softmax_cross_entropy",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "sub",
    "sum",
    "sum_to",
    "take",
    "tanh",
    "transpose",
    "unsqueeze",
    "variance",
]
