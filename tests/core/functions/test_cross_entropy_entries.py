"""softmax_cross_entropy's label entries in C: the range check of the labels, the read of each
row's label entry and the subtraction of 1 from it, each the same as NumPy's on every layout.

With every row kept the loss reads and writes the label entries with the engine's C loops
(``_labels_in_range``, ``_row_entries``, ``_subtract_one_at``) instead of advanced indexing;
those read array memory through raw pointers and strides, so they are fed C- and
Fortran-ordered, strided, reversed, misaligned, byte-swapped and read-only arrays (the last
three take NumPy's path), and every result is compared bit for bit with NumPy's.
``tools/sanitize`` runs this file under AddressSanitizer and UndefinedBehaviorSanitizer.
"""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.functions.loss import SoftmaxCrossEntropy
from cygrad.variable import Variable
from cygrad.variable._core import _labels_in_range, _row_entries, _subtract_one_at

ROWS, CLASSES = 7, 5


def contiguous(a):
    return a.copy()


def fortran(a):
    return np.asfortranarray(a)


def strided(a):
    """Every other element of a bigger array: a view whose strides skip memory."""
    big = np.zeros(a.shape + (2,), a.dtype)
    big[..., 1] = a
    return big[..., 1]


def reversed_view(a):
    """A view with negative strides."""
    return np.flip(np.flip(a).copy())


def misaligned(a):
    m = np.frombuffer(bytearray(a.nbytes + 1), a.dtype, count=a.size, offset=1).reshape(a.shape)
    m[...] = a
    return m


def byte_swapped(a):
    return a.astype(a.dtype.newbyteorder())


def read_only(a):
    r = a.copy()
    r.flags.writeable = False
    return r


LAYOUTS = [contiguous, fortran, strided, reversed_view, misaligned, byte_swapped, read_only]
LABEL_LAYOUTS = [contiguous, strided, reversed_view, misaligned, read_only]
DTYPES = [np.float64, np.float32, np.float16, np.int64]


def logits(dtype):
    """Distinct values, exact in every dtype here, and not yet in order along the rows."""
    values = (np.arange(ROWS * CLASSES) * 37 % 101 - 50).reshape(ROWS, CLASSES) / 4
    return values.astype(dtype)


LABELS = np.array([4, 0, 2, 2, 1, 3, 4], dtype=np.intp)


def test_the_layouts_are_what_they_claim():
    a = logits(np.float64)
    assert fortran(a).flags.f_contiguous and not fortran(a).flags.c_contiguous
    assert not strided(a).flags.c_contiguous and reversed_view(a).strides[0] < 0
    assert not misaligned(a).flags.aligned and not misaligned(LABELS).flags.aligned
    assert not byte_swapped(a).dtype.isnative and not read_only(a).flags.writeable
    for layout in LAYOUTS:
        np.testing.assert_array_equal(layout(a), a)


@pytest.mark.parametrize("layout", LABEL_LAYOUTS + [byte_swapped], ids=lambda f: f.__name__)
@pytest.mark.parametrize("labels", [[0, 4, 2], [4, 4], [0], [], [-1, 2], [2, 5], [5], [-7]],
                         ids=str)
def test_labels_in_range_is_numpys_min_and_max_check(labels, layout):
    a = layout(np.array(labels, dtype=np.intp))
    expected = a.size == 0 or bool(0 <= a.min() and a.max() < CLASSES)
    assert _labels_in_range(a, CLASSES) is expected


def test_labels_in_range_takes_other_integer_types():
    assert _labels_in_range(np.array([0, 4], np.int32), CLASSES) is True
    assert _labels_in_range(np.array([0, 5], np.uint8), CLASSES) is False
    assert _labels_in_range(np.array([[0, 1], [2, 3]]), CLASSES) is True


@pytest.mark.parametrize("label_layout", LABEL_LAYOUTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_row_entries_are_numpys_gather(dtype, layout, label_layout):
    z, labels = layout(logits(dtype)), label_layout(LABELS)
    expected = z[np.arange(ROWS), labels]
    got = _row_entries(z, labels)
    np.testing.assert_array_equal(got, expected, strict=True)
    assert got.flags.owndata and got.flags.writeable


@pytest.mark.parametrize("label_layout", LABEL_LAYOUTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("layout", [f for f in LAYOUTS if f is not read_only],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_subtract_one_at_is_numpys_scatter(dtype, layout, label_layout):
    # Entries whose subtraction rounds in float32 and float16 too: 1 - 1e-8 is 1.0 there.
    z = logits(dtype) / 8 + (np.array(1e-8, dtype) if dtype != np.int64 else 0)
    g, labels = layout(z), label_layout(LABELS)
    expected = g.copy()
    expected[np.arange(ROWS), labels] -= 1
    _subtract_one_at(g, labels)
    np.testing.assert_array_equal(g, expected, strict=True)


def test_subtract_one_at_refuses_a_read_only_array_as_numpy_does():
    g = read_only(logits(np.float64))
    with pytest.raises(ValueError, match="read-only"):
        _subtract_one_at(g, LABELS)
    np.testing.assert_array_equal(g, logits(np.float64), strict=True)


@pytest.mark.parametrize("bad", [CLASSES, -CLASSES - 1], ids=str)
def test_an_entry_outside_the_array_raises_numpys_index_error(bad):
    z, labels = logits(np.float64), LABELS.copy()
    labels[3] = bad
    with pytest.raises(IndexError):
        _row_entries(z, labels)
    with pytest.raises(IndexError):
        _subtract_one_at(z, labels)
    np.testing.assert_array_equal(z, logits(np.float64), strict=True)


def test_labels_that_do_not_match_the_rows_take_numpys_indexing():
    z = logits(np.float64)
    np.testing.assert_array_equal(_row_entries(z, LABELS[:3]), z[np.arange(3), LABELS[:3]],
                                  strict=True)
    g, expected = z.copy(), z.copy()
    expected[np.arange(3), LABELS[:3]] -= 1
    _subtract_one_at(g, LABELS[:3])
    np.testing.assert_array_equal(g, expected, strict=True)
    with pytest.raises(IndexError):
        _row_entries(z[:3], LABELS)
    with pytest.raises(IndexError):
        _row_entries(z[0], LABELS)


@pytest.mark.parametrize("label_layout", LABEL_LAYOUTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("create_graph", [False, True])
def test_the_loss_on_every_layout_is_the_general_forms(create_graph, dtype, layout, label_layout):
    # The general (masked) form keeps NumPy's advanced indexing: with a mask keeping every row
    # it gives the same numbers, bit for bit, whatever the layout of the logits and labels.
    results = []
    for keep in (None, np.ones(ROWS, bool)):
        x = Variable(layout(logits(dtype)))
        loss = SoftmaxCrossEntropy(label_layout(LABELS), keep)(x) * 3
        loss.backward(create_graph=create_graph)
        results.append((loss.data, x.grad.data))
    (loss, grad), (masked_loss, masked_grad) = results
    assert loss.dtype == grad.dtype == dtype
    np.testing.assert_array_equal(loss, masked_loss, strict=True)
    np.testing.assert_array_equal(grad, masked_grad, strict=True)


def test_the_loss_keeps_every_row_through_the_c_check_and_its_errors_stay():
    x = logits(np.float64)
    assert SoftmaxCrossEntropy(LABELS, None)(x).item() == F.softmax_cross_entropy(x, LABELS).item()
    with pytest.raises(ValueError, match=r"^softmax_cross_entropy: label 5 is out of range for 5"):
        F.softmax_cross_entropy(x, np.array([0, 1, 2, 3, 4, 5, 0]))
    with pytest.raises(ValueError, match="label -2 is out of range for 5 classes"):
        F.softmax_cross_entropy(x, np.array([0, 1, -2, 3, 4, 0, 0]))
    # A label equal to ignore_index among the classes leaves its row out (the masked form).
    loss = F.softmax_cross_entropy(x, np.array([0, 1, 2, 3, 4, 0, 0]), ignore_index=0)
    z = x - x.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert loss.item() == pytest.approx(-log_p[[1, 2, 3, 4], [1, 2, 3, 4]].mean(), rel=1e-14)
