"""The graph that computes a function's n-th derivative, as Graphviz DOT text.

Render it with Graphviz, for example: cygrad dot --func tanh --order 2 | dot -Tpng -o g.png
"""
from __future__ import annotations

import argparse
import inspect
from typing import Any, Callable

import numpy as np

import cygrad.functions as F
from cygrad.options import finite_number, output_file, whole_number
from cygrad.dot import to_dot
from cygrad.variable import Variable, no_grad


def _takes_one_argument(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [p for p in params
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return len(required) == 1 and required[0].kind != required[0].KEYWORD_ONLY


def _accepts_a_scalar(fn: Callable[..., Any]) -> bool:
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


def function_name(text: str) -> Callable[[Variable], Variable]:
    """A ``type=`` for ``--func``: the named one-argument function of cygrad.functions."""
    functions = unary_functions()
    if text not in functions:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a function of one variable in cygrad.functions; "
            f"choose one of: {', '.join(sorted(functions))}"
        )
    return functions[text]


def run(args: argparse.Namespace) -> int:
    text = to_dot(derivative_graph(args.function, args.order, args.at), verbose=args.verbose)
    if args.output is None:
        print(text, end="")
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("dot", help="the graph of a derivative as Graphviz DOT text",
                       description=__doc__)
    p.add_argument("--func", dest="function", type=function_name, default="tanh", metavar="NAME",
                   help="a function of one variable from cygrad.functions, such as tanh, sin, "
                        "exp or sigmoid (default tanh)")
    p.add_argument("--order", type=whole_number(0), default=1,
                   help="which derivative; 0 draws the function itself (default 1)")
    p.add_argument("--at", type=finite_number, default=1.0, help="the point x (default 1.0)")
    p.add_argument("--verbose", action="store_true",
                   help="label each value with its shape and data type")
    p.add_argument("--output", type=output_file, metavar="FILE",
                   help="write to FILE instead of standard output")
    p.set_defaults(func=run)
