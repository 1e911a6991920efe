"""check_activation: the conformance kit for activation functions, run by cygrad's own suite on
every registered activation (plugins included)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from cygrad.registry.checks import one_argument_problem
from cygrad.testing.gradcheck import _name, check_double_grad, check_grad
from cygrad.variable import Variable
from cygrad.random import RNGLike, rng_from

__all__ = ["check_activation"]

# Inputs drawn by default: these shapes, magnitudes in this range with both signs, so that
# no value sits on the kink of a relu-like activation.
DEFAULT_SHAPES = ((2, 3), (5,))
MAGNITUDES = (0.1, 3.0)

# float32 inputs far out in both tails: an activation must stay finite there and keep float32.
TAILS = np.array([[-200.0, -1.0, 0.5, 200.0]], dtype=np.float32)


def check_activation(
    fn: Callable[..., Any],
    *,
    inputs: Iterable[Any] | None = None,
    rng: RNGLike = 0,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert that ``fn`` behaves as every activation must, in ``Sequential`` and ``MLP`` too.

    Checked at each float64 array of ``inputs`` (by default two arrays drawn from ``rng``,
    values between 0.1 and 3 in magnitude, of either sign):

    - ``fn`` can be called with one argument (further parameters have defaults);
    - ``fn(Variable(x))`` is a Variable of ``x``'s shape and dtype, and ``x`` is unchanged;
    - first derivatives match central differences within ``rtol``/``atol``, second
      derivatives (double backprop) within ten times those;
    - on float32 inputs out to +-200 the output stays float32, and it and its gradient stay
      finite.

    Raises AssertionError naming the function, the check and the values involved.
    """
    where = f"check_activation({_name(fn)})"
    problem = one_argument_problem(fn)
    if problem is not None:
        raise AssertionError(f"{where}: an activation is called with one Variable, but {problem}")
    gen = rng_from(rng)
    if inputs is None:
        arrays = [_away_from_zero(gen, shape) for shape in DEFAULT_SHAPES]
    else:
        arrays = [np.asarray(x.data if isinstance(x, Variable) else x, dtype=np.float64) for x in inputs]
    for x in arrays:
        _check_output(where, fn, x)
        check_grad(fn, x, rtol=rtol, atol=atol)
        check_double_grad(fn, x, rtol=10 * rtol, atol=10 * atol)
    _check_tails(where, fn)


def _away_from_zero(gen: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    magnitude = gen.uniform(*MAGNITUDES, size=shape)
    return np.where(gen.random(size=shape) < 0.5, -magnitude, magnitude)


def _check_output(where: str, fn: Callable[..., Any], x: np.ndarray) -> None:
    original = x.copy()
    y = fn(Variable(x))
    if not isinstance(y, Variable):
        raise AssertionError(f"{where}: returned a {type(y).__name__}, not a Variable")
    if y.shape != x.shape or y.dtype != x.dtype:
        raise AssertionError(
            f"{where}: an input of shape {x.shape} and dtype {x.dtype} gave shape {y.shape} and "
            f"dtype {y.dtype}; an activation keeps both"
        )
    if not np.array_equal(x, original):
        raise AssertionError(f"{where}: changed its input in place")


def _check_tails(where: str, fn: Callable[..., Any]) -> None:
    x = Variable(TAILS.copy())
    y = fn(x)
    if not isinstance(y, Variable) or y.dtype != np.float32:
        what = y.dtype if isinstance(y, Variable) else type(y).__name__
        raise AssertionError(f"{where}: a float32 input gave {what}; an activation keeps float32")
    y.backward()
    grad = x.grad.data if x.grad is not None else np.zeros(TAILS.shape)
    for label, values in (("output", y.data), ("gradient", grad)):
        if not np.isfinite(values).all():
            raise AssertionError(
                f"{where}: at float32 inputs {TAILS.tolist()[0]} the {label} is "
                f"{np.asarray(values).tolist()[0]}; it must stay finite"
            )
