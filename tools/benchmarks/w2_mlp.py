"""W2: the seed's MLP, ``MLP([10, 10, 1])`` with sigmoid, trained by SGD (us/iteration).

Input x = [[1, 2, 3]] (1, 3), target [0, 1, 0] (3,): the (1, 1) output broadcasts against the
target and the loss is the mean over the three elements; SGD lr 0.01, 1000 iterations.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import cygrad_mlp_run, linear_weights
from benchmarks.workload import Results, Run, Workload

LR = 0.01
SIZES = [3, 10, 10, 1]
X = [[1.0, 2.0, 3.0]]
T = [0.0, 1.0, 0.0]


def _start() -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    return np.array(X), np.array(T), linear_weights(np.random.default_rng(0), SIZES)


def _params(layers: list) -> dict[str, np.ndarray]:
    return {f"{k}.{n}": v for k, (w, b) in enumerate(layers) for n, v in (("W", w), ("b", b))}


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def numpy_prepare(steps: int) -> Run:
    x, t, layers = _start()
    (w0, b0), (w1, b1), (w2, b2) = layers

    def run() -> Results:
        losses = np.empty(steps)
        for k in range(steps):
            h0 = _sigmoid(x @ w0 + b0)
            h1 = _sigmoid(h0 @ w1 + b1)
            y = h1 @ w2 + b2
            d = y - t
            losses[k] = np.mean(d**2)
            gy = (2.0 / d.size * d).sum(axis=1, keepdims=True)
            gw2, gb2 = h1.T @ gy, gy.sum(axis=0)
            ga1 = (gy @ w2.T) * h1 * (1.0 - h1)
            gw1, gb1 = h0.T @ ga1, ga1.sum(axis=0)
            ga0 = (ga1 @ w1.T) * h0 * (1.0 - h0)
            gw0, gb0 = x.T @ ga0, ga0.sum(axis=0)
            for p, g in ((w0, gw0), (b0, gb0), (w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
                p -= LR * g
        return {**_params(layers), "losses": losses}

    return run


def cygrad_prepare(steps: int) -> Run:
    x, t, layers = _start()
    return cygrad_mlp_run([10, 10, 1], "sigmoid", "mean_squared_error", x, t,
                          _params(layers), LR, steps)


def torch_prepare(steps: int) -> Run:
    import torch

    x0, t0, layers = _start()
    x, t = torch.from_numpy(x0), torch.from_numpy(t0)
    params = [torch.tensor(a, requires_grad=True) for a in _params(layers).values()]
    optimizer = torch.optim.SGD(params, lr=LR)

    def run() -> Results:
        w0, b0, w1, b1, w2, b2 = params
        losses = np.empty(steps)
        for k in range(steps):
            h0 = torch.sigmoid(x @ w0 + b0)
            h1 = torch.sigmoid(h0 @ w1 + b1)
            loss = torch.mean((h1 @ w2 + b2 - t) ** 2)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[k] = loss.item()
        names = _params(layers)
        return {**{n: p.detach().numpy().copy() for n, p in zip(names, params)}, "losses": losses}

    return run


WORKLOADS = [
    Workload(
        id="W2",
        title="seed MLP 3-10-10-1",
        unit="us/iteration",
        unit_factor=1e6,
        steps=1000,
        quick_steps=50,
        numpy=numpy_prepare,
        cygrad=cygrad_prepare,
        torch=torch_prepare,
        requires=(
            "cygrad.models.MLP",
            "cygrad.optimizers.SGD",
            "cygrad.functions.sigmoid",
            "cygrad.functions.mean_squared_error",
        ),
        target=1.3,
        stretch=1.0,
    )
]
