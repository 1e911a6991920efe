"""The queue of a backward pass holds a reference to every Function it queued, on the C stack
for a few and in memory it allocates beyond: it lets go of them all when the pass ends, by
success or failure, and a pass started inside another's backward has its own queue."""
import gc
import weakref

import numpy as np
import pytest

from cygrad.config import using_config
from cygrad.variable import Function, Variable


class Twice(Function):
    """2x, differentiated in Python (no array form): its backward switches the settings."""

    def forward(self, x):
        return 2 * x

    def backward(self, gy):
        return 2 * gy


class Failing(Twice):
    def backward(self, gy):
        raise RuntimeError("Failing.backward")


class RunsAnotherPass(Twice):
    """2x, whose backward runs a whole backward pass of another graph first."""

    def __init__(self, width: int):
        self.width = width
        self.inner_grad = None

    def backward(self, gy):
        z = Variable(np.array(1.5))
        total = z
        with using_config("enable_backprop", True):  # (a first-order pass records nothing)
            for _ in range(self.width):
                total = total + z * 3.0
        total.backward()
        self.inner_grad = z.grad.data.copy()
        return 2 * gy


def branches(x: Variable, width: int) -> Variable:
    """The sum of ``width`` Twice branches of ``x``: that many Functions pending at once."""
    total = Twice()(x)
    for _ in range(width - 1):
        total = total + Twice()(x)
    return total


def functions_of(y: Variable) -> list:
    """Every Function of ``y``'s graph."""
    found, stack = [], [y.creator]
    while stack:
        f = stack.pop()
        if f is not None and all(f is not g for g in found):
            found.append(f)
            stack.extend(v.creator for v in f.inputs)
    return found


@pytest.mark.parametrize("width", [1, 5, 40])
def test_every_function_is_freed_with_its_graph_after_a_pass(width):
    x = Variable(np.array(1.0))
    y = branches(x, width)
    refs = [weakref.ref(f) for f in functions_of(y)]
    assert len(refs) == 2 * width - 1
    y.backward()
    assert x.grad.data == 2.0 * width
    del y
    gc.collect()
    assert all(r() is None for r in refs)


@pytest.mark.parametrize("width", [1, 5, 40])
def test_every_function_is_freed_with_its_graph_after_a_failed_pass(width):
    x = Variable(np.array(1.0))
    failing = Failing()
    y = branches(failing(x), width)
    refs = [weakref.ref(f) for f in functions_of(y)]
    assert len(refs) == 2 * width
    del failing
    with pytest.raises(RuntimeError, match="Failing.backward"):
        y.backward()
    assert x.grad is None
    del y
    gc.collect()
    assert all(r() is None for r in refs)


class FailsWhenTold(Twice):
    fail = False

    def backward(self, gy):
        if self.fail:
            raise RuntimeError("FailsWhenTold.backward")
        return 2 * gy


@pytest.mark.parametrize("width", [1, 40])
def test_a_failed_pass_after_the_queue_grew_restores_the_kept_gradients(width):
    x = Variable(np.array(1.0))
    m = FailsWhenTold()(x)
    y = branches(m, width)
    y.backward(retain_grad=True)
    kept = [v.grad.data.copy() for v in y.creator.inputs] + [m.grad.data.copy()]
    m.creator.fail = True
    with pytest.raises(RuntimeError, match="FailsWhenTold.backward"):
        y.backward(retain_grad=True)
    assert [v.grad.data for v in y.creator.inputs] + [m.grad.data] == kept
    assert x.grad.data == 4.0 * width  # the first pass's: the failing Function runs last


@pytest.mark.parametrize("inner, outer", [(1, 1), (40, 1), (1, 40), (40, 40)])
def test_a_pass_inside_a_backward_has_its_own_queue(inner, outer):
    x = Variable(np.array(1.0))
    f = RunsAnotherPass(inner)
    y = branches(f(x), outer)
    y.backward()
    assert f.inner_grad == 1.0 + 3.0 * inner
    assert x.grad.data == 4.0 * outer
