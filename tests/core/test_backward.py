"""The backward pass: ordering, accumulation, retention, aliasing, memory, Function subclasses."""
import gc
import weakref

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Function, Variable, no_grad


def test_backward_accumulates_until_cleargrad():
    x = Variable(3.0)
    (x * x).backward()
    (x * x).backward()
    assert x.grad.item() == 12.0
    x.cleargrad()
    (x * x).backward()
    assert x.grad.item() == 6.0


def test_intermediate_grads_are_dropped_unless_retained():
    x = Variable(2.0)
    a = x * x
    y = a * 3
    y.backward()
    assert a.grad is None and y.grad is None and x.grad.item() == 12.0
    x.cleargrad()
    a = x * x
    y = a * 3
    y.backward(retain_grad=True)
    assert a.grad.item() == 3.0 and y.grad.item() == 1.0


def test_backward_of_a_leaf_seeds_ones():
    x = Variable(np.zeros((2, 2)))
    x.backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 2)))


def test_generation_order_visits_each_function_once():
    calls = []

    class Spy(Function):
        def forward(self, x):
            return x.copy()

        def backward(self, gy):
            calls.append(self)
            return gy

    x = Variable(1.0)
    a = Spy()(x)
    b = a * 2
    c = a * 3
    y = b + c + a
    y.backward()
    assert len(calls) == 1
    assert x.grad.item() == 6.0


def _assert_independent(*grads):
    for g in grads:
        assert g.data.flags.writeable
    for i, g in enumerate(grads):
        for h in grads[i + 1:]:
            assert g is not h
            assert not np.shares_memory(g.data, h.data)


@pytest.mark.parametrize(
    "build",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a.reshape(3, 2) + b.reshape(3, 2),
        lambda a, b: (a.sum() + b.sum()),
        lambda a, b: a[0:2] + b[0:2],
        lambda a, b: F.transpose(a) + F.transpose(b),
    ],
)
def test_gradients_never_alias(build):
    a = Variable(np.ones((2, 3)))
    b = Variable(np.ones((2, 3)))
    build(a, b).backward()
    _assert_independent(a.grad, b.grad)
    before = b.grad.data.copy()
    a.grad.data *= 0  # an in-place hook on one parameter
    np.testing.assert_array_equal(b.grad.data, before)


def test_gradients_never_alias_with_create_graph():
    a = Variable(np.ones(3))
    b = Variable(np.ones(3))
    (a + b).backward(create_graph=True)
    _assert_independent(a.grad, b.grad)
    assert a.grad.creator is not None


def test_seed_is_not_aliased_by_a_leaf():
    x = Variable(np.ones(2))
    y = x + 0
    seed = Variable(np.array([2.0, 3.0]))
    y.grad = seed
    y.backward()
    assert not np.shares_memory(x.grad.data, seed.data)
    np.testing.assert_array_equal(x.grad.data, [2, 3])


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x = Variable(np.ones(3))
        y = F.sin(x * 2) + x
        func_ref = weakref.ref(y.creator)
        mid_ref = weakref.ref(y.creator.inputs[0])
        y.backward()
        del y
        assert func_ref() is None
        assert mid_ref() is None
    finally:
        gc.enable()


def test_deep_graph_needs_no_recursion():
    x = Variable(1.0)
    y = x
    for _ in range(20000):
        y = y + 1e-3
    y.backward()
    assert x.grad.item() == 1.0
    y.unchain_backward()


def test_no_grad_records_nothing():
    x = Variable(2.0)
    with no_grad():
        y = x * x
    assert y.creator is None and y.generation == 0


def test_unchain_and_unchain_backward():
    x = Variable(2.0)
    a = x * x
    b = a * a
    y = b * 2
    a.unchain()
    assert a.creator is None
    y.backward()
    assert x.grad is None
    a2 = x * x
    y2 = (a2 * a2) * 2
    y2.unchain_backward()
    assert y2.creator is not None
    assert y2.creator.inputs[0].creator is None
    assert a2.creator is None


class Square(Function):
    def forward(self, x):
        return x**2

    def backward(self, gy):
        return 2 * self.inputs[0] * gy


def test_python_function_subclass_supports_double_backprop():
    x = Variable(3.0)
    y = Square()(x)
    y.backward(create_graph=True)
    assert x.grad.item() == 6.0
    gx = x.grad
    x.cleargrad()
    gx.backward()
    assert x.grad.item() == 2.0


def test_each_call_of_one_instance_is_a_fresh_node():
    f = Square()
    x = Variable(2.0)
    z = Variable(5.0)
    y1 = f(x)
    y2 = f(z)
    assert y1.creator is not y2.creator
    (y1 + y2).backward()
    assert x.grad.item() == 4.0 and z.grad.item() == 10.0


def test_multi_output_function_gets_none_for_unused_outputs():
    received = []

    class Halves(Function):
        def forward(self, x):
            return x[:1].copy(), x[1:].copy()

        def backward(self, g0, g1):
            received.append((g0, g1))
            gx = Variable(np.zeros(2))
            for g, unit in ((g0, [1.0, 0.0]), (g1, [0.0, 1.0])):
                if g is not None:
                    gx = gx + Variable(np.array(unit)) * g.sum()
            return gx

    x = Variable(np.array([1.0, 2.0]))
    first, second = Halves()(x)
    (first * 3).backward()
    assert received[0][1] is None
    np.testing.assert_array_equal(x.grad.data, [3, 0])


def test_backward_returning_a_wrong_shape_is_reported():
    class Bad(Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            return Variable(np.ones(5))

    x = Variable(np.ones(3))
    with pytest.raises(ValueError, match=r"Bad.backward: gradient for input 0 has shape \(5,\), expected \(3,\)"):
        Bad()(x).backward()


def test_backward_returning_a_wrong_count_is_reported():
    class Bad(Function):
        def forward(self, x, y):
            return x + y

        def backward(self, gy):
            return gy

    with pytest.raises(ValueError, match="Bad.backward returned 1 gradients for 2 inputs"):
        Bad()(Variable(1.0), Variable(2.0)).backward()


def test_config_is_restored_after_a_failing_backward():
    from cygrad.variable import config

    class Boom(Function):
        def forward(self, x):
            return x

        def backward(self, gy):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        Boom()(Variable(1.0)).backward()
    assert config.enable_backprop is True


def test_a_stateful_function_reused_keeps_each_nodes_state():
    class Mask(Function):
        def forward(self, x):
            self.keep = x > 0
            return x * self.keep

        def backward(self, gy):
            return gy * self.keep

    f = Mask()
    a = Variable(np.array([1.0, -1.0]))
    b = Variable(np.array([-1.0, 1.0]))
    ya = f(a)
    f(b)
    ya.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1, 0])


@pytest.mark.parametrize("create_graph", [False, True])
def test_gradients_take_their_variables_dtype(create_graph):
    y = Variable(np.ones(3, dtype=np.float32))
    loss = F.sum((y - np.zeros(3)) ** 2)  # a float64 constant promotes the loss to float64
    assert loss.dtype == np.float64
    loss.backward(create_graph=create_graph)
    assert y.grad.dtype == np.float32
    np.testing.assert_array_equal(y.grad.data, [2, 2, 2])
    if create_graph:
        g = y.grad
        y.cleargrad()
        g.sum().backward()
        assert y.grad.dtype == np.float32
        np.testing.assert_array_equal(y.grad.data, [2, 2, 2])


def test_numpy_scalar_exponent_keeps_float32():
    x = Variable(np.ones(2, dtype=np.float32))
    y = x ** np.float64(2.5)
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32



class ReturnsInputData(Function):
    """A legal but careless backward: each gradient is the other input itself (or, in the
    array form, its own array)."""

    def forward(self, x, w):
        return x * w

    def backward(self, gy):
        x, w = self.inputs
        return w, x

    def backward_arrays(self, gy):
        x, w = self.inputs
        return w.data, x.data


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_gradient_that_is_an_inputs_data_is_copied(create_graph):
    x = Variable(np.array([1.0, 2.0]))
    w = Variable(np.array([3.0, 4.0]))
    ReturnsInputData()(x, w).backward(create_graph=create_graph)
    np.testing.assert_array_equal(x.grad.data, [3, 4])
    np.testing.assert_array_equal(w.grad.data, [1, 2])
    assert not np.shares_memory(x.grad.data, w.data)
    assert not np.shares_memory(w.grad.data, x.data)
    x.grad.data *= 0  # an in-place hook on x's gradient leaves w's value alone
    np.testing.assert_array_equal(w.data, [3, 4])


def test_a_failed_backward_leaves_no_intermediate_gradient_behind():
    class FailsOnce(Function):
        failed = False

        def forward(self, x):
            return x * 1

        def backward(self, gy):
            if not FailsOnce.failed:
                FailsOnce.failed = True
                raise RuntimeError("boom")
            return gy

    x = Variable(np.array([1.0, 2.0]))
    h = x * 3
    y = (FailsOnce()(h) + h).sum()
    with pytest.raises(RuntimeError, match="boom"):
        y.backward()
    assert h.grad is None and y.grad is None
    x.cleargrad()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [6, 6])  # h's gradient not counted twice


class Fresh(Function):
    """A backward that makes a new gradient each time and returns it as an array, a
    Variable or inside a list; ``Fresh.made`` refers to the gradient's array weakly."""

    made = None

    def __init__(self, kind):
        self.kind = kind

    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return self._returned(gy * 2)

    def backward_arrays(self, gy):
        g = gy * 2
        return self._returned(Variable(g) if self.kind == "variable" else g)

    def _returned(self, g):
        Fresh.made = weakref.ref(g.data if isinstance(g, Variable) else g)
        return [g] if self.kind == "list" else g


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("kind", ["array", "variable", "list"])
def test_a_fresh_gradient_is_kept_without_a_copy(kind, create_graph):
    x = Variable(np.ones(3))
    Fresh(kind)(x).backward(create_graph=create_graph)
    assert x.grad.data is Fresh.made()  # nobody else holds it: no copy needed
    np.testing.assert_array_equal(x.grad.data, [2, 2, 2])


class Keeps(Function):
    """Backwards that return an array something else still holds."""

    G = np.ones(2)

    def __init__(self, how):
        self.how = how

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return self._kept(Variable(Keeps.G), gy * 1)

    def backward_arrays(self, gy):
        return self._kept(Keeps.G, gy * 1)

    def _kept(self, constant, g):
        if self.how == "class attribute":
            return constant
        if self.how == "own attribute":
            self.saved = g
        elif self.how == "returned tuple":
            self.saved = (g,)
            return self.saved
        return g


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("how", ["class attribute", "own attribute", "returned tuple"])
def test_a_gradient_that_something_else_holds_is_copied(how, create_graph):
    p, q = Variable(np.zeros(2)), Variable(np.zeros(2))
    f, h = Keeps(how), Keeps(how)
    (f(p) + h(q)).sum().backward(create_graph=create_graph)
    kept = Keeps.G if how == "class attribute" else f.saved
    kept = kept[0] if isinstance(kept, tuple) else kept
    before = np.array(kept.data if isinstance(kept, Variable) else kept, copy=True)
    p.grad.data *= 5  # an in-place hook on p's gradient
    np.testing.assert_array_equal(q.grad.data, [1, 1])
    np.testing.assert_array_equal(kept.data if isinstance(kept, Variable) else kept, before)


def chain(x):
    """A graph whose intermediate nodes are used twice: a and b, and anonymous ones."""
    a = F.tanh(x)
    b = a * a
    return a, b, F.sum((F.sin(b) + a) * b)


def one_pass(data):
    x = Variable(data.copy())
    a, b, y = chain(x)
    y.backward(retain_grad=True)
    return x.grad.data, a.grad.data, b.grad.data


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("passes", [2, 3])
def test_each_retained_pass_adds_exactly_its_own_gradients(passes, create_graph):
    data = np.array([0.3, -1.2, 2.0])
    once = one_pass(data)
    x = Variable(data.copy())
    a, b, y = chain(x)
    for _ in range(passes):
        y.backward(retain_grad=True, create_graph=create_graph)
    for v, g in zip((x, a, b), once):
        np.testing.assert_allclose(v.grad.data, passes * g, rtol=1e-15)
    assert y.grad.item() == 1.0  # the seed, the same for every pass


def test_kept_gradients_are_never_propagated_again():
    # The leaves need clearing between passes; anonymous intermediate nodes need nothing.
    data = np.array([0.3, -1.2, 2.0])
    x = Variable(data.copy())
    _, _, y = chain(x)
    y.backward(retain_grad=True)
    x.cleargrad()
    y.backward(retain_grad=True)
    np.testing.assert_array_equal(x.grad.data, one_pass(data)[0])


def test_a_pass_without_retain_grad_leaves_kept_gradients_as_they_were():
    data = np.array([0.3, -1.2, 2.0])
    x = Variable(data.copy())
    a, b, y = chain(x)
    y.backward(retain_grad=True)
    kept = a.grad
    y.backward()
    assert a.grad is kept and y.grad is None
    np.testing.assert_array_equal(x.grad.data, 2 * one_pass(data)[0])


def test_retained_passes_through_a_function_of_several_outputs():
    x = Variable(np.arange(4.0))
    p, q = F.split(x, 2)
    y = F.sum(p * q)
    (y + F.sum(q)).backward(retain_grad=True)
    y.backward(retain_grad=True)  # adds y's gradients only: q gets p, not p + 1 again
    np.testing.assert_array_equal(p.grad.data, [4.0, 6.0])
    np.testing.assert_array_equal(q.grad.data, [1.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [4.0, 6.0, 1.0, 3.0])


def test_a_failed_retained_pass_leaves_kept_gradients_as_they_were():
    class FailsOnDemand(Function):
        fail = False

        def forward(self, x):
            return x * 1

        def backward(self, gy):
            if FailsOnDemand.fail:
                raise RuntimeError("boom")
            return gy

    x = Variable(np.array([1.0, 2.0]))
    h = x * 3
    g = FailsOnDemand()(h)
    y = (g + h).sum()
    y.backward(retain_grad=True)
    kept = {"h": h.grad.data.copy(), "g": g.grad.data.copy()}
    FailsOnDemand.fail = True
    with pytest.raises(RuntimeError, match="boom"):
        y.backward(retain_grad=True)
    np.testing.assert_array_equal(h.grad.data, kept["h"])
    np.testing.assert_array_equal(g.grad.data, kept["g"])
    assert y.grad.item() == 1.0
    FailsOnDemand.fail = False
    x.cleargrad()
    y.backward(retain_grad=True)
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])
    np.testing.assert_array_equal(h.grad.data, 2 * kept["h"])


# Within one pass, a gradient the pass made itself, referenced by nothing else, takes further
# contributions in place; anything another object can see is never written.

def test_a_gradient_held_from_an_earlier_pass_is_never_written():
    x = Variable(np.array([1.0, 2.0]))
    (x * x + x * 3).sum().backward()
    before = x.grad
    held = before.data.copy()
    (x * x + x * 3).sum().backward()
    np.testing.assert_array_equal(before.data, held)
    np.testing.assert_array_equal(x.grad.data, 2 * (2 * x.data + 3))


class Remembers(Function):
    """The identity, whose array-form gradient it also keeps (as a careless Function might)."""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy * 1

    def backward_arrays(self, gy):
        self.kept = gy * 1
        return self.kept


@pytest.mark.parametrize("scalar", [True, False])
def test_a_gradient_another_object_holds_takes_no_contribution_in_place(scalar):
    x = Variable(np.array([2.0]) if scalar else np.array([1.0, 2.0]))
    t = x * 1
    f = Remembers()
    # The pass reaches f before t * 3 (the generations and queue order see to it), so t's
    # gradient is first the array f keeps, then t * 3's contribution is added to it.
    y = f(t) * 5 + ((t * 3) * 1) * 1
    y.sum().backward()
    np.testing.assert_array_equal(f.kept, [5.0] if scalar else [5.0, 5.0])
    np.testing.assert_array_equal(x.grad.data, [8.0] if scalar else [8.0, 8.0])


def test_a_retained_gradient_is_not_written_by_its_inputs_contributions():
    x = Variable(np.array([1.0, 2.0]))
    t = x * 1
    y = (t + t * 2).sum()
    y.backward(retain_grad=True)
    np.testing.assert_array_equal(t.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    assert not np.shares_memory(t.grad.data, x.grad.data)


class _DoublesAndRemembers(Function):
    """2x, whose array-form gradient it remembers by weak reference (and, with ``keep``,
    by a strong one too)."""

    def __init__(self, keep=False):
        self.keep = keep

    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy * 2

    def backward_arrays(self, gy):
        gx = np.array(gy * 2)  # an array of its own, even for 0-d gy (whose product is a scalar)
        self.made = weakref.ref(gx)
        self.kept = gx if self.keep else None
        return gx


@pytest.mark.parametrize("shape", [(), (3,)])
def test_a_gradient_passed_through_to_a_leaf_is_taken_without_a_copy(shape):
    # sub hands its output's gradient on unchanged; the pass has let go of it by then, so the
    # leaf keeps the very array the backward made.
    x = Variable(np.ones(shape))
    f = _DoublesAndRemembers()
    f(x - 3.0).sum().backward()
    assert x.grad.data is f.made()
    np.testing.assert_array_equal(x.grad.data, np.full(shape, 2.0))


@pytest.mark.parametrize("shape", [(), (3,)])
def test_a_gradient_passed_through_is_copied_when_anything_else_holds_it(shape):
    # Kept by the intermediate under retain_grad, or by the Function that made it.
    x = Variable(np.ones(shape))
    t = x - 3.0
    _DoublesAndRemembers()(t).sum().backward(retain_grad=True)
    assert not np.shares_memory(x.grad.data, t.grad.data)
    x.grad.data[...] = 7.0
    np.testing.assert_array_equal(t.grad.data, np.full(shape, 2.0))

    x = Variable(np.ones(shape))
    f = _DoublesAndRemembers(keep=True)
    f(x - 3.0).sum().backward()
    assert not np.shares_memory(x.grad.data, f.kept)
    np.testing.assert_array_equal(x.grad.data, np.full(shape, 2.0))


def test_a_gradient_from_an_earlier_pass_is_replaced_even_when_nothing_else_holds_it():
    # Only a weak reference sees it: a pass never writes a gradient it did not make itself,
    # whatever the reference counts say.
    x = Variable(np.array([1.0, 2.0]))
    (x * 3).sum().backward()
    before = weakref.ref(x.grad)
    held = weakref.ref(x.grad.data)
    (x * 3).sum().backward()
    assert before() is None and held() is None
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])
