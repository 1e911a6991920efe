"""batch_norm: normalise each channel over the batch, then scale and shift it."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

import cygrad.functions as F
from cygrad.variable import Variable, config

from cygrad_contrib_vision.functions.window import operand

__all__ = ["batch_norm"]


def _stat_array(name: str, value: Any, channels: int) -> np.ndarray | None:
    """The array of a running statistic (a Variable's own data, updated in place)."""
    if value is None:
        return None
    data = value.data if isinstance(value, Variable) else value
    if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
        raise TypeError(
            f"batch_norm: {name} must be a float ndarray or Variable (it is updated in place), "
            f"got {type(value).__name__}"
        )
    if data.shape != (channels,):
        raise ValueError(
            f"batch_norm: {name} must have shape ({channels},) for {channels} channels, "
            f"got {data.shape}"
        )
    return data


def batch_norm(
    x: ArrayLike,
    gamma: ArrayLike,
    beta: ArrayLike,
    running_mean: ArrayLike | None = None,
    running_var: ArrayLike | None = None,
    *,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Variable:
    """``gamma * (x - mean) / sqrt(var + eps) + beta`` per channel (axis 1) of ``x`` of shape
    (N, C) or (N, C, H, W), with ``gamma`` and ``beta`` of shape (C,).

    In training (the default; see ``cygrad.variable.test_mode``) ``mean`` and ``var`` are the
    batch's, the variance biased, and the running statistics, when given, are updated in
    place as PyTorch does: ``running = (1 - momentum) * running + momentum * batch``, with the
    unbiased variance. Under ``test_mode`` the running statistics are used instead (the
    batch's when none are given), as constants. Differentiable to any order.
    """
    x = operand(x)
    if x.ndim not in (2, 4):
        raise ValueError(f"batch_norm: x must have shape (N, C) or (N, C, H, W), got {x.shape}")
    channels = x.shape[1]
    for name, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != (channels,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({channels},) for x of shape {x.shape}, "
                f"got {np.shape(p)}"
            )
    if isinstance(momentum, bool) or not (isinstance(momentum, (int, float)) and 0 <= momentum <= 1):
        raise ValueError(f"batch_norm: momentum must be a number in [0, 1], got {momentum!r}")
    if isinstance(eps, bool) or not (isinstance(eps, (int, float)) and eps > 0):
        raise ValueError(f"batch_norm: eps must be a number above 0, got {eps!r}")
    mean = _stat_array("running_mean", running_mean, channels)
    var = _stat_array("running_var", running_var, channels)
    if (mean is None) != (var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    axes = (0, *range(2, x.ndim))
    per_channel = (channels,) + (1,) * (x.ndim - 2)
    if config.train or mean is None:
        count = math.prod(x.shape[a] for a in axes)
        if count < 2:
            raise ValueError(
                f"batch_norm: training needs more than one value per channel, got x of shape "
                f"{x.shape}"
            )
        centred = x - F.mean(x, axis=axes, keepdims=True)
        batch_var = F.mean(centred * centred, axis=axes, keepdims=True)
        normalised = centred / F.sqrt(batch_var + eps)
        if mean is not None and config.train:
            batch_mean = (x.data if isinstance(x, Variable) else x).mean(axis=axes)
            mean *= 1 - momentum
            mean += momentum * batch_mean
            var *= 1 - momentum
            var += momentum * batch_var.data.reshape(channels) * (count / (count - 1))
    else:
        scale = 1 / np.sqrt(var + eps)
        normalised = (x - mean.reshape(per_channel)) * scale.reshape(per_channel)
    return normalised * F.reshape(gamma, per_channel) + F.reshape(beta, per_channel)
