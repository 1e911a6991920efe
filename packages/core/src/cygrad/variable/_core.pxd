# Declarations other Cython modules cimport to reach the engine without Python overhead.
cimport numpy as cnp


cdef class Variable:
    cdef cnp.ndarray _data
    cdef public Variable grad
    cdef public Function creator
    cdef public Py_ssize_t generation
    cdef public object name
    # True for operands made from plain numbers or arrays inside an operation: nobody can
    # read their gradient, so the backward pass neither computes nor stores it.
    cdef bint _constant
    # The number of the backward pass that last set ``grad`` (0: none did): only a gradient
    # the running pass made itself may be accumulated in place.
    cdef Py_ssize_t _grad_pass
    # A gradient a first-order pass holds as a C double for a one-element float64 Variable
    # inside the graph, and the number of the pass it belongs to (0: none). See backward.pxi.
    cdef double _pending
    cdef Py_ssize_t _pending_pass
    cdef object __weakref__


cdef class Function:
    cdef public tuple inputs
    # Its outputs by weak reference: the one reference itself for a single output (no list
    # to make and free per node), else a list of them; the public ``outputs`` is the list.
    cdef object _outputs
    cdef public Py_ssize_t generation
    # When the running backward pass queued this Function (ties of generation go first in);
    # -1 once the pass has run it.
    cdef Py_ssize_t _order
    # The number of the last backward pass that queued it (passes are numbered from 1).
    cdef Py_ssize_t _pass
    # During a pass, the gradients its outputs held from before, set aside (None if none).
    cdef list _held
    # The constant operand of an operation that has one (Pow's exponent), as given and, when
    # it is a Python number, as a double. Kept here rather than in the subclass, so that such
    # an operation has Function's size and reuses its freed instances (Cython's freelist
    # serves one size, and only the base class can have one).
    cdef object _param
    cdef double _param_double
    cdef bint _param_is_number
    cdef object __weakref__
    cdef object _forward(self, tuple xs)
    cdef object _call(self, tuple inputs)
    cdef tuple _backward_arrays(self, tuple gys)
    cdef int _backward_doubles(self, double gy, double* gxs) except -1
    cdef void _record(self, tuple xs, Variable out, tuple outs)


cdef Variable wrap(cnp.ndarray data)
cpdef Variable as_variable(object obj)
