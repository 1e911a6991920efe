"""Scratch arrays: reused per key, shape, dtype and thread, within a byte budget."""
import threading

import numpy as np

from cygrad_contrib_vision.functions import scratch as scratch_module
from cygrad_contrib_vision.functions.scratch import scratch


def test_the_same_key_shape_and_dtype_give_the_same_zeroed_array():
    a = scratch("test same", (2, 3), np.float32)
    assert a.dtype == np.float32 and a.shape == (2, 3) and not a.any()
    a[0, 0] = 5.0
    b = scratch("test same", (2, 3), np.float32)
    assert b is a and b[0, 0] == 5.0  # what its last user left
    assert scratch("test same", (2, 3), np.float64) is not a
    assert scratch("test same", (3, 2), np.float32) is not a
    assert scratch("test other", (2, 3), np.float32) is not a


def test_the_least_recently_used_arrays_go_beyond_the_budget(monkeypatch):
    monkeypatch.setattr(scratch_module, "BUDGET_BYTES", 2 * 800)
    a = scratch("budget a", (100,), np.float64)
    b = scratch("budget b", (100,), np.float64)
    assert scratch("budget a", (100,), np.float64) is a  # a is now the most recent
    scratch("budget c", (100,), np.float64)  # over budget: b, the least recent, goes
    assert scratch("budget a", (100,), np.float64) is a
    assert scratch("budget b", (100,), np.float64) is not b


def test_an_array_over_the_budget_is_never_kept(monkeypatch):
    monkeypatch.setattr(scratch_module, "BUDGET_BYTES", 100)
    big = scratch("too big", (100,), np.float64)
    assert scratch("too big", (100,), np.float64) is not big


def test_each_thread_has_its_own_arrays():
    mine = scratch("threads", (4,), np.float64)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(scratch("threads", (4,), np.float64)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
