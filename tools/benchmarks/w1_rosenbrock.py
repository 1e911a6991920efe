"""W1: gradient descent on the Rosenbrock function, two 0-d variables (us/iteration).

``f = 100*(x1 - x0**2)**2 + (x0 - 1)**2`` from x0=0, x1=2 with lr 0.001; each iteration
clears the gradients, runs forward and backward, and updates both variables in place.
"""
from __future__ import annotations

import numpy as np

from benchmarks.workload import Results, Run, Workload

LR = 0.001
STEPS = 10000


def numpy_prepare(steps: int) -> Run:
    def run() -> Results:
        x0, x1 = np.array(0.0), np.array(2.0)
        for _ in range(steps):
            t = x1 - x0**2
            d = x0 - 1.0
            y = 100.0 * t**2 + d**2
            gt = 200.0 * t
            gx0 = -2.0 * x0 * gt + 2.0 * d
            x0 -= LR * gx0
            x1 -= LR * gt
        return {"x0": x0.copy(), "x1": x1.copy(), "last loss": np.asarray(y)}

    return run


def cygrad_prepare(steps: int) -> Run:
    from cygrad.variable import Variable

    def run() -> Results:
        x0, x1 = Variable(np.array(0.0)), Variable(np.array(2.0))
        for _ in range(steps):
            x0.cleargrad()
            x1.cleargrad()
            y = 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2
            y.backward()
            # The gradients are 0-d: read as Python floats, the step is scalar arithmetic
            # as in the NumPy reference (whose 0-d arithmetic gives NumPy scalars), where
            # ``LR * x0.grad.data`` would be one more ufunc call on a 0-d array per variable.
            x0.data -= LR * x0.grad.item()
            x1.data -= LR * x1.grad.item()
        return {"x0": x0.data.copy(), "x1": x1.data.copy(), "last loss": y.data}

    return run


def torch_prepare(steps: int) -> Run:
    import torch

    def run() -> Results:
        x0 = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        for _ in range(steps):
            x0.grad = None
            x1.grad = None
            y = 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2
            y.backward()
            with torch.no_grad():
                x0 -= LR * x0.grad
                x1 -= LR * x1.grad
        return {"x0": x0.detach().numpy().copy(), "x1": x1.detach().numpy().copy(),
                "last loss": y.detach().numpy()}

    return run


def _expected(steps: int) -> dict[str, float] | None:
    return {"x0": 0.994498436778, "x1": 0.989005052742} if steps == STEPS else None


WORKLOADS = [
    Workload(
        id="W1",
        title="Rosenbrock descent",
        unit="us/iteration",
        unit_factor=1e6,
        steps=STEPS,
        # The final values are only known after the full 10000 iterations, and the full
        # run is short, so quick mode keeps it.
        quick_steps=STEPS,
        numpy=numpy_prepare,
        cygrad=cygrad_prepare,
        torch=torch_prepare,
        requires=("cygrad.variable.Variable",),
        expected=_expected,
        expected_tol=1e-9,
        target=1.2,
        stretch=0.8,
    )
]
