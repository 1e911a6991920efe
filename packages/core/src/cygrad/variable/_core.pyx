# cython: language_level=3, embedsignature=True, embedsignature.format=clinic
"""The variable engine: Variable, Function, the backward pass, and the operations that
Variable's operators and every backward pass are built from.

A graph is recorded as Variables pointing at their creator Function, and Functions holding
their inputs strongly and their outputs by weak reference: there is no reference cycle, so
a graph is freed by reference counting alone as soon as its last output goes away.

A backward has up to two forms. ``backward(*gys)`` on Variables, built from differentiable
operations, is what ``create_graph=True`` records for higher derivatives. A first-order pass
records nothing, so the same numbers are better computed on the arrays directly: a Function
that defines ``backward_arrays(*gys)`` gets its output gradients as ndarrays and returns
arrays, with no Variables and no graph nodes. The engine's own operations define it as a C
method the pass calls without a Python call. Both forms perform the same NumPy operations
in the same order, so their results agree bit for bit.
"""
cimport cython
cimport numpy as cnp
from cpython.contextvars cimport PyContextVar_Reset, PyContextVar_Set, get_value
from cpython.long cimport PyLong_AsDouble
from cpython.object cimport PyTypeObject, destructor
from cpython.ref cimport PyObject, Py_INCREF, Py_REFCNT, _Py_REFCNT
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.weakref cimport PyWeakref_CheckRef, PyWeakref_GetObject, PyWeakref_NewRef
from libc.math cimport isfinite, isinf, sqrt as c_sqrt

import copy

import numpy as np

from cygrad import config as _config

cnp.import_array()

cdef object _current = _config.current
cdef object _replaced = _config.replaced
cdef type ndarray = np.ndarray
cdef object _float64 = np.dtype(np.float64)
cdef object _float32 = np.dtype(np.float32)


# The engine, section by section. The sections are included, not imported: one extension
# module, so that C-level calls between them stay direct (and inline where declared so).

# One-element C kernels for + - * / and exact powers, bypassing NumPy's dispatch.
include "kernels.pxi"
# Operands to float arrays and Variables: the checks every operation starts with.
include "conversion.pxi"
# Variable: data, grad, creator; its operators, shape methods and NumPy/DLPack habits.
include "variable.pxi"
# The backward pass: a heap of Functions by generation, gradient ownership, the walk itself.
include "backward.pxi"
# Function: the extension point, the recording flag, and how a call records a graph node.
include "function.pxi"
# The arithmetic operations (add, sub, mul, div, neg, pow, exp, log, casts and copies).
include "arithmetic.pxi"
# Shape and reduction operations (reshape, transpose, sum, sum_to, broadcast_to, get_item).
include "shape.pxi"
# The matrix product.
include "matmul.pxi"
# A dense network's nodes: the affine map, the sigmoid and the mean squared error.
include "dense.pxi"
# What an optimizer does for every parameter: check the gradients, step SGD.
include "optimize.pxi"
