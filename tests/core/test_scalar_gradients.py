"""One-element float64 gradients held as C doubles inside a first-order pass.

A pass without ``retain_grad`` or ``create_graph`` keeps the gradients of a graph of
one-element float64 arrays as doubles and makes an array only where a gradient becomes
visible. ``retain_grad=True`` makes every gradient visible, so it runs the pass on arrays
throughout: every leaf gradient must come out the same either way, bit for bit, with the same
dtype, shape, memory ownership and warnings. Random graphs of the engine's operations (and
of Functions written in Python) over 0-d, (1,) and (1, 1) leaves check it, then the cases
where a double must turn into an array: a gradient that overflows, an existing gradient,
a gradient kept from an earlier pass, a Python Function in the middle.
"""
import warnings
import weakref

import numpy as np
import pytest

from cygrad.variable import Function, Variable


class Triple(Function):
    """A Function written in Python with both backward forms; records what it received."""

    received: list = []

    def forward(self, x):
        return x * 3.0

    def backward(self, gy):
        return gy * 3.0

    def backward_arrays(self, gy):
        Triple.received.append(gy)
        return gy * 3.0


class Halve(Function):
    """A Function written in Python with ``backward`` alone."""

    def forward(self, x):
        return x * 0.5

    def backward(self, gy):
        return gy * 0.5


OPERATIONS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a, b: -a,
    "square": lambda a, b: a**2,
    "sqrt": lambda a, b: a**0.5,
    "reciprocal": lambda a, b: a**-1,
    "identity power": lambda a, b: a**1,
    "zeroth power": lambda a, b: a**0,
    "cube": lambda a, b: a**3,
    "plus number": lambda a, b: a + 1.5,
    "number minus": lambda a, b: 2.0 - a,
    "times number": lambda a, b: 100 * a,
    "number over": lambda a, b: 3.0 / a,
    "python function": lambda a, b: Triple()(a),
    "python backward only": lambda a, b: Halve()(a),
}


def random_graph(seed: int, shapes: list, dtype=np.float64):
    """A recipe: leaf values and a list of (operation, operand, operand) over a growing pool."""
    rng = np.random.default_rng(seed)
    leaves = []
    for shape in shapes:
        value = rng.choice([rng.normal(), -0.0, 0.0, 1.0, rng.normal() * 1e3])
        leaves.append(np.full(shape, value, dtype))
    names = list(OPERATIONS)
    steps = []
    pool = len(leaves)
    for _ in range(int(rng.integers(3, 12))):
        steps.append((names[rng.integers(len(names))], int(rng.integers(pool)),
                      int(rng.integers(pool))))
        pool += 1
    return leaves, steps


def run(leaves, steps, **backward_kwargs):
    """Build the graph on fresh Variables, run backward; the leaves, and the warnings."""
    xs = [Variable(a.copy()) for a in leaves]
    pool = list(xs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, i, j in steps:
            pool.append(OPERATIONS[name](pool[i], pool[j]))
        forward = len(caught)
        (pool[-1] + pool[-2]).backward(**backward_kwargs)
    return xs, [(w.category, str(w.message)) for w in caught[forward:]]


def assert_same_gradient(a, b):
    """Two leaf gradients alike in every respect a user can see."""
    if a is None or b is None:
        assert a is None and b is None
        return
    a, b = a.data, b.data
    assert type(a) is type(b) is np.ndarray
    assert a.dtype == b.dtype
    assert a.shape == b.shape
    assert a.tobytes() == b.tobytes()  # bits: -0.0 and NaN included
    for flag in ("OWNDATA", "WRITEABLE", "C_CONTIGUOUS"):
        assert a.flags[flag] == b.flags[flag], flag


def assert_no_sharing(xs):
    grads = [x.grad.data for x in xs if x.grad is not None]
    for i, g in enumerate(grads):
        for h in grads[i + 1:]:
            assert not np.shares_memory(g, h)


SHAPE_SETS = {
    "0-d": [(), (), ()],
    "(1,)": [(1,), (1,), (1,)],
    "(1, 1)": [(1, 1), (1, 1)],
    "mixed": [(), (1,), (1, 1)],
}


@pytest.mark.parametrize("shapes", SHAPE_SETS.values(), ids=SHAPE_SETS.keys())
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(40))
def test_random_graphs_give_the_array_pass_gradients(seed, shapes, dtype):
    leaves, steps = random_graph(seed, shapes, dtype)
    xs, caught = run(leaves, steps)
    reference, reference_caught = run(leaves, steps, retain_grad=True)
    recorded, _ = run(leaves, steps, create_graph=True)
    for x, r, c in zip(xs, reference, recorded):
        assert_same_gradient(x.grad, r.grad)
        if c.grad is not None:  # the recorded pass (a NaN's sign bit may differ there)
            np.testing.assert_array_equal(c.grad.data, x.grad.data)
            assert np.signbit(c.grad.data) == np.signbit(x.grad.data) or np.isnan(x.grad.data)
        if x.grad is not None:
            assert x.grad.data.dtype == dtype  # float32 stays float32
    assert caught == reference_caught
    assert_no_sharing(xs)


def test_rosenbrock_gradient():
    x0, x1 = Variable(np.array(0.5)), Variable(np.array(2.0))
    y = 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2
    y.backward()
    t = 2.0 - 0.25
    assert x0.grad.data.tobytes() == np.array(-2.0 * 0.5 * (200.0 * t) + 2.0 * (0.5 - 1)).tobytes()
    assert x1.grad.data.tobytes() == np.array(200.0 * t).tobytes()
    assert x0.grad.data.shape == () and x0.grad.data.dtype == np.float64
    assert y.grad is None  # the seed is not kept without retain_grad


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_seed_and_intermediate_gradients_under_retain_grad(shape):
    x = Variable(np.full(shape, 3.0))
    u = x * x
    y = u + x
    y.backward(retain_grad=True)
    assert y.grad.data.shape == shape and y.grad.data.tobytes() == np.ones(shape).tobytes()
    assert u.grad.data.shape == shape and u.grad.data.item() == 1.0
    assert x.grad.data.shape == shape and x.grad.data.item() == 7.0
    x.cleargrad()
    y = x * x + x
    y.backward()
    assert y.grad is None
    assert x.grad.data.shape == shape and x.grad.data.item() == 7.0


def test_a_sum_to_a_smaller_shape_turns_minus_zero_into_zero_as_numpy_does():
    # The (1,) output's gradient -0.0 summed to the 0-d input is NumPy's sum: +0.0.
    x0, x1 = Variable(np.array(2.0)), Variable(np.array([-0.0]))
    z = Variable(np.array([1.0]))
    (x0 * x1 * z).backward()
    assert x0.grad.data.shape == () and not np.signbit(x0.grad.data)
    assert x1.grad.data.shape == (1,)


def test_python_function_in_the_middle_receives_an_array_of_its_output():
    Triple.received = []
    for shape in [(), (1,), (1, 1)]:
        x = Variable(np.full(shape, 2.0))
        y = Triple()(x * x) * x
        y.backward()
        gy = Triple.received[-1]
        assert type(gy) is np.ndarray and gy.shape == shape and gy.dtype == np.float64
        assert gy.item() == 2.0
        assert x.grad.data.item() == 3.0 * 2.0 * 2.0 * 2.0 + 12.0


def test_overflow_in_a_held_gradient_warns_as_numpy_does():
    # u = x0 * x1 = 1; z = u * x0 = 1e200: u's gradient 1e200 is held as a double, and its
    # backward's gy * x0 overflows: NumPy computes that one, with its warning.
    def grads(**kwargs):
        x0, x1 = Variable(np.array(1e200)), Variable(np.array(1e-200))
        with pytest.warns(RuntimeWarning, match="overflow"):
            (x0 * x1 * x0).backward(**kwargs)
        return x0, x1
    (a0, a1), (b0, b1) = grads(), grads(retain_grad=True)
    assert_same_gradient(a0.grad, b0.grad)
    assert_same_gradient(a1.grad, b1.grad)
    assert np.isinf(a1.grad.data)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        x0, x1 = Variable(np.array(1e200)), Variable(np.array(1e-200))
        (x0 * x1 * x0).backward()


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "inside the graph"])
def test_overflow_in_a_sum_of_gradients_warns_as_numpy_does(leaf):
    def grads(**kwargs):
        w = Variable(np.array(1e-300))
        big = Variable(np.array(1e308))
        u = w if leaf else w * 1.0
        with pytest.warns(RuntimeWarning, match="overflow"):
            (u * big + u * big).backward(**kwargs)
        return w
    a, b = grads(), grads(retain_grad=True)
    assert_same_gradient(a.grad, b.grad)
    assert np.isposinf(a.grad.data)


def test_an_existing_gradient_is_added_to_not_changed():
    x = Variable(np.array(2.0))
    x.grad = Variable(np.array(1.0))
    before = x.grad.data
    (x * x + x).backward()
    assert x.grad.data.item() == 1.0 + 4.0 + 1.0
    assert x.grad.data is not before and before.item() == 1.0


def test_a_gradient_kept_by_an_earlier_pass_stays_and_is_not_propagated_again():
    x = Variable(np.array(3.0))
    u = x * x
    y = u * 2.0
    y.backward(retain_grad=True)
    kept = u.grad
    assert kept.data.item() == 2.0 and x.grad.data.item() == 12.0
    y.backward()  # without retain_grad: u keeps its gradient, x receives the pass's once more
    assert u.grad is kept and kept.data.item() == 2.0
    assert x.grad.data.item() == 24.0
    y.backward(retain_grad=True)  # now the pass's gradient is added to the kept one
    assert u.grad.data.item() == 4.0 and x.grad.data.item() == 36.0


def test_a_gradient_given_to_the_root_is_the_seed():
    x = Variable(np.array(3.0))
    y = x * x
    y.grad = Variable(np.array(0.5))
    y.backward()
    assert x.grad.data.item() == 3.0


def test_a_failing_backward_leaves_no_held_gradient_behind():
    class Fails(Function):
        def forward(self, x):
            return x.copy()

        def backward(self, gy):
            raise RuntimeError("boom")

    x = Variable(np.array(3.0))
    y = Fails()(x) * x + x
    with pytest.raises(RuntimeError, match="boom"):
        y.backward()
    assert y.grad is None
    x.cleargrad()
    z = x * x
    z.backward()
    assert x.grad.data.item() == 6.0


def test_a_variable_its_creator_no_longer_records_keeps_its_gradient_as_an_array():
    # Function.outputs is writable: once u's creator records another Variable, the pass
    # reads that one's gradient, and u's own stays visible after the pass, as an array.
    x = Variable(np.array(2.0))
    u = x * x
    v = u * 3.0
    other = Variable(np.array(0.0))
    other.grad = Variable(np.array(0.25))
    u.creator.outputs[0] = weakref.ref(other)
    v.backward()
    assert type(u.grad.data) is np.ndarray and u.grad.data.shape == () and u.grad.data.item() == 3.0
    assert x.grad.data.item() == 0.25 * 2.0 * 2.0
