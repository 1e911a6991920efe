"""Export cygrad models to ONNX: ``cygrad.onnx.export(model, example_input, path)``.

>>> import numpy as np
>>> from cygrad.models import MLP
>>> from cygrad.onnx import export
>>> model = MLP([8, 1], rng=0)
>>> _ = model(np.zeros((1, 3)))
>>> proto = export(model, np.zeros((2, 3)), "mlp.onnx")  # doctest: +SKIP

Converters for cygrad's own operations are built in; plugins add theirs through the
``cygrad_register_onnx_converters`` hook, whose converters receive a ``Node``.
"""
from cygrad.onnx.export import DEFAULT_OPSET, export
from cygrad.onnx.node import Node

__all__ = ["DEFAULT_OPSET", "Node", "export"]
