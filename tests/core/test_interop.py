"""Variables among other array libraries: NumPy's protocols, DLPack, Python numbers, comparisons."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.layers import Linear
from cygrad.models import MLP
from cygrad.optimizers import Adam
from cygrad.variable import Variable, from_dlpack


def data(*shape, dtype=np.float64):
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


# -- np.asarray and __array__ ---------------------------------------------------------------

def test_asarray_is_the_data_itself():
    a = data(2, 3)
    v = Variable(a)
    assert np.asarray(v) is a
    assert np.asarray(v, dtype=np.float64) is a


def test_array_copies_only_when_asked_or_needed():
    a = data(2, 3)
    v = Variable(a)
    copied = np.array(v, copy=True)
    assert not np.shares_memory(copied, a)
    np.testing.assert_array_equal(copied, a)
    assert np.shares_memory(np.asarray(v, copy=False), a)
    converted = np.asarray(v, dtype=np.float32)
    assert converted.dtype == np.float32 and not np.shares_memory(converted, a)
    with pytest.raises(ValueError, match="needs a copy, and copy=False forbids one"):
        np.asarray(v, dtype=np.float32, copy=False)


# -- NumPy's reductions and ufuncs -----------------------------------------------------------

@pytest.mark.parametrize(
    "numpy_fn, cygrad_fn",
    [(np.sum, F.sum), (np.mean, F.mean), (np.max, F.max), (np.min, F.min)],
)
@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": (0, 1)}])
def test_numpy_reductions_return_variables_in_the_graph(numpy_fn, cygrad_fn, kw):
    x = Variable(data(3, 4))
    y = numpy_fn(x, **kw)
    assert isinstance(y, Variable) and y.creator is not None
    np.testing.assert_array_equal(y.data, numpy_fn(x.data, **kw))
    y.sum().backward()
    expected = Variable(x.data)
    cygrad_fn(expected, **kw).sum().backward()
    np.testing.assert_array_equal(x.grad.data, expected.grad.data)


def test_the_reduction_methods_refuse_out_and_a_foreign_dtype():
    x = Variable(data(2, 2))
    with pytest.raises(TypeError, match="Variable.sum: out= is not supported"):
        np.sum(x, out=np.empty(()))
    with pytest.raises(TypeError, match="Variable.mean: dtype=float32 differs from the Variable's float64"):
        np.mean(x, dtype=np.float32)
    assert isinstance(np.mean(x, dtype=np.float64), Variable)


@pytest.mark.parametrize("ufunc", [np.exp, np.log, np.sin, np.sqrt])
def test_numpy_ufuncs_raise_and_point_to_cygrad_functions(ufunc):
    message = rf"numpy.{ufunc.__name__} does not take Variables: use cygrad.functions"
    with pytest.raises(TypeError, match=message):
        ufunc(Variable(data(3)))


def test_a_reduction_numpy_has_no_method_for_is_a_ufunc_error_too():
    with pytest.raises(TypeError, match="numpy.multiply.reduce does not take Variables"):
        np.prod(Variable(data(3)))


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
        lambda a, b: a ** b, lambda a, b: a @ b,
    ],
)
def test_ndarray_operator_variable_gives_a_variable(op):
    a = np.abs(data(3, 3)) + 0.5
    v = Variable(np.abs(data(3, 3)) + 0.5)
    y = op(a, v)
    assert isinstance(y, Variable) and y.creator is not None
    np.testing.assert_array_equal(y.data, op(a, v.data))
    y.sum().backward()
    assert v.grad.shape == (3, 3)


def test_an_ndarray_cannot_hold_a_variable_in_place():
    a = np.ones(3)
    with pytest.raises(TypeError, match=r"an ndarray cannot hold a Variable's result \(out=, or a \+= v\)"):
        a += Variable(np.ones(3))
    np.testing.assert_array_equal(a, np.ones(3))


def test_numpy_functions_that_take_arrays_still_read_the_data():
    v = Variable(data(2, 3))
    assert np.allclose(v, v.data)
    np.testing.assert_array_equal(np.concatenate([v, v]), np.concatenate([v.data, v.data]))


# -- DLPack ----------------------------------------------------------------------------------

def test_dlpack_round_trip_through_numpy_shares_memory():
    v = Variable(data(2, 3, dtype=np.float32))
    assert v.__dlpack_device__() == (1, 0)  # kDLCPU, device 0
    a = np.from_dlpack(v)
    assert np.shares_memory(a, v.data)
    w = from_dlpack(a)
    assert isinstance(w, Variable) and w.dtype == np.float32
    assert np.shares_memory(w.data, v.data)


def test_from_dlpack_refuses_what_it_cannot_share():
    message = "from_dlpack: a Variable shares only float32 or float64 data, got int64"
    with pytest.raises(TypeError, match=message):
        from_dlpack(np.arange(3))
    with pytest.raises(TypeError, match="from_dlpack: expected an object with __dlpack__"):
        from_dlpack([1.0, 2.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_round_trip_shares_memory_both_ways(dtype):
    torch = pytest.importorskip("torch")
    v = Variable(data(2, 3, dtype=dtype))
    t = torch.from_dlpack(v)
    assert t.dtype == getattr(torch, dtype) and tuple(t.shape) == (2, 3)
    t[0, 0] = 42.0
    assert v.data[0, 0] == 42.0
    w = from_dlpack(t)
    assert w.dtype == np.dtype(dtype) and np.shares_memory(w.data, v.data)
    w.data[1, 2] = -7.0
    assert t[1, 2].item() == -7.0
    np.testing.assert_array_equal(torch.from_dlpack(F.tanh(w)).numpy(), np.tanh(v.data))


# -- Python numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("value", [3.7, -3.7, 0.0, 2.0])
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_float_and_int_of_a_one_element_variable(value, shape):
    v = Variable(np.full(shape, value))
    assert float(v) == value and type(float(v)) is float
    assert int(v) == int(np.float64(value)) and type(int(v)) is int


def test_float_keeps_float32_values_exactly():
    v = Variable(np.float32(0.1))
    assert float(v) == float(np.float32(0.1))


@pytest.mark.parametrize("convert", [float, int])
def test_more_than_one_element_is_a_type_error(convert):
    message = rf"{convert.__name__}\(\): only a one-element Variable .* got shape \(2,\)"
    with pytest.raises(TypeError, match=message):
        convert(Variable([1.0, 2.0]))


def test_float_of_a_loss_like_pytorch():
    loss = F.mean_squared_error(Variable([1.0, 2.0]), [0.0, 0.0])
    assert float(loss) == 2.5
    assert f"{float(loss):.2f}" == "2.50"


# -- comparisons and hashing -----------------------------------------------------------------

COMPARISONS = [
    (lambda a, b: a < b, np.less),
    (lambda a, b: a <= b, np.less_equal),
    (lambda a, b: a > b, np.greater),
    (lambda a, b: a >= b, np.greater_equal),
    (lambda a, b: a == b, np.equal),
    (lambda a, b: a != b, np.not_equal),
]


@pytest.mark.parametrize("op, expected", COMPARISONS)
@pytest.mark.parametrize("other", ["scalar", "array", "variable"])
@pytest.mark.parametrize("variable_first", [True, False])
def test_comparisons_give_boolean_arrays_with_either_side(op, expected, other, variable_first):
    a = np.array([[0.0, 1.0, 2.0], [3.0, 1.0, -1.0]])
    b = {"scalar": 1.0, "array": np.array([1.0, 0.0, 2.0]),
         "variable": Variable([1.0, 0.0, 2.0])}[other]
    plain_b = b.data if isinstance(b, Variable) else b
    v = Variable(a)
    got = op(v, b) if variable_first else op(b, v)
    want = expected(a, plain_b) if variable_first else expected(plain_b, a)
    assert type(got) is np.ndarray and got.dtype == bool
    np.testing.assert_array_equal(got, want)


def test_comparisons_record_nothing_and_zero_d_ones_are_arrays():
    x = Variable(2.0)
    y = x > 1
    assert type(y) is np.ndarray and y.shape == () and bool(y)
    mask = (x * 3) > 5
    assert not isinstance(mask, Variable)


def test_hashing_stays_by_identity():
    a, b = Variable([1.0, 2.0]), Variable([1.0, 2.0])
    assert hash(a) == object.__hash__(a) and hash(a) != hash(b)
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert len({a, b, a}) == 2


def test_equal_values_do_not_make_variables_interchangeable():
    # Containers of Variables compare by identity: list.index, in and remove on Variables
    # equal in value must find the right object.
    a, b = Variable(1.0), Variable(1.0)
    assert a is not b and bool(a == b)
    params = [a, b]
    assert [p for p in params if p is b] == [b]


# -- nothing in cygrad relies on Variable equality -------------------------------------------

def test_a_model_with_equal_parameters_trains_and_saves(tmp_path):
    # Two layers whose parameters hold equal values (both zero biases, equal weights): an
    # equality-based lookup anywhere (optimizer state, parameter listing, save) would mix them up.
    model = MLP([2, 2], rng=0)
    model(np.ones((1, 2)))
    model.layers[1].params()["W"].data = model.layers[0].params()["W"].data.copy()
    opt = Adam(lr=0.1)
    for _ in range(2):
        model.cleargrads()
        F.mean_squared_error(model(np.ones((3, 2))), np.zeros((3, 2))).backward()
        opt.update(model)
    assert list(model.params()) == ["0.W", "0.b", "1.W", "1.b"]
    model.save(tmp_path / "m.npz")
    again = MLP([2, 2], rng=1)
    again.load(tmp_path / "m.npz")
    for (k, p), (k2, q) in zip(model.params().items(), again.params().items()):
        assert k == k2
        np.testing.assert_array_equal(p.data, q.data)


def test_a_layer_used_twice_with_equal_inputs_backpropagates_once_per_use():
    layer = Linear(2, in_size=2, rng=0)
    x = Variable(np.ones((1, 2)))
    same_values = Variable(np.ones((1, 2)))
    (layer(x) + layer(same_values)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, same_values.grad.data)
    np.testing.assert_array_equal(layer.params()["b"].grad.data, [2.0, 2.0])
