# cython: language_level=3
"""Whether a Function's input wants a gradient, read from the engine's own flag.

Operands made from plain numbers or arrays (a batch of data passed as an ndarray) are the
engine's constants: the backward pass drops whatever gradient is computed for them, so a
backward that checks first skips that work (for ``linear`` on a data batch, one of its
three matrix products).
"""
from cygrad.variable._core cimport Variable


cpdef bint wants_grad(Variable v):
    """False for an engine constant, whose gradient nobody can read."""
    return not v._constant
