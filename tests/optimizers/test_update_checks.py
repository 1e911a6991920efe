"""``update`` checks every parameter, and every gradient as the hooks leave it, before it
changes anything: on an error no parameter, no state and not ``t`` has changed."""
import numpy as np
import pytest

from cygrad.optimizers import SGD, Adam, AdamW, Momentum, Optimizer
from cygrad.variable import Variable


class Scaled(Optimizer):
    """A custom optimizer on the base class: a running sum of gradients, stepped by lr / t."""

    hyperparameters = {"lr": "nonnegative"}
    slots = ("total",)

    def __init__(self, lr: float = 0.1) -> None:
        super().__init__(lr=lr)

    def update_one(self, data, grad, state):
        state["total"] += grad
        data -= self.lr / self.t * state["total"]


KINDS = [SGD, Momentum, Adam, AdamW, Scaled]


def three_params():
    """Parameters a, b, c, each with a gradient; ``c`` is the one the tests break."""
    params = {name: Variable(np.full(3, value)) for name, value in (("a", 1.0), ("b", 2.0), ("c", 3.0))}
    for p in params.values():
        p.grad = Variable(np.full(3, 0.5))
    return params


def snapshot(opt, params):
    return (
        opt.t,
        {n: {s: a.copy() for s, a in slots.items()} for n, slots in opt.state_dict()["state"].items()},
        {n: p.data.copy() for n, p in params.items()},
    )


def assert_unchanged(opt, params, before):
    t, state, data = snapshot(opt, params)
    assert t == before[0]
    assert state.keys() == before[1].keys()
    for name, slots in before[1].items():
        for slot, array in slots.items():
            np.testing.assert_array_equal(state[name][slot], array)
    for name, array in before[2].items():
        np.testing.assert_array_equal(data[name], array)


def set_grad_of_c(grad):
    """A hook that leaves ``grad`` as the last parameter's gradient."""

    def hook(params):
        params[-1].grad = Variable(grad)

    return hook


BREAKS = [
    pytest.param(
        lambda opt, params: params["c"].data.setflags(write=False),
        ValueError, "parameter 'c' has read-only data", id="read-only data",
    ),
    pytest.param(
        lambda opt, params: opt.add_hook(set_grad_of_c(np.full(1, 0.5))),
        ValueError, r"gradient of 'c' has shape \(1,\), parameter has shape \(3,\)",
        id="hook leaves a gradient of another shape",
    ),
    pytest.param(
        lambda opt, params: opt.add_hook(set_grad_of_c(np.full(3, 0.5, dtype=np.float32))),
        TypeError, "gradient of 'c' is float32, parameter is float64",
        id="hook leaves a gradient of another dtype",
    ),
]


@pytest.mark.parametrize(("spoil", "error", "message"), BREAKS)
@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("updated_before", [False, True])
def test_a_bad_last_parameter_changes_nothing(cls, spoil, error, message, updated_before, stand_in):
    params = three_params()
    opt = cls()
    if updated_before:
        opt.update(stand_in(**params))
    before = snapshot(opt, params)
    spoil(opt, params)
    with pytest.raises(error, match=f"{cls.__name__}.update: {message}"):
        opt.update(stand_in(**params))
    assert_unchanged(opt, params, before)


def test_a_gradient_of_another_dtype_is_refused_without_hooks(stand_in):
    p = Variable(np.ones(2, dtype=np.float32))
    p.grad = Variable(np.ones(2))
    with pytest.raises(TypeError, match="Momentum.update: gradient of 'p' is float64, parameter is float32"):
        Momentum().update(stand_in(p=p))
    np.testing.assert_array_equal(p.data, [1.0, 1.0])


def test_a_read_only_parameter_without_gradient_is_left_alone(stand_in):
    frozen, free = Variable(np.ones(2)), Variable(np.ones(2))
    frozen.data.setflags(write=False)
    free.grad = Variable(np.ones(2))
    SGD(lr=0.5).update(stand_in(frozen=frozen, free=free))
    np.testing.assert_array_equal(free.data, [0.5, 0.5])


class NoParams:
    def params(self):
        return None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (None, "SGD.update: expected a model .*, a mapping of names to parameters or an iterable of parameters, got None"),
        (5, "SGD.update: expected a model .*got int"),
        ("w", "SGD.update: expected a model .*got str"),
        (np.ones(3), "SGD.update: expected a model .*got ndarray"),
        (Variable(np.ones(3)), "SGD.update: expected a model .*got Variable"),
        (NoParams(), r"SGD.update: NoParams.params\(\) returned None, expected a mapping of names"),
        ({0: Variable(1.0)}, "SGD.update: parameter names must be str, got 0"),
        ([Variable(1.0), np.ones(2)], "SGD.update: parameter '1' is ndarray, expected a Variable"),
    ],
)
def test_what_update_accepts_is_named_in_the_error(source, message):
    opt = SGD()
    with pytest.raises(TypeError, match=message):
        opt.update(source)
    assert opt.t == 0


@pytest.mark.parametrize("cls", KINDS)
def test_the_refused_parameter_is_named_after_ones_without_gradients(cls, stand_in):
    params = three_params()
    params["a"].grad = None  # skipped: the refused one is still named right
    params["b"].grad = Variable(np.full(2, 0.5))
    opt = cls()
    before = snapshot(opt, params)
    with pytest.raises(ValueError, match=rf"{cls.__name__}.update: gradient of 'b' has shape"):
        opt.update(stand_in(**params))
    assert_unchanged(opt, params, before)


@pytest.mark.parametrize("cls", [Momentum, Adam, AdamW, Scaled])
def test_a_state_of_another_shape_is_refused_before_anything_changes(cls, stand_in):
    params = three_params()
    opt = cls()
    opt.update(stand_in(**params))
    slot = cls.slots[0]
    opt._state["c"][slot] = np.zeros(2)  # a state array that no longer fits its parameter
    before = snapshot(opt, params)
    with pytest.raises(ValueError, match=rf"state '{slot}' of 'c' has shape \(2,\)"):
        opt.update(stand_in(**params))
    assert_unchanged(opt, params, before)
