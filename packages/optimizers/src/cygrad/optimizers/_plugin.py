"""cygrad-optimizers' plugin: the built-in optimizers, registered through the same hook as any
third-party plugin (entry point ``cygrad.optimizers`` in the ``cygrad`` group)."""
from __future__ import annotations

from cygrad.optimizers import SGD, Adam, AdamW, Momentum
from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register


@hookimpl
def cygrad_register_optimizers(register: Register) -> None:
    register("sgd", SGD)
    register("momentum", Momentum)
    register("adam", Adam)
    register("adamw", AdamW)
