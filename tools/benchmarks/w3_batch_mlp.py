"""W3: a batch MLP 784-128-128-10 with softmax cross entropy, SGD lr 0.1 (ms/iteration).

x = ``default_rng(0).random((64, 784))``, labels ``integers(0, 10, 64)`` from the same stream,
then the weights. Four variants: float64 and float32, sigmoid and ReLU hidden activations.
Here the work is in the matrix products, so the ratio shows what the engine adds around them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.common import cygrad_mlp_run, linear_weights
from benchmarks.workload import Prepare, Results, Run, Workload

LR = 0.1
SIZES = [784, 128, 128, 10]
BATCH = 64


def _start(dtype: Any) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, SIZES[0]))
    labels = rng.integers(0, SIZES[-1], BATCH)
    return x.astype(dtype), labels, linear_weights(rng, SIZES, dtype)


def _params(layers: list) -> dict[str, np.ndarray]:
    return {f"{k}.{n}": v for k, (w, b) in enumerate(layers) for n, v in (("W", w), ("b", b))}


def _act(kind: str):
    """The activation and its derivative written in terms of the activation's output."""
    if kind == "sigmoid":
        return (lambda a: 1.0 / (1.0 + np.exp(-a))), (lambda h: h * (1.0 - h))
    return (lambda a: np.maximum(a, 0.0)), (lambda h: h > 0.0)


def numpy_prepare(dtype: Any, kind: str) -> Prepare:
    act, dact = _act(kind)

    def prepare(steps: int) -> Run:
        x, labels, layers = _start(dtype)
        (w0, b0), (w1, b1), (w2, b2) = layers
        rows = np.arange(BATCH)

        def run() -> Results:
            losses = np.empty(steps)
            for k in range(steps):
                h0 = act(x @ w0 + b0)
                h1 = act(h0 @ w1 + b1)
                z = h1 @ w2 + b2
                z = z - z.max(axis=1, keepdims=True)
                e = np.exp(z)
                s = e.sum(axis=1, keepdims=True)
                losses[k] = -np.mean(z[rows, labels] - np.log(s[:, 0]))
                gz = e / s
                gz[rows, labels] -= 1.0
                gz /= BATCH
                gw2, gb2 = h1.T @ gz, gz.sum(axis=0)
                ga1 = (gz @ w2.T) * dact(h1)
                gw1, gb1 = h0.T @ ga1, ga1.sum(axis=0)
                ga0 = (ga1 @ w1.T) * dact(h0)
                gw0, gb0 = x.T @ ga0, ga0.sum(axis=0)
                for p, g in ((w0, gw0), (b0, gb0), (w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
                    p -= LR * g
            return {**_params(layers), "losses": losses}

        return run

    return prepare


def cygrad_prepare(dtype: Any, kind: str) -> Prepare:
    def prepare(steps: int) -> Run:
        x, labels, layers = _start(dtype)
        return cygrad_mlp_run([128, 128, 10], kind, "softmax_cross_entropy", x, labels,
                              _params(layers), LR, steps)

    return prepare


def torch_prepare(dtype: Any, kind: str) -> Prepare:
    def prepare(steps: int) -> Run:
        import torch

        x0, labels, layers = _start(dtype)
        x, t = torch.from_numpy(x0), torch.from_numpy(labels)
        names = list(_params(layers))
        params = [torch.tensor(a, requires_grad=True) for a in _params(layers).values()]
        optimizer = torch.optim.SGD(params, lr=LR)
        act = torch.sigmoid if kind == "sigmoid" else torch.relu

        def run() -> Results:
            w0, b0, w1, b1, w2, b2 = params
            losses = np.empty(steps)
            for k in range(steps):
                z = act(act(x @ w0 + b0) @ w1 + b1) @ w2 + b2
                loss = torch.nn.functional.cross_entropy(z, t)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses[k] = loss.item()
            return {**{n: p.detach().numpy().copy() for n, p in zip(names, params)},
                    "losses": losses}

        return run

    return prepare


def _workload(dtype: Any, kind: str) -> Workload:
    f64 = dtype == np.float64
    return Workload(
        id=f"W3-{np.dtype(dtype).name.replace('float', 'f')}-{kind}",
        title=f"batch MLP {np.dtype(dtype).name} {kind}",
        unit="ms/iteration",
        unit_factor=1e3,
        steps=100,
        quick_steps=3,
        numpy=numpy_prepare(dtype, kind),
        cygrad=cygrad_prepare(dtype, kind),
        torch=torch_prepare(dtype, kind),
        requires=(
            "cygrad.models.MLP",
            "cygrad.optimizers.SGD",
            f"cygrad.functions.{kind}",
            "cygrad.functions.softmax_cross_entropy",
        ),
        # float32 runs round differently wherever two implementations order a sum or an
        # activation formula differently; 100 SGD steps keep that near float32 precision.
        rtol=1e-9 if f64 else 1e-4,
        target=1.05 if f64 else 1.08,
        stretch=1.02,
        memory_runs=5,
    )


WORKLOADS = [
    _workload(dtype, kind)
    for kind in ("sigmoid", "relu")
    for dtype in (np.float64, np.float32)
]
