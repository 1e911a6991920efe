"""SGD against the Go original's reference value and its formula."""
import numpy as np
import pytest

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


def params_with_grads(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in (("W", (3, 4)), ("b", (4,)), ("s", ())):
        p = Variable(rng.standard_normal(shape).astype(dtype))
        p.grad = Variable(rng.standard_normal(shape).astype(dtype))
        params[name] = p
    return params


@pytest.mark.parametrize("lr", [0.01, 0.3, np.float32(0.01), 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_parameter_steps_as_update_one_does_bit_for_bit(dtype, lr, stand_in):
    params = params_with_grads(dtype)
    expected = {n: p.data.copy() for n, p in params.items()}
    opt = SGD()
    opt.lr = lr  # set after construction: whatever the attribute holds is used
    for name, p in params.items():
        opt.update_one(expected[name], p.grad.data, {})
    opt.update(stand_in(**params))
    for name, p in params.items():
        assert p.data.dtype == dtype
        assert p.data.tobytes() == expected[name].tobytes(), name


def test_a_subclass_with_its_own_update_one_has_it_called(stand_in):
    calls = []

    class Logged(SGD):
        def update_one(self, data, grad, state):
            calls.append(grad.copy())
            super().update_one(data, grad, state)

    params = params_with_grads(np.float64)
    before = {n: p.data.copy() for n, p in params.items()}
    Logged(lr=0.5).update(stand_in(**params))
    assert len(calls) == 3
    for name, p in params.items():
        np.testing.assert_array_equal(p.data, before[name] - 0.5 * p.grad.data)


def test_a_subclass_with_slots_gets_its_state(stand_in):
    class Counted(SGD):
        slots = ("seen",)

        def update_one(self, data, grad, state):
            state["seen"] += 1
            super().update_one(data, grad, state)

    params = params_with_grads(np.float64)
    opt = Counted()
    opt.update(stand_in(**params))
    opt.update(stand_in(**params))
    assert all((slots["seen"] == 2).all() for slots in opt.state_dict()["state"].values())


def test_an_infinity_minus_an_infinity_warns_as_numpy_does(stand_in):
    p = Variable(np.array([np.inf, 2.0]))
    p.grad = Variable(np.array([np.inf, 1.0]))
    with pytest.warns(RuntimeWarning, match="invalid value encountered in subtract"):
        SGD(lr=0.1).update(stand_in(p=p))
    assert np.isnan(p.data[0]) and p.data[1] == 2.0 - 0.1
