"""Recording one forward pass of a model: its operations in order, and what they start from.

The pass runs in test mode (dropout is the identity) with graph recording on, so that the
operations can be walked back from the outputs through ``creator`` and ``inputs``; nothing
is differentiated and no gradient is touched. A recurrent layer's state is set to
placeholder Variables first (so that the step reads it, as every step after the first does)
and put back afterwards, whatever happens: the model is left as it was.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cygrad.variable import Function, Variable, test_mode, using_config

__all__ = ["Recurrent", "Run", "record"]


@dataclass(frozen=True)
class Recurrent:
    """A layer whose state the exported step takes and returns: ``prefix + name`` in, and
    ``prefix + name + "_next"`` out, for each state attribute ``name``."""

    prefix: str
    layer: Any
    names: tuple[str, ...]


@dataclass
class Run:
    """One recorded forward pass: inputs and state placeholders (the graph's inputs), the
    outputs and the next states, the operations in an order where each comes after the
    operations it reads from, and the Variables they start from (no creator)."""

    batch: int
    inputs: list[Variable]
    states: list[Variable]
    outputs: list[Variable]
    next_states: list[Variable]
    functions: list[Function]
    leaves: list[Variable]


def record(model: Any, arrays: list[np.ndarray], recurrent: list[Recurrent]) -> Run:
    """Run ``model`` on ``arrays`` once, recording, with every recurrent state a placeholder."""
    slots = [(r.layer, name) for r in recurrent for name in r.names]
    saved = [getattr(layer, name) for layer, name in slots]
    try:
        states = _placeholders(model, arrays, slots)
        for (layer, name), state in zip(slots, states):
            setattr(layer, name, state)
        inputs = [Variable(a) for a in arrays]
        with test_mode(), using_config("enable_backprop", True):
            outputs = _outputs(_call(model, inputs))
        next_states = [_state(layer, name) for layer, name in slots]
    finally:
        for (layer, name), value in zip(slots, saved):
            setattr(layer, name, value)
    functions, leaves = _walk(outputs + next_states)
    return Run(arrays[0].shape[0] if arrays[0].ndim else 0, inputs, states, outputs,
               next_states, functions, leaves)


def _placeholders(
    model: Any, arrays: list[np.ndarray], slots: list[tuple[Any, str]]
) -> list[Variable]:
    """Zero states of the shapes a first step from no state produces (nothing recorded)."""
    if not slots:
        return []
    for layer, name in slots:
        setattr(layer, name, None)
    with test_mode(), using_config("enable_backprop", False):
        _call(model, [Variable(a) for a in arrays])
    return [Variable(np.zeros_like(_state(layer, name).data)) for layer, name in slots]


def _call(model: Any, inputs: list[Variable]) -> Any:
    return model(*inputs) if callable(model) else model.first(*inputs)


def _outputs(result: Any) -> list[Variable]:
    outputs = list(result) if isinstance(result, (list, tuple)) else [result]
    for i, y in enumerate(outputs):
        if not isinstance(y, Variable):
            raise TypeError(
                f"export: the model's output {i} is a {type(y).__name__}; a model to export "
                "returns a Variable or a list or tuple of Variables"
            )
    return outputs


def _state(layer: Any, name: str) -> Variable:
    value = getattr(layer, name)
    if not isinstance(value, Variable):
        raise TypeError(
            f"export: {type(layer).__name__}.{name} holds a {type(value).__name__} after a step; "
            "a recurrent state to export must be a Variable"
        )
    return value


def _walk(outputs: list[Variable]) -> tuple[list[Function], list[Variable]]:
    """Every operation that ``outputs`` come from, each after those it reads (depth first,
    inputs in order, so two passes of the same model list them in the same order), and the
    creator-less Variables reached, in the order first met."""
    functions: list[Function] = []
    leaves: list[Variable] = []
    done: set[int] = set()
    stack: list[tuple[Variable, bool]] = [(y, False) for y in reversed(outputs)]
    while stack:
        v, inputs_done = stack.pop()
        f = v.creator
        key = id(v) if f is None else id(f)
        if key in done:
            continue
        if f is None:
            done.add(key)
            leaves.append(v)
        elif inputs_done:
            done.add(key)
            functions.append(f)
        else:
            stack.append((v, True))
            stack.extend((x, False) for x in reversed(f.inputs))
    return functions, leaves
