"""The engine's raw-pointer fast paths on every memory layout an ndarray can have.

The one-element C kernels (+ - * / and negation), the exact powers and ``Pow``'s backward,
the ``c - 1`` helper, the seed of a pass, the constants made from Python numbers, the copy
of a kept gradient, the reference-counting test that decides that copy, gradient
accumulation and the heap of the backward pass all read or write array memory directly.
Each is fed non-contiguous, misaligned, byte-swapped and read-only arrays, 0-d and
one-element ones included, in float64 and float32, and every result is checked against
NumPy's on the same arrays. The values are dyadic (sums, products and quotients are exact),
so any order of operations gives NumPy's bits and a wrong read cannot hide in rounding.

``tools/sanitize`` runs this file under AddressSanitizer and UndefinedBehaviorSanitizer,
where a read out of bounds or through a misaligned pointer also stops the run.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Function, Variable

DTYPES = [np.float64, np.float32]
SHAPES = [(), (1,), (1, 1), (3,), (2, 3)]
# Dyadic values: exact in float32, and so are their sums, products and quotients by powers of 2.
VALUES = np.array([1.5, -2.25, 3.0, 0.75, -0.5, 5.125, 2.0, -1.25])
POWERS_OF_TWO = np.array([2.0, -0.5, 4.0, 0.25, -8.0, 1.0, 0.5, -2.0])


def values(shape: tuple, dtype, pool: np.ndarray = VALUES, start: int = 0) -> np.ndarray:
    """A C-ordered array of ``shape`` and ``dtype`` holding distinct values from ``pool``."""
    n = int(np.prod(shape))
    return np.resize(np.roll(pool, -start), n).astype(dtype).reshape(shape)


# -- the layouts ----------------------------------------------------------------------------


def contiguous(a: np.ndarray) -> np.ndarray:
    return a.copy()


def strided(a: np.ndarray) -> np.ndarray:
    """Every other element of a bigger array whose other elements are NaN (or 1): a view whose
    data pointer is past its base's (a 0-d one included) and whose strides skip memory."""
    big = np.full(a.shape + (2,), np.nan if a.dtype.kind == "f" else 1, a.dtype)
    big[..., 1] = a
    return big[..., 1]


def reversed_view(a: np.ndarray) -> np.ndarray:
    """A view with negative strides: its data pointer is at the end of its buffer."""
    if a.ndim == 0:
        return strided(a)
    flipped = np.flip(a).copy()
    return np.flip(flipped)


def misaligned(a: np.ndarray) -> np.ndarray:
    """A writeable view one byte into a buffer, so no element is aligned."""
    m = np.frombuffer(bytearray(a.nbytes + 1), a.dtype, count=a.size, offset=1).reshape(a.shape)
    m[...] = a
    return m


def byte_swapped(a: np.ndarray) -> np.ndarray:
    return a.astype(a.dtype.newbyteorder())


def read_only(a: np.ndarray) -> np.ndarray:
    r = a.copy()
    r.flags.writeable = False
    return r


def all_at_once(a: np.ndarray) -> np.ndarray:
    """Byte-swapped, misaligned and read-only: a view one byte into an immutable bytes."""
    swapped = a.dtype.newbyteorder()
    raw = b"\x00" + a.astype(swapped).tobytes()
    return np.frombuffer(raw, swapped, count=a.size, offset=1).reshape(a.shape)


LAYOUTS = [contiguous, strided, reversed_view, misaligned, byte_swapped, read_only, all_at_once]


def test_the_layouts_are_what_they_claim():
    a = values((2, 3), np.float64)
    assert not strided(a).flags.c_contiguous and strided(a).base is not None
    assert reversed_view(a).strides[0] < 0
    assert not misaligned(a).flags.aligned and misaligned(a).flags.writeable
    assert not byte_swapped(a).dtype.isnative
    assert not read_only(a).flags.writeable
    odd = all_at_once(a)
    assert not (odd.flags.aligned or odd.flags.writeable or odd.dtype.isnative)
    for layout in LAYOUTS:
        np.testing.assert_array_equal(layout(a), a)
    # 0-d views too: the element is not at the start of the buffer.
    assert strided(np.array(1.5)).ctypes.data != strided(np.array(1.5)).base.ctypes.data
    assert not misaligned(np.array(1.5, np.float32)).flags.aligned


def assert_same(result: np.ndarray, expected: np.ndarray) -> None:
    """Same values, shape and kind of float (NumPy's results are always in native order, the
    engine may keep an input's byte order)."""
    assert isinstance(result, np.ndarray)
    assert result.shape == expected.shape
    assert result.dtype.type is expected.dtype.type, (result.dtype, expected.dtype)
    np.testing.assert_array_equal(result, expected)


def sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """NumPy's reverse of broadcasting ``shape`` to ``g.shape``."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g


# -- arithmetic: the one-element kernels and NumPy's path --------------------------------------

OPERATIONS = {
    "add": (lambda x, y: x + y, np.add),
    "sub": (lambda x, y: x - y, np.subtract),
    "mul": (lambda x, y: x * y, np.multiply),
    "div": (lambda x, y: x / y, np.divide),
}


def expected_gradients(name: str, a: np.ndarray, b: np.ndarray) -> tuple:
    """The gradients of ``a op b`` for a seed of ones, as the engine computes them, on NumPy."""
    gy = np.ones(np.broadcast_shapes(a.shape, b.shape), np.result_type(a, b))
    if name == "add":
        ga, gb = gy, gy
    elif name == "sub":
        ga, gb = gy, -gy
    elif name == "mul":
        ga, gb = gy * b, gy * a
    else:
        ga = gy / b
        gb = -(ga * (a / b))
    return (sum_to(ga, a.shape).astype(a.dtype.type), sum_to(gb, b.shape).astype(b.dtype.type))


SHAPE_PAIRS = [((), ()), ((1,), ()), ((1,), (1, 1)), ((1, 1), (1, 1)), ((3,), (3,)),
               ((2, 3), (3,)), ((), (2, 3)), ((1,), (2, 3))]
DTYPE_PAIRS = [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)]


@pytest.mark.parametrize("dtypes", DTYPE_PAIRS, ids=lambda d: f"{d[0].__name__}-{d[1].__name__}")
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_binary_operations_on_every_layout(name, shapes, dtypes):
    operator, ufunc = OPERATIONS[name]
    a0 = values(shapes[0], dtypes[0])
    b0 = values(shapes[1], dtypes[1], POWERS_OF_TWO, start=3)
    for layout_a in LAYOUTS:
        for layout_b in LAYOUTS:
            a, b = layout_a(a0), layout_b(b0)
            x, y = Variable(a), Variable(b)
            z = operator(x, y)
            assert_same(z.data, ufunc(a, b))
            z.backward()
            ga, gb = expected_gradients(name, a, b)
            assert_same(x.grad.data, ga)
            assert_same(y.grad.data, gb)
            np.testing.assert_array_equal(a, a0)  # the inputs are untouched
            np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_operations_with_python_numbers(layout, shape, dtype):
    """A Python number becomes a 0-d constant of the other operand's dtype, byte order included."""
    a = layout(values(shape, dtype))
    x = Variable(a)
    cases = [
        (x + 1.5, a + 1.5), (2.0 * x, 2.0 * a), (x / 4, a / 4), (1 - x, 1 - a), (x - 3, a - 3),
        (0.5 / x, 0.5 / a), (-x, -a),
    ]
    for z, expected in cases:
        assert_same(z.data, expected)
    z = ((x + 1.5) * 2.0 - x / 4) / 0.5
    z.backward()
    assert_same(x.grad.data, np.full(shape, (2.0 - 0.25) / 0.5, dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_negation_and_its_gradient_of_gradient(layout, shape, dtype):
    a = layout(values(shape, dtype))
    x = Variable(a)
    y = -x
    assert_same(y.data, -a)
    y.backward(create_graph=True)
    assert_same(x.grad.data, np.full(shape, -1, dtype))
    gx = x.grad
    x.cleargrad()
    (gx * x).backward()
    assert_same(x.grad.data, np.full(shape, -1, dtype))


# -- powers: the exact powers in C, Pow's backward in C, and c - 1 ------------------------------

EXPONENTS = [2, 1, 0.5, -1, 0, 3, 1.5, 2.5, -2]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_powers_first_and_second_order(layout, shape, dtype):
    a = layout(values(shape, dtype, np.abs(VALUES)))  # positive: every power is real
    for c in EXPONENTS:
        x = Variable(a)
        y = x**c
        assert_same(y.data, a**c)
        c_array = np.asarray(c, dtype)
        first = c_array * a ** (c_array - 1)
        y.backward()
        assert_same(x.grad.data, np.ones(shape, dtype) * first)
        x.cleargrad()
        (x**c).backward(create_graph=True)
        np.testing.assert_allclose(x.grad.data, first, rtol=1e-6)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        second = c_array * (c_array - 1) * a ** (c_array - 2)
        np.testing.assert_allclose(x.grad.data, second, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_power_of_a_byte_swapped_scalar(dtype):
    """The engine's ``c - 1`` read the exponent's constant, which takes a byte-swapped
    operand's dtype, as if it were in native order: d(x**3)/dx came out 2.0, not 6.75."""
    x = Variable(np.array(1.5, np.dtype(dtype).newbyteorder()))
    (x**3).backward()
    assert x.grad.item() == 6.75


# -- gradients flowing into the array forms in any layout: a seed the caller sets -------------

UNARY = {
    # name: (the operation, its derivative as the engine computes it, on NumPy)
    "neg": (lambda x: -x, lambda a, g: -g),
    "square": (lambda x: x**2, lambda a, g: g * (np.asarray(2, a.dtype) * a ** a.dtype.type(1))),
    "cube": (lambda x: x**3, lambda a, g: g * (np.asarray(3, a.dtype) * a ** a.dtype.type(2))),
    "exp": (F.exp, lambda a, g: g * np.exp(a)),
    "log": (F.log, lambda a, g: g / a),
    "times a constant": (lambda x: x * 2.5, lambda a, g: g * a.dtype.type(2.5)),
    "over a constant": (lambda x: x / 4.0, lambda a, g: g / a.dtype.type(4.0)),
    "minus a constant": (lambda x: 1.0 - x, lambda a, g: -g),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", [(), (1,), (2, 3)], ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_seeds_in_every_layout(name, shape, dtype):
    """``y.grad`` set before ``y.backward()`` is the seed: the array forms get it as it is."""
    operation, derivative = UNARY[name]
    a0 = values(shape, dtype, np.abs(VALUES))
    g0 = values(shape, dtype, POWERS_OF_TWO, start=1)
    for layout_a in LAYOUTS:
        for layout_g in LAYOUTS:
            a, g = layout_a(a0), layout_g(g0)
            x = Variable(a)
            y = operation(x)
            y.grad = Variable(g)
            y.backward()
            assert_same(x.grad.data, np.asarray(derivative(a0, g0)))
            np.testing.assert_array_equal(g, g0)  # the seed is untouched


@pytest.mark.parametrize("retain_grad", [False, True])
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_gradients_held_from_before_in_every_layout(layout, retain_grad):
    """An intermediate Variable's gradient from before a pass is set aside and settled after:
    put back, or under retain_grad added to the pass's own (through the one-element kernel)."""
    for shape in [(), (1,), (3,)]:
        before = layout(values(shape, np.float64, POWERS_OF_TWO))
        x = Variable(values(shape, np.float64))
        m = x * 2.0
        m.grad = Variable(before)
        (m * 3.0).backward(retain_grad=retain_grad)
        assert_same(x.grad.data, np.full(shape, 6.0))  # the pass's own gradient only
        expected = before + 3.0 if retain_grad else before
        assert_same(m.grad.data, np.asarray(expected, np.float64))


# -- the seed, conversions and Python numbers ----------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", SHAPES + [(0,), (2, 0)], ids=str)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_the_seed_and_conversions(layout, shape, dtype):
    a = layout(values(shape, dtype))
    x = Variable(a)
    assert_same(x.data, a)
    x.backward()
    assert_same(x.grad.data, np.ones(shape, dtype))
    assert x.grad.data.flags.writeable  # the seed is the engine's own array
    if a.size == 1:
        assert float(x) == float(a.item()) and x.item() == a.item()
        assert int(x) == int(a.item())


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_, np.float16],
                         ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_other_dtypes_convert_to_float64_on_every_layout(layout, dtype):
    a = layout(np.array([[3, 0, 1], [1, 2, 0]]).astype(dtype))
    x = Variable(a)
    assert_same(x.data, a.astype(np.float64))
    assert_same((x * 2).data, a.astype(np.float64) * 2)


# -- gradients a backward returns in any layout: the copy, the refcount test, accumulation -------


class Returns(Function):
    """The identity, whose backward returns a gradient prepared in advance (and still held
    here, so the engine must copy it before keeping it), as an array or as a Variable."""

    def __init__(self, gradient: np.ndarray, as_variable: bool = False):
        self.gradient = gradient
        self.as_variable = as_variable

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return Variable(self.gradient) if self.as_variable else self.gradient


class ReturnsArrays(Returns):
    """``Returns`` with the array form, which a first-order pass calls instead of backward."""

    def backward_arrays(self, gy):
        return self.gradient


FORMS = {
    "backward's array": lambda g: Returns(g),
    "backward's Variable": lambda g: Returns(g, as_variable=True),
    "backward_arrays": ReturnsArrays,
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients_returned_in_every_layout_are_copied_and_accumulated(
        shape, dtype, form, create_graph):
    returns = FORMS[form]
    g0 = values(shape, dtype, start=2)
    h0 = values(shape, dtype, POWERS_OF_TWO)
    for layout_g in LAYOUTS:
        for layout_h in LAYOUTS:
            g, h = layout_g(g0), layout_h(h0)
            x = Variable(np.zeros(shape, dtype))
            (returns(g)(x) + returns(h)(x)).backward(create_graph=create_graph)
            assert_same(x.grad.data, g0 + h0)
            assert x.grad.data.flags.writeable
            # Only one of them: the leaf keeps a private copy of the returned gradient.
            y = Variable(np.zeros(shape, dtype))
            returns(g)(y).backward(create_graph=create_graph)
            assert_same(y.grad.data, g0)
            assert not np.shares_memory(y.grad.data, g)
            y.grad.data[...] = 7  # a hook changing the gradient in place
            np.testing.assert_array_equal(g, g0)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_gradients_of_another_dtype_or_type_are_converted(layout):
    g = layout(values((2, 3), np.float32))
    x = Variable(np.zeros((2, 3)))
    Returns(g)(x).backward()
    assert_same(x.grad.data, g.astype(np.float64))
    ReturnsArrays(layout(np.array(2.5)))(x[0, 1]).backward()  # 0-d, scattered back
    expected = g.astype(np.float64)
    expected[0, 1] += 2.5
    assert_same(x.grad.data, expected)
    y = Variable(np.float32(0))
    Returns(1.5)(y).backward()  # a Python float: converted to y's dtype
    assert_same(y.grad.data, np.array(1.5, np.float32))


# -- the heap and the accumulation on big graphs -------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_a_deep_graph_of_100k_nodes(dtype):
    """A chain of 100,000 multiplications of a one-element array: every node goes through the
    heap and the one-element kernels, and the whole graph is freed at the end."""
    rng = np.random.default_rng(0)
    # Factors 1 + k/1024: exact products until the mantissa fills, then rounded, in order.
    factors = (1 + rng.integers(-8, 9, 100_000) / 1024).astype(dtype)
    x = Variable(np.array([1.0], dtype))
    y = x
    for f in factors:
        y = y * f
    # Forward multiplies x by each factor in turn; backward multiplies the seed by them from
    # the last to the first.
    assert_same(y.data, np.multiply.accumulate(np.concatenate([[dtype(1)], factors]))[-1:])
    y.backward()
    expected = np.multiply.accumulate(np.concatenate([[dtype(1)], factors[::-1]]))[-1:]
    assert_same(x.grad.data, expected)
    del y


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_many_gradients_accumulate_into_one_leaf(layout):
    """One leaf used 10,000 times, with integer weights: the sum is exact in any order."""
    weights = np.arange(1, 10_001) % 97 - 48.0
    x = Variable(layout(np.array(2.0)))
    total = Variable(np.array(0.0))
    for w in weights:
        total = total + x * layout(np.array(w))
    assert total.item() == 2.0 * weights.sum()
    total.backward()
    assert_same(x.grad.data, np.array(weights.sum()))


def test_a_wide_graph_visits_equal_generations_in_queue_order():
    """Many Functions of one generation on the heap at once: each runs exactly once."""
    x = Variable(np.array([1.0, 2.0]))
    parts = [x * float(k) for k in range(1, 5001)]
    y = F.concat(parts).sum()
    y.backward()
    assert_same(x.grad.data, np.full(2, sum(range(1, 5001)), np.float64))


def test_outputs_that_died_before_the_pass_give_no_gradient():
    """A multi-output Function whose other output is gone: its weak reference is dead."""
    x = Variable(strided(values((4,), np.float64)))
    first, second = F.split(x, 2)
    del second
    (first * 2).sum().backward()
    assert_same(x.grad.data, np.array([2.0, 2.0, 0.0, 0.0]))


# -- misuse reachable from Python ----------------------------------------------------------------
# Each would read memory through a pointer nobody checked, were it not refused: each raises a
# TypeError. They run in a child process, so that a regression crashes the child, not the
# test run. Found with tools/sanitize (issue 11).

UNSAFE = {
    # Variable._data is None when Variable.__init__ never ran; every operation reads it as
    # an ndarray (_dtype_of in _as_variables first).
    "variable without data": "v = Variable.__new__(Variable)\nv + 1",
    "subclass that skips Variable.__init__": (
        "class Param(Variable):\n    def __init__(self, value):\n        self.value = value\n"
        "Param(1.0) * 2"
    ),
    # The engine's forward methods pass their arguments to the one-element kernels, whose
    # ndarray parameters accept None: PyArray_TYPE / PyArray_SIZE read Py_None as an array.
    "None into an operation's forward": "(Variable(1.0) + 1).creator.forward(None, None)",
    # Function.inputs and Function.outputs are public and writable; _visit casts their
    # entries to Variable unchecked (<Variable>f.inputs[i], _grad_of's <Variable>y).
    "non-Variables in a node's inputs": (
        "y = Variable(2.0) * Variable(3.0)\ny.creator.inputs = (1.0, 2.0)\ny.backward()"
    ),
    # The pass checks a node's inputs once, then reads them borrowed and unchecked.
    "a node's inputs set to None": (
        "y = Variable(2.0) * Variable(3.0)\ny.creator.inputs = None\ny.backward()"
    ),
    "a number beside a Variable in a one-element node's inputs": (
        "x = Variable(2.0)\ny = x * x\ny.creator.inputs = (x, 1.0)\ny.backward()"
    ),
    "non-Variables in a node's inputs, through backward_arrays": (
        "import numpy as np\ny = Variable(2.0) * Variable(3.0)\ny.creator.inputs = (1.0, 2.0)\n"
        "y.creator.backward_arrays(np.ones(()))"
    ),
    "a weak reference to a non-Variable in a node's outputs": (
        "import weakref\nclass Other: pass\nother = Other()\nx = Variable(2.0)\ny = x * 3.0\n"
        "y.creator.outputs[0] = weakref.ref(other)\ny.backward()"
    ),
}


@pytest.mark.parametrize("code", list(UNSAFE.values()), ids=list(UNSAFE))
def test_misuse_is_a_type_error_not_a_memory_error(code):
    program = "from cygrad.variable import Variable\n" + code
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, textwrap.shorten(done.stderr, 2000)
    assert done.stderr.rstrip().splitlines()[-1].startswith("TypeError"), done.stderr
