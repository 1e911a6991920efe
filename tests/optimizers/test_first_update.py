"""A fresh optimizer's first update (what every short training run pays once) takes shortcuts:
``Owners.unknown`` with nothing remembered returns every pair without looking each one up,
and ``checked_pairs`` takes each object's id once. These are the cases where a shortcut taken
at the wrong time, or a check skipped, would let a wrong parameter through."""
import numpy as np
import pytest

from cygrad.optimizers import SGD, Adam
from cygrad.optimizers.named_params import checked_pairs
from cygrad.optimizers.owners import Owners
from cygrad.variable import Variable


def var(value, grad=0.5):
    p = Variable(np.array(value, dtype=float))
    p.grad = Variable(np.full_like(p.data, grad))
    return p


# -- Owners.unknown with nothing remembered ----------------------------------------------


def test_fresh_owners_take_every_pair_in_order_as_a_new_list():
    a, b = var([1.0]), var([2.0])
    named = [("W", a), ("b", b)]
    new = Owners().unknown("SGD.update", named)
    assert new == named
    assert new is not named  # the caller's list is never handed back to be changed
    assert [p for _, p in new][0] is a and [p for _, p in new][1] is b


def test_fresh_owners_change_nothing_until_told_to_remember():
    owners = Owners()
    owners.unknown("SGD.update", [("W", var([1.0]))])
    stranger = var([1.0])
    # Nothing was tied: another object under the same name is new as well.
    assert owners.unknown("SGD.update", [("W", stranger)]) == [("W", stranger)]


def test_once_anything_is_remembered_every_pair_is_looked_up():
    owners = Owners()
    w = var([1.0])
    owners.remember([("W", w)])
    b = var([2.0])
    # A known pair is left out, an unknown one returned.
    assert owners.unknown("SGD.update", [("W", w), ("b", b)]) == [("b", b)]
    with pytest.raises(ValueError, match=r"SGD.update: parameter 'W' is not the one"):
        owners.unknown("SGD.update", [("b", b), ("W", var([1.0]))])
    with pytest.raises(ValueError, match=r"parameter 'V' was updated as 'W' before"):
        owners.unknown("SGD.update", [("V", w)])


def test_after_forget_the_owners_start_fresh_and_guard_again_once_told():
    owners = Owners()
    w = var([1.0])
    owners.remember([("W", w)])
    owners.forget()
    stranger = var([1.0])
    assert owners.unknown("SGD.update", [("W", stranger)]) == [("W", stranger)]
    owners.remember([("W", stranger)])
    with pytest.raises(ValueError, match="use one optimizer per model"):
        owners.unknown("SGD.update", [("W", w)])


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_the_first_update_ties_the_names_so_a_second_model_is_refused(cls):
    first = {"W": var([1.0, 2.0]), "b": var([3.0])}
    opt = cls()
    opt.update(first)
    second = {"W": var([1.0, 2.0]), "b": var([3.0])}
    with pytest.raises(ValueError, match="parameter 'W' is not the one"):
        opt.update(second)
    np.testing.assert_array_equal(second["W"].data, [1.0, 2.0])
    assert opt.t == 1


def test_after_load_state_dict_without_a_model_the_next_update_is_a_first_one():
    first = {"W": var([1.0])}
    opt = Adam()
    opt.update(first)
    saved = opt.state_dict()
    opt.load_state_dict(saved)  # the owners are forgotten: the state goes to the next model
    second = {"W": var([5.0])}
    opt.update(second)
    assert opt.t == 2
    with pytest.raises(ValueError, match="parameter 'W' is not the one"):
        opt.update(first)


# -- checked_pairs ------------------------------------------------------------------------


def test_checked_pairs_keeps_each_object_under_its_first_name_in_order():
    a, b = var([1.0]), var([2.0])
    listing = {"x": a, "y": b, "z": a, "w": b}
    assert checked_pairs("SGD.update", listing) == [("x", a), ("y", b)]
    assert checked_pairs("SGD.update", [a, b, a]) == [("0", a), ("1", b)]


def test_checked_pairs_checks_entries_after_a_repeat():
    a = var([1.0])
    with pytest.raises(TypeError, match=r"SGD.update: parameter 'z' is ndarray, expected a Variable"):
        checked_pairs("SGD.update", {"x": a, "y": a, "z": np.ones(1)})
    with pytest.raises(TypeError, match=r"SGD.update: parameter names must be str, got 3"):
        checked_pairs("SGD.update", {"x": a, "y": a, 3: var([1.0])})


def test_checked_pairs_returns_a_new_list_every_call():
    a = var([1.0])
    listing = {"x": a}
    first = checked_pairs("SGD.update", listing)
    first.append(("junk", a))
    assert checked_pairs("SGD.update", listing) == [("x", a)]
