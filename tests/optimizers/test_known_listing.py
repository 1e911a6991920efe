"""A listing that keeps a version (``cygrad.layers.Parameters``, what a model's params()
returns) has its names and entries checked once, and again after any change: these are the
cases where trusting it too long would step the wrong parameter or miss the owners guard."""
import gc
import weakref

import numpy as np
import pytest

from cygrad.layers import Parameter, Parameters
from cygrad.optimizers import SGD, Adam, AdamW, Momentum

ALL = [SGD, Momentum, Adam, AdamW]


def param(value, grad=0.5):
    p = Parameter(np.array(value, dtype=float))
    p.grad = Parameter(np.full_like(p.data, grad))
    return p


def listing(**params):
    ps = Parameters()
    for name, p in params.items():
        ps.add(name, p)
    return ps


@pytest.mark.parametrize("cls", ALL)
def test_a_parameter_replaced_under_a_known_name_is_refused(cls):
    ps = listing(W=param([1.0, 2.0]), b=param([3.0]))
    opt = cls()
    opt.update(ps)
    opt.update(ps)
    ps.delete("b")
    stranger = param([3.0])
    ps.add("b", stranger)
    with pytest.raises(ValueError, match="one optimizer per model"):
        opt.update(ps)
    np.testing.assert_array_equal(stranger.data, [3.0])
    assert opt.t == 2


def test_a_parameter_added_to_a_known_listing_is_stepped():
    ps = listing(W=param([1.0]))
    opt = SGD(lr=1.0)
    opt.update(ps)
    ps.add("b", param([2.0]))
    opt.update(ps)
    np.testing.assert_array_equal(ps["b"].data, [1.5])
    np.testing.assert_array_equal(ps["W"].data, [0.0])


def test_a_non_variable_added_later_is_refused_before_anything_changes():
    class Loose(Parameters):
        """A listing that lets anything in (add checks the type; this one does not)."""

        def sneak(self, name, value):
            self._items[name] = value
            self._version += 1

    ps = Loose()
    ps.add("W", param([1.0]))
    opt = SGD(lr=1.0)
    opt.update(ps)
    ps.sneak("junk", np.ones(1))
    with pytest.raises(TypeError, match="parameter 'junk' is ndarray, expected a Variable"):
        opt.update(ps)
    np.testing.assert_array_equal(ps["W"].data, [0.5])


def test_a_failed_update_leaves_nothing_trusted():
    """The first update fails on a gradient: the names were never tied to their objects, so
    the next successful update must tie them, and a second model is refused after it."""
    w = param([1.0, 2.0])
    ps = listing(W=w)
    w.grad = Parameter(np.ones(3))
    opt = Adam()
    with pytest.raises(ValueError, match="gradient of 'W' has shape"):
        opt.update(ps)
    w.grad = Parameter(np.ones(2))
    opt.update(ps)
    opt.update(ps)
    with pytest.raises(ValueError, match="one optimizer per model"):
        opt.update(listing(W=param([1.0, 2.0])))


def test_state_loaded_for_another_model_stops_trusting_the_first():
    first, second = listing(W=param([1.0])), listing(W=param([1.0]))
    opt = Momentum()
    opt.update(first)
    opt.load_state_dict(opt.state_dict(), second)
    with pytest.raises(ValueError, match="one optimizer per model"):
        opt.update(first)
    opt.update(second)
    assert opt.t == 2


def test_a_listing_with_a_parameter_twice_steps_it_once_every_time():
    shared = param([1.0])
    ps = listing(a=shared, b=shared)
    opt = SGD(lr=1.0)
    for _ in range(3):
        opt.update(ps)
    np.testing.assert_array_equal(shared.data, [-0.5])


def test_the_optimizer_keeps_no_discarded_listing_alive():
    ps = listing(W=param([1.0]))
    opt = Adam()
    opt.update(ps)
    opt.update(ps)
    gone_listing, gone_param = weakref.ref(ps), weakref.ref(ps["W"])
    del ps
    gc.collect()
    assert gone_listing() is None and gone_param() is None
