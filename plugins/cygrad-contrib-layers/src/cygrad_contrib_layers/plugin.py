"""The plugin module named by this distribution's ``cygrad`` entry point."""
from __future__ import annotations

from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register, RegisterConverter

from cygrad_contrib_layers import GRU, Embedding
from cygrad_contrib_layers.onnx_converters import GRU_STATE


@hookimpl
def cygrad_register_layers(register: Register) -> None:
    register("gru", GRU)
    register("embedding", Embedding)


@hookimpl
def cygrad_register_onnx_converters(register: RegisterConverter) -> None:
    register(GRU, GRU_STATE)
