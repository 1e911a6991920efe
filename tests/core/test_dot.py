"""cygrad.dot.to_dot and the ``cygrad dot`` command."""
import re

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.dot import to_dot
from cygrad.variable import Variable

NODE = re.compile(r"^  (\w+) \[label=\"([^\"]*)\", (.*)\]$")
EDGE = re.compile(r"^  (\w+) -> (\w+)$")


def parse(text):
    """Nodes {id: (label, attributes)} and edges [(from_label, to_label)] of to_dot's output,
    failing on any line that is neither."""
    lines = text.splitlines()
    assert lines[0] == "digraph g {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = (m.group(2), m.group(3))
        else:
            m = EDGE.match(line)
            assert m, f"not a node or an edge: {line!r}"
            edges.append((m.group(1), m.group(2)))
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} names an undeclared node"
    labelled = [(nodes[a][0], nodes[b][0]) for a, b in edges]
    return nodes, labelled


def test_small_graph_has_every_variable_function_and_edge():
    x, w = Variable(2.0, name="x"), Variable(3.0, name="w")
    h = x * w
    h.name = "h"
    y = F.exp(h) + x
    y.name = "y"
    nodes, edges = parse(to_dot(y))
    labels = sorted(label for label, _ in nodes.values())
    assert labels == sorted(["x", "w", "h", "y", "Mul", "Exp", "Add", ""])
    boxes = sorted(label for label, attrs in nodes.values() if "shape=box" in attrs)
    assert boxes == ["Add", "Exp", "Mul"]
    for edge in [("x", "Mul"), ("w", "Mul"), ("Mul", "h"), ("h", "Exp"), ("Exp", ""),
                 ("", "Add"), ("x", "Add"), ("Add", "y")]:
        assert edge in edges
    assert len(edges) == 8


def test_verbose_labels_show_shape_and_dtype():
    x = Variable(np.ones((2, 3), dtype=np.float32), name="x")
    y = x.sum(axis=0)
    text = to_dot(y, verbose=True)
    nodes, _ = parse(text)
    labels = {label for label, _ in nodes.values()}
    assert "x: (2, 3) float32" in labels and "(3,) float32" in labels and "Sum" in labels


def test_a_leaf_is_one_node():
    nodes, edges = parse(to_dot(Variable([1.0, 2.0], name="leaf")))
    assert [label for label, _ in nodes.values()] == ["leaf"] and edges == []


def test_names_are_escaped():
    text = to_dot(Variable(1.0, name='say "hi"\\'))
    assert 'label="say \\"hi\\"\\\\"' in text


def test_a_chain_of_ten_thousand_operations():
    x = Variable(0.5, name="x")
    y = x
    for _ in range(10_000):
        y = y * 1.0
    nodes, edges = parse(to_dot(y))
    functions = [label for label, attrs in nodes.values() if "shape=box" in attrs]
    assert len(functions) == 10_000 and set(functions) == {"Mul"}
    # Each Mul: the chain input and the constant 1.0 in, one output out.
    assert len(edges) == 30_000
    assert len(nodes) == 10_000 + 2 * 10_000 + 1


def test_to_dot_wants_a_variable():
    with pytest.raises(TypeError, match="to_dot"):
        to_dot(np.ones(3))
