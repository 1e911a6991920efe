"""Optimizers that update a model's parameters from their gradients (filled in by the optimizers issue)."""
