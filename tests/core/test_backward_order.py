"""The backward pass visits Functions by decreasing generation, each once, however many are
pending at a time (the pending ones wait in a heap)."""
import numpy as np

import cygrad.functions as F
from cygrad.variable import Function, Variable


class Counted(Function):
    """The identity, counting its backward calls."""

    calls = 0

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        Counted.calls += 1
        return gy


def test_many_pending_branches_of_mixed_depth():
    rng = np.random.default_rng(0)
    x = Variable(np.array([0.5, -1.5]))
    terms = []
    for k in range(1, 301):
        t = x * float(k)
        for _ in range(k % 7):  # branches of different depths, so generations interleave
            t = Counted()(t)
        terms.append(t)
    order = rng.permutation(len(terms))
    y = terms[order[0]]
    for i in order[1:]:
        y = y + terms[i]
    Counted.calls = 0
    F.sum(y).backward()
    assert Counted.calls == sum(k % 7 for k in range(1, 301))
    np.testing.assert_array_equal(x.grad.data, [sum(range(1, 301))] * 2)


def test_a_function_reached_by_many_paths_runs_once_after_all_of_them():
    x = Variable(np.array(2.0))
    h = Counted()(x * x)
    y = h
    for _ in range(50):
        y = y + h * 1.0
    Counted.calls = 0
    y.backward()
    assert Counted.calls == 1
    assert x.grad.item() == 51 * 4.0
