"""W5: per-operation overhead, ``y = x*x + x`` on x = [3.0], forward and backward (us/repetition).

Every repetition builds a fresh graph, so this measures the engine's fixed cost per operation
(recording, the backward walk, gradient bookkeeping) against NumPy's own per-call cost on a
1-element array. The hand-written backward is what a person would write for dy/dx = 2x + 1
with the seed gradient 1: ``gx = 2*x + 1``.
"""
from __future__ import annotations

import numpy as np

from benchmarks.workload import Results, Run, Workload

STEPS = 100000


def numpy_prepare(steps: int) -> Run:
    def run() -> Results:
        x = np.array([3.0])
        y = gx = x
        for _ in range(steps):
            y = x * x + x
            gx = 2.0 * x + 1.0
        return {"y": y, "dx": gx}

    return run


def cygrad_prepare(steps: int) -> Run:
    from cygrad.variable import Variable

    def run() -> Results:
        x = Variable(np.array([3.0]))
        y = x
        for _ in range(steps):
            x.cleargrad()
            y = x * x + x
            y.backward()
        return {"y": y.data, "dx": x.grad.data}

    return run


def torch_prepare(steps: int) -> Run:
    import torch

    def run() -> Results:
        x = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(steps):
            x.grad = None
            y = x * x + x
            y.backward(torch.ones_like(y))
        return {"y": y.detach().numpy(), "dx": x.grad.numpy()}

    return run


WORKLOADS = [
    Workload(
        id="W5",
        title="per-op overhead",
        unit="us/repetition",
        unit_factor=1e6,
        steps=STEPS,
        quick_steps=2000,
        numpy=numpy_prepare,
        cygrad=cygrad_prepare,
        torch=torch_prepare,
        requires=("cygrad.variable.Variable",),
        expected=lambda steps: {"y": 12.0, "dx": 7.0},
        expected_tol=0.0,
        target=0.6,
        stretch=0.4,
    )
]
