"""``Function.backward_arrays``: the optional array form of a backward, which a first-order pass
calls instead of ``backward`` when a class defines it (looked up once per class)."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Function, Variable
from cygrad.variable import _core


class Twice(Function):
    """2x, noting which backward form ran."""

    calls: list = []

    def forward(self, x):
        return x * 2

    def backward(self, gy):
        Twice.calls.append("backward")
        return gy * 2

    def backward_arrays(self, gy):
        Twice.calls.append(("backward_arrays", type(gy)))
        return gy * 2


@pytest.fixture(autouse=True)
def fresh_calls():
    Twice.calls = []


def test_a_first_order_pass_calls_the_array_form_with_ndarrays():
    x = Variable(np.array([1.0, 2.0]))
    F.sum(Twice()(x) * x).backward()
    assert Twice.calls == [("backward_arrays", np.ndarray)]
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])  # d/dx 2x*x


def test_a_recorded_pass_calls_backward():
    x = Variable(np.array([1.0, 2.0]))
    F.sum(Twice()(x) * x).backward(create_graph=True)
    assert Twice.calls == ["backward"]
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


def test_the_array_form_is_looked_up_once_per_class():
    lookups = []

    class Counting(type(Function)):
        def __getattribute__(cls, name):
            if name == "backward_arrays":
                lookups.append(cls)
            return super().__getattribute__(name)

    class Once(Twice, metaclass=Counting):
        pass

    x = Variable(np.array(3.0))
    for _ in range(3):
        Once()(x).backward()
    assert len(lookups) == 1
    assert x.grad.item() == 6.0
    assert Twice.calls == [("backward_arrays", np.ndarray)] * 3


def test_a_subclass_that_overrides_only_backward_is_differentiated_by_its_backward():
    class Thrice(Twice):
        def forward(self, x):
            return x * 3

        def backward(self, gy):
            return gy * 3

    x = Variable(np.array(1.0))
    Thrice()(x).backward()
    assert x.grad.item() == 3.0  # not the inherited array form's 2
    assert Twice.calls == []


def test_a_class_can_turn_an_inherited_array_form_off():
    class Recorded(Twice):
        backward_arrays = None

    x = Variable(np.array(1.0))
    Recorded()(x).backward()
    assert Twice.calls == ["backward"]


def test_a_multi_output_function_gets_none_for_an_output_without_gradient():
    seen = []

    class Halves(Function):
        def forward(self, x):
            return x[:1].copy(), x[1:].copy()

        def backward(self, g0, g1):
            raise AssertionError("a first-order pass takes the array form")

        def backward_arrays(self, g0, g1):
            seen.append((g0, g1))
            return np.concatenate([g0, np.zeros(1) if g1 is None else g1])

    x = Variable(np.array([1.0, 2.0]))
    first, _ = Halves()(x)
    (first * 5).backward()
    [(g0, g1)] = seen
    assert g1 is None and g0.tolist() == [5.0]
    np.testing.assert_array_equal(x.grad.data, [5.0, 0.0])


def test_an_array_form_of_the_wrong_shape_is_named_in_the_error():
    class Wrong(Twice):
        def backward_arrays(self, gy):
            return np.ones(3)

    with pytest.raises(ValueError, match=r"Wrong.backward_arrays: gradient for input 0 has shape "
                                         r"\(3,\), expected \(2,\)"):
        Wrong()(Variable(np.ones(2))).backward()


def test_an_array_form_with_the_wrong_number_of_gradients_is_named_in_the_error():
    class Extra(Twice):
        def backward_arrays(self, gy):
            return gy, gy

    with pytest.raises(ValueError, match=r"Extra.backward_arrays returned 2 gradients for 1 inputs"):
        Extra()(Variable(np.ones(2))).backward()


def test_engine_operations_answer_backward_arrays_in_the_same_convention():
    x0, x1 = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 4.0]))
    y = x0 * x1
    g0, g1 = y.creator.backward_arrays(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(g0, [3.0, 40.0])
    np.testing.assert_array_equal(g1, [1.0, 20.0])
    e = F.exp(x0)
    gx = e.creator.backward_arrays(np.ones(2))  # one input: the gradient itself
    np.testing.assert_array_equal(gx, np.exp([1.0, 2.0]))


def test_backward_arrays_of_an_engine_operation_checks_what_it_is_given():
    x = Variable(np.array([1.0, 2.0]))
    y = F.exp(x)
    with pytest.raises(TypeError, match=r"Exp.backward_arrays: gradients must be ndarrays, got"):
        y.creator.backward_arrays([1.0, 1.0])
    with pytest.raises(ValueError, match=r"Exp.backward_arrays: got 2 gradients for 1 outputs"):
        y.creator.backward_arrays(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"Mul.backward_arrays: the Function has not been applied"):
        _core.Mul().backward_arrays(np.ones(2))
    f = y.creator
    del y
    with pytest.raises(ValueError, match=r"Exp.backward_arrays: an output of the Function is gone"):
        f.backward_arrays(np.ones(2))


def test_a_function_without_an_array_form_says_so():
    class OnlyBackward(Function):
        def forward(self, x):
            return x * 1

        def backward(self, gy):
            return gy

    y = OnlyBackward()(Variable(np.ones(2)))
    with pytest.raises(NotImplementedError, match="OnlyBackward does not define backward_arrays"):
        y.creator.backward_arrays(np.ones(2))
    x = y.creator.inputs[0]
    y.backward()  # the pass falls back to backward
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_no_function_of_cygrad_asks_whether_the_pass_is_recorded():
    import cygrad.functions
    import cygrad.layers
    from pathlib import Path

    sources = [p for package in (cygrad.functions, cygrad.layers)
               for p in Path(package.__path__[0]).rglob("*.py")]
    assert sources
    assert [str(p) for p in sources if "recording" in p.read_text()] == []
