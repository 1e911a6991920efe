"""``update_one``: the one method a new optimizer implements, and what the base hands it."""
import numpy as np
import pytest

from cygrad.optimizers import SGD, Adam, AdamW, Momentum, Optimizer
from cygrad.variable import Variable


class SignDescent(Optimizer):
    """Move each element by lr against the sign of a running mean of its gradient."""

    hyperparameters = {"lr": "nonnegative", "beta": "fraction"}
    slots = ("mean",)

    def __init__(self, lr: float = 0.1, beta: float = 0.5) -> None:
        super().__init__(lr=lr, beta=beta)

    def update_one(self, data, grad, state):
        state["mean"] *= self.beta
        state["mean"] += (1.0 - self.beta) * grad
        data -= self.lr * np.sign(state["mean"])


def test_a_new_optimizer_implements_only_update_one(stand_in):
    p = Variable(np.array([1.0, 1.0, 1.0]))
    opt = SignDescent(lr=0.25)
    for grad in ([1.0, -1.0, 0.0], [-0.1, -1.0, 0.0]):
        p.grad = Variable(np.array(grad))
        opt.update(stand_in(p=p))
    np.testing.assert_array_equal(p.data, [0.5, 1.5, 1.0])
    state = opt.state_dict()
    np.testing.assert_allclose(state["state"]["p"]["mean"], [0.2, -0.75, 0.0])
    again = SignDescent()
    again.load_state_dict(state, stand_in(p=p))
    assert again.t == 2 and again.lr == 0.25


def test_update_one_gets_the_arrays_themselves_after_the_hooks(stand_in):
    seen = []

    class Recorder(Optimizer):
        slots = ("s",)

        def update_one(self, data, grad, state):
            seen.append((data, grad, state, self.t))

    p = Variable(np.ones(2))
    p.grad = Variable(np.ones(2))
    clipped = Variable(np.full(2, 0.5))
    opt = Recorder()
    opt.add_hook(lambda params: setattr(params[0], "grad", clipped))
    opt.update(stand_in(p=p))
    data, grad, state, t = seen[0]
    assert data is p.data and grad is clipped.data and t == 1
    assert list(state) == ["s"] and state["s"].shape == (2,)


def test_the_base_says_what_to_implement(stand_in):
    class Unfinished(Optimizer):
        pass

    p = Variable(1.0)
    p.grad = Variable(1.0)
    with pytest.raises(NotImplementedError, match="Unfinished must implement update_one"):
        Unfinished().update(stand_in(p=p))


@pytest.mark.parametrize("cls", [SGD, Momentum, Adam, AdamW])
def test_the_built_ins_use_the_public_extension_point(cls):
    assert cls.update_one is not Optimizer.update_one
    assert not hasattr(cls, "_step")
