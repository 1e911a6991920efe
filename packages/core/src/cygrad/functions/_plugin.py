"""cygrad-core's plugin: the built-in activations, registered through the same hook as any
third-party plugin (entry point ``cygrad.functions`` in the ``cygrad`` group)."""
from __future__ import annotations

import cygrad.functions as F
from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register


@hookimpl
def cygrad_register_activations(register: Register) -> None:
    register("sigmoid", F.sigmoid)
    register("relu", F.relu)
    register("tanh", F.tanh)
    register("gelu", F.gelu)
    register("softmax", F.softmax)
    register("log_softmax", F.log_softmax)
