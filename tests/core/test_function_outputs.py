"""``Function.outputs``: a list of weak references to the outputs, whatever the engine keeps.

A node of one output keeps the bare weak reference (no list to make and free per node); the
public ``outputs`` is still a list, the same list at every read, and what is written to it
(an entry, or the whole attribute) is what the backward pass sees.
"""
import gc
import weakref

import numpy as np
import pytest

from cygrad.variable import Function, Variable


class Split(Function):
    def forward(self, x):
        return x * 2.0, x * 3.0

    def backward(self, gy0, gy1):
        return gy0 * 2.0 + gy1 * 3.0


def test_one_output_is_a_list_of_one_weak_reference_read_as_the_same_list():
    y = Variable(np.array(2.0)) * 3.0
    outputs = y.creator.outputs
    assert type(outputs) is list and len(outputs) == 1
    assert type(outputs[0]) is weakref.ref and outputs[0]() is y
    assert y.creator.outputs is outputs


def test_several_outputs_are_a_list():
    y0, y1 = Split()(Variable(np.array(1.0)))
    outputs = y0.creator.outputs
    assert [ref() for ref in outputs] == [y0, y1]
    assert y0.creator.outputs is outputs


def test_an_unrecorded_function_has_none():
    assert Split().outputs is None


def test_the_reference_dies_with_its_output():
    y = Variable(np.array(2.0)) * 3.0
    f = y.creator
    del y
    gc.collect()
    assert f.outputs[0]() is None


@pytest.mark.parametrize("read_first", [False, True], ids=["unread", "read before"])
def test_the_backward_pass_and_backward_arrays_see_the_same_output(read_first):
    x = Variable(np.array(2.0))
    y = x * x
    if read_first:
        assert y.creator.outputs[0]() is y
    gx0, gx1 = y.creator.backward_arrays(np.ones(()))
    assert float(gx0) == float(gx1) == 2.0
    y.backward()
    assert float(x.grad.data) == 4.0


def test_assigning_replaces_the_list_and_entries():
    x = Variable(np.array(2.0))
    y = x * 3.0
    f = y.creator
    replacement = [weakref.ref(y)]
    f.outputs = replacement
    assert f.outputs is replacement
    z = Variable(np.array(1.0))
    z.grad = Variable(np.array(5.0))
    f.outputs[0] = weakref.ref(z)  # the pass now reads z's gradient as f's output's
    y.backward()
    assert float(x.grad.data) == 15.0
    assert float(y.grad.data) == 1.0  # the seed stays: f no longer records y as its output
    assert z.grad is None  # the pass is done with f's output's gradient
    f.outputs = None
    assert f.outputs is None
    f.outputs = replacement
    del f.outputs
    assert f.outputs is None


def test_assigning_something_other_than_a_list_is_a_type_error():
    f = (Variable(np.array(2.0)) * 3.0).creator
    with pytest.raises(TypeError):
        f.outputs = (1, 2)
