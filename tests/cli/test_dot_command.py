"""``cygrad dot``: the DOT graph of a function's n-th derivative, from the command."""
from cygrad.cli import main

from ..core.test_dot import parse


def test_cygrad_dot_second_derivative_of_tanh(capsys):
    assert main(["dot", "--func", "tanh", "--order", "2"]) == 0
    nodes, edges = parse(capsys.readouterr().out)
    labels = [label for label, _ in nodes.values()]
    assert labels[0] == "gx2"
    assert labels.count("Tanh") == 1 and ("x", "Tanh") in edges and ("Tanh", "y") in edges
    # tanh'' = -2 y (1 - y^2): the graph of the second derivative reuses y through Mul nodes.
    assert ("y", "Mul") in edges and "Sub" in labels
    assert len(labels) > 10


def test_cygrad_dot_orders_grow_and_write_files(capsys, tmp_path):
    sizes = []
    for order in range(4):
        assert main(["dot", "--func", "sin", "--order", str(order)]) == 0
        sizes.append(len(parse(capsys.readouterr().out)[0]))
    assert sizes[0] == 3 and sizes == sorted(sizes) and len(set(sizes)) == 4
    out = tmp_path / "g.dot"
    assert main(["dot", "--func", "exp", "--order", "0", "--verbose", "--output", str(out)]) == 0
    assert capsys.readouterr().out == ""
    nodes, edges = parse(out.read_text())
    assert edges == [("Exp", "y: () float64"), ("x: () float64", "Exp")]


def test_cygrad_dot_refuses_an_unknown_function(capsys):
    assert main(["dot", "--func", "reshape"]) == 2
    err = capsys.readouterr().err
    assert "'reshape'" in err and "tanh" in err and "exp" in err
