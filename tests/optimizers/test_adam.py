"""Adam and AdamW against the formula written out in numpy."""
import math

import numpy as np
import pytest

from cygrad.optimizers import Adam, AdamW
from cygrad.variable import Variable

GRADS = [np.array([0.5, -2.0, 3e-3]), np.array([0.1, 1.0, -4.0]), np.array([-0.3, 0.2, 0.0])]


def adam_by_hand(p, grads, lr, beta1, beta2, eps):
    """The Go original's Adam: bias correction folded into the learning rate."""
    m, v, out = np.zeros_like(p), np.zeros_like(p), []
    for t, g in enumerate(grads, start=1):
        m = m + (1 - beta1) * (g - m)
        v = v + (1 - beta2) * (g * g - v)
        lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        p = p - lr_t * m / (np.sqrt(v) + eps)
        out.append(p)
    return out


@pytest.mark.parametrize("hyper", [{}, {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-4}])
def test_first_steps_match_formula(stand_in, hyper):
    opt = Adam(**hyper)
    full = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, **hyper}
    p0 = np.array([1.0, 2.0, -3.0])
    p = Variable(p0.copy())
    expected = adam_by_hand(p0, GRADS, **full)
    for g, want in zip(GRADS, expected):
        p.grad = Variable(g)
        opt.update(stand_in(p=p))
        np.testing.assert_allclose(p.data, want, rtol=1e-14, atol=0)
    assert opt.t == 3


def test_first_step_moves_by_lr_against_the_sign(stand_in):
    p = Variable(np.array([0.0, 0.0]))
    p.grad = Variable(np.array([7.0, -0.5]))
    Adam(lr=0.05).update(stand_in(p=p))
    np.testing.assert_allclose(p.data, [-0.05, 0.05], rtol=1e-5)


def test_t_counts_update_calls(stand_in):
    opt = Adam()
    p = Variable(1.0)
    opt.update(stand_in(p=p))
    opt.update(stand_in(p=p))
    assert opt.t == 2


def lr_t(lr, t, beta1=0.9, beta2=0.999):
    return lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)


def test_adamw_zero_grad_only_decays(stand_in):
    p = Variable(np.array([2.0, -4.0]))
    p.grad = Variable(np.zeros(2))
    opt = AdamW(lr=0.1, weight_decay=0.5)
    opt.update(stand_in(p=p))
    first = 1 - lr_t(0.1, 1) * 0.5
    np.testing.assert_allclose(p.data, [2.0 * first, -4.0 * first], rtol=1e-15)
    opt.update(stand_in(p=p))
    second = first * (1 - lr_t(0.1, 2) * 0.5)
    np.testing.assert_allclose(p.data, [2.0 * second, -4.0 * second], rtol=1e-15)


def test_adamw_is_adam_plus_decoupled_decay(stand_in):
    p0 = np.array([1.0, 2.0, -3.0])
    lr, wd = 0.01, 0.1
    p = Variable(p0.copy())
    p.grad = Variable(GRADS[0])
    AdamW(lr=lr, weight_decay=wd).update(stand_in(p=p))
    adam_only = adam_by_hand(p0, GRADS[:1], lr, 0.9, 0.999, 1e-8)[0]
    np.testing.assert_allclose(p.data, adam_only * (1 - lr_t(lr, 1) * wd), rtol=1e-14)


def test_adam_and_adamw_reproduce_the_original(stand_in):
    # p = 1 with gradient 1 held fixed, as in the Go original's examples (its Adam example
    # runs in float32, its AdamW example in float64).
    for opt, p, expected in [
        (Adam(lr=0.001), np.float32(1.0), np.array([0.999, 0.998], dtype=np.float32)),
        (AdamW(lr=0.001, weight_decay=0.1), 1.0, [0.9989684091623926, 0.9979449255202475]),
    ]:
        p = Variable(p)
        p.grad = Variable(np.ones((), dtype=p.dtype))
        model = stand_in(p=p)
        for want in expected:
            opt.update(model)
            assert p.data == want


def test_adamw_without_decay_is_adam(regression):
    a, w = regression(seed=3), regression(seed=3)
    a.train(Adam(lr=0.01), 20)
    w.train(AdamW(lr=0.01, weight_decay=0.0), 20)
    for name in ("W", "b"):
        np.testing.assert_array_equal(a.params()[name].data, w.params()[name].data)


def test_adam_reaches_the_least_squares_fit(regression):
    model = regression(seed=1)
    x = np.hstack([model.x.data, np.ones((8, 1))])
    best = np.linalg.lstsq(x, model.t.data, rcond=None)[0]
    best_loss = float(((x @ best - model.t.data) ** 2).sum() / 8)
    assert model.loss().item() > best_loss + 1.0
    model.train(Adam(lr=0.05), 200)
    assert model.loss().item() == pytest.approx(best_loss, abs=1e-6)


def test_defaults():
    w = AdamW()
    assert (w.lr, w.beta1, w.beta2, w.eps, w.weight_decay) == (0.001, 0.9, 0.999, 1e-8, 0.01)
    a = Adam()
    assert (a.lr, a.beta1, a.beta2, a.eps) == (0.001, 0.9, 0.999, 1e-8)
