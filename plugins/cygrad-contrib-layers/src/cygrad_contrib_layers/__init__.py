"""GRU and Embedding layers for cygrad, published as a plugin (names ``gru`` and ``embedding``)."""
from cygrad_contrib_layers.embedding import Embedding
from cygrad_contrib_layers.gru import GRU

__all__ = ["GRU", "Embedding"]
