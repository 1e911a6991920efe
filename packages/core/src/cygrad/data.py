"""Toy datasets and mini-batches: the data the demos train on, as plain NumPy arrays.

>>> import numpy as np
>>> from cygrad.data import batches, sine_curve
>>> x, y = sine_curve(8, noise=0.0)
>>> [len(xb) for xb, yb in batches(x, y, batch_size=3)]
[3, 3, 2]
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from cygrad.checks import check_size
from cygrad.random import RNGLike, rng_from

__all__ = ["batches", "digits", "sine_curve", "spiral"]


def _amount(where: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__}")
    if not value >= 0 or math.isinf(value):
        raise ValueError(f"{where}: {name} must be finite and at least 0, got {value}")
    return float(value)


def sine_curve(
    n: int = 1000, noise: float = 0.0, periods: float = 2.0, rng: RNGLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` evenly spaced points ``x`` over ``periods`` periods from 0, and ``sin(x)`` plus
    noise drawn uniformly from ``[-noise, noise]`` (none when ``noise`` is 0, the default).

    Returns two float64 arrays of shape ``(n,)``. The same ``rng`` seed gives the same noise;
    without noise nothing is drawn from ``rng``.
    """
    n = check_size("sine_curve", "n", n, 2)
    noise = _amount("sine_curve", "noise", noise)
    periods = _amount("sine_curve", "periods", periods)
    gen = rng_from(rng)
    x = np.linspace(0.0, 2.0 * math.pi * periods, n)
    y = np.sin(x)
    if noise > 0:
        y = y + gen.uniform(-noise, noise, size=n)
    return x, y


def spiral(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, rng: RNGLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """A spiral classification set, like the one "Deep Learning from Scratch 3" trains its
    MLP on: ``classes`` arms of ``n_per_class`` points each, winding out from the origin,
    with Gaussian noise of standard deviation ``noise`` on each point's angle.

    Returns ``x`` of shape ``(n_per_class * classes, 2)`` (float64) and integer labels ``t``
    of shape ``(n_per_class * classes,)``, in class order (shuffle with ``batches``).
    """
    n_per_class = check_size("spiral", "n_per_class", n_per_class)
    classes = check_size("spiral", "classes", classes)
    noise = _amount("spiral", "noise", noise)
    gen = rng_from(rng)
    radius = np.tile(np.arange(n_per_class) / n_per_class, classes)
    t = np.repeat(np.arange(classes), n_per_class)
    angle = t * (2.0 * math.pi / classes) + 4.0 * radius + gen.normal(0.0, noise, t.size)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return x, t


# The ten digits as 5x7 bitmaps, one string per row ("#" is ink).
_GLYPHS = (
    (" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "),
    ("  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    (" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"),
    ("#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "),
    ("   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "),
    ("#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "),
    ("  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "),
    ("#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "),
    (" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "),
    (" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "),
)
_TEMPLATES = np.array([[[c == "#" for c in row] for row in glyph] for glyph in _GLYPHS], float)


def digits(
    n: int = 1000, noise: float = 0.2, rng: RNGLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 8x8 grey images of handwritten-looking digits, generated (nothing is downloaded).

    Each image is a 5x7 glyph of its digit placed at a random offset in the 8x8 frame, with a
    random ink strength in [0.6, 1], a few ink pixels dropped, and Gaussian noise of standard
    deviation ``noise`` added. Returns ``x`` of shape ``(n, 1, 8, 8)`` (float64, NCHW with one
    channel, as convolutional layers take it) and integer labels ``t`` of shape ``(n,)`` drawn
    uniformly from 0-9. The same ``rng`` seed gives the same images.
    """
    n = check_size("digits", "n", n)
    noise = _amount("digits", "noise", noise)
    gen = rng_from(rng)
    t = gen.integers(0, 10, n)
    ink = _TEMPLATES[t] * gen.uniform(0.6, 1.0, (n, 1, 1))
    ink *= gen.random(ink.shape) >= 0.05
    x = np.zeros((n, 8, 8))
    rows = gen.integers(0, 2, n)  # 8 - 7 + 1 vertical positions
    cols = gen.integers(0, 4, n)  # 8 - 5 + 1 horizontal positions
    for r in range(2):
        for c in range(4):
            at = (rows == r) & (cols == c)
            x[at, r:r + 7, c:c + 5] = ink[at]
    if noise > 0:
        x += gen.normal(0.0, noise, x.shape)
    return x[:, None], t


def batches(
    *arrays: Any, batch_size: int, shuffle: bool = False, rng: RNGLike = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, ...]]:
    """Mini-batches of ``arrays`` along their first axis, as tuples with one array each.

    All arrays must have the same length. Each batch holds ``batch_size`` items, except a
    shorter last one unless ``drop_last``. With ``shuffle`` the items come in the order of
    one permutation drawn from ``rng`` per call, the same permutation for every array, so
    pairs stay pairs. Batches are copies: changing one never changes the data.
    """
    if not arrays:
        raise TypeError("batches: expected at least one array")
    batch_size = check_size("batches", "batch_size", batch_size)
    data = [np.asarray(a) for a in arrays]
    if any(a.ndim == 0 for a in data):
        raise ValueError("batches: every array needs a first axis, got a 0-d array")
    lengths = [len(a) for a in data]
    if len(set(lengths)) != 1:
        raise ValueError(f"batches: the arrays differ in length: {lengths}")
    order = rng_from(rng).permutation(lengths[0]) if shuffle else np.arange(lengths[0])
    return _batches(data, order, batch_size, drop_last)


def _batches(
    data: list[np.ndarray], order: np.ndarray, batch_size: int, drop_last: bool
) -> Iterator[tuple[np.ndarray, ...]]:
    # Checked eagerly by batches(); only the slicing is lazy.
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        if drop_last and len(index) < batch_size:
            return
        yield tuple(a[index] for a in data)
