"""The differentiable functions behind the layers, for use on their own as well:
``layer_norm``, ``scaled_dot_product_attention`` and ``multi_head_attention``.

Each is composed of ``cygrad.functions`` operations, so every derivative of any order comes
from the engine; attention is batched matrix products over (..., T, size) operands.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

import cygrad.functions as F
from cygrad.checks import check_size
from cygrad.random import RNGLike
from cygrad.variable import Variable, as_variable

from cygrad_contrib_transformer.arguments import check_dropout, check_flag

__all__ = ["layer_norm", "multi_head_attention", "scaled_dot_product_attention"]


def layer_norm(x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float = 1e-5) -> Variable:
    """``(x - mean) / sqrt(var + eps) * gamma + beta`` over the last axis of ``x``, with the
    biased variance (as ``torch.nn.functional.layer_norm``); ``gamma`` and ``beta`` have
    shape (features,)."""
    x, gamma, beta = as_variable(x), as_variable(gamma), as_variable(beta)
    features = x.shape[-1] if x.ndim else None
    if gamma.shape != (features,) or beta.shape != (features,):
        raise ValueError(
            f"layer_norm: gamma {gamma.shape} and beta {beta.shape} must have shape (features,) "
            f"for x of shape {x.shape}"
        )
    centred = x - F.mean(x, axis=-1, keepdims=True)
    variance = F.mean(centred * centred, axis=-1, keepdims=True)
    return centred / F.sqrt(variance + eps) * gamma + beta


def causal_mask(queries: int, keys: int) -> np.ndarray:
    """True where query t may not see key s (s > t): the future of each position."""
    return np.triu(np.ones((queries, keys), dtype=bool), k=1)


def scaled_dot_product_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    *,
    causal: bool = False,
    dropout: float = 0.0,
    rng: RNGLike = None,
) -> Variable:
    """``softmax(q k^T / sqrt(size)) v`` for q (..., Tq, size), k (..., Tk, size), v (..., Tk, dv).

    As ``torch.nn.functional.scaled_dot_product_attention``: with ``causal=True`` query t
    attends to keys 0..t only; ``dropout`` zeroes attention weights with that probability
    while training (none under ``test_mode()``), drawing from ``rng``.
    """
    causal = check_flag("scaled_dot_product_attention", "causal", causal)
    dropout = check_dropout("scaled_dot_product_attention", dropout)
    q, k, v = as_variable(q), as_variable(k), as_variable(v)
    if min(q.ndim, k.ndim, v.ndim) < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: q {q.shape}, k {k.shape} and v {v.shape} do not fit "
            "(expected (..., Tq, size), (..., Tk, size) and (..., Tk, dv))"
        )
    # The scale goes on q, a (Tq, size) operand, rather than on the (Tq, Tk) scores.
    scores = F.matmul(q * (1.0 / math.sqrt(q.shape[-1])), F.transpose(k, _swap_last(k.ndim)))
    if causal:
        scores = F.mask_fill(scores, causal_mask(q.shape[-2], k.shape[-2]), -np.inf)
    weights = F.softmax(scores, axis=-1)
    if dropout:
        weights = F.dropout(weights, dropout, rng=rng)
    return F.matmul(weights, v)


def _swap_last(ndim: int) -> tuple[int, ...]:
    return (*range(ndim - 2), ndim - 1, ndim - 2)


def multi_head_attention(
    x: ArrayLike,
    Wq: ArrayLike, Wk: ArrayLike, Wv: ArrayLike, Wo: ArrayLike,
    bq: ArrayLike, bk: ArrayLike, bv: ArrayLike, bo: ArrayLike,
    *,
    num_heads: int,
    causal: bool = False,
    dropout: float = 0.0,
    rng: RNGLike = None,
) -> Variable:
    """Self-attention of x (batch, T, D) in ``num_heads`` heads of size D / num_heads.

    ``x Wq + bq``, ``x Wk + bk``, ``x Wv + bv`` (weights (D, D), biases (D,)) are cut into
    heads, each attended with ``scaled_dot_product_attention``, joined again and projected by
    ``Wo, bo``. This is ``torch.nn.MultiheadAttention`` with its weights transposed
    (``x @ W``, not ``x @ W.T``).
    """
    num_heads = check_size("multi_head_attention", "num_heads", num_heads)
    x = as_variable(x)
    if x.ndim != 3 or x.shape[-1] % num_heads:
        raise ValueError(
            f"multi_head_attention: expected x of shape (batch, T, D) with D divisible by "
            f"num_heads {num_heads}, got {x.shape}"
        )
    batch, steps, dim = x.shape
    size = dim // num_heads

    def heads(W: Any, b: Any) -> Variable:
        # (batch, T, D) -> (batch, heads, T, size)
        y = F.linear(x, W, b)
        return y.reshape(batch, steps, num_heads, size).transpose(0, 2, 1, 3)

    attended = scaled_dot_product_attention(
        heads(Wq, bq), heads(Wk, bk), heads(Wv, bv), causal=causal, dropout=dropout, rng=rng
    )
    joined = attended.transpose(0, 2, 1, 3).reshape(batch, steps, dim)
    return F.linear(joined, Wo, bo)
