"""The ONNX graph under construction: its nodes, initializers and unique tensor names."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from onnx import NodeProto, TensorProto, helper, numpy_helper

__all__ = ["Graph", "tensor_type"]


def tensor_type(dtype: Any) -> int:
    """The ONNX element type of a NumPy dtype (``TensorProto.FLOAT`` for float32...)."""
    return int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))


class Graph:
    """Nodes in the order they are added (each after its inputs), initializers, and names.

    ``batch_source`` names the graph input whose axis 0 is the batch axis, from which the
    batch size is read when a shape must be computed in the graph.
    """

    def __init__(self, opset: int, batch_source: str) -> None:
        self.opset = opset
        self.nodes: list[NodeProto] = []
        self.initializers: list[TensorProto] = []
        self._taken: set[str] = set()
        self._batch_source = batch_source
        self._batch: str | None = None
        self._int_constants: dict[tuple[int, ...], str] = {}

    def name(self, hint: str) -> str:
        """A tensor name not used yet: ``hint`` itself, else ``hint_1``, ``hint_2``..."""
        name, i = hint, 0
        while name in self._taken:
            i += 1
            name = f"{hint}_{i}"
        self._taken.add(name)
        return name

    def node(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str],
             **attributes: Any) -> None:
        """Add one ONNX node (empty input names stand for omitted optional inputs)."""
        self.nodes.append(helper.make_node(
            op_type, list(inputs), list(outputs), name=self.name(f"{op_type}_node"), **attributes
        ))

    def make(self, op_type: str, inputs: Sequence[str], outputs: int = 1,
             **attributes: Any) -> list[str]:
        """Add a node with ``outputs`` new output names; returns them."""
        names = [self.name(op_type.lower()) for _ in range(outputs)]
        self.node(op_type, inputs, names, **attributes)
        return names

    def initializer(self, array: np.ndarray, hint: str) -> str:
        """Store ``array`` in the graph under a new name based on ``hint``."""
        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant (axes, shapes, indices), stored once per value."""
        key = tuple(int(v) for v in values)
        if key not in self._int_constants:
            self._int_constants[key] = self.initializer(np.array(key, dtype=np.int64), "ints")
        return self._int_constants[key]

    def batch_size(self) -> str:
        """The batch size as a 1-D int64 tensor of one element, read from the graph input."""
        if self._batch is None:
            [shape] = self.make("Shape", [self._batch_source])
            [self._batch] = self.slice(shape, [0], [1], [0])
        return self._batch

    def slice(self, x: str, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int],
              steps: Sequence[int] | None = None) -> list[str]:
        """``Slice`` in the form the opset takes (inputs from opset 10, attributes before)."""
        if self.opset >= 10:
            inputs = [x, self.ints(starts), self.ints(ends), self.ints(axes)]
            if steps is not None:
                inputs.append(self.ints(steps))
            return self.make("Slice", inputs)
        assert steps is None, "steps need opset 10: the caller checks the opset"
        return self.make("Slice", [x], starts=list(starts), ends=list(ends), axes=list(axes))
