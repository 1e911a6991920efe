"""check_layer: the conformance kit for layer authors, run by cygrad's own suite on every
registered layer (plugins included).

It checks what ``Sequential``, ``Model`` and the optimizers rely on: the four Layer methods,
outputs that are Variables, parameter names that are non-empty, unique and stable, the
gradient of every parameter and every float input against central finite differences, and
that a layer fresh from the factory takes saved weights (the ``LazyLayer`` protocol when its
parameters appear on the first call, and a real ``Model.save``/``Model.load`` round trip).
"""
from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from cygrad.protocols import LazyLayer, StatefulLayer
from cygrad.registry.checks import LAYER_METHODS, missing_members, missing_methods
from cygrad.testing.gradcheck import _assert_close, numerical_grad
from cygrad.variable import Variable
from cygrad.random import RNGLike, rng_from

__all__ = ["check_layer"]

# A stateful layer (one with reset_state) is run for this many steps from a fresh state, so
# that the gradients through the carried state (h @ Wh) are checked too.
STATEFUL_STEPS = 2

Steps = list[tuple[Any, ...]]


def check_layer(
    factory: Callable[[], Any],
    input_shape: Sequence[int],
    *,
    rng: RNGLike = 0,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert that the layers ``factory()`` builds follow the Layer protocol, with right gradients.

    Each step feeds one float64 array of ``input_shape`` drawn from ``rng``, or what the
    layer's optional ``example_inputs(input_shape, rng)`` returns (a tuple, one array per
    argument; integer arrays such as token ids are fed as they are and not differentiated).
    A layer with ``reset_state()`` is run for two steps from a reset state. Checked:

    - the methods ``first``, ``forward``, ``params``, ``cleargrads`` exist; ``forward`` returns
      a non-empty list of Variables and ``first`` its first element; two identical runs agree;
    - ``params()`` maps non-empty, unique string names to distinct Variables, with the same
      names on every call, after more calls and on a second layer from ``factory``;
    - backward() gives every parameter and float input the gradient that central differences
      give (of a loss weighting every output with fixed random values), ``cleargrads()``
      clears them;
    - after a step, a stateful layer given a batch of another size raises ValueError or
      answers it as from a reset state (never broadcasting the old state against it);
    - a layer fresh from ``factory`` takes saved weights: when its parameters appear only on
      the first call it is a ``cygrad.protocols.LazyLayer`` whose ``param_shapes`` and
      ``initialize`` agree with what the first call creates, and the weights saved with
      ``cygrad.models.Model.save`` load into a fresh, uncalled model that then gives the same
      outputs. That round trip needs cygrad-models; without it a warning says it was skipped
      (there is no ``Model.load`` to conform to then), and the protocol checks still run.

    Raises AssertionError naming the layer, the check and the values involved.
    """
    where = f"check_layer({getattr(factory, '__qualname__', None) or repr(factory)})"
    gen = rng_from(rng)
    layer = _build(where, factory)
    stateful = isinstance(layer, StatefulLayer)
    steps = [_inputs(where, layer, tuple(input_shape), gen) for _ in range(STATEFUL_STEPS if stateful else 1)]

    def run(step_inputs: Steps) -> list[list[Variable]]:
        return _run(where, layer, step_inputs)

    outs = run(steps)  # also creates the parameters of a lazy layer
    again = run(steps)
    for a, b in zip(_flat(outs), _flat(again)):
        if not np.array_equal(a.data, b.data):
            raise AssertionError(
                f"{where}: two identical runs gave different outputs; a stateful layer must "
                "define reset_state(), and a layer must not draw random numbers when called"
            )
    _check_first(where, layer, steps[0], outs[0][0], stateful)
    names = _check_params(where, layer)
    run(steps)
    _same_names(where, "after more calls", names, layer)
    second = _build(where, factory)
    _run(where, second, steps)
    _same_names(where, "on a second layer from the factory", names, second)

    cotangents = [gen.uniform(0.5, 1.5, y.shape) * gen.choice([-1.0, 1.0], y.shape) for y in _flat(outs)]
    _check_gradients(where, layer, run, steps, cotangents, rtol, atol)
    if stateful:
        _check_new_batch(where, layer, steps[0])
    _check_fresh_layer(where, factory, layer)
    _check_save_load(where, factory, layer, steps)


def _run(where: str, layer: Any, steps: Steps) -> list[list[Variable]]:
    """Every step's outputs, from a reset state for a stateful layer."""
    if isinstance(layer, StatefulLayer):
        layer.reset_state()
    return [_outputs(where, layer.forward(*xs)) for xs in steps]


def _build(where: str, factory: Callable[[], Any]) -> Any:
    layer = factory()
    missing = missing_methods(layer, LAYER_METHODS)
    if missing:
        raise AssertionError(
            f"{where}: {type(layer).__name__} lacks the Layer method(s) {', '.join(missing)}"
        )
    return layer


def _inputs(where: str, layer: Any, shape: tuple[int, ...], gen: np.random.Generator) -> tuple[Any, ...]:
    """One step's inputs: the layer's own example, or one standard normal float64 array."""
    make = getattr(layer, "example_inputs", None)
    if make is None:
        return (gen.standard_normal(shape),)
    xs = tuple(make(shape, gen))
    for i, x in enumerate(xs):
        if not isinstance(x, (np.ndarray, Variable)):
            raise AssertionError(
                f"{where}: example_inputs returned a {type(x).__name__} as input {i}; "
                "expected ndarrays (or Variables)"
            )
    if not xs:
        raise AssertionError(f"{where}: example_inputs returned no inputs")
    return tuple(x.data if isinstance(x, Variable) else x for x in xs)


def _differentiable(x: np.ndarray) -> bool:
    return x.dtype.kind == "f"


def _outputs(where: str, ys: Any) -> list[Variable]:
    if not isinstance(ys, list) or not ys:
        raise AssertionError(
            f"{where}: forward must return a non-empty list of Variables, got {type(ys).__name__}"
            + (" (empty)" if isinstance(ys, list) else "")
        )
    for i, y in enumerate(ys):
        if not isinstance(y, Variable):
            raise AssertionError(f"{where}: forward output {i} is a {type(y).__name__}, not a Variable")
    return ys


def _flat(outs: list[list[Variable]]) -> list[Variable]:
    return [y for step in outs for y in step]


def _check_first(where: str, layer: Any, xs: tuple[Any, ...], expected: Variable, stateful: bool) -> None:
    if stateful:
        layer.reset_state()
    y = layer.first(*xs)
    if not isinstance(y, Variable):
        raise AssertionError(f"{where}: first returned a {type(y).__name__}, not a Variable")
    if y.shape != expected.shape or not np.array_equal(y.data, expected.data):
        raise AssertionError(
            f"{where}: first(*xs) (shape {y.shape}) differs from forward(*xs)[0] "
            f"(shape {expected.shape})"
        )


def _check_params(where: str, layer: Any) -> list[str]:
    params = layer.params()
    if not isinstance(params, Mapping):
        raise AssertionError(
            f"{where}: params() must return a mapping of names to parameters, got "
            f"{type(params).__name__}"
        )
    names = list(params.keys())
    for name in names:
        if not isinstance(name, str) or not name:
            raise AssertionError(f"{where}: parameter name {name!r} is not a non-empty string")
    if len(set(names)) != len(names):
        raise AssertionError(f"{where}: parameter names repeat: {names}")
    values = [params[n] for n in names]
    for name, p in zip(names, values):
        if not isinstance(p, Variable):
            raise AssertionError(f"{where}: parameter {name!r} is a {type(p).__name__}, not a Variable")
    if len({id(p) for p in values}) != len(values):
        raise AssertionError(f"{where}: one parameter object is listed under two names in {names}")
    _same_names(where, "on a second call", names, layer)
    return names


def _same_names(where: str, when: str, names: list[str], layer: Any) -> None:
    now = list(layer.params().keys())
    if now != names:
        raise AssertionError(f"{where}: params() names changed {when}: {names} became {now}")


def _check_gradients(
    where: str, layer: Any, run: Callable[[list[tuple[Any, ...]]], list[list[Variable]]],
    steps: list[tuple[Any, ...]], cotangents: list[np.ndarray], rtol: float, atol: float,
) -> None:
    """Backward against central differences, for every parameter and every float input."""
    params = layer.params()
    names = list(params.keys())
    originals = [np.array(params[n].data, copy=True) for n in names]
    slots = [(s, i) for s, xs in enumerate(steps) for i, x in enumerate(xs) if _differentiable(np.asarray(x))]
    arrays = [np.asarray(steps[s][i], dtype=np.float64) for s, i in slots]

    def loss(step_inputs: list[tuple[Any, ...]]) -> Variable:
        total: Variable | None = None
        for y, c in zip(_flat(run(step_inputs)), cotangents):
            term = (y * c).sum()
            total = term if total is None else total + term
        assert total is not None, f"{where}: the layer returned no outputs"
        return total

    def with_inputs(xs: Sequence[Any]) -> list[tuple[Any, ...]]:
        step_inputs = [list(step) for step in steps]
        for (s, i), x in zip(slots, xs):
            step_inputs[s][i] = x
        return [tuple(step) for step in step_inputs]

    layer.cleargrads()
    leaves = [Variable(a.copy()) for a in arrays]
    loss(with_inputs(leaves)).backward()
    analytic = [_grad_array(params[n]) for n in names] + [_grad_array(v) for v in leaves]
    layer.cleargrads()
    stale = [n for n in names if params[n].grad is not None]
    if stale:
        raise AssertionError(f"{where}: cleargrads() left the gradient of {', '.join(stale)}")

    def perturbed(*vs: Variable) -> Variable:
        for n, v in zip(names, vs):
            params[n].data = v.data.astype(params[n].dtype)
        return loss(with_inputs(vs[len(names):]))

    try:
        numeric = numerical_grad(perturbed, *originals, *arrays)
    finally:
        for n, original in zip(names, originals):
            params[n].data = original
    labels = [f"parameter {n!r}" for n in names] + [f"input {i} of step {s}" for s, i in slots]
    for label, a, n in zip(labels, analytic, numeric):
        _assert_close(where, f"the gradient of {label}", a, n, rtol, atol)


def _grad_array(v: Variable) -> np.ndarray:
    if v.grad is None:
        return np.zeros(v.shape)
    return np.asarray(v.grad.data, dtype=np.float64)


def _check_new_batch(where: str, layer: Any, xs: tuple[Any, ...]) -> None:
    """After a step, a batch of another size raises ValueError or is answered as from a
    reset state, never by broadcasting the old state against it."""
    cut = tuple(x[:1] if np.ndim(x) >= 2 and np.shape(x)[0] > 1 else x for x in xs)
    if all(c is x for c, x in zip(cut, xs)):
        return
    layer.reset_state()
    layer.forward(*xs)
    try:
        carried = _outputs(where, layer.forward(*cut))
    except ValueError:
        return
    layer.reset_state()
    fresh = _outputs(where, layer.forward(*cut))
    if [y.shape for y in carried] != [y.shape for y in fresh]:
        raise AssertionError(
            f"{where}: after a batch of shape {np.shape(xs[0])}, an input of shape "
            f"{np.shape(cut[0])} gave outputs of shape {[y.shape for y in carried]}, from a reset "
            f"state {[y.shape for y in fresh]}; a stateful layer raises ValueError for an input "
            "that does not fit its state (reset_state() comes first)"
        )


def _shapes(layer: Any) -> dict[str, tuple[int, ...]]:
    return {name: tuple(p.shape) for name, p in layer.params().items()}


def _check_fresh_layer(where: str, factory: Callable[[], Any], called: Any) -> None:
    """A layer not called yet either has every parameter already or is a working LazyLayer."""
    shapes = _shapes(called)
    fresh = _build(where, factory)
    before = list(fresh.params().keys())
    if before == list(shapes):
        if isinstance(fresh, LazyLayer) and not fresh.initialized:
            raise AssertionError(f"{where}: initialized is False, though params() lists {before}")
        return
    if before:
        raise AssertionError(
            f"{where}: a fresh layer lists the parameters {before}, a called one {list(shapes)}; "
            "a layer creates all of its parameters at once"
        )
    if not isinstance(fresh, LazyLayer):
        missing = missing_members(fresh, LazyLayer)
        raise AssertionError(
            f"{where}: {type(fresh).__name__} creates its parameters ({', '.join(shapes)}) on its "
            f"first call but is not a cygrad.protocols.LazyLayer (it lacks {', '.join(missing)}), "
            "so Model.load cannot create them in a fresh model; provide in_key, initialized, "
            "param_shapes(in_size) and initialize(in_size), or subclass cygrad.layers.LayerBase"
        )
    if fresh.initialized:
        raise AssertionError(f"{where}: initialized is True before the first call, though params() is empty")
    in_shape = shapes.get(fresh.in_key, ())
    axis = getattr(fresh, "in_axis", 0)
    if len(in_shape) <= axis:
        raise AssertionError(
            f"{where}: in_key {fresh.in_key!r} must name a parameter whose dimension in_axis "
            f"({axis}) is the input size; the parameters are {shapes}"
        )
    in_size = in_shape[axis]
    declared = {name: tuple(shape) for name, shape in fresh.param_shapes(in_size).items()}
    if list(declared.items()) != list(shapes.items()):
        raise AssertionError(
            f"{where}: param_shapes({in_size}) gives {declared}, but the first call created {shapes}"
        )
    fresh.initialize(in_size)
    created = _shapes(fresh)
    if not fresh.initialized or list(created.items()) != list(shapes.items()):
        raise AssertionError(
            f"{where}: initialize({in_size}) created {created} and left initialized "
            f"{fresh.initialized}; expected {shapes} and True"
        )


def _check_save_load(where: str, factory: Callable[[], Any], called: Any, steps: Steps) -> None:
    """Weights saved from ``called`` load into a fresh, uncalled model and give its outputs."""
    try:
        from cygrad.models import Model  # cygrad-models depends on core, not the other way
    except ImportError:
        warnings.warn(
            f"{where}: cygrad-models is not installed, so the Model.save/Model.load round trip "
            "was skipped",
            stacklevel=3,
        )
        return
    fresh = _build(where, factory)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "layer.npz")
        Model([called]).save(path)
        try:
            Model([fresh]).load(path)
        except ValueError as exc:
            raise AssertionError(
                f"{where}: the saved weights do not load into a model holding a fresh layer "
                f"from the factory: {exc}"
            ) from None
    expected, got = _flat(_run(where, called, steps)), _flat(_run(where, fresh, steps))
    for i, (a, b) in enumerate(zip(expected, got)):
        if a.shape != b.shape or not np.array_equal(a.data, b.data):
            raise AssertionError(
                f"{where}: after Model.save and Model.load into a fresh layer, output {i} "
                "differs from the saved layer's"
            )
