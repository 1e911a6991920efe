"""``cygrad rosenbrock``: gradient descent on the Rosenbrock function, printing the trajectory."""
from __future__ import annotations

import argparse

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
        x0.data = x0.data - args.lr * x0.grad.data
        x1.data = x1.data - args.lr * x1.grad.data
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rosenbrock", help=__doc__.split(": ", 1)[1], description=__doc__)
    p.add_argument("--iters", type=int, default=10000, help="number of updates (default 10000)")
    p.add_argument("--lr", type=float, default=0.001, help="learning rate (default 0.001)")
    p.add_argument("--every", type=int, default=1000, help="print every N updates (default 1000)")
    p.set_defaults(func=run)
