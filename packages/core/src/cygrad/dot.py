"""Graphviz DOT text of the computational graph behind a Variable.

``to_dot(y)`` gives text for ``dot -Tpng``; producing it needs no Graphviz. Variables are
drawn as ellipses, Functions as boxes, edges run input -> function -> output.
"""
from __future__ import annotations

from cygrad.variable import Function, Variable

__all__ = ["to_dot"]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _variable_label(v: Variable, verbose: bool) -> str:
    name = "" if v.name is None else str(v.name)
    if not verbose:
        return name
    detail = f"{v.shape} {v.dtype}"
    return f"{name}: {detail}" if name else detail


def to_dot(y: Variable, verbose: bool = False) -> str:
    """DOT text of every Variable and Function that ``y`` was computed from.

    Variables are labelled with their name (plus shape and dtype when ``verbose``), Functions
    with their class name. A leaf gives a graph of one node. The walk is iterative, so graphs
    of any depth work.
    """
    if not isinstance(y, Variable):
        raise TypeError(f"to_dot: expected a Variable, got {type(y).__name__}")
    # Keyed by id(); the value keeps the Variable alive so that no id is reused meanwhile.
    names: dict[int, tuple[str, Variable]] = {}
    lines: list[str] = []

    def var_node(v: Variable) -> str:
        if id(v) not in names:
            names[id(v)] = (f"v{len(names)}", v)
            lines.append(
                f"  {names[id(v)][0]} [label={_quote(_variable_label(v, verbose))}, "
                f"color=orange, style=filled]"
            )
        return names[id(v)][0]

    var_node(y)
    stack: list[Function] = [] if y.creator is None else [y.creator]
    seen: set[Function] = set(stack)
    done = 0
    while stack:
        f = stack.pop()
        fid = f"f{done}"
        done += 1
        lines.append(f"  {fid} [label={_quote(type(f).__name__)}, color=lightblue, "
                     f"style=filled, shape=box]")
        for ref in f.outputs:
            out = ref()
            if out is not None:
                lines.append(f"  {fid} -> {var_node(out)}")
        for x in f.inputs:
            lines.append(f"  {var_node(x)} -> {fid}")
            if x.creator is not None and x.creator not in seen:
                seen.add(x.creator)
                stack.append(x.creator)
    return "digraph g {\n" + "\n".join(lines) + "\n}\n"
