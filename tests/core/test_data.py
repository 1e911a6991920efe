"""cygrad.data: the toy datasets and the mini-batch iterator."""
import doctest
import math

import numpy as np
import pytest

import cygrad.data
from cygrad.data import batches, digits, sine_curve, spiral


def test_module_examples():
    assert doctest.testmod(cygrad.data).failed == 0


def test_sine_curve_without_noise_is_the_sine_over_whole_periods():
    x, y = sine_curve(101, periods=2)
    assert x.shape == y.shape == (101,) and x.dtype == y.dtype == np.float64
    assert x[0] == 0.0 and x[-1] == pytest.approx(4 * math.pi)
    np.testing.assert_array_equal(y, np.sin(x))


def test_sine_curve_noise_is_bounded_and_seeded():
    x, y = sine_curve(500, noise=0.1, rng=3)
    assert 0 < np.abs(y - np.sin(x)).max() <= 0.1
    np.testing.assert_array_equal(y, sine_curve(500, noise=0.1, rng=3)[1])
    assert not np.array_equal(y, sine_curve(500, noise=0.1, rng=4)[1])


def test_spiral_shapes_labels_and_radius():
    x, t = spiral(50, classes=4, rng=0)
    assert x.shape == (200, 2) and t.shape == (200,)
    np.testing.assert_array_equal(np.bincount(t), [50] * 4)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius, np.tile(np.arange(50) / 50, 4))
    np.testing.assert_array_equal(x, spiral(50, classes=4, rng=0)[0])


def test_spiral_arms_are_rotations_of_each_other_without_noise():
    x, t = spiral(20, classes=2, noise=0.0)
    np.testing.assert_allclose(x[t == 1], -x[t == 0], atol=1e-12)  # half a turn apart


@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_cover_every_item_once_and_keep_pairs(shuffle):
    x = np.arange(10.0).reshape(10, 1)
    t = np.arange(10)
    got = list(batches(x, t, batch_size=4, shuffle=shuffle, rng=1))
    assert [len(tb) for _, tb in got] == [4, 4, 2]
    seen = np.concatenate([tb for _, tb in got])
    np.testing.assert_array_equal(np.sort(seen), t)
    for xb, tb in got:
        np.testing.assert_array_equal(xb[:, 0], tb)  # pairs stay pairs
    assert shuffle == (not np.array_equal(seen, t))


def test_batches_drop_last_and_copies():
    x = np.arange(7.0)
    got = list(batches(x, batch_size=3, drop_last=True))
    assert [b for (b,) in got] and all(len(b) == 3 for (b,) in got) and len(got) == 2
    got[0][0][:] = -1
    np.testing.assert_array_equal(x, np.arange(7.0))  # the data is untouched


def test_batches_shuffle_is_seeded():
    a = [b for (b,) in batches(np.arange(20), batch_size=5, shuffle=True, rng=7)]
    b = [b for (b,) in batches(np.arange(20), batch_size=5, shuffle=True, rng=7)]
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: batches(np.ones(3), np.ones(4), batch_size=2), ValueError,
         r"differ in length: \[3, 4\]"),
        (lambda: batches(np.ones(3), batch_size=0), ValueError, "batch_size must be at least 1"),
        (lambda: batches(np.ones(3), batch_size=2.0), TypeError, "batch_size must be an int"),
        (lambda: batches(batch_size=2), TypeError, "at least one array"),
        (lambda: batches(np.float64(1.0), batch_size=1), ValueError, "0-d"),
        (lambda: sine_curve(1), ValueError, "sine_curve: n must be at least 2"),
        (lambda: sine_curve(10, noise=-1), ValueError, "sine_curve: noise must be finite"),
        (lambda: sine_curve(10, noise="a"), TypeError, "sine_curve: noise must be a number"),
        (lambda: spiral(0), ValueError, "spiral: n_per_class must be at least 1"),
        (lambda: spiral(10, rng="x"), TypeError, "rng must be"),
        (lambda: sine_curve(10, rng="x"), TypeError, "rng must be"),
    ],
)
def test_bad_arguments_are_clear_errors_raised_at_the_call(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_digits_shapes_labels_and_seed():
    x, t = digits(300, rng=1)
    assert x.shape == (300, 1, 8, 8) and x.dtype == np.float64
    assert t.shape == (300,) and t.dtype.kind == "i" and set(t) == set(range(10))
    x2, t2 = digits(300, rng=1)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)
    assert not np.array_equal(x, digits(300, rng=2)[0])


def _placed_glyphs() -> np.ndarray:
    """Every digit's glyph at every offset in the 8x8 frame: shape (10, 8 offsets, 8, 8)."""
    frames = np.zeros((10, 2, 4, 8, 8))
    for r in range(2):
        for c in range(4):
            frames[:, r, c, r:r + 7, c:c + 5] = cygrad.data._TEMPLATES
    return frames.reshape(10, 8, 8, 8)


def test_digits_without_noise_are_their_glyph_somewhere_in_the_frame():
    x, t = digits(200, noise=0.0, rng=0)
    placed = _placed_glyphs() > 0
    for image, label in zip(x[:, 0], t):
        ink = image > 0
        assert 0.6 * 0.999 <= image[ink].min() and image.max() <= 1.0
        # inked pixels lie on the label's glyph at some offset, some of it dropped
        fits = [not (ink & ~g).any() and ink.sum() >= 0.5 * g.sum() for g in placed[label]]
        assert any(fits), f"digit {label} is not its glyph:\n{image}"


def test_digits_are_separable_by_nearest_template():
    # A sanity bound on the noise: the nearest shifted glyph classifies nearly all of them.
    x, t = digits(500, rng=5)
    bank = _placed_glyphs().reshape(80, 64)
    distance = ((x.reshape(-1, 1, 64) - bank[None]) ** 2).sum(-1)
    predicted = distance.argmin(1) // 8
    assert (predicted == t).mean() > 0.95


@pytest.mark.parametrize("kw, error", [
    ({"n": 0}, ValueError), ({"n": 2.5}, TypeError), ({"noise": -1.0}, ValueError),
    ({"noise": "a"}, TypeError),
])
def test_digits_rejects_bad_arguments(kw, error):
    with pytest.raises(error, match="digits"):
        digits(**kw)
