"""Starting numbers shared by every implementation, and loading them into a cygrad model."""
from __future__ import annotations

from typing import Any

import numpy as np


def linear_weights(rng: np.random.Generator, sizes: list[int],
                   dtype: Any = np.float64) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(W, b)`` per layer for layer sizes ``[in, h1, ..., out]``, drawn as BENCHMARKS.md says.

    ``W = standard_normal((in, out)) * sqrt(1/in)`` drawn in float64 layer by layer, then cast
    to ``dtype``; ``b`` is zeros.
    """
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = rng.standard_normal((n_in, n_out)) * np.sqrt(1.0 / n_in)
        layers.append((w.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return layers


def load_params(model: Any, arrays: dict[str, np.ndarray]) -> None:
    """Overwrite ``model.params()`` with copies of ``arrays`` (same names, same shapes).

    A model whose parameter names or shapes differ from the ones the benchmark expects
    raises ValueError: that is a disagreement with DESIGN.md, never something to skip.
    """
    params = model.params()
    if list(params.keys()) != list(arrays):
        raise ValueError(
            f"load_params: model parameters {list(params.keys())}, expected {list(arrays)}"
        )
    for name, value in arrays.items():
        p = params[name]
        if p.shape != value.shape:
            raise ValueError(f"load_params: {name} has shape {p.shape}, expected {value.shape}")
        p.data = value.copy()
