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


class Holder:
    """A model whose ``params()`` returns whatever ``listed`` holds at the time."""

    def __init__(self, listed):
        self.listed = listed

    def params(self):
        return self.listed


def test_the_optimizer_keeps_no_discarded_model_alive():
    model = Holder(listing(W=param([1.0])))
    opt = SGD()
    opt.update(model)
    opt.update(model)
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize(
    "listed, message",
    [
        (None, "Holder.params\\(\\) returned None"),
        (3, "Holder.params\\(\\) returned int"),
        ({"W": np.ones(1)}, "parameter 'W' is ndarray, expected a Variable"),
        ({1: param([1.0])}, "parameter names must be str"),
    ],
)
def test_a_known_model_returning_something_else_is_checked_again(listed, message):
    """The model of the last update is not asked again whether it is a model, but what its
    params() returns is checked as at the first update whenever it is another object."""
    w = param([1.0])
    model = Holder(listing(W=w))
    opt = SGD(lr=1.0)
    opt.update(model)
    opt.update(model)
    model.listed = listed
    with pytest.raises(TypeError, match=message):
        opt.update(model)
    np.testing.assert_array_equal(w.data, [0.0])
    assert opt.t == 2


def test_a_known_model_returning_another_listing_steps_that_listing():
    model = Holder(listing(W=param([1.0])))
    opt = SGD(lr=1.0)
    opt.update(model)
    opt.update(model)
    first = model.listed["W"]
    model.listed = listing(W=first, b=param([2.0]))  # a new object, the same W
    opt.update(model)
    np.testing.assert_array_equal(model.listed["b"].data, [1.5])
    np.testing.assert_array_equal(first.data, [-0.5])


@pytest.mark.parametrize("cls", ALL)
def test_a_known_listing_still_has_every_gradient_checked(cls):
    """Trusting the names skips no gradient test: a gradient dropped, re-typed, re-shaped or
    a parameter made read-only between two updates of the same listing is seen."""
    w, b = param([1.0, 2.0]), param([3.0])
    model = Holder(listing(W=w, b=b))
    opt = cls()
    opt.update(model)
    opt.update(model)
    before = w.data.copy()
    b.grad = Parameter(np.ones(1, dtype=np.float32))
    with pytest.raises(TypeError, match="gradient of 'b' is float32"):
        opt.update(model)
    b.grad = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="gradient of 'b' has shape"):
        opt.update(model)
    b.grad = Parameter(np.ones(1))
    b.data.flags.writeable = False
    with pytest.raises(ValueError, match="parameter 'b' has read-only data"):
        opt.update(model)
    np.testing.assert_array_equal(w.data, before)
    assert opt.t == 2
    b.data.flags.writeable = True
    b.grad = None
    kept = b.data.copy()
    opt.update(model)
    assert not np.array_equal(w.data, before)
    np.testing.assert_array_equal(b.data, kept)
    assert opt.t == 3


def test_a_type_registered_as_a_mapping_later_is_read_as_one():
    """Whether a type is a mapping is remembered, but a registration changes the answer."""
    from collections.abc import Mapping

    class Named:
        """Has params() (a model) until registered as a mapping, then is the listing."""

        def __init__(self, **params):
            self._params = params

        def params(self):
            return self._params

        def __getitem__(self, name):
            return {"W": self._params["W"], "V": self._params["W"]}[name]

        def __iter__(self):
            return iter(["V"])

        def __len__(self):
            return 1

        def items(self):
            return [("V", self._params["W"])]

    opt = SGD(lr=1.0)
    opt.update(Named(W=param([1.0])))
    assert opt.state_dict()["state"] == {}
    Mapping.register(Named)
    other = SGD(lr=1.0)
    w = param([1.0])
    other.update(Named(W=w))
    other.update(listing(W=param([1.0])))  # "W" is free: the mapping listed w as "V"
    np.testing.assert_array_equal(w.data, [0.5])


def test_a_mock_claiming_the_mapping_class_is_not_remembered_as_one():
    """An object whose ``__class__`` is not its type says nothing about its type."""
    from unittest import mock

    w = param([1.0])
    claims = mock.MagicMock(spec=dict)
    claims.items.return_value = [("W", w)]
    SGD(lr=1.0).update(claims)
    np.testing.assert_array_equal(w.data, [0.5])
    model = mock.MagicMock()
    model.params.return_value = listing(V=w)
    SGD(lr=1.0).update(model)
    np.testing.assert_array_equal(w.data, [0.0])
