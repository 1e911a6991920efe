"""cygrad-layers' plugin: the built-in layers, registered through the same hook as any
third-party plugin (entry point ``cygrad.layers`` in the ``cygrad`` group)."""
from __future__ import annotations

from cygrad.layers import LSTM, RNN, Linear
from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register


@hookimpl
def cygrad_register_layers(register: Register) -> None:
    register("linear", Linear)
    register("rnn", RNN)
    register("lstm", LSTM)
