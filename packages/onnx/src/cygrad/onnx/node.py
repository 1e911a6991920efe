"""``Node``: one recorded operation as its converter sees it, and the means to build its ONNX.

The exporter records the forward pass more than once: at the example's batch size, and (for
``dynamic_batch``) at two more sizes, with the rows in another order. Comparing the runs
tells which numbers in an operation's attributes follow the batch size (they become
computed in the graph) and which change with the data (they cannot be exported).
"""
from __future__ import annotations

from typing import Any, Callable, Literal, Sequence, overload

import numpy as np

from cygrad.onnx.graph import Graph, tensor_type
from cygrad.variable import Function, Variable

__all__ = ["Node"]


class Node:
    """One recorded call of a ``Function``, handed to its converter.

    ``function`` is the instance from the example's forward pass (its attributes as its
    ``forward`` left them); ``inputs`` are the ONNX names of its inputs, in order;
    ``input_shapes``/``input_dtypes`` and ``output_shapes``/``output_dtypes`` are the
    example's (None for an output nobody kept); ``opset`` is the target opset.
    """

    def __init__(self, graph: Graph, runs: list[tuple[int, Function]], inputs: list[str]) -> None:
        self._graph = graph
        self._runs = runs
        self.function = runs[0][1]
        self.inputs = inputs
        xs = self.function.inputs
        ys = [ref() for ref in self.function.outputs]
        self.input_shapes = [x.shape for x in xs]
        self.input_dtypes = [x.dtype for x in xs]
        self.output_shapes = [None if y is None else y.shape for y in ys]
        self.output_dtypes = [None if y is None else y.dtype for y in ys]

    @property
    def name(self) -> str:
        """The operation's class name, for messages."""
        return type(self.function).__name__

    @property
    def opset(self) -> int:
        return self._graph.opset

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the first output (of the first input when that output is gone)."""
        return next((d for d in self.output_dtypes if d is not None), self.input_dtypes[0])

    def require(self, opset: int, what: str) -> None:
        """Raise ValueError unless the target opset is at least ``opset``."""
        if self.opset < opset:
            raise ValueError(
                f"export: {self.name} cannot be expressed in opset {self.opset}: {what} needs "
                f"opset {opset} or later"
            )

    @overload
    def make(self, op_type: str, inputs: Sequence[str], *, outputs: Literal[1] = 1,
             **attributes: Any) -> str: ...
    @overload
    def make(self, op_type: str, inputs: Sequence[str], *, outputs: int,
             **attributes: Any) -> str | list[str]: ...
    def make(self, op_type: str, inputs: Sequence[str], *, outputs: int = 1,
             **attributes: Any) -> str | list[str]:
        """Add an ONNX node; its output name (a list of them when ``outputs`` > 1)."""
        names = self._graph.make(op_type, inputs, outputs, **attributes)
        return names[0] if outputs == 1 else names

    def constant(self, value: Any, dtype: Any = None) -> str:
        """A constant tensor: ``value`` in ``dtype`` (default: an array or NumPy scalar keeps
        its own dtype, a Python number takes the operation's)."""
        if dtype is None and not isinstance(value, (np.ndarray, np.generic)):
            dtype = self.dtype
        return self._graph.initializer(np.asarray(value, dtype=dtype), "const")

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant: axes, indices, a shape that never involves the batch."""
        return self._graph.ints(values)

    def slice(self, x: str, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int],
              steps: Sequence[int] | None = None) -> str:
        """``x`` sliced as ONNX's Slice does (in the form the opset takes; steps need 10)."""
        if steps is not None:
            self.require(10, "a slice with a step")
        return self._graph.slice(x, starts, ends, axes, steps)[0]

    def cast(self, name: str, dtype_from: Any, dtype_to: Any) -> str:
        """``name`` converted from ``dtype_from`` to ``dtype_to`` (itself when they agree)."""
        if np.dtype(dtype_from) == np.dtype(dtype_to):
            return name
        return self.make("Cast", [name], to=tensor_type(dtype_to))

    def cast_inputs(self) -> list[str]:
        """The inputs converted to the operation's dtype where NumPy would have promoted
        them (ONNX operations take one element type)."""
        return [self.cast(n, d, self.dtype) for n, d in zip(self.inputs, self.input_dtypes)]

    def fixed(self, attribute: str, key: Callable[[Any], Any] | None = None) -> Any:
        """``function.<attribute>`` (or ``key`` of it), which must be the same in every
        recorded run: an index, a mask or sizes that followed the batch size or the data
        could not be written into the graph."""
        values = [(batch, getattr(f, attribute)) for batch, f in self._runs]
        if key is not None:
            values = [(batch, key(value)) for batch, value in values]
        for batch, value in values[1:]:
            if not same(value, values[0][1]):
                raise ValueError(
                    f"export: {self.name}.{attribute} {changes(values[0][0], batch)}, so it "
                    "cannot be written into the graph"
                )
        return values[0][1]

    def shape(self, attribute: str, *, minus_one: bool = False) -> str:
        """``function.<attribute>``, a shape, as an int64 tensor. Its dimensions that follow
        the batch size are computed in the graph from the input's batch size (or, with
        ``minus_one`` and exactly one such dimension, written as -1 for Reshape)."""
        runs = [(batch, tuple(int(d) for d in getattr(f, attribute))) for batch, f in self._runs]
        first = runs[0][1]
        for batch, shape in runs[1:]:
            if len(shape) != len(first):
                raise ValueError(
                    f"export: {self.name}.{attribute} {changes(runs[0][0], batch)} (shapes "
                    f"{first} and {shape})"
                )
        dims = [self._dimension(attribute, [(b, s[i]) for b, s in runs]) for i in range(len(first))]
        moving = [i for i, d in enumerate(dims) if d is not None]
        if not moving:
            return self.ints(first)
        if minus_one and len(moving) == 1 and -1 not in first:
            return self.ints([-1 if i == moving[0] else d for i, d in enumerate(first)])
        pieces, static = [], []
        for i, d in enumerate(dims):
            if d is None:
                static.append(first[i])
                continue
            if static:
                pieces.append(self.ints(static))
                static = []
            pieces.append(self._batch_expression(*d))
        if static:
            pieces.append(self.ints(static))
        return pieces[0] if len(pieces) == 1 else self.make("Concat", pieces, axis=0)

    def _dimension(self, attribute: str, points: list[tuple[int, int]]) -> tuple[int, int] | None:
        """None for a dimension equal in every run, else ``(a, b)`` with ``d = a*N + b``."""
        (n0, d0), others = points[0], points[1:]
        if all(d == d0 for _, d in others):
            return None
        other = next(((n, d) for n, d in others if n != n0), None)
        if other is not None:
            a, rest = divmod(other[1] - d0, other[0] - n0)
            b = d0 - a * n0
            if rest == 0 and all(d == a * n + b for n, d in points):
                return a, b
        changed = next(n for n, d in others if d != d0)
        raise ValueError(
            f"export: a dimension of {self.name}.{attribute} {changes(n0, changed)} in a way "
            f"the graph cannot compute (sizes {[d for _, d in points]} for batch sizes "
            f"{[n for n, _ in points]})"
        )

    def _batch_expression(self, a: int, b: int) -> str:
        """``a * N + b`` as a one-element int64 tensor, N the batch size."""
        out = self._graph.batch_size()
        if a != 1:
            out = self.make("Mul", [out, self.ints([a])])
        if b != 0:
            out = self.make("Add", [out, self.ints([b])])
        return out


def changes(batch: int, other: int) -> str:
    if batch != other:
        return "changes with the batch size (export with dynamic_batch=False to fix it)"
    return "changes with the input data (it is computed outside the recorded operations)"


def same(a: Any, b: Any) -> bool:
    """Equality of attribute values, arrays and Variables included (NaN equals NaN)."""
    if isinstance(a, Variable) or isinstance(b, Variable):
        return isinstance(a, Variable) and isinstance(b, Variable) and same(a.data, b.data)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and bool(a == b)
