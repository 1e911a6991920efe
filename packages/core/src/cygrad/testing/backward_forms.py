"""check_backward_forms: a Function's two backward forms must agree bit for bit.

A first-order backward pass calls ``backward_arrays`` where a class defines it, and
``create_graph=True`` calls ``backward``; the gradients a user gets must not depend on which
ran. This check calls both on one applied Function with the same output gradients.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cygrad.testing.gradcheck import _SEED, _as_array, _draw_cotangent, _fresh, _name
from cygrad.variable import Function, Variable

__all__ = ["check_backward_forms"]


def check_backward_forms(
    factory: Callable[[], Function], *xs: Any, cotangents: Sequence[Any] | None = None,
) -> None:
    """Assert that ``backward_arrays`` gives exactly the gradients ``backward`` gives.

    ``factory()`` makes a fresh Function (a class whose constructor takes no arguments will
    do: ``check_backward_forms(Sigmoid, x)``), which is applied to new leaf Variables holding
    copies of ``xs``. Both backward forms then get the same output gradients: ``cotangents``
    (one array, or None for an output that gets no gradient, per output), by default drawn
    from a fixed seed for every output. For each input both forms must give no gradient, or
    gradients of the same shape and dtype whose every element has the same bits (signed
    zeros included). ``backward_arrays`` must also leave the output gradients and the inputs'
    data as they were: the engine hands it arrays that other gradients may share.

    Raises AssertionError naming the Function, the input, the first differing element and
    both values.
    """
    where = f"check_backward_forms({_name(factory)})"
    f = factory()
    if not isinstance(f, Function):
        raise TypeError(f"{where}: the factory must make a Function, got {type(f).__name__}")
    leaves = _fresh([_as_array(x) for x in xs])
    outputs = f(*leaves)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    gys = _output_gradients(where, outputs, cotangents)
    before = [None if g is None else g.copy() for g in gys]
    inputs_before = [v.data.copy() for v in leaves]
    try:
        from_arrays = f.backward_arrays(*gys)
    except NotImplementedError:
        raise AssertionError(
            f"{where}: {type(f).__name__} does not define backward_arrays"
        ) from None
    for k, (g, b) in enumerate(zip(gys, before)):
        if g is not None and b is not None and not _same_bits(g, b).all():
            raise AssertionError(
                f"{where}: backward_arrays changed the gradient of output {k} in place"
            )
    for i, (v, b) in enumerate(zip(leaves, inputs_before)):
        if not _same_bits(v.data, b).all():
            raise AssertionError(f"{where}: backward_arrays changed the data of input {i}")
    from_variables = f.backward(*[None if g is None else Variable(g) for g in before])
    arrays = _per_input(where, "backward_arrays", from_arrays, len(leaves))
    variables = _per_input(where, "backward", from_variables, len(leaves))
    for i, (a, v) in enumerate(zip(arrays, variables)):
        _assert_same(where, i, a, v)


def _output_gradients(
    where: str, outputs: tuple[Variable, ...], cotangents: Sequence[Any] | None
) -> list[np.ndarray | None]:
    """The output gradients both forms get: given, or drawn for every output."""
    if cotangents is None:
        rng = np.random.default_rng(_SEED)
        return [_draw_cotangent(rng, y.shape).astype(y.dtype) for y in outputs]
    if len(cotangents) != len(outputs):
        raise ValueError(
            f"{where}: {len(cotangents)} cotangents for a Function of {len(outputs)} outputs"
        )
    gys: list[np.ndarray | None] = []
    for k, (c, y) in enumerate(zip(cotangents, outputs)):
        if c is None:
            gys.append(None)
            continue
        g = np.array(_as_array(c), dtype=y.dtype)
        if g.shape != y.shape:
            raise ValueError(
                f"{where}: cotangent {k} has shape {g.shape}, but output {k} has shape {y.shape}"
            )
        gys.append(g)
    return gys


def _per_input(where: str, method: str, result: Any, n: int) -> list[np.ndarray | None]:
    """A backward's result as one array (or None) per input, as the engine reads it."""
    gxs = list(result) if isinstance(result, (tuple, list)) else [result]
    if len(gxs) != n:
        raise AssertionError(f"{where}: {method} returned {len(gxs)} gradients for {n} inputs")
    return [None if g is None else np.asarray(g.data if isinstance(g, Variable) else g)
            for g in gxs]


def _same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise: whether ``a`` and ``b`` (same shape and dtype) hold the same bits."""
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    a_bits, b_bits = np.ascontiguousarray(a).view(unsigned), np.ascontiguousarray(b).view(unsigned)
    same: np.ndarray = a_bits == b_bits
    return same


def _assert_same(where: str, i: int, a: np.ndarray | None, v: np.ndarray | None) -> None:
    if a is None or v is None:
        if a is not v:
            given, missing = ("backward", "backward_arrays")[:: 1 if a is None else -1]
            raise AssertionError(
                f"{where}: {given} gives a gradient for input {i}, {missing} gives none"
            )
        return
    if a.shape != v.shape or a.dtype != v.dtype:
        raise AssertionError(
            f"{where}: the gradients of input {i} differ in form: backward_arrays gives shape "
            f"{a.shape} and dtype {a.dtype}, backward shape {v.shape} and dtype {v.dtype}"
        )
    same = _same_bits(a, v)
    if same.all():
        return
    k = int(np.flatnonzero(~same.reshape(-1))[0])
    index = tuple(int(j) for j in np.unravel_index(k, a.shape))
    raise AssertionError(
        f"{where}: the gradients of input {i} differ at index {index}: backward_arrays "
        f"{a.reshape(-1)[k].item()!r}, backward {v.reshape(-1)[k].item()!r} "
        f"({int((~same).sum())} of {a.size} elements differ)"
    )
