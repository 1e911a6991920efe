"""Layers: parameterised building blocks of models (filled in by the layers issue)."""
