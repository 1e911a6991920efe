"""W4: LSTM(32) then Linear(32 -> 1) predicting a sine curve, truncated BPTT (s/epoch).

``seq[k] = sin(2*pi*k/25)``; step k feeds [[seq[k]]] and scores [[seq[k+1]]] with squared
error; losses add up and after every 30th step and the last: clear grads, backward, unchain,
SGD lr 0.01. Gates [f, i, o, u] from one fused product; c' = f*c + i*u, h' = o*tanh(c').
The state carries across truncation windows; gradients stop at the window's first state.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import load_params
from benchmarks.workload import Results, Run, Workload

LR = 0.01
HIDDEN = 32
BPTT = 30
EPOCH = 1000


def _start() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The sequence and the parameters under the model's names, drawn layer by layer."""
    seq = np.sin(2 * np.pi * np.arange(EPOCH + 1) / 25)
    rng = np.random.default_rng(0)
    h4 = 4 * HIDDEN
    params = {
        "0.Wx": rng.standard_normal((1, h4)) * np.sqrt(1.0),
        "0.Wh": rng.standard_normal((HIDDEN, h4)) * np.sqrt(1.0 / HIDDEN),
        "0.b": np.zeros(h4),
        "1.W": rng.standard_normal((HIDDEN, 1)) * np.sqrt(1.0 / HIDDEN),
        "1.b": np.zeros(1),
    }
    return seq, params


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _window_grads(cache: list, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Backpropagate the summed squared errors of one window through its steps."""
    H = HIDDEN
    g = {name: np.zeros_like(v) for name, v in p.items()}
    gh_next = np.zeros((1, H))
    gc_next = np.zeros((1, H))
    for x, h, c, f, i, o, u, tc, h_new, d in reversed(cache):
        gy = 2.0 * d
        g["1.W"] += h_new.T @ gy
        g["1.b"] += gy[0]
        gh = gy @ p["1.W"].T + gh_next
        gc = gh * o * (1.0 - tc**2) + gc_next
        gz = np.concatenate(
            [gc * c * f * (1.0 - f), gc * u * i * (1.0 - i), gh * tc * o * (1.0 - o),
             gc * i * (1.0 - u**2)],
            axis=1,
        )
        gc_next = gc * f
        g["0.Wx"] += x.T @ gz
        g["0.Wh"] += h.T @ gz
        g["0.b"] += gz[0]
        gh_next = gz @ p["0.Wh"].T
    return g


def numpy_prepare(steps: int) -> Run:
    seq, p = _start()
    xs = [np.array([[v]]) for v in seq]
    H = HIDDEN

    def run() -> Results:
        h, c = np.zeros((1, H)), np.zeros((1, H))
        cache: list = []
        window_loss = 0.0
        losses = []
        for k in range(steps):
            z = xs[k] @ p["0.Wx"] + h @ p["0.Wh"] + p["0.b"]
            f = _sigmoid(z[:, :H])
            i = _sigmoid(z[:, H:2 * H])
            o = _sigmoid(z[:, 2 * H:3 * H])
            u = np.tanh(z[:, 3 * H:])
            c_new = f * c + i * u
            tc = np.tanh(c_new)
            h_new = o * tc
            d = h_new @ p["1.W"] + p["1.b"] - xs[k + 1]
            window_loss = window_loss + np.mean(d**2)
            cache.append((xs[k], h, c, f, i, o, u, tc, h_new, d))
            h, c = h_new, c_new
            if (k + 1) % BPTT == 0 or k + 1 == steps:
                for name, grad in _window_grads(cache, p).items():
                    p[name] -= LR * grad
                losses.append(window_loss)
                cache.clear()
                window_loss = 0.0
        return {**{n: v.copy() for n, v in p.items()}, "window losses": np.array(losses)}

    return run


def cygrad_prepare(steps: int) -> Run:
    import cygrad.functions as F
    from cygrad.models import LSTM
    from cygrad.optimizers import SGD

    seq, params = _start()
    xs = [np.array([[v]]) for v in seq]  # data as ndarrays: no gradient is computed for them
    targets = [np.array([[v]]) for v in seq]
    model = LSTM(HIDDEN, 1)
    model(xs[0])  # creates the lazily shaped weights, then they are replaced
    model.reset_state()
    load_params(model, params)
    optimizer = SGD(lr=LR)

    def run() -> Results:
        loss = 0
        losses = []
        for k in range(steps):
            loss = loss + F.mean_squared_error(model(xs[k]), targets[k + 1])
            if (k + 1) % BPTT == 0 or k + 1 == steps:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update(model)
                losses.append(loss.data.item())
                loss = 0
        final = {name: p.data.copy() for name, p in model.params().items()}
        return {**final, "window losses": np.array(losses)}

    return run


def torch_prepare(steps: int) -> Run:
    import torch

    seq, params = _start()
    xs = [torch.tensor([[v]], dtype=torch.float64) for v in seq]
    names = list(params)
    tensors = [torch.tensor(a, requires_grad=True) for a in params.values()]
    optimizer = torch.optim.SGD(tensors, lr=LR)
    H = HIDDEN

    def run() -> Results:
        wx, wh, b, w, bl = tensors
        h = torch.zeros((1, H), dtype=torch.float64)
        c = torch.zeros((1, H), dtype=torch.float64)
        loss = 0
        losses = []
        for k in range(steps):
            z = xs[k] @ wx + h @ wh + b
            f, i, o = torch.sigmoid(z[:, :3 * H]).split(H, dim=1)
            c = f * c + i * torch.tanh(z[:, 3 * H:])
            h = o * torch.tanh(c)
            loss = loss + torch.mean((h @ w + bl - xs[k + 1]) ** 2)
            if (k + 1) % BPTT == 0 or k + 1 == steps:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                h, c, loss = h.detach(), c.detach(), 0
        final = {n: t.detach().numpy().copy() for n, t in zip(names, tensors)}
        return {**final, "window losses": np.array(losses)}

    return run


WORKLOADS = [
    Workload(
        id="W4",
        title="LSTM sine, truncated BPTT",
        unit="s/epoch",
        # steps are timed; an epoch is 1000 of them
        unit_factor=float(EPOCH),
        steps=EPOCH,
        quick_steps=60,
        numpy=numpy_prepare,
        cygrad=cygrad_prepare,
        torch=torch_prepare,
        requires=(
            "cygrad.models.LSTM",
            "cygrad.optimizers.SGD",
            "cygrad.functions.mean_squared_error",
        ),
        target=1.15,
        stretch=1.0,
        memory_runs=10,  # the memory check: a 10,000-step run
    )
]
