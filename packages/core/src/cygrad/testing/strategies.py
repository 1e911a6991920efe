"""Hypothesis strategies for gradient tests: small, finite arrays and shapes that fit together.

Pair them with :func:`cygrad.testing.check_grad`::

    from hypothesis import given
    from cygrad.testing import check_grad
    from cygrad.testing import strategies as cst

    @given(cst.broadcastable_arrays())
    def test_mul(pair):
        check_grad(lambda a, b: a * b, *pair)

Arrays hold at most ``MAX_SIZE`` elements by default, because a finite-difference check costs
two function evaluations per element; values are bounded and never nan or inf. Needs the
``testing`` extra (``pip install cygrad-core[testing]``).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence, Union

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "MAX_SIZE",
    "arrays",
    "arrays_away_from",
    "broadcastable_arrays",
    "broadcastable_shapes",
    "distinct_arrays",
    "matmul_arrays",
    "matmul_shapes",
    "positive_arrays",
    "shapes",
]

#: The default cap on the number of elements of a drawn array.
MAX_SIZE = 24

Shape = tuple[int, ...]
#: A fixed shape, an int (a 1-D length), a strategy of shapes, or None for ``shapes()``.
ShapeLike = Union[Shape, int, st.SearchStrategy, None]
#: Turns a shape into a strategy of arrays of that shape, e.g. ``arrays`` or ``positive_arrays``.
ArraysFor = Callable[[Shape], st.SearchStrategy]


def _shape_strategy(shape: ShapeLike) -> st.SearchStrategy | Shape:
    if shape is None:
        return shapes()
    if isinstance(shape, st.SearchStrategy):
        return shape
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _floats(lo: float, hi: float, dtype: Any) -> st.SearchStrategy:
    """Finite floats in [lo, hi] that ``dtype`` holds exactly (bounds rounded inwards)."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        lo32, hi32 = np.float32(lo), np.float32(hi)
        if lo32 < lo:
            lo32 = np.nextafter(lo32, np.float32(np.inf))
        if hi32 > hi:
            hi32 = np.nextafter(hi32, np.float32(-np.inf))
        return st.floats(float(lo32), float(hi32), width=32, allow_nan=False,
                         allow_infinity=False, allow_subnormal=False)
    if dtype != np.float64:
        raise ValueError(
            f"cygrad.testing.strategies: dtype must be float32 or float64, got {dtype}"
        )
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def shapes(
    draw: st.DrawFn, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
    max_side: int = 4, max_size: int = MAX_SIZE,
) -> Shape:
    """Array shapes of ``min_dims..max_dims`` axes with sides in ``min_side..max_side`` and at
    most ``max_size`` elements in all (0-d shapes included by default)."""
    if min_side < 1 or min_side > max_side or min_side**max_dims > max_size:
        raise ValueError(
            f"shapes: min_side={min_side}, max_side={max_side}, max_dims={max_dims} "
            f"cannot fit in max_size={max_size}"
        )
    ndim = draw(st.integers(min_dims, max_dims))
    shape: list[int] = []
    for i in range(ndim):
        # Leave room for the remaining axes at their smallest side.
        room = max_size // (math.prod(shape) * min_side ** (ndim - i - 1))
        shape.append(draw(st.integers(min_side, max(min_side, min(max_side, room)))))
    return tuple(shape)


def arrays(
    shape: ShapeLike = None, *, min_value: float = -2.0, max_value: float = 2.0,
    dtype: Any = np.float64,
) -> st.SearchStrategy:
    """Arrays of finite values in ``[min_value, max_value]``: the general-purpose input.

    ``shape`` is a tuple, an int, a strategy of shapes, or None for ``shapes()``.
    """
    return hnp.arrays(dtype, _shape_strategy(shape), elements=_floats(min_value, max_value, dtype))


def positive_arrays(
    shape: ShapeLike = None, *, min_value: float = 0.1, max_value: float = 3.0,
    dtype: Any = np.float64,
) -> st.SearchStrategy:
    """Arrays of values in ``[min_value, max_value]``, well inside the domain of ``log``,
    ``sqrt`` and ``x ** y``, so ``x - eps`` stays in it too."""
    if min_value <= 0:
        raise ValueError(f"positive_arrays: min_value must be > 0, got {min_value}")
    return arrays(shape, min_value=min_value, max_value=max_value, dtype=dtype)


def _step_away(point: float, offset: float) -> float:
    """``point + offset``, nudged outwards until it is at least ``|offset|`` from ``point``
    after rounding (-1.0 + 0.2 is only 0.19999999999999996 away from -1.0)."""
    value = point + offset
    while abs(value - point) < abs(offset):
        value = float(np.nextafter(value, math.copysign(math.inf, offset)))
    return value


def arrays_away_from(
    shape: ShapeLike = None, *, points: Sequence[float] = (0.0,), margin: float = 0.1,
    min_value: float = -2.0, max_value: float = 2.0, dtype: Any = np.float64,
) -> st.SearchStrategy:
    """Arrays whose values stay at least ``margin`` from every one of ``points``.

    For functions with kinks or poles: ``abs``/``relu`` (the default, 0), ``clip(x, lo, hi)``
    (``points=(lo, hi)``), denominators of a division. A finite difference straddling a kink
    measures neither side's slope; the margin keeps ``x +- eps`` on one side. As a
    ``values`` maker: ``functools.partial(arrays_away_from, margin=0.5)``.
    """
    cuts = sorted(float(p) for p in points)
    edges = [min_value] + [_step_away(p, side * margin) for p in cuts for side in (-1, 1)]
    edges.append(max_value)
    pieces = [
        _floats(max(lo, min_value), min(hi, max_value), dtype)
        for lo, hi in zip(edges[::2], edges[1::2])
        if max(lo, min_value) <= min(hi, max_value)
    ]
    if not pieces:
        raise ValueError(
            f"arrays_away_from: no value in [{min_value}, {max_value}] is {margin} away "
            f"from {cuts}"
        )
    return hnp.arrays(dtype, _shape_strategy(shape), elements=st.one_of(pieces))


def distinct_arrays(
    shape: ShapeLike = None, *, min_gap: float = 0.01, min_value: float = -2.0,
    max_value: float = 2.0, dtype: Any = np.float64,
) -> st.SearchStrategy:
    """Arrays whose values differ pairwise by at least ``min_gap``: no ties.

    For ``max``/``min`` and sorting-like functions, whose gradient depends on which element
    wins: a gap much larger than the finite-difference step keeps the winner fixed. Values
    lie on a grid of step ``min_gap`` from ``min_value``.
    """
    steps = int(math.floor((max_value - min_value) / min_gap))
    shape_s = _shape_strategy(shape)
    if isinstance(shape_s, tuple) and math.prod(shape_s) > steps + 1:
        raise ValueError(
            f"distinct_arrays: {math.prod(shape_s)} values of shape {shape_s} do not fit "
            f"{min_gap} apart in [{min_value}, {max_value}]"
        )
    grid = hnp.arrays(np.int64, shape_s, elements=st.integers(0, steps), unique=True)
    return grid.map(lambda k: np.asarray(min_value + k * min_gap, dtype=dtype))


@st.composite
def broadcastable_shapes(
    draw: st.DrawFn, num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = 3,
    max_side: int = 4, max_size: int = MAX_SIZE,
) -> tuple[Shape, ...]:
    """``num_shapes`` shapes that broadcast together (NumPy rules) to at most ``max_size``
    elements: each keeps some trailing axes of a common shape, with some sides set to 1."""
    full = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side,
                       max_size=max_size))
    out = []
    for _ in range(num_shapes):
        kept = full[len(full) - draw(st.integers(0, len(full))):]
        out.append(tuple(1 if draw(st.booleans()) else s for s in kept))
    return tuple(out)


@st.composite
def broadcastable_arrays(
    draw: st.DrawFn, num_arrays: int = 2, *, values: ArraysFor | Sequence[ArraysFor] = arrays,
    min_dims: int = 0, max_dims: int = 3, max_size: int = MAX_SIZE,
) -> tuple[np.ndarray, ...]:
    """``num_arrays`` arrays of mutually broadcastable shapes.

    ``values`` makes each array from its shape: one callable for all (default ``arrays``) or
    one per array, e.g. ``values=[arrays, positive_arrays]`` for ``x ** y``.
    """
    makers = [values] * num_arrays if callable(values) else list(values)
    if len(makers) != num_arrays:
        raise ValueError(
            f"broadcastable_arrays: {len(makers)} value strategies for {num_arrays} arrays"
        )
    found = draw(broadcastable_shapes(num_arrays, min_dims=min_dims, max_dims=max_dims,
                                      max_size=max_size))
    return tuple(draw(make(shape)) for make, shape in zip(makers, found))


@st.composite
def matmul_shapes(
    draw: st.DrawFn, *, max_batch_dims: int = 2, max_side: int = 4, max_size: int = MAX_SIZE,
) -> tuple[Shape, Shape]:
    """Shape pairs that ``numpy.matmul`` accepts, every case included: 1-D @ 1-D,
    1-D @ N-D, N-D @ 1-D and N-D @ N-D with broadcast batch axes (each operand at most
    ``max_size`` elements)."""
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    a_vector, b_vector = draw(st.booleans()), draw(st.booleans())
    room = max_size // max(n * k, k * m)
    batch_a, batch_b = draw(broadcastable_shapes(2, max_dims=max_batch_dims, max_side=3,
                                                 max_size=max(1, room)))
    a = (k,) if a_vector else batch_a + (n, k)
    b = (k,) if b_vector else batch_b + (k, m)
    return a, b


@st.composite
def matmul_arrays(
    draw: st.DrawFn, *, values: ArraysFor = arrays, max_batch_dims: int = 2,
    max_size: int = MAX_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """A pair of arrays ``(a, b)`` for which ``a @ b`` is defined; see ``matmul_shapes``."""
    a_shape, b_shape = draw(matmul_shapes(max_batch_dims=max_batch_dims, max_size=max_size))
    return draw(values(a_shape)), draw(values(b_shape))
