"""What every optimizer shares: hooks, skipping, dtypes, checks, and resuming from saved state."""
import doctest

import numpy as np
import pytest

import cygrad.optimizers
from cygrad.optimizers import SGD, Adam, AdamW, Momentum, Optimizer
from cygrad.optimizers.hooks import ClipGrad, WeightDecay
from cygrad.variable import Variable

ALL = [SGD, Momentum, Adam, AdamW]


def test_module_example_runs():
    result = doctest.testmod(cygrad.optimizers)
    assert result.attempted > 0 and result.failed == 0


def test_all_are_optimizers():
    assert all(issubclass(cls, Optimizer) for cls in ALL)


@pytest.mark.parametrize("cls", ALL)
def test_parameters_without_gradients_are_skipped(cls, stand_in):
    a, b = Variable(np.ones(2)), Variable(np.ones(3))
    a.grad = Variable(np.full(2, 0.5))
    opt = cls()
    opt.update(stand_in(a=a, b=b))
    assert not np.array_equal(a.data, np.ones(2))
    np.testing.assert_array_equal(b.data, np.ones(3))
    assert set(opt.state_dict()["state"]) == ({"a"} if cls.slots else set())


@pytest.mark.parametrize("cls", ALL)
def test_float32_stays_float32_in_place(cls, stand_in):
    p = Variable(np.array([1.0, -2.0], dtype=np.float32))
    p.grad = Variable(np.array([0.5, 0.25], dtype=np.float32))
    data = p.data
    opt = cls()
    opt.update(stand_in(p=p))
    opt.update(stand_in(p=p))
    assert p.data is data
    assert p.dtype == np.float32
    assert not np.array_equal(p.data, [1.0, -2.0])
    for slots in opt.state_dict()["state"].values():
        assert all(a.dtype == np.float32 for a in slots.values())


def test_hooks_run_in_order_before_the_update_on_parameters_with_grads(stand_in):
    a, b = Variable(np.array([1.0])), Variable(np.array([2.0]))
    a.grad = Variable(np.array([4.0]))
    seen = []
    opt = SGD(lr=1.0)
    opt.add_hook(lambda ps: seen.append(("first", [p.data.copy() for p in ps])))
    opt.add_hook(ClipGrad(0.5))
    opt.add_hook(lambda ps: seen.append(("last", [p.grad.data.copy() for p in ps])))
    opt.update(stand_in(a=a, b=b))
    assert [tag for tag, _ in seen] == ["first", "last"]
    np.testing.assert_array_equal(seen[0][1][0], [1.0])
    assert len(seen[0][1]) == 1
    np.testing.assert_array_equal(seen[1][1][0], [0.5])
    np.testing.assert_array_equal(a.data, [0.5])
    assert len(opt.hooks) == 3


def test_add_hook_wants_a_callable():
    with pytest.raises(TypeError, match="SGD.add_hook"):
        SGD().add_hook(3)


def test_non_variable_parameter(stand_in):
    with pytest.raises(TypeError, match="'w'.*ndarray"):
        SGD().update(stand_in(w=np.ones(2)))


def test_gradient_of_wrong_shape_changes_nothing(stand_in):
    a, b = Variable(np.ones(2)), Variable(np.ones(3))
    a.grad = Variable(np.ones(2))
    b.grad = Variable(np.ones(1))
    opt = Adam()
    with pytest.raises(ValueError, match=r"Adam.update: gradient of 'b' has shape \(1,\)"):
        opt.update(stand_in(a=a, b=b))
    np.testing.assert_array_equal(a.data, np.ones(2))
    assert opt.t == 0


@pytest.mark.parametrize(
    ("cls", "kwargs", "shown"),
    [
        (SGD, {"lr": -0.1}, "lr.*-0.1"),
        (Momentum, {"momentum": 1.0}, "momentum.*1.0"),
        (Momentum, {"lr": float("nan")}, "lr.*nan"),
        (Adam, {"beta1": 1.0}, "beta1.*1.0"),
        (Adam, {"beta2": -0.5}, "beta2.*-0.5"),
        (Adam, {"eps": 0.0}, "eps.*0.0"),
        (AdamW, {"weight_decay": -1.0}, "weight_decay.*-1.0"),
        (AdamW, {"lr": -2.0}, "lr.*-2.0"),
    ],
)
def test_invalid_hyperparameters(cls, kwargs, shown):
    with pytest.raises(ValueError, match=f"{cls.__name__}: {shown}"):
        cls(**kwargs)


def test_non_number_hyperparameter():
    with pytest.raises(TypeError, match="SGD: lr"):
        SGD(lr="0.1")


# -- state_dict / load_state_dict -------------------------------------------------------


def snapshot(model):
    return {name: p.data.copy() for name, p in model.params().items()}


def make(cls, hooked):
    opt = cls(lr=0.05) if cls is not Momentum else cls(lr=0.05, momentum=0.8)
    if hooked:
        opt.add_hook(WeightDecay(1e-3))
        opt.add_hook(ClipGrad(2.0))
    return opt


@pytest.mark.parametrize("hooked", [False, True])
@pytest.mark.parametrize("cls", ALL)
def test_resume_gives_identical_numbers(cls, hooked, regression):
    run = regression(seed=5)
    opt = make(cls, hooked)
    run.train(opt, 7)
    saved_params, saved_state = snapshot(run), opt.state_dict()
    run.train(opt, 9)

    resumed = regression(seed=5)
    for name, p in resumed.params().items():
        p.data = saved_params[name].copy()
    fresh = cls()
    if hooked:
        fresh.add_hook(WeightDecay(1e-3))
        fresh.add_hook(ClipGrad(2.0))
    fresh.load_state_dict(saved_state, resumed)
    resumed.train(fresh, 9)

    for name, p in run.params().items():
        assert (resumed.params()[name].data == p.data).all()
    after, again = opt.state_dict(), fresh.state_dict()
    assert after["t"] == again["t"] == 16
    assert after["hyperparameters"] == again["hyperparameters"]
    for name, slots in after["state"].items():
        for slot, array in slots.items():
            assert (again["state"][name][slot] == array).all()


def test_state_dict_is_plain_data_and_copied(regression):
    model = regression()
    opt = Adam()
    model.train(opt, 2)
    state = opt.state_dict()
    assert state["kind"] == "Adam" and state["t"] == 2
    assert state["hyperparameters"] == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert all(type(a) is np.ndarray for slots in state["state"].values() for a in slots.values())
    kept = state["state"]["W"]["m"].copy()
    model.train(opt, 1)
    np.testing.assert_array_equal(state["state"]["W"]["m"], kept)
    state["state"]["W"]["m"][...] = 99.0
    assert not (opt.state_dict()["state"]["W"]["m"] == 99.0).any()


def test_load_copies_the_arrays(regression):
    model = regression()
    source = Momentum()
    model.train(source, 2)
    state = source.state_dict()
    opt = Momentum()
    opt.load_state_dict(state)
    state["state"]["W"]["v"][...] = 99.0
    assert not (opt.state_dict()["state"]["W"]["v"] == 99.0).any()


def trained_adam_state(regression):
    opt = Adam(lr=0.01)
    regression().train(opt, 3)
    return opt.state_dict()


def spoil(state, how):
    """A copy of ``state`` broken in one way."""
    bad = {**state, "hyperparameters": dict(state["hyperparameters"])}
    bad["state"] = {n: dict(slots) for n, slots in state["state"].items()}
    how(bad)
    return bad


BROKEN = [
    (lambda s: s.pop("t"), r"state missing \['t'\]"),
    (lambda s: s.update(extra=1), r"state has unknown \['extra'\]"),
    (lambda s: s.update(kind="Momentum"), "state is for 'Momentum', not 'Adam'"),
    (lambda s: s.update(t=-1), "t must be an integer >= 0, got -1"),
    (lambda s: s.update(t=1.5), "t must be an integer >= 0, got 1.5"),
    (lambda s: s["hyperparameters"].pop("beta2"), r"hyperparameters missing \['beta2'\]"),
    (lambda s: s["hyperparameters"].update(momentum=0.9), r"unknown \['momentum'\]"),
    (lambda s: s["hyperparameters"].update(lr=-1.0), "lr must be finite and >= 0, got -1.0"),
    (lambda s: s["state"]["W"].pop("v"), r"state of 'W' missing \['v'\]"),
    (lambda s: s["state"]["b"].update(u=np.zeros(2)), r"state of 'b' has unknown \['u'\]"),
    (
        lambda s: s["state"]["b"].update(v=np.zeros(5)),
        r"state 'v' of 'b' has shape \(5,\), expected \(2,\)",
    ),
    (
        lambda s: s["state"]["b"].update(m=[0.0, 0.0]),
        "state 'm' of 'b' must be a float32/float64 ndarray",
    ),
    (
        lambda s: s["state"]["b"].update(m=np.zeros(2, dtype=int)),
        "'m' of 'b' must be a float32/float64",
    ),
    (lambda s: s["state"]["b"].update(v=np.array([0.1, np.nan])), "state 'v' of 'b' holds NaN or inf"),
    (lambda s: s["state"]["W"].update(v=np.full((3, 2), np.inf)), "state 'v' of 'W' holds NaN or inf"),
    (lambda s: s["state"]["b"].update(m=np.array([-np.inf, 0.0])), "state 'm' of 'b' holds NaN or inf"),
    (
        lambda s: s["state"]["b"].update(v=np.array([0.5, -1e-12])),
        "state 'v' of 'b' holds negative values",
    ),
]


@pytest.mark.parametrize(("how", "message"), BROKEN)
def test_load_refuses_a_broken_state_and_changes_nothing(how, message, regression):
    good = trained_adam_state(regression)
    opt = Adam(lr=0.5)
    regression(seed=9).train(opt, 1)
    before = opt.state_dict()
    with pytest.raises(ValueError, match="Adam.load_state_dict: .*" + message):
        opt.load_state_dict(spoil(good, how))
    after = opt.state_dict()
    assert after["t"] == before["t"] and after["hyperparameters"] == before["hyperparameters"]
    assert after["state"].keys() == before["state"].keys()
    for name, slots in before["state"].items():
        for slot, array in slots.items():
            assert (after["state"][name][slot] == array).all()


def test_load_names_every_problem_at_once(regression):
    def two_faults(s):
        s.update(t=-3)
        s["state"]["W"].pop("m")

    bad = spoil(trained_adam_state(regression), two_faults)
    with pytest.raises(ValueError, match=r"got -3; state of 'W' missing \['m'\]"):
        Adam().load_state_dict(bad)


def test_load_refuses_a_non_mapping():
    with pytest.raises(ValueError, match="Adam.load_state_dict: expected a mapping, got list"):
        Adam().load_state_dict([])


def test_load_checks_names_and_shapes_against_the_model(regression, stand_in):
    state = trained_adam_state(regression)
    other = stand_in(W=Variable(np.zeros((2, 3))), c=Variable(np.zeros(2)))
    opt = Adam()
    with pytest.raises(ValueError) as info:
        opt.load_state_dict(state, other)
    message = str(info.value)
    assert "names ['b'] are not parameters of the model" in message
    assert "state 'm' of 'W' has shape (3, 2), expected (2, 3)" in message
    assert opt.state_dict()["state"] == {} and opt.t == 0


def test_update_refuses_state_of_another_shape_and_changes_nothing(regression, stand_in):
    opt = Adam()
    opt.load_state_dict(trained_adam_state(regression))
    W = Variable(np.ones((2, 3)))
    W.grad = Variable(np.ones((2, 3)))
    expected = r"Adam.update: state 'm' of 'W' has shape \(3, 2\), parameter has shape \(2, 3\)"
    with pytest.raises(ValueError, match=expected):
        opt.update(stand_in(W=W))
    np.testing.assert_array_equal(W.data, np.ones((2, 3)))
    assert opt.t == 3


def test_a_hook_may_drop_a_gradient(stand_in):
    a, b = Variable(np.ones(2)), Variable(np.ones(2))
    a.grad, b.grad = Variable(np.ones(2)), Variable(np.ones(2))

    def drop_b(params):
        b.cleargrad()

    opt = Momentum(lr=0.5)
    opt.add_hook(drop_b)
    opt.update(stand_in(a=a, b=b))
    np.testing.assert_array_equal(a.data, [0.5, 0.5])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    assert list(opt.state_dict()["state"]) == ["a"]


def test_load_names_every_bad_second_moment(regression):
    def poison(s):
        s["state"]["W"]["v"] = np.full((3, 2), -1.0)
        s["state"]["b"]["v"] = np.array([np.nan, 0.0])

    bad = spoil(trained_adam_state(regression), poison)
    with pytest.raises(ValueError, match="'v' of 'W' holds negative values; .*'v' of 'b' holds NaN"):
        Adam().load_state_dict(bad)


def test_a_first_moment_may_be_negative(regression):
    good = spoil(trained_adam_state(regression), lambda s: s["state"]["b"].update(m=-np.ones(2)))
    opt = Adam()
    opt.load_state_dict(good)
    np.testing.assert_array_equal(opt.state_dict()["state"]["b"]["m"], [-1.0, -1.0])
