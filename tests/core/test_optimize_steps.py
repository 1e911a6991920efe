"""The engine's optimizer helpers (optimize.pxi): ``_gradient_steps`` checks every gradient in
one call, ``_sgd_steps`` runs SGD's step in C where that is plain. The step's numbers, its
warnings and its errors must be NumPy's ``p -= lr * g`` in every case, including the inputs
the C loop declines (non-contiguous, misaligned, byte-swapped, read-only, overlapping) and the
ones where NumPy raises a floating-point flag. tools/sanitize runs these under ASan/UBSan."""
import warnings

import numpy as np
import pytest

from cygrad.variable import Variable
from cygrad.variable._core import _gradient_steps, _sgd_steps

DTYPES = [np.float64, np.float32]
LRS = [0.01, 0.1, 1e-3, 0.0, 3.0, 1 / 3]


def numpy_step(data, grad, lr):
    """What SGD.update_one does, with the warnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data -= lr * grad
    return [str(w.message) for w in caught]


def engine_step(data, grad, lr):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _sgd_steps([("p", data, grad, None)], lr)
    return [str(w.message) for w in caught]


def assert_same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lr", LRS)
@pytest.mark.parametrize("size", [0, 1, 7, 256, 257, 1000])
def test_the_step_has_numpys_numbers(dtype, lr, size):
    rng = np.random.default_rng(size)
    data = (rng.standard_normal(size) * 10).astype(dtype)
    grad = (rng.standard_normal(size) * 1e3).astype(dtype)
    expected = data.copy()
    assert numpy_step(expected, grad, lr) == []
    assert engine_step(data, grad, lr) == []
    assert_same_bits(data, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_parameter_is_stepped_in_order(dtype):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in [(3, 4), (4,), (), (2, 2, 2)]]
    grads = [rng.standard_normal(a.shape).astype(dtype) for a in arrays]
    expected = [a.copy() for a in arrays]
    for e, g in zip(expected, grads):
        e -= 0.05 * g
    _sgd_steps([(str(i), a, g, None) for i, (a, g) in enumerate(zip(arrays, grads))], 0.05)
    for a, e in zip(arrays, expected):
        assert_same_bits(a, e)


def misaligned(values, dtype):
    """``values`` in an array of ``dtype`` that starts one byte into its buffer."""
    itemsize = np.dtype(dtype).itemsize
    buffer = np.zeros(len(values) * itemsize + 1, dtype=np.uint8)
    a = buffer[1:].view(dtype)
    a[...] = values
    assert not a.flags.aligned
    return a


def declined_inputs(dtype):
    """(data, grad) pairs the C loop declines, NumPy steps them."""
    rng = np.random.default_rng(2)
    v = rng.standard_normal(12).astype(dtype)
    w = rng.standard_normal(12).astype(dtype)
    swapped = np.dtype(dtype).newbyteorder()
    yield "strided data", v.copy()[::2], w[:6].copy()
    yield "strided grad", v[:6].copy(), w.copy()[::2]
    yield "fortran", v.reshape(3, 4).copy(order="F"), w.reshape(3, 4).copy(order="F")
    yield "transposed grad", v.reshape(3, 4).copy(), w.reshape(4, 3).copy().T
    yield "misaligned data", misaligned(v, dtype), w.copy()
    yield "misaligned grad", v.copy(), misaligned(w, dtype)
    yield "byte-swapped both", v.astype(swapped), w.astype(swapped)
    yield "read-only grad", v.copy(), np.frombuffer(w.tobytes(), dtype=dtype)
    yield "subclass grad", v.copy(), w.view(Subclass)


class Subclass(np.ndarray):
    """An ndarray subclass: it may define its own operators, so NumPy steps it."""


@pytest.mark.parametrize("dtype", DTYPES)
def test_inputs_the_c_loop_declines_are_stepped_as_numpy_does(dtype):
    for what, data, grad in declined_inputs(dtype):
        expected = data.copy()
        numpy_step(expected, grad, 0.1)
        engine_step(data, grad, 0.1)
        assert data.tobytes() == expected.tobytes(), what


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [0, 1, -1, 3])
def test_a_gradient_sharing_memory_with_the_data_is_stepped_as_numpy_does(dtype, offset):
    def views():
        buffer = np.linspace(-2.0, 2.0, 20).astype(dtype)
        start = 5
        return buffer, buffer[start:start + 10], buffer[start + offset:start + offset + 10]

    expected_buffer, data, grad = views()
    numpy_step(data, grad, 0.25)
    buffer, data, grad = views()
    engine_step(data, grad, 0.25)
    assert_same_bits(buffer, expected_buffer)


@pytest.mark.parametrize("dtype", DTYPES)
def test_read_only_data_raises_numpys_error_and_stays(dtype):
    data = np.ones(3, dtype=dtype)
    data.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        _sgd_steps([("p", data, np.ones(3, dtype=dtype), None)], 0.1)
    assert (data == 1).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("data", "grad", "lr"),
    [
        pytest.param(1.0, np.inf, 0.1, id="infinite gradient"),
        pytest.param(1.0, np.nan, 0.1, id="NaN gradient"),
        pytest.param(np.inf, 1.0, 0.1, id="infinite data"),
        pytest.param(1.0, 3e38, 10.0, id="product overflows"),
        pytest.param(-3e38, 3e38, 1.0, id="difference overflows"),
        pytest.param(1.0, 1e-30, 1e-30, id="product underflows to zero"),
        pytest.param(1.0, 1e-20, 1e-20, id="product is subnormal in float32"),
        pytest.param(1.0, 1e-160, 1e-160, id="product is subnormal in float64"),
        pytest.param(1.0, 1.0, 1e39, id="lr overflows float32"),
        pytest.param(1.0, 1.0, 1e-50, id="lr underflows float32"),
        pytest.param(1.0, np.inf, 0.0, id="zero lr times infinity"),
        pytest.param(1.0, 1e308, 10.0, id="product overflows float64"),
        pytest.param(-1.7e308, 1.7e308, 1.0, id="difference overflows float64"),
        pytest.param(1.0, 1e-200, 1e-200, id="product underflows float64"),
    ],
)
def test_floating_point_trouble_gives_numpys_numbers_and_warnings(dtype, data, grad, lr):
    def arrays():
        with np.errstate(all="ignore"):
            return np.array([2.0, data, 0.5], dtype=dtype), np.array([1.0, grad, 0.5], dtype=dtype)

    expected, g = arrays()
    expected_warnings = numpy_step(expected, g, lr)
    d, g = arrays()
    assert engine_step(d, g, lr) == expected_warnings
    assert_same_bits(d, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("setting", "grad", "lr"),
    [("over", "max", 10.0), ("under", "tiny", 1e-3), ("invalid", np.inf, 0.0)],
)
def test_a_floating_point_error_numpy_raises_is_raised(dtype, setting, grad, lr):
    data = np.ones(2, dtype=dtype)
    if isinstance(grad, str):
        grad = getattr(np.finfo(dtype), grad)
    g = np.array([grad, 1.0], dtype=dtype)
    with np.errstate(**{setting: "raise"}), pytest.raises(FloatingPointError, match=setting):
        _sgd_steps([("p", data, g, None)], lr)
    assert (data == 1).all()


@pytest.mark.parametrize("lr", [np.float32(0.1), np.float64(0.1), 1, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_an_lr_that_is_not_a_python_float_follows_numpys_promotion(lr, dtype):
    data, grad = np.linspace(0, 1, 5).astype(dtype), np.linspace(1, 2, 5).astype(dtype)
    expected = data.copy()
    expected -= lr * grad
    _sgd_steps([("p", data, grad, None)], lr)
    assert_same_bits(data, expected)


def pair(name, data, grad=None):
    p = Variable(np.asarray(data, dtype=np.float64))
    if grad is not None:
        p.grad = Variable(np.asarray(grad))
    return (name, p)


def test_gradient_steps_lists_the_parameters_with_gradients():
    a, b, c = pair("a", [1.0, 2.0], [0.5, 0.5]), pair("b", [3.0]), pair("c", 4.0, 1.0)
    states = {"c": {"v": np.zeros(())}}
    steps, refused = _gradient_steps([a, b, c], states)
    assert refused == -1
    assert [(n, d is p.data, g is p.grad.data) for (n, d, g, _), (_, p) in zip(steps, [a, c])] == [
        ("a", True, True), ("c", True, True)
    ]
    assert steps[0][3] is None and steps[1][3] is states["c"]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: pair("bad", [1.0, 2.0], [1.0]), id="shape"),
        pytest.param(lambda: pair("bad", [1.0], np.ones(1, dtype=np.float32)), id="dtype"),
        pytest.param(lambda: pair("bad", [[1.0]], [1.0]), id="ndim"),
    ],
)
def test_gradient_steps_names_the_position_of_the_first_refused(bad):
    named = [pair("a", [1.0], [1.0]), pair("b", [2.0]), bad(), pair("c", [3.0], [1.0])]
    steps, refused = _gradient_steps(named, {})
    assert refused == 2
    assert [s[0] for s in steps] == ["a"]


def test_gradient_steps_refuses_read_only_data_and_mis_shaped_state():
    ro = pair("ro", [1.0], [1.0])
    ro[1].data.setflags(write=False)
    assert _gradient_steps([pair("a", [1.0], [1.0]), ro], {})[1] == 1
    ok = pair("s", [1.0, 2.0], [1.0, 1.0])
    assert _gradient_steps([ok], {"s": {"m": np.zeros(2), "v": np.zeros(3)}})[1] == 0
    assert _gradient_steps([ok], {"s": {"m": np.zeros(2), "v": np.zeros(2)}})[1] == -1


def test_gradient_steps_refuses_an_entry_that_is_not_a_variable():
    with pytest.raises(TypeError):
        _gradient_steps([("a", np.ones(2))], {})
