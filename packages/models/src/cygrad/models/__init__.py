"""Models: the seed's model package (filled in by the models issue)."""
