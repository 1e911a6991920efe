#!/usr/bin/env python3
"""conv2d forward + backward, cygrad-contrib-vision against PyTorch CPU, one thread each.

The workload of issue 14: a (64, 3, 32, 32) batch, 16 filters of 3x3 (stride 1, pad 1) and a
bias; one step computes y = conv2d(x, W, b) and backpropagates a fixed cotangent to x, W and
b. Both libraries start from the same numbers and are first checked to agree. Then each is
timed alone in a fresh process, the two alternating (cygrad, torch, cygrad, ...) over several
rounds, and the medians and their ratio are printed, for float32 and float64. A library runs
alone because the C allocator's state is shared within a process: one library's large
temporaries change whether the other's memory is returned to the system and faulted in
again. Times are the process's CPU time, which other processes on a shared machine disturb
far less than wall-clock time: in total (user and system, so such page faults count) and
in user mode alone (the arithmetic, without the faults, which vary from run to run). Not a
test: run it by hand from a checkout, with cygrad, the vision plugin and torch installed,

    .venv/bin/python tools/benchmarks/conv2d.py [--rounds N] [--steps N]
"""
from __future__ import annotations

import os

# Before NumPy and PyTorch load their thread pools (children inherit the environment).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

BATCH, CHANNELS, SIZE, FILTERS, KERNEL, PAD = 64, 3, 32, 16, 3, 1
WARMUP = 5
Step = Callable[[], dict[str, np.ndarray]]


def start(dtype: Any) -> dict[str, np.ndarray]:
    """The shared starting numbers: images, filters, bias, and the cotangent of y."""
    rng = np.random.default_rng(0)
    fan_in = CHANNELS * KERNEL * KERNEL
    return {
        "x": rng.standard_normal((BATCH, CHANNELS, SIZE, SIZE)).astype(dtype),
        "W": (rng.standard_normal((FILTERS, CHANNELS, KERNEL, KERNEL)) / np.sqrt(fan_in)).astype(dtype),
        "b": rng.standard_normal(FILTERS).astype(dtype),
        "gy": rng.standard_normal((BATCH, FILTERS, SIZE, SIZE)).astype(dtype),
    }


def cygrad_step(arrays: dict[str, np.ndarray]) -> Step:
    from cygrad.variable import Variable
    from cygrad_contrib_vision.functions import conv2d

    x, W, b = (Variable(arrays[k]) for k in ("x", "W", "b"))
    gy = Variable(arrays["gy"])

    def step() -> dict[str, np.ndarray]:
        for v in (x, W, b):
            v.cleargrad()
        y = conv2d(x, W, b, 1, PAD)
        y.grad = gy
        y.backward()
        return {"y": y.data, "gx": x.grad.data, "gW": W.grad.data, "gb": b.grad.data}

    return step


def torch_step(arrays: dict[str, np.ndarray]) -> Step:
    import torch

    torch.set_num_threads(1)
    x, W, b = (torch.tensor(arrays[k], requires_grad=True) for k in ("x", "W", "b"))
    gy = torch.tensor(arrays["gy"])

    def step() -> dict[str, np.ndarray]:
        for t in (x, W, b):
            t.grad = None
        y = torch.nn.functional.conv2d(x, W, b, stride=1, padding=PAD)
        y.backward(gy)
        return {"y": y.detach().numpy(), "gx": x.grad.numpy(), "gW": W.grad.numpy(),
                "gb": b.grad.numpy()}

    return step


STEPS = {"cygrad": cygrad_step, "torch": torch_step}


def check_agreement(dtype: Any) -> None:
    arrays = start(dtype)
    ours, theirs = cygrad_step(arrays)(), torch_step(arrays)()
    tol = 1e-3 if dtype == np.float32 else 1e-9
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=tol, atol=tol, err_msg=name)


def child(library: str, dtype: str, steps: int) -> None:
    """Time ``steps`` steps of ``library`` in this process; print the CPU ms (in total and in
    user mode) and the page faults per step."""
    step = STEPS[library](start(np.dtype(dtype)))
    for _ in range(WARMUP):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(steps):
        step()
    after = resource.getrusage(resource.RUSAGE_SELF)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print((user + system) / steps * 1e3, user / steps * 1e3,
          (after.ru_minflt - before.ru_minflt) / steps)


def measure(library: str, dtype: str, steps: int) -> tuple[float, ...]:
    """(total ms, user ms, page faults) per step of ``library``, timed in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", library, "--dtype", dtype, "--steps", str(steps)],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    return tuple(float(v) for v in out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (default 7)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round (default 20)")
    parser.add_argument("--child", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float32", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dtype, args.steps)
        return
    print(f"conv2d forward+backward: x ({BATCH}, {CHANNELS}, {SIZE}, {SIZE}), W ({FILTERS}, "
          f"{CHANNELS}, {KERNEL}, {KERNEL}), pad {PAD}; one thread; CPU time, medians of "
          f"{args.rounds} rounds of {args.steps} steps, each library in its own process")
    for dtype in ("float32", "float64"):
        check_agreement(np.dtype(dtype))
        rounds: dict[str, list[tuple[float, ...]]] = {name: [] for name in STEPS}
        for _ in range(args.rounds):
            for name in STEPS:
                rounds[name].append(measure(name, dtype, args.steps))
        total, user, faults = (
            {name: statistics.median(m[k] for m in r) for name, r in rounds.items()}
            for k in range(3)
        )
        print(f"{dtype}: cygrad {total['cygrad']:.2f} ms ({user['cygrad']:.2f} user, "
              f"{faults['cygrad']:.0f} page faults), torch {total['torch']:.2f} ms "
              f"({user['torch']:.2f} user, {faults['torch']:.0f} page faults); ratio "
              f"{total['cygrad'] / total['torch']:.2f}x ({user['cygrad'] / user['torch']:.2f}x user)")


if __name__ == "__main__":
    main()
