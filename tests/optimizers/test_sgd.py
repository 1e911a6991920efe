"""SGD against the Go original's reference value and its formula."""
import numpy as np

from cygrad.optimizers import SGD
from cygrad.variable import Variable


def test_reference_value(stand_in):
    p = Variable(1.0)
    p.grad = Variable(1.0)
    SGD(lr=0.1).update(stand_in(p=p))
    assert p.item() == 0.9


def test_step_is_lr_times_grad(stand_in):
    p = Variable(np.array([1.0, -2.0, 3.0]))
    p.grad = Variable(np.array([0.5, 0.25, -1.0]))
    SGD(lr=0.2).update(stand_in(p=p))
    np.testing.assert_array_equal(p.data, [1.0 - 0.1, -2.0 - 0.05, 3.0 + 0.2])


def test_default_lr():
    assert SGD().lr == 0.01
