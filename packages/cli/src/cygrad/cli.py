"""The ``cygrad`` command: demos and developer tools from the command line."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

import numpy as np

from cygrad.variable import Variable


def rosenbrock(x0: Variable, x1: Variable) -> Variable:
    return 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2


def cmd_rosenbrock(args: argparse.Namespace) -> int:
    """Gradient descent on the Rosenbrock function from (0, 2), printing the trajectory."""
    x0, x1 = Variable(0.0, name="x0"), Variable(2.0, name="x1")
    for i in range(args.iters + 1):
        if i % args.every == 0 or i == args.iters:
            y = rosenbrock(x0, x1)
            print(f"{i:6d}  x0={x0.item(): .10f}  x1={x1.item(): .10f}  f={y.item():.3e}")
        if i == args.iters:
            break
        y = rosenbrock(x0, x1)
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data = x0.data - args.lr * x0.grad.data
        x1.data = x1.data - args.lr * x1.grad.data
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cygrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("rosenbrock", help=cmd_rosenbrock.__doc__)
    p.add_argument("--iters", type=int, default=10000, help="number of updates (default 10000)")
    p.add_argument("--lr", type=float, default=0.001, help="learning rate (default 0.001)")
    p.add_argument("--every", type=int, default=1000, help="print every N updates (default 1000)")
    p.set_defaults(func=cmd_rosenbrock)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    np.set_printoptions(precision=10)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
