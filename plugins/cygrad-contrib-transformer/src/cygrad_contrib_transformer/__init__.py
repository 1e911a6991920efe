"""Transformer layers for cygrad, published as a plugin: ``layernorm``, ``positional_embedding``,
``attention`` and ``transformer_block``, and the ``cygrad gpt`` demo that composes them."""
from cygrad_contrib_transformer.attention import MultiHeadAttention
from cygrad_contrib_transformer.layernorm import LayerNorm
from cygrad_contrib_transformer.positional_embedding import PositionalEmbedding
from cygrad_contrib_transformer.transformer_block import TransformerBlock

__all__ = ["LayerNorm", "MultiHeadAttention", "PositionalEmbedding", "TransformerBlock"]
