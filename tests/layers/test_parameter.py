"""Parameter and Parameters: an ordered, deterministic collection of named Variables."""
import numpy as np
import pytest

from cygrad.layers import Parameter, Parameters
from cygrad.variable import Variable


def test_parameter_is_a_variable_that_takes_part_in_graphs():
    p = Parameter(np.array([1.0, 2.0]), name="w")
    assert isinstance(p, Variable)
    assert p.name == "w"
    y = (p * p).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad.data, [2.0, 4.0])


def test_parameters_keep_insertion_order():
    ps = Parameters()
    names = ["z", "a", "m", "b"]
    for n in names:
        ps.add(n, Parameter(np.zeros(1)))
    assert list(ps) == names
    assert list(ps.keys()) == names
    assert [p for p in ps.params()] == [ps[n] for n in names]
    assert len(ps) == 4 and "m" in ps and "q" not in ps


def test_add_refuses_duplicates_and_non_parameters():
    ps = Parameters()
    first = Parameter(np.zeros(2))
    ps.add("W", first)
    with pytest.raises(ValueError, match="'W' already exists"):
        ps.add("W", Parameter(np.ones(2)))
    assert ps["W"] is first
    with pytest.raises(TypeError, match="'b' must be a Parameter, got Variable"):
        ps.add("b", Variable(np.zeros(2)))
    with pytest.raises(TypeError, match="name must be a str"):
        ps.add(0, Parameter(np.zeros(2)))
    assert list(ps) == ["W"]


def test_delete_removes_one_name():
    ps = Parameters()
    for n in "abc":
        ps.add(n, Parameter(np.zeros(1)))
    ps.delete("b")
    assert list(ps) == ["a", "c"]
    with pytest.raises(KeyError, match="'b'"):
        ps.delete("b")
    ps.add("b", Parameter(np.zeros(1)))
    assert list(ps) == ["a", "c", "b"]


def test_cleargrads_forgets_every_gradient():
    ps = Parameters()
    a, b = Parameter(np.array(2.0)), Parameter(np.array(3.0))
    ps.add("a", a)
    ps.add("b", b)
    (a * b).backward()
    assert a.grad is not None and b.grad is not None
    ps.cleargrads()
    assert a.grad is None and b.grad is None


def test_repr_lists_names_and_shapes():
    ps = Parameters()
    ps.add("W", Parameter(np.zeros((2, 3))))
    assert repr(ps) == "Parameters({'W': (2, 3)})"


def test_items_and_values_walk_the_entries_without_looking_each_up(monkeypatch):
    ps = Parameters()
    for n in "zab":
        ps.add(n, Parameter(np.zeros(1)))
    expected = [(n, ps[n]) for n in "zab"]
    monkeypatch.setattr(Parameters, "__getitem__", lambda self, name: pytest.fail("looked up"))
    assert list(ps.items()) == expected
    assert list(ps.values()) == [p for _, p in expected]


def test_version_counts_every_add_and_delete_and_nothing_else():
    ps = Parameters()
    assert ps.version == 0
    ps.add("W", Parameter(np.zeros(2)))
    ps.add("b", Parameter(np.zeros(1)))
    assert ps.version == 2
    ps.delete("b")
    assert ps.version == 3
    with pytest.raises(ValueError):
        ps.add("W", Parameter(np.ones(2)))  # refused: nothing changed
    with pytest.raises(KeyError):
        ps.delete("b")
    ps.cleargrads()
    ps["W"].data = np.ones(2)  # a parameter's value is not the listing's business
    assert ps.version == 3


def test_version_is_read_only_and_documented():
    """Nothing but add and delete moves it: a model and an optimizer trust a listing by it."""
    ps = Parameters()
    with pytest.raises(AttributeError):
        ps.version = 5
    assert ps.version == 0
    assert "add" in Parameters.version.__doc__
