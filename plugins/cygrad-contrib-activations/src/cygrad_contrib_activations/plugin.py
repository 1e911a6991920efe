"""The plugin module named by this distribution's ``cygrad`` entry point."""
from __future__ import annotations

from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register

from cygrad_contrib_activations import elu, leaky_relu, mish, silu, softplus, swish


@hookimpl
def cygrad_register_activations(register: Register) -> None:
    register("swish", swish)
    register("silu", silu)
    register("leaky_relu", leaky_relu)
    register("elu", elu)
    register("softplus", softplus)
    register("mish", mish)
