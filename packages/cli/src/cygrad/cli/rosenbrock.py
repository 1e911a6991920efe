"""Gradient descent on the Rosenbrock function from (0, 2), printing the path.

The function 100*(x1 - x0**2)**2 + (x0 - 1)**2 has its minimum 0 at (1, 1), at the end of a
long curved valley that plain gradient descent follows slowly.
"""
from __future__ import annotations

import argparse

from cygrad.options import positive_number, whole_number
from cygrad.variable import Variable


def rosenbrock(x0: Variable, x1: Variable) -> Variable:
    return 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2


def run(args: argparse.Namespace) -> int:
    x0, x1 = Variable(0.0, name="x0"), Variable(2.0, name="x1")
    for i in range(args.iters + 1):
        y = rosenbrock(x0, x1)
        if i % args.every == 0 or i == args.iters:
            print(f"{i:6d}  x0={x0.item():.10f}  x1={x1.item():.10f}  f={y.item():.3e}")
        if i == args.iters:
            break
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        assert x0.grad is not None and x1.grad is not None, "backward gave both a gradient"
        x0.data = x0.data - args.lr * x0.grad.data
        x1.data = x1.data - args.lr * x1.grad.data
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("rosenbrock", help="gradient descent on the Rosenbrock function",
                       description=__doc__)
    p.add_argument("--iters", type=whole_number(0), default=10000,
                   help="number of steps (default 10000)")
    p.add_argument("--lr", type=positive_number, default=0.001,
                   help="learning rate (default 0.001)")
    p.add_argument("--every", type=whole_number(1), default=1000,
                   help="print the position every N steps, and after the last (default 1000)")
    p.set_defaults(func=run)
