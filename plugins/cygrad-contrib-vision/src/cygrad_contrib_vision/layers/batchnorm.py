"""BatchNorm: batch normalisation with learned scale and shift and running statistics."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.variable import Variable

from cygrad_contrib_vision.functions import batch_norm
from cygrad_contrib_vision.layers.base import ChannelLayer

__all__ = ["BatchNorm"]


class BatchNorm(ChannelLayer):
    """``batch_norm`` over the channels (axis 1) of (N, C) or (N, C, H, W) inputs.

    Parameters, created for the channel count on the first call: ``gamma`` (ones) and
    ``beta`` (zeros), learned, and the running statistics ``avg_mean`` (zeros) and
    ``avg_var`` (ones). These two are Parameters so that saving, loading and
    ``state_dict`` carry them, but they never receive a gradient, so optimizers leave
    them alone: training updates them (``momentum`` as in PyTorch), ``test_mode`` uses them.
    """

    in_key = "gamma"
    in_axis = 0
    #: The arguments the registry-wide conformance check builds this layer with.
    example_args = ()

    def __init__(self, *, eps: float = 1e-5, momentum: float = 0.1) -> None:
        if isinstance(eps, bool) or not (isinstance(eps, (int, float)) and eps > 0):
            raise ValueError(f"BatchNorm: eps must be a number above 0, got {eps!r}")
        if isinstance(momentum, bool) or not (
            isinstance(momentum, (int, float)) and 0 <= momentum <= 1
        ):
            raise ValueError(f"BatchNorm: momentum must be a number in [0, 1], got {momentum!r}")
        self.eps = float(eps)
        self.momentum = float(momentum)
        super().__init__(None, None)

    def param_shapes(self, in_size: int) -> dict[str, tuple[int, ...]]:
        return {name: (in_size,) for name in ("gamma", "beta", "avg_mean", "avg_var")}

    def initial_value(self, name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.ones(shape) if name in ("gamma", "avg_var") else np.zeros(shape)

    def forward(self, x: Any) -> list[Variable]:
        """``[y]``, of the shape of ``x``; in training also updates the running statistics."""
        x = self.checked(x, (2, 4))
        p = self._params
        return [
            batch_norm(x, p["gamma"], p["beta"], p["avg_mean"], p["avg_var"],
                       momentum=self.momentum, eps=self.eps)
        ]

    def __repr__(self) -> str:
        return f"BatchNorm(channels={self.in_channels}, eps={self.eps}, momentum={self.momentum})"
