# Part of cygrad.variable._core, included by _core.pyx.
# One-element kernels: C arithmetic for one-element float arrays, where NumPy's
# dispatch would cost far more than the computation.

# One-element kernels. NumPy spends far longer dispatching an operation on a one-element
# array than computing it; scalar-sized graphs (the original's examples) are all such calls,
# so add/sub/mul/div/neg and the common powers compute those directly in C and give NumPy
# everything else. A result that is not finite is left to NumPy too, so that its warnings
# and ``numpy.errstate`` apply as for any other array. (C division, ``cdivision``, lets
# the kernels compute inf and nan to find that out, where Python's would raise.)

cdef enum:
    OP_ADD, OP_SUB, OP_MUL, OP_DIV


cdef inline bint _is_plain_scalar(cnp.ndarray a, int typenum):
    return (cnp.PyArray_SIZE(a) == 1 and cnp.PyArray_TYPE(a) == typenum
            and cnp.PyArray_ISALIGNED(a) and cnp.PyArray_ISNOTSWAPPED(a))


cdef inline double _double_of(cnp.ndarray a):
    """The value of a one-element float64 array (checked by ``_is_plain_scalar``)."""
    return (<double*>cnp.PyArray_DATA(a))[0]


cdef inline bint _exact_power(double b) noexcept nogil:
    """Whether ``a ** b`` for a scalar exponent ``b`` is one of the powers NumPy computes
    as a correctly rounded operation (square, copy, sqrt, reciprocal, ones) rather than
    with its own ``pow``, whose last bit a C ``pow`` does not always reproduce."""
    return b == 2.0 or b == 1.0 or b == 0.5 or b == -1.0 or b == 0.0


@cython.cdivision(True)
cdef inline double _power(double a, double b) noexcept nogil:
    # Only for _exact_power(b): the same correctly rounded operations as NumPy's.
    if b == 2.0:
        return a * a
    if b == 1.0:
        return a
    if b == 0.5:
        return c_sqrt(a)
    if b == -1.0:
        return 1.0 / a
    return 1.0


@cython.cdivision(True)
cdef inline double _binop(int op, double a, double b) noexcept nogil:
    if op == OP_ADD:
        return a + b
    if op == OP_SUB:
        return a - b
    if op == OP_MUL:
        return a * b
    return a / b


cdef object _small_binary(int op, cnp.ndarray a, cnp.ndarray b):
    """``a op b`` for one-element arrays of one float dtype, computed in C; else None.
    float32 + - * / computed in double and rounded once equal the float32 results."""
    cdef int t = cnp.PyArray_TYPE(a)
    cdef double d
    if not (_is_plain_scalar(a, t) and _is_plain_scalar(b, t)):
        return None
    if t == cnp.NPY_DOUBLE:
        d = _binop(op, (<double*>cnp.PyArray_DATA(a))[0], (<double*>cnp.PyArray_DATA(b))[0])
    elif t == cnp.NPY_FLOAT:
        d = <float>_binop(op, (<float*>cnp.PyArray_DATA(a))[0], (<float*>cnp.PyArray_DATA(b))[0])
    else:
        return None
    if not isfinite(d):
        return None  # NumPy's own result, with its warnings and numpy.errstate
    cdef cnp.ndarray like = a if cnp.PyArray_NDIM(a) >= cnp.PyArray_NDIM(b) else b
    return _filled(like, t, d)


cdef extern from "numpy/arrayobject.h":
    # NumPy's .pxd leaves this out. It steals a reference to ``descr``, even when it fails.
    object PyArray_NewFromDescr(PyTypeObject* subtype, cnp.dtype descr, int nd,
                                cnp.npy_intp* dims, cnp.npy_intp* strides, void* data, int flags,
                                PyObject* obj)


cdef cnp.dtype _float64_descr = _float64
cdef cnp.dtype _float32_descr = _float32


cdef inline cnp.ndarray _empty_float(int nd, cnp.npy_intp* dims, int t):
    """An uninitialised C-ordered array of type ``t`` (float32 or float64). Every result of
    the one-element kernels is made here: with the dtype cached, NumPy skips looking it up
    and converting it, a sizeable part of the cost of so small an array. A one-element
    float64 one is a spare array when there is one (see below)."""
    if t == cnp.NPY_DOUBLE and nd <= _MAX_SPARE_NDIM and _n_spares[nd] > 0 and _ones(nd, dims):
        return _take_spare(nd)
    cdef cnp.dtype descr = _float64_descr if t == cnp.NPY_DOUBLE else _float32_descr
    Py_INCREF(descr)  # the reference PyArray_NewFromDescr steals
    return PyArray_NewFromDescr(<PyTypeObject*>ndarray, descr, nd, dims, NULL, NULL, 0, NULL)


# Spare one-element float64 arrays. Making and freeing a one-element array costs NumPy far
# more than the arithmetic on it, and a scalar graph makes and frees several per operation.
# So when a Variable is freed and nothing but it refers to its one-element float64 array (of
# up to two dimensions), the array is kept here (a few of each dimension at most) and handed
# out again by _empty_float, uninitialised as a new one is. Nothing can tell such an array
# from a new one: no reference, weak reference or view (a view refers to its base) can
# reach it, and its flags, dtype, shape and strides are exactly those of a new one (its
# address is one a new array may get as well).

from cpython.ref cimport Py_DECREF


cdef extern from "numpy/arrayobject.h":
    ctypedef struct PyArrayObject_fields:
        PyObject* weakreflist

cdef enum:
    _MAX_SPARES = 16
    _MAX_SPARE_NDIM = 2

# Spare arrays by number of dimensions; each entry holds one reference.
cdef PyObject* _spares[_MAX_SPARE_NDIM + 1][_MAX_SPARES]
cdef Py_ssize_t _n_spares[_MAX_SPARE_NDIM + 1]  # (zero, as every C global starts)
# The flags of a new one-element float64 array, which a spare must have (set below).
cdef int _new_scalar_flags = -1


cdef inline bint _ones(int nd, cnp.npy_intp* dims):
    """Whether the ``nd`` dimensions ``dims`` (two at most) are all 1."""
    return nd == 0 or (dims[0] == 1 and (nd == 1 or dims[1] == 1))


cdef inline cnp.ndarray _take_spare(int nd):
    _n_spares[nd] -= 1
    cdef cnp.ndarray a = <cnp.ndarray>_spares[nd][_n_spares[nd]]
    Py_DECREF(a)  # the reference the spares held is now the local's
    return a


cdef inline void _keep_spare(PyObject* p) noexcept:
    """Keep ``p`` (a freed Variable's data: any object, None included) as a spare if it is a
    one-element float64 array of a new one's kind that only that Variable refers to."""
    if p.ob_type != <PyTypeObject*>ndarray or p.ob_refcnt != 1:
        return
    cdef cnp.ndarray a = <cnp.ndarray>p  # (one more reference while it is checked)
    cdef int nd = cnp.PyArray_NDIM(a), i
    if (nd > _MAX_SPARE_NDIM or _n_spares[nd] == _MAX_SPARES
            or not _ones(nd, cnp.PyArray_DIMS(a))
            or <PyObject*>cnp.PyArray_DESCR(a) != <PyObject*>_float64_descr
            or cnp.PyArray_FLAGS(a) != _new_scalar_flags or cnp.PyArray_BASE(a) != NULL
            or (<PyArrayObject_fields*>p).weakreflist != NULL):
        return
    for i in range(nd):
        if cnp.PyArray_STRIDES(a)[i] != sizeof(double):
            return
    Py_INCREF(a)
    _spares[nd][_n_spares[nd]] = p
    _n_spares[nd] += 1


_new_scalar_flags = cnp.PyArray_FLAGS(_empty_float(0, NULL, cnp.NPY_DOUBLE))


cdef cnp.ndarray _filled(cnp.ndarray like, int t, double d):
    """A new array of ``like``'s one-element shape and type ``t`` (float32 or float64)
    holding ``d``."""
    cdef cnp.ndarray r = _empty_float(cnp.PyArray_NDIM(like), cnp.PyArray_DIMS(like), t)
    if t == cnp.NPY_DOUBLE:
        (<double*>cnp.PyArray_DATA(r))[0] = d
    else:
        (<float*>cnp.PyArray_DATA(r))[0] = <float>d
    return r


cdef object _small_power(cnp.ndarray a, double c):
    """``a ** c`` for a one-element float64 array and an exact power ``c`` (see
    _exact_power), when the result is finite; else None."""
    if not (_is_plain_scalar(a, cnp.NPY_DOUBLE) and _exact_power(c)):
        return None
    cdef double d = _power((<double*>cnp.PyArray_DATA(a))[0], c)
    return _filled(a, cnp.NPY_DOUBLE, d) if isfinite(d) else None


cdef cnp.ndarray _add_arrays(cnp.ndarray a, cnp.ndarray b):
    r = _small_binary(OP_ADD, a, b)
    return _nd(a + b) if r is None else <cnp.ndarray>r


cdef cnp.ndarray _ones_like(cnp.ndarray a):
    cdef int t = cnp.PyArray_TYPE(a)
    # The seed of a scalar loss: store the one directly (a method call costs far more).
    if cnp.PyArray_SIZE(a) == 1 and (t == cnp.NPY_DOUBLE or t == cnp.NPY_FLOAT):
        return _filled(a, t, 1.0)
    cdef cnp.ndarray r = cnp.PyArray_EMPTY(cnp.PyArray_NDIM(a), cnp.PyArray_DIMS(a), t, 0)
    r.fill(1)
    return r


cdef cnp.ndarray _copy_array(cnp.ndarray a):
    """A fresh C-ordered copy, made directly for a one-element float64 array."""
    if _is_plain_scalar(a, cnp.NPY_DOUBLE):
        return _filled(a, cnp.NPY_DOUBLE, (<double*>cnp.PyArray_DATA(a))[0])
    return cnp.PyArray_NewCopy(a, cnp.NPY_CORDER)
