"""Helpers for the save/load tests: a model's weights as arrays, and comparing two such."""
import numpy as np


def snapshot(model):
    """Copies of every parameter's data, by name."""
    return {k: p.data.copy() for k, p in model.params().items()}


def assert_same(a, b):
    """Two snapshots hold the same names, in order, with equal arrays."""
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
