"""What ``update`` accepts (a model, a mapping, an iterable of parameters), and the guard that
keeps one optimizer from serving two models whose parameter names coincide."""
import gc

import numpy as np
import pytest

from cygrad.layers import Parameter, Parameters
from cygrad.optimizers import SGD, Adam, AdamW, Momentum
from cygrad.variable import Variable

ALL = [SGD, Momentum, Adam, AdamW]


def with_grads(*values):
    params = []
    for value in values:
        p = Variable(np.array(value, dtype=float))
        p.grad = Variable(np.full_like(p.data, 0.5))
        params.append(p)
    return params


def state_of(opt):
    state = opt.state_dict()
    return state["t"], {n: {s: a.copy() for s, a in slots.items()} for n, slots in state["state"].items()}


# -- one optimizer per model -------------------------------------------------------------


def as_model(stand_in, params):
    return stand_in(**dict(zip(("W", "b"), params)))


def as_mapping(stand_in, params):
    return dict(zip(("W", "b"), params))


def as_list(stand_in, params):
    return list(params)


def as_generator(stand_in, params):
    return (p for p in params)


FORMS = [as_model, as_mapping, as_list, as_generator]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("cls", ALL)
def test_a_second_model_with_the_same_names_is_refused_and_nothing_changes(cls, form, stand_in):
    first, second = with_grads([1.0, 2.0], [3.0]), with_grads([1.0, 2.0], [3.0])
    opt = cls()
    opt.update(form(stand_in, first))
    before = state_of(opt)
    with pytest.raises(ValueError, match=f"{cls.__name__}.update: .*one optimizer per model"):
        opt.update(form(stand_in, second))
    assert state_of(opt)[0] == before[0] == 1
    assert state_of(opt)[1].keys() == before[1].keys()
    np.testing.assert_array_equal(second[0].data, [1.0, 2.0])
    np.testing.assert_array_equal(second[1].data, [3.0])
    opt.update(form(stand_in, first))  # the first model still trains
    assert opt.t == 2


def test_the_guard_holds_after_the_first_model_is_gone(stand_in):
    opt = Adam()
    opt.update(stand_in(w=with_grads([1.0])[0]))
    gc.collect()
    with pytest.raises(ValueError, match="one optimizer per model"):
        opt.update(stand_in(w=with_grads([1.0])[0]))


def test_the_same_parameters_in_another_form_are_refused(stand_in):
    w, b = with_grads([1.0, 2.0], [3.0])
    opt = Momentum()
    opt.update(stand_in(W=w, b=b))
    with pytest.raises(ValueError, match="Momentum.update: parameter '0' was updated as 'W' before"):
        opt.update([w, b])
    assert opt.t == 1


def test_load_state_dict_hands_the_state_to_another_model(stand_in):
    first, second = with_grads([1.0]), with_grads([1.0])
    opt = Adam()
    opt.update(stand_in(w=first[0]))
    state = opt.state_dict()

    moved = Adam()
    moved.load_state_dict(state, stand_in(w=second[0]))
    with pytest.raises(ValueError, match="one optimizer per model"):
        moved.update(stand_in(w=first[0]))
    moved.update(stand_in(w=second[0]))

    opt.load_state_dict(state)  # without a model: the next update's parameters own it
    opt.update(stand_in(w=second[0]))
    assert opt.t == 2


# -- forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL)
def test_a_list_is_keyed_by_position_and_steps_like_the_model(cls, stand_in):
    by_name, by_position = with_grads([1.0, 2.0], [3.0]), with_grads([1.0, 2.0], [3.0])
    named, positional = cls(), cls()
    for _ in range(3):
        named.update(stand_in(W=by_name[0], b=by_name[1]))
        positional.update(by_position)
    for a, b in zip(by_name, by_position):
        np.testing.assert_array_equal(a.data, b.data)
    assert list(positional.state_dict()["state"]) == (["0", "1"] if cls.slots else [])
    for (_, slots), (_, same) in zip(named.state_dict()["state"].items(), positional.state_dict()["state"].items()):
        for slot in slots:
            np.testing.assert_array_equal(slots[slot], same[slot])


def test_a_parameters_mapping_and_its_values():
    params = Parameters()
    params.add("W", Parameter(np.ones(2)))
    params.add("b", Parameter(np.ones(1)))
    for p in params.values():
        p.grad = Variable(np.full_like(p.data, 0.5))
    opt = Adam()
    opt.update(params)
    assert list(opt.state_dict()["state"]) == ["W", "b"]
    values = Adam()
    values.update(params.values())
    assert list(values.state_dict()["state"]) == ["0", "1"]


def test_a_parameter_listed_twice_is_stepped_once(stand_in):
    a, b = with_grads([1.0], [2.0])
    opt = Momentum(lr=0.5, momentum=0.0)
    opt.update([a, b, a])
    np.testing.assert_array_equal(a.data, [0.75])
    np.testing.assert_array_equal(b.data, [1.75])
    assert list(opt.state_dict()["state"]) == ["0", "1"]

    shared = with_grads([1.0])[0]
    opt = SGD(lr=1.0)
    opt.update(stand_in(first=shared, again=shared))
    np.testing.assert_array_equal(shared.data, [0.5])


def test_load_state_dict_checks_against_any_form(regression):
    opt = Adam()
    model = regression()
    model.train(opt, 1)
    state = opt.state_dict()
    w, b = model.params()["W"], model.params()["b"]
    with pytest.raises(ValueError, match=r"names \['W', 'b'\] are not parameters of the model"):
        Adam().load_state_dict(state, [w, b])
    Adam().load_state_dict(state, {"W": w, "b": b})
