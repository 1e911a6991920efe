"""Starting numbers shared by every implementation, and the cygrad MLP training run."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def linear_weights(rng: np.random.Generator, sizes: list[int],
                   dtype: Any = np.float64) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(W, b)`` per layer for layer sizes ``[in, h1, ..., out]``, drawn the benchmarks' way.

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


def cygrad_mlp_run(
    sizes: list[int], activation: str, loss: str, x: np.ndarray, t: np.ndarray,
    layers: dict[str, np.ndarray], lr: float, steps: int,
) -> Callable[[], dict[str, np.ndarray]]:
    """The cygrad side of W2 and W3: ``MLP(sizes)`` from ``layers``' weights, trained with
    SGD on ``loss(model(x), t)``; the run returns the final parameters and every loss."""
    import cygrad.functions as F
    from cygrad.models import MLP
    from cygrad.optimizers import SGD

    model = MLP(sizes, activation=getattr(F, activation))
    model(x)  # creates the lazily shaped weights, then they are replaced
    load_params(model, layers)
    optimizer = SGD(lr=lr)
    loss_fn = getattr(F, loss)

    def run() -> dict[str, np.ndarray]:
        losses = np.empty(steps)
        for k in range(steps):
            value = loss_fn(model(x), t)  # data as ndarrays: no gradient is computed for it
            model.cleargrads()
            value.backward()
            optimizer.update(model)
            losses[k] = value.data
        # The model's own arrays, as the NumPy baseline returns its own: the model is not used
        # after the run, and copying every weight is no part of a training step.
        params = {name: p.data for name, p in model.params().items()}
        return {**params, "losses": losses}

    return run
