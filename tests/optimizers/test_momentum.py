"""Momentum against the Go original's reference values."""
import numpy as np

from cygrad.optimizers import Momentum
from cygrad.variable import Variable


def test_reference_values(stand_in):
    p = Variable(1.0)
    p.grad = Variable(1.0)
    model = stand_in(p=p)
    opt = Momentum(lr=0.001, momentum=0.9)
    opt.update(model)
    assert p.item() == 0.999
    opt.update(model)
    assert p.item() == 0.9971


def test_velocity_per_parameter_name(stand_in):
    a, b = Variable(np.zeros(2)), Variable(np.zeros(3))
    a.grad, b.grad = Variable(np.ones(2)), Variable(-np.ones(3))
    opt = Momentum(lr=0.1, momentum=0.5)
    opt.update(stand_in(a=a, b=b))
    opt.update(stand_in(a=a, b=b))
    state = opt.state_dict()["state"]
    np.testing.assert_allclose(state["a"]["v"], [-0.15, -0.15])
    np.testing.assert_allclose(state["b"]["v"], [0.15, 0.15, 0.15])
    np.testing.assert_allclose(a.data, [-0.25, -0.25])


def test_defaults():
    opt = Momentum()
    assert (opt.lr, opt.momentum) == (0.01, 0.9)
