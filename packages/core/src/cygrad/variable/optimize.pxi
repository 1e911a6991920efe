# Part of cygrad.variable._core, included by _core.pyx.
# The optimizer step's per-parameter work, for cygrad.optimizers: every gradient checked in
# one call before anything changes, and SGD's step over all parameters.
# An optimizer runs these for every parameter at every step; as Python loops they cost more
# than the arithmetic on a small model's arrays.

def _gradient_steps(list named, dict states):
    """``(steps, refused)`` for the ``(name, parameter)`` pairs ``named``; changes nothing.

    ``steps`` holds ``(name, data, grad, state)`` for each parameter with a gradient, in
    order: its data, its gradient's data and ``states[name]`` (None when ``states`` lacks
    the name). ``refused`` is the position in ``named`` of the first parameter that cannot
    be stepped (a gradient of another shape or dtype, read-only data, a state array of
    another shape; ``steps`` ends before it), or -1 when every one can. The caller says
    why, so the messages stay with the optimizer.
    """
    cdef list steps = []
    cdef Py_ssize_t i
    cdef tuple pair
    cdef Variable p
    cdef Variable g
    cdef cnp.ndarray data
    cdef cnp.ndarray grad
    cdef object kind
    cdef object other
    for i in range(len(named)):
        pair = named[i]
        p = pair[1]
        g = p.grad
        if g is None:
            continue
        data, grad = p._data, g._data
        kind, other = <object>cnp.PyArray_DESCR(data), <object>cnp.PyArray_DESCR(grad)
        if (
            not _same_shape(grad, data)
            or (other is not kind and other != kind)  # a dtype is mostly one object
            or not cnp.PyArray_ISWRITEABLE(data)
        ):
            return steps, i
        state = states.get(pair[0]) if states else None
        if state is not None:
            for array in state.values():
                if array.shape != (<object>data).shape:
                    return steps, i
        steps.append((pair[0], data, grad, state))
    return steps, -1


# SGD's step ``d -= lr * g`` over n contiguous elements, with NumPy's numbers for
# ``p -= lr * g``: the product rounded to the element type on its own (through a volatile,
# so that no compiler fuses it into a multiply-subtract), then the difference. It is taken
# only when NumPy would raise no floating-point flag (which it turns into a warning or an
# error): a first pass returns 0, changing nothing, when some product or difference is an
# infinity or NaN, or a product is tiny (it may have underflowed). A difference of two
# normal numbers is exact whenever it is tiny, so it cannot underflow.
cdef extern from *:
    """
    #include <float.h>
    #include <math.h>
    static int cygrad_sgd_f64(double *d, const double *g, double lr, Py_ssize_t n) {
        for (Py_ssize_t i = 0; i < n; i++) {
            volatile double product = lr * g[i];
            double t = product, r = d[i] - t;
            if (!isfinite(t) || !isfinite(r)
                    || (fabs(t) < DBL_MIN && (t != 0.0 || (lr != 0.0 && g[i] != 0.0)))) {
                return 0;
            }
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            volatile double product = lr * g[i];
            d[i] = d[i] - product;
        }
        return 1;
    }
    static int cygrad_sgd_f32(float *d, const float *g, double lr64, Py_ssize_t n) {
        /* NumPy first casts lr to float32, raising a flag when that overflows or underflows. */
        const float lr = (float)lr64;
        if (!isfinite(lr) || (fabsf(lr) < FLT_MIN && (lr != 0.0f || lr64 != 0.0))) {
            return 0;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            volatile float product = lr * g[i];
            float t = product, r = d[i] - t;
            if (!isfinite(t) || !isfinite(r)
                    || (fabsf(t) < FLT_MIN && (t != 0.0f || (lr != 0.0f && g[i] != 0.0f)))) {
                return 0;
            }
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            volatile float product = lr * g[i];
            d[i] = d[i] - product;
        }
        return 1;
    }
    """
    bint cygrad_sgd_f64(double* d, const double* g, double lr, Py_ssize_t n) nogil
    bint cygrad_sgd_f32(float* d, const float* g, double lr, Py_ssize_t n) nogil


# The most elements a step takes in C. The loop above is scalar (one element at a time,
# checked first): on a small parameter it saves NumPy's cost per call (two ufunc calls and a
# temporary, several thousand instructions), on a large one NumPy's vector loops win.
cdef enum:
    _SGD_IN_C_MAX = 256


cdef bint _sgd_in_place(object data, object grad, double lr):
    """``data -= lr * grad`` in C for two float arrays of one shape and dtype, as NumPy
    would compute it, when that is plain: at most ``_SGD_IN_C_MAX`` elements, contiguous,
    aligned, native byte order, writable, not partly overlapping, no floating-point flag
    raised; False, changing nothing, else."""
    if type(data) is not ndarray or type(grad) is not ndarray:
        return False
    cdef cnp.ndarray d = <cnp.ndarray>data
    cdef cnp.ndarray g = <cnp.ndarray>grad
    cdef int kind = cnp.PyArray_TYPE(d)
    # The shape and dtype were checked for the optimizer already; this function does not
    # rely on its caller for what its loop reads.
    if (
        cnp.PyArray_SIZE(d) > _SGD_IN_C_MAX
        or not (_plain_float_array(d, kind) and _plain_float_array(g, kind))
        or not _same_shape(d, g)
        or not cnp.PyArray_ISWRITEABLE(d)
    ):
        return False
    cdef Py_ssize_t n = cnp.PyArray_SIZE(d)
    cdef char* dp = <char*>cnp.PyArray_DATA(d)
    cdef char* gp = <char*>cnp.PyArray_DATA(g)
    cdef Py_ssize_t nbytes = n * cnp.PyArray_ITEMSIZE(d)
    # The same elements (p -= lr * p) or none in common: element i reads only g[i] and d[i].
    if dp != gp and dp < gp + nbytes and gp < dp + nbytes:
        return False
    if kind == cnp.NPY_DOUBLE:
        return cygrad_sgd_f64(<double*>dp, <const double*>gp, lr, n)
    if kind == cnp.NPY_FLOAT:
        return cygrad_sgd_f32(<float*>dp, <const float*>gp, lr, n)
    return False


def _sgd_steps(list steps, object lr):
    """``data -= lr * grad`` for each ``(name, data, grad, state)`` of ``steps``, in order:
    the numbers of ``SGD.update_one``, without a Python call per parameter. A Python float
    ``lr`` on plain float arrays is applied in C (``_sgd_in_place``), anything else by NumPy."""
    cdef tuple step
    cdef bint plain = type(lr) is float
    cdef double rate = lr if plain else 0.0
    for step in steps:
        data = step[1]
        if not (plain and _sgd_in_place(data, step[2], rate)):
            data -= lr * step[2]
