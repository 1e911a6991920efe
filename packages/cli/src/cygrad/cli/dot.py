"""``cygrad dot``: Graphviz DOT text of the graph of an n-th derivative, e.g. of tanh at 1."""
from __future__ import annotations

import argparse
import inspect
import sys
from typing import Callable

import numpy as np

import cygrad.functions as F
from cygrad.dot import to_dot
from cygrad.variable import Variable, no_grad


def _takes_one_argument(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [p for p in params
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return len(required) == 1 and required[0].kind != required[0].KEYWORD_ONLY


def _accepts_a_scalar(fn: Callable) -> bool:
    """Whether ``fn(Variable(0.5))`` gives a Variable (``concat`` takes one argument: a list)."""
    try:
        with no_grad():
            return isinstance(fn(Variable(0.5)), Variable)
    except Exception:  # whatever the reason, it is not a function of one Variable
        return False


def unary_functions() -> dict[str, Callable[[Variable], Variable]]:
    """The functions of ``cygrad.functions`` that map one Variable to one Variable."""
    return {
        name: getattr(F, name) for name in F.__all__
        if _takes_one_argument(getattr(F, name)) and _accepts_a_scalar(getattr(F, name))
    }


def derivative_graph(fn: Callable[[Variable], Variable], order: int, at: float = 1.0) -> Variable:
    """The ``order``-th derivative of ``fn`` at ``at``, its graph recorded by double backprop."""
    x = Variable(at, name="x")
    y = fn(x)
    y.name = "y"
    for i in range(order):
        x.cleargrad()
        y.backward(create_graph=True)
        # No gradient reached x: this derivative is identically zero (neg's second, say).
        y = Variable(np.zeros_like(x.data)) if x.grad is None else x.grad
        y.name = f"gx{i + 1}"
    return y


def run(args: argparse.Namespace) -> int:
    functions = unary_functions()
    if args.function not in functions:
        print(f"cygrad dot: --func {args.function!r} is not a one-argument function of "
              f"cygrad.functions; choose one of: {', '.join(sorted(functions))}", file=sys.stderr)
        return 2
    text = to_dot(derivative_graph(functions[args.function], args.order, args.at),
                  verbose=args.verbose)
    if args.output is None:
        print(text, end="")
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    return 0


def _order(text: str) -> int:
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"order must be 0 or more, got {n}")
    return n


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dot", help=__doc__.split(": ", 1)[1], description=__doc__)
    p.add_argument("--func", dest="function", default="tanh", metavar="NAME",
                   help="a one-argument function of cygrad.functions (default tanh)")
    p.add_argument("--order", type=_order, default=1,
                   help="derivative order; 0 draws the function itself (default 1)")
    p.add_argument("--at", type=float, default=1.0, help="the point x (default 1.0)")
    p.add_argument("--verbose", action="store_true", help="label variables with shape and dtype")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=run)
