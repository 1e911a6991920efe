"""What ``cygrad.onnx.export`` needs to export the GRU: the attribute holding its state.

An exported GRU step takes ``x`` and the state ``h`` and returns ``y`` and ``h_next``. The
step itself is made of cygrad's own operations (linear, slices, sigmoid, tanh, products),
whose converters cygrad-onnx has built in, so the state is all this plugin declares. Plain
data: nothing here imports cygrad-onnx, which may not be installed.
"""
from __future__ import annotations

__all__ = ["GRU_STATE"]

#: The GRU's recurrent state attributes, in the order the exported graph lists them.
GRU_STATE = ("h",)
