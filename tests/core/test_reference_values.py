"""The Go original's README and example values, reproduced exactly."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable


def test_sin_at_one():
    x = Variable(1.0)
    y = F.sin(x)
    y.backward()
    assert y.item() == 0.8414709848078965
    assert x.grad.item() == 0.5403023058681398


def matyas(x, y):
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def test_matyas_gradient():
    x, y = Variable(1.0), Variable(1.0)
    matyas(x, y).backward()
    assert x.grad.item() == 0.040000000000000036
    assert y.grad.item() == 0.040000000000000036


def rosenbrock(x0, x1):
    return 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2


def test_rosenbrock_descent():
    x0, x1 = Variable(0.0), Variable(2.0)
    for _ in range(10001):
        y = rosenbrock(x0, x1)
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data = x0.data - 0.001 * x0.grad.data
        x1.data = x1.data - 0.001 * x1.grad.data
    assert x0.item() == pytest.approx(0.9945006533071619, abs=1e-9)
    assert x1.item() == pytest.approx(0.9890094703444422, abs=1e-9)


def test_diamond_graph_accumulates_both_branches():
    x = Variable(2.0)
    a = x**2
    y = a**2 + a**2
    y.backward()
    assert y.item() == 32.0
    assert x.grad.item() == 64.0


def test_sin_higher_derivatives_cycle():
    x = Variable(1.0)
    F.sin(x).backward(create_graph=True)
    expected = [-np.sin(1.0), -np.cos(1.0), np.sin(1.0), np.cos(1.0)]
    for want in expected:
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
        assert x.grad.item() == pytest.approx(want, rel=1e-15)


def test_newton_method_with_double_backprop():
    x = Variable(2.0)
    trajectory = []
    for _ in range(10):
        trajectory.append(x.item())
        y = x**4 - 2 * x**2
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        gx2 = x.grad
        assert gx2.item() == pytest.approx(12 * x.item() ** 2 - 4)
        x.data = x.data - gx.data / gx2.data
    assert trajectory[:4] == pytest.approx([2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978])
    assert x.item() == pytest.approx(1.0, abs=1e-12)
