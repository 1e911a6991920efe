"""The plugin module named by this distribution's ``cygrad`` entry point."""
from __future__ import annotations

from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register

from cygrad_contrib_transformer import LayerNorm, MultiHeadAttention, PositionalEmbedding, TransformerBlock
from cygrad_contrib_transformer.gpt import COMMAND


@hookimpl
def cygrad_register_layers(register: Register) -> None:
    register("layernorm", LayerNorm)
    register("positional_embedding", PositionalEmbedding)
    register("attention", MultiHeadAttention)
    register("transformer_block", TransformerBlock)


@hookimpl
def cygrad_register_commands(register: Register) -> None:
    register("gpt", COMMAND)
