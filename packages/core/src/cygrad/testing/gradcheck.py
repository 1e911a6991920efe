"""Gradient checks against central finite differences, first and second order.

The analytic side runs the engine's backward pass on the inputs as given (float32 stays
float32); the numeric side always works on float64 copies, so that it is accurate enough
to judge a float32 gradient with a looser tolerance.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from cygrad.variable import Variable

# The drawn cotangents come from this seed, so a failing check fails the same way every run.
_SEED = 20240601


def _as_array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Variable) else np.asarray(x)


def _name(f: Callable[..., Any]) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def _fresh(arrays: Sequence[np.ndarray]) -> list[Variable]:
    """New leaf Variables holding copies, so checks never touch the caller's Variables."""
    return [Variable(np.array(a, copy=True)) for a in arrays]


def _data(y: Any) -> np.ndarray:
    return np.asarray(y.data if isinstance(y, Variable) else y, dtype=np.float64)


def _draw_cotangent(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values of both signs with magnitudes in [0.5, 1.5]: never all ones, never near zero,
    so a gradient that is wrong but symmetric (transposed, summed, mirrored) shows up."""
    magnitude = rng.uniform(0.5, 1.5, size=shape)
    sign = np.where(rng.random(size=shape) < 0.5, -1.0, 1.0)
    return np.asarray(magnitude * sign)


def _central_differences(
    scalar: Callable[[list[np.ndarray]], float], arrays: Sequence[np.ndarray], eps: float
) -> list[np.ndarray]:
    """d scalar / d arrays[i], one element at a time, on float64 copies."""
    # C order, so that reshape(-1) below is a view that writes through to the point.
    points = [np.array(a, dtype=np.float64, order="C", copy=True) for a in arrays]
    grads = []
    for x in points:
        g = np.zeros_like(x)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = scalar(points)
            flat[k] = orig - eps
            minus = scalar(points)
            flat[k] = orig
            gflat[k] = (plus - minus) / (2.0 * eps)
        grads.append(g)
    return grads


def numerical_grad(f: Callable[..., Any], *xs: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Gradient of ``sum(f(*xs))`` with respect to each input, by central differences.

    ``f`` takes Variables and returns a Variable, an ndarray or a number (summed when not a
    scalar). It must be deterministic; it runs with backprop enabled, so an ``f`` that calls
    backward() itself (a gradient, checked for a higher order) works. Each element of each
    input is moved by ``+eps`` and ``-eps`` in turn, in float64 whatever the inputs' dtype.
    Returns one float64 array per input, shaped like it.
    """
    arrays = [_as_array(x) for x in xs]

    def scalar(points: list[np.ndarray]) -> float:
        return float(_data(f(*_fresh(points))).sum())

    return _central_differences(scalar, arrays, eps)


def _assert_close(
    where: str, label: str, analytic: np.ndarray, numeric: np.ndarray, rtol: float, atol: float,
) -> None:
    """Raise AssertionError when ``analytic`` is off ``numeric``, naming the worst element:
    ``{where}: {label} (shape ...) is wrong at index (...): analytic ..., numeric ...``."""
    a64 = np.asarray(analytic, dtype=np.float64)
    if a64.shape != numeric.shape:
        raise AssertionError(
            f"{where}: {label} has shape {a64.shape}, expected {numeric.shape}"
        )
    excess = np.abs(a64 - numeric) / (atol + rtol * np.abs(numeric))
    bad = ~(excess <= 1.0)  # also catches nan
    if not bad.any():
        return
    k = int(np.argmax(np.where(np.isnan(excess), np.inf, excess)))
    idx = tuple(int(j) for j in np.unravel_index(k, numeric.shape))
    raise AssertionError(
        f"{where}: {label} (shape {numeric.shape}) is wrong at index {idx}: "
        f"analytic {float(a64.reshape(-1)[k])!r}, numeric {float(numeric.reshape(-1)[k])!r} "
        f"(allowed |analytic - numeric| <= atol {atol:g} + rtol {rtol:g} * |numeric|; "
        f"{int(bad.sum())} of {numeric.size} elements off)"
    )


def _compare(
    where: str, what: str, analytic: Sequence[np.ndarray], numeric: Sequence[np.ndarray],
    rtol: float, atol: float,
) -> None:
    """Raise AssertionError at the first input whose gradient is off."""
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        _assert_close(where, f"{what} of input {i}", a, n, rtol, atol)


def _check_output(where: str, y: Any, f: Callable[..., Any]) -> Variable:
    if not isinstance(y, Variable):
        raise TypeError(f"{where}: f must return a Variable, got {type(y).__name__}")
    return y


def _check_grads(
    where: str, what: str, vs: Sequence[Variable], grads: Sequence[Any]
) -> list[np.ndarray]:
    """The gradients as arrays (zeros where none reached an input), checked for shape and dtype."""
    out = []
    for i, (v, g) in enumerate(zip(vs, grads)):
        if g is None:
            out.append(np.zeros(v.shape, dtype=v.dtype))
            continue
        if g.shape != v.shape or g.dtype != v.dtype:
            raise AssertionError(
                f"{where}: {what} of input {i} has shape {g.shape} and dtype {g.dtype}, "
                f"expected shape {v.shape} and dtype {v.dtype}"
            )
        out.append(np.array(g.data, copy=True))
    return out


def _cotangent_for(
    where: str, y: Variable, cotangent: Any, rng: np.random.Generator
) -> np.ndarray:
    if cotangent is None:
        return _draw_cotangent(rng, y.shape).astype(y.dtype)
    c = np.asarray(_as_array(cotangent), dtype=y.dtype)
    if c.shape != y.shape:
        raise ValueError(
            f"{where}: cotangent has shape {c.shape}, but f's output has shape {y.shape}"
        )
    return c


def _backprop(
    f: Callable[..., Any], arrays: Sequence[np.ndarray], cotangent: Any,
    rng: np.random.Generator, create_graph: bool, where: str,
) -> tuple[list[Variable], np.ndarray, list[Any]]:
    """Backprop ``sum(f(*leaves) * cotangent)`` from new leaves holding ``arrays``.

    Returns the leaves, the cotangent used (drawn from ``rng`` when ``cotangent`` is None)
    and the leaves' gradients (Variables, or None where no gradient arrived).
    """
    vs = _fresh(arrays)
    y = _check_output(where, f(*vs), f)
    c = _cotangent_for(where, y, cotangent, rng)
    y.grad = Variable(c)
    y.backward(create_graph=create_graph)
    return vs, c, [v.grad for v in vs]


def check_grad(
    f: Callable[..., Variable], *xs: Any, rtol: float = 1e-5, atol: float = 1e-7,
    cotangent: Any = None,
) -> None:
    """Assert that backward() through ``f`` matches central differences at ``xs``.

    ``f`` maps Variables to a deterministic Variable of any shape. The checked scalar is
    ``sum(f(*xs) * cotangent)``; by default the cotangent is drawn from a fixed seed (mixed
    signs, not all ones), so gradients that are wrong in a symmetric way are caught too.
    On a mismatch raises AssertionError naming the input, the worst element's index, the
    analytic and numeric values and the tolerance. Gradients must also keep each input's
    shape and dtype. Use ``rtol`` around 1e-3 for float32 inputs.
    """
    where = f"check_grad({_name(f)})"
    arrays = [_as_array(x) for x in xs]
    vs, c, grads = _backprop(f, arrays, cotangent, np.random.default_rng(_SEED), False, where)
    analytic = _check_grads(where, "gradient", vs, grads)
    c64 = c.astype(np.float64)

    def scalar(points: list[np.ndarray]) -> float:
        return float((_data(f(*_fresh(points))) * c64).sum())

    numeric = _central_differences(scalar, arrays, 1e-6)
    _compare(where, "gradient", analytic, numeric, rtol, atol)


def check_double_grad(
    f: Callable[..., Variable], *xs: Any, rtol: float = 1e-4, atol: float = 1e-6,
    cotangent: Any = None,
) -> None:
    """Assert that second derivatives through ``f`` (double backprop) match finite differences.

    First-order gradients ``g_i`` of ``sum(f(*xs) * cotangent)`` are computed with
    ``backward(create_graph=True)``; the scalar ``sum_i sum(g_i * w_i)``, with drawn ``w_i``,
    is then differentiated by backward() again and compared with central differences of the
    first-order gradients (which therefore must be right: run check_grad first). The defaults
    are looser than check_grad's because differencing a gradient loses a little more precision.
    Errors are reported as by check_grad.
    """
    where = f"check_double_grad({_name(f)})"
    arrays = [_as_array(x) for x in xs]
    rng = np.random.default_rng(_SEED)
    vs, c, grads = _backprop(f, arrays, cotangent, rng, True, where)
    _check_grads(where, "gradient", vs, grads)
    weights = [_draw_cotangent(rng, a.shape) for a in arrays]
    terms = [(g * w.astype(g.dtype)).sum() for g, w in zip(grads, weights) if g is not None]
    for v in vs:
        v.cleargrad()
    if terms:
        s = terms[0]
        for t in terms[1:]:
            s = s + t
        s.backward()
    analytic = _check_grads(where, "second-order gradient", vs, [v.grad for v in vs])
    c64 = c.astype(np.float64)

    def scalar(points: list[np.ndarray]) -> float:
        _, _, gs = _backprop(f, points, c64, rng, False, where)
        return float(sum((_data(g) * w).sum() for g, w in zip(gs, weights) if g is not None))

    numeric = _central_differences(scalar, arrays, 1e-6)
    _compare(where, "second-order gradient", analytic, numeric, rtol, atol)
