"""The plugin module named by this distribution's ``cygrad`` entry point."""
from __future__ import annotations

from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register

from cygrad_contrib_layers import GRU, Embedding


@hookimpl
def cygrad_register_layers(register: Register) -> None:
    register("gru", GRU)
    register("embedding", Embedding)
