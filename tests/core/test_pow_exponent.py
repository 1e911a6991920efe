"""Pow keeps its exponent in Function's own fields, so that freed Pow nodes are reused like
every other operation's: the exponent stays read-only, and a reused node never carries an
earlier node's exponent."""
import numpy as np
import pytest

from cygrad.variable import Variable
from cygrad.variable._core import Pow


def test_the_exponent_is_read_only():
    p = Pow(2)
    assert p.c == 2
    message = "attribute 'c' of 'cygrad.variable._core.Pow' objects is not writable"
    with pytest.raises(AttributeError, match=message):
        p.c = 3
    with pytest.raises(AttributeError, match=message):
        del p.c
    assert p.c == 2


def test_reused_nodes_take_their_own_exponent():
    x = Variable(np.array(3.0))
    for k, c in enumerate([2, 0.5, np.array([1.0, 2.0]), -1, 3, 2.0] * 20):
        y = (x + 0.0) ** c
        assert y.creator.c is c
        expected = np.asarray(3.0) ** c
        np.testing.assert_array_equal(y.data, expected)
        if k % 2:
            y.sum().backward()
        del y  # its node goes back for reuse


def test_other_operations_do_not_see_an_exponent():
    x = Variable(np.array(3.0))
    for _ in range(20):
        y = x**5
        del y  # its node goes back for reuse
        y = x * 2.0
        assert not hasattr(y.creator, "c")
        assert y.data == 6.0
