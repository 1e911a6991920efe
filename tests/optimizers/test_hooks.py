"""WeightDecay and ClipGrad, and that a hook never reaches another parameter's gradient."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cygrad.optimizers import SGD
from cygrad.optimizers.hooks import ClipGrad, WeightDecay
from cygrad.variable import Variable


def with_grad(data, grad):
    p = Variable(np.asarray(data, dtype=float))
    p.grad = Variable(np.asarray(grad, dtype=float))
    return p


def test_clip_grad_reference_value():
    p = with_grad(np.zeros(4), [1.0, 2.0, 3.0, 4.0])
    ClipGrad(1.0)([p])
    expected = np.array([1.0, 2.0, 3.0, 4.0]) / math.sqrt(30)
    np.testing.assert_allclose(p.grad.data, expected, rtol=1e-15)


def test_clip_grad_uses_the_global_norm():
    a, b = with_grad([0.0], [3.0]), with_grad([0.0, 0.0], [0.0, 4.0])
    ClipGrad(2.5)([a, b])
    np.testing.assert_allclose(a.grad.data, [1.5])
    np.testing.assert_allclose(b.grad.data, [0.0, 2.0])


def test_clip_grad_leaves_small_gradients_alone():
    p = with_grad([0.0, 0.0], [0.6, 0.8])
    before = p.grad
    ClipGrad(1.0)([p])
    assert p.grad is before
    np.testing.assert_array_equal(p.grad.data, [0.6, 0.8])


finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(arrays(np.float64, st.integers(1, 6), elements=finite), st.floats(0.01, 10.0))
def test_clip_grad_bounds_the_norm_and_keeps_direction(g, max_norm):
    p = with_grad(np.zeros_like(g), g)
    ClipGrad(max_norm)([p])
    clipped = p.grad.data
    norm = np.linalg.norm(g)
    assert np.linalg.norm(clipped) <= max_norm * (1 + 1e-12) or norm <= max_norm
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    np.testing.assert_allclose(clipped, g * scale, rtol=1e-12, atol=1e-300)


def test_weight_decay_adds_rate_times_data():
    p = with_grad([2.0, -1.0], [0.5, 0.5])
    WeightDecay(0.1)([p])
    np.testing.assert_allclose(p.grad.data, [0.7, 0.4])


def test_weight_decay_through_sgd(stand_in):
    p = with_grad([2.0, -1.0], [0.5, 0.5])
    opt = SGD(lr=0.1)
    opt.add_hook(WeightDecay(0.1))
    opt.update(stand_in(p=p))
    np.testing.assert_allclose(p.data, [2.0 - 0.1 * 0.7, -1.0 - 0.1 * 0.4])


def test_hooks_keep_float32():
    p = Variable(np.array([3.0, 4.0], dtype=np.float32))
    p.grad = Variable(np.array([30.0, 40.0], dtype=np.float32))
    WeightDecay(0.5)([p])
    ClipGrad(1.0)([p])
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad.data, [0.6, 0.8], rtol=1e-6)


@pytest.mark.parametrize("hook", [ClipGrad(1.0), WeightDecay(0.5)])
def test_hook_leaves_a_sibling_gradient_from_the_same_graph(hook, stand_in):
    a = Variable(np.array([10.0, 20.0]))
    b = Variable(np.array([1.0, 2.0]))
    (a + b).backward()
    hook([a])
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    opt = SGD(lr=1.0)
    opt.add_hook(hook)
    opt.update(stand_in(a=a))
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(b.data, [1.0, 2.0])


def test_in_place_hook_leaves_a_sibling_gradient(stand_in):
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 4.0]))
    (a + b).sum().backward()

    def triple_in_place(params):
        for p in params:
            p.grad.data *= 3.0

    opt = SGD(lr=1.0)
    opt.add_hook(triple_in_place)
    opt.update(stand_in(a=a))
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


@pytest.mark.parametrize("hook", [ClipGrad(1.0), WeightDecay(0.5)])
def test_hook_never_writes_into_a_gradient_array(hook):
    shared = Variable(np.array([3.0, 4.0]))
    a, b = Variable(np.array([1.0, 1.0])), Variable(np.array([1.0, 1.0]))
    a.grad = b.grad = shared
    hook([a])
    np.testing.assert_array_equal(b.grad.data, [3.0, 4.0])
    assert not np.array_equal(a.grad.data, [3.0, 4.0])


@pytest.mark.parametrize(
    ("make", "bad", "name"),
    [(ClipGrad, 0.0, "ClipGrad"), (ClipGrad, -1.0, "ClipGrad"), (WeightDecay, -0.1, "WeightDecay")],
)
def test_invalid_arguments(make, bad, name):
    with pytest.raises(ValueError, match=f"{name}.*{bad}"):
        make(bad)


def test_non_number_argument():
    with pytest.raises(TypeError, match="ClipGrad"):
        ClipGrad("1")
