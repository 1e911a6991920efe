"""Fixtures for the layer tests."""
from typing import Callable

import numpy as np
import pytest


def _numerical_grad(f: Callable[[], float], a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` in each element of ``a`` (changed in place)."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        up = f()
        a[idx] = old - eps
        down = f()
        a[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


@pytest.fixture
def numerical_grad():
    """``numerical_grad(f, array)``: finite-difference gradient of a scalar function."""
    return _numerical_grad
