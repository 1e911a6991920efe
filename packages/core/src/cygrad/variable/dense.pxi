# Part of cygrad.variable._core, included by _core.pyx.
# The nodes of a dense network's training step: the affine map, the sigmoid, the ReLU and the
# mean squared error, the Functions behind cygrad.functions' linear, sigmoid, relu and
# mean_squared_error; and, at the end, the C loops over softmax_cross_entropy's label entries.
# They are engine operations so that their forward and first-order backward run as C methods, without
# a Python call per node.

# Below these, exp(-x) overflows (exp overflows above 709.78 in float64, 88.72 in float32).
cdef double _EXP_SAFE_64 = -708.0
cdef double _EXP_SAFE_32 = -88.0

cdef object _np_exp = np.exp
cdef object _np_negative = np.negative
cdef object _np_divide = np.divide
cdef object _np_where = np.where
cdef object _np_maximum = np.maximum
cdef object _np_greater = np.greater
cdef object _np_vdot = np.vdot
cdef object _column_sum = np.add.reduce


# -x into a fresh array and whether every element of x is >= limit, in one pass with no early
# exit or branch, so that the compiler vectorizes it (O3 for these two loops only: at the
# module's O2 GCC leaves them scalar). A NaN compares false: not at least. Baseline x86-64
# (SSE2) cannot vectorize a float64 comparison into an integer mask, so float64 elements are
# compared in float32 against the next float32 above the limit: the conversion rounds, but
# an element that passes is still above the limit, and one between the limit and that bound
# only sends the array down the careful path, which gives it the same numbers.
cdef extern from *:
    """
    #include <math.h>
    #if defined(__GNUC__) && !defined(__clang__)
    #define CYGRAD_VECTORIZE __attribute__((optimize("O3")))
    #else
    #define CYGRAD_VECTORIZE
    #endif
    static CYGRAD_VECTORIZE int cygrad_negate_at_least_f64(
            const double *restrict x, double *restrict out, Py_ssize_t n, double limit) {
        const float bound = nextafterf((float)limit, 0.0f);
        int ok = 1;
        for (Py_ssize_t i = 0; i < n; i++) { ok &= (float)x[i] >= bound; out[i] = -x[i]; }
        return ok;
    }
    static CYGRAD_VECTORIZE int cygrad_negate_at_least_f32(
            const float *restrict x, float *restrict out, Py_ssize_t n, float limit) {
        int ok = 1;
        for (Py_ssize_t i = 0; i < n; i++) { ok &= x[i] >= limit; out[i] = -x[i]; }
        return ok;
    }
    """
    bint cygrad_negate_at_least_f64(const double* x, double* out, Py_ssize_t n,
                                    double limit) nogil
    bint cygrad_negate_at_least_f32(const float* x, float* out, Py_ssize_t n,
                                    float limit) nogil


cdef object _negated_if_at_least(cnp.ndarray x, double limit):
    """``-x`` when every element of the float array ``x`` is >= ``limit``, else None (a NaN
    counts as below).

    For a contiguous float64 or float32 array one vectorized C pass both negates and checks:
    the check picks sigmoid's careful path, and as a NumPy reduction of its own it would cost
    as much as the whole sigmoid of a small array. Others take NumPy's comparison and negation.
    """
    cdef int t = cnp.PyArray_TYPE(x)
    cdef bint ok
    cdef cnp.ndarray e
    if (cnp.PyArray_IS_C_CONTIGUOUS(x) and cnp.PyArray_ISNOTSWAPPED(x) and cnp.PyArray_ISALIGNED(x)
            and (t == cnp.NPY_DOUBLE or t == cnp.NPY_FLOAT)):
        e = cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x), t, 0)
        if t == cnp.NPY_DOUBLE:
            ok = cygrad_negate_at_least_f64(<double*>cnp.PyArray_DATA(x),
                                            <double*>cnp.PyArray_DATA(e), cnp.PyArray_SIZE(x), limit)
        else:
            ok = cygrad_negate_at_least_f32(<float*>cnp.PyArray_DATA(x),
                                            <float*>cnp.PyArray_DATA(e), cnp.PyArray_SIZE(x),
                                            <float>limit)
        return e if ok else None
    if cnp.PyArray_SIZE(x) == 0 or bool((x >= limit).all()):
        return _np_negative(x)
    return None


cpdef tuple _sigmoid_arrays(object x):
    """sigmoid(x) and its complement 1 - sigmoid(x) = sigmoid(-x), both to a few ulps in
    both tails (where ``0.5 + 0.5*tanh(x/2)`` or ``1 - sigmoid(x)`` would lose every digit).

    ``y = 1/(1 + e)`` with ``e = exp(-x)`` and the complement ``e * y``; below the point where
    exp(-x) would overflow, sigmoid(x) rounds to exp(x) and its complement to 1.
    """
    # NumPy gives scalars for 0-d arrays (and takes them: gelu's argument may be one), which
    # the in-place steps need not.
    if not isinstance(x, ndarray) or cnp.PyArray_NDIM(<cnp.ndarray>x) == 0:
        y, e = _sigmoid_arrays(x.reshape(1))
        return y.reshape(()), e.reshape(())
    cdef double limit = (_EXP_SAFE_32 if cnp.PyArray_TYPE(<cnp.ndarray>x) == cnp.NPY_FLOAT
                         else _EXP_SAFE_64)
    e = _negated_if_at_least(<cnp.ndarray>x, limit)
    cdef bint low = e is None  # NaN takes the careful path too
    if low:
        below = x < limit
        e = _np_where(below, 0, -x)
    _np_exp(e, e)
    y = e + 1
    _np_divide(1, y, y)  # as np.reciprocal, whose loop NumPy does not vectorize
    e *= y
    if low:
        return _np_where(below, _np_exp(_np_where(below, x, 0)), y), _np_where(below, 1, e)
    return y, e


cdef int _check_inputs_count(Function f, tuple xs, Py_ssize_t least, Py_ssize_t most) except -1:
    """A TypeError unless ``f`` is applied to between ``least`` and ``most`` inputs."""
    cdef Py_ssize_t n = len(xs)
    if n < least or n > most:
        counts = f"{least}" if least == most else f"{least} or {most}"
        raise TypeError(f"{type(f).__name__} takes {counts} inputs, got {n}")
    return 0


cdef Variable _only_output(Function f):
    """The output of the one-output Function ``f``, in its backward: alive, because the
    backward pass reached ``f`` through it."""
    y = _referent(_output_ref(f, 0))
    if y is None:
        raise ValueError(f"{type(f).__name__}.backward: its output is gone")
    return <Variable>y


@cython.final
cdef class Sigmoid(_Unary):
    """The logistic function; the forward keeps the complement 1 - sigmoid(x) as well."""
    cdef object _complement

    cdef object _forward(self, tuple xs):
        _check_inputs_count(self, xs, 1, 1)
        return self._compute((<Variable>xs[0])._data)

    cdef object _compute(self, x):
        y, self._complement = _sigmoid_arrays(x)
        return y

    # sigmoid' = sigmoid(x) * sigmoid(-x): a product of the two exact factors.
    def backward(self, gy):
        complement = (<Function>_SigmoidComplement.__new__(_SigmoidComplement))._call(
            (self.inputs[0],))
        return gy * (_only_output(self) * complement)

    cdef tuple _backward_arrays(self, tuple gys):
        gx = _only_output(self)._data * self._complement
        gx *= gys[0]
        return (gx,)


@cython.final
cdef class _SigmoidComplement(_Unary):
    """1 - sigmoid(x), the same numbers as Sigmoid's complement: the second factor of its
    derivative, for the recorded backward."""

    cdef object _compute(self, x):
        return _sigmoid_arrays(x)[1]

    def backward(self, gy):
        s = (<Function>Sigmoid.__new__(Sigmoid))._call((self.inputs[0],))
        return -(gy * (s * _only_output(self)))



# gy times the mask x > 0 (1.0 or 0.0) in one pass with no temporary mask: the same IEEE
# products as NumPy's ``gy * (x > 0)``; false (the output then unused) when gy holds an
# infinity or a NaN, which takes NumPy's product so that an infinity times 0.0 warns as there.
# The check adds one to the exponent field of each element: only an all-ones field (infinity,
# NaN) carries into the sign bit. GCC vectorizes the comparison only without trapping math
# (the floating-point flags, which nothing here reads; the numbers are the same). GCC may fold
# gy * 1.0 to gy: the same bits for a finite gy, the only kind whose product is kept.
cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #if defined(__GNUC__) && !defined(__clang__)
    #define CYGRAD_VECTORIZE_MASK __attribute__((optimize("O3", "no-trapping-math")))
    #else
    #define CYGRAD_VECTORIZE_MASK
    #endif
    static CYGRAD_VECTORIZE_MASK int cygrad_relu_grad_f64(
            const double *restrict gy, const double *restrict x, double *restrict out,
            Py_ssize_t n) {
        uint64_t carry = 0, bits;
        for (Py_ssize_t i = 0; i < n; i++) {
            memcpy(&bits, &gy[i], sizeof bits);
            carry |= (bits & 0x7FF0000000000000ULL) + 0x0010000000000000ULL;
            out[i] = gy[i] * (x[i] > 0.0 ? 1.0 : 0.0);
        }
        return !(carry >> 63);
    }
    static CYGRAD_VECTORIZE_MASK int cygrad_relu_grad_f32(
            const float *restrict gy, const float *restrict x, float *restrict out,
            Py_ssize_t n) {
        uint32_t carry = 0, bits;
        for (Py_ssize_t i = 0; i < n; i++) {
            memcpy(&bits, &gy[i], sizeof bits);
            carry |= (bits & 0x7F800000U) + 0x00800000U;
            out[i] = gy[i] * (x[i] > 0.0f ? 1.0f : 0.0f);
        }
        return !(carry >> 31);
    }
    """
    bint cygrad_relu_grad_f64(const double* gy, const double* x, double* out,
                              Py_ssize_t n) nogil
    bint cygrad_relu_grad_f32(const float* gy, const float* x, float* out, Py_ssize_t n) nogil


cdef inline bint _plain_float_array(cnp.ndarray a, int t):
    """Whether ``a`` is a C-contiguous, aligned, native-order array of the float type ``t``:
    one a C loop can read as it is."""
    return (cnp.PyArray_TYPE(a) == t and cnp.PyArray_IS_C_CONTIGUOUS(a)
            and cnp.PyArray_ISNOTSWAPPED(a) and cnp.PyArray_ISALIGNED(a))


cdef object _relu_gradient(object gy, object x):
    """``gy * (x > 0)``: for a finite float64 or float32 gy and an x of the same shape and
    dtype, each plain (C-contiguous, aligned, native order), one C pass into a fresh array;
    else NumPy's product."""
    cdef int t
    cdef bint ok
    cdef cnp.ndarray g, xa, out
    if isinstance(gy, ndarray) and isinstance(x, ndarray):
        g, xa = <cnp.ndarray>gy, <cnp.ndarray>x
        t = cnp.PyArray_TYPE(xa)
        if ((t == cnp.NPY_DOUBLE or t == cnp.NPY_FLOAT) and _plain_float_array(g, t)
                and _plain_float_array(xa, t) and cnp.PyArray_SAMESHAPE(g, xa)):
            out = cnp.PyArray_EMPTY(cnp.PyArray_NDIM(xa), cnp.PyArray_DIMS(xa), t, 0)
            if t == cnp.NPY_DOUBLE:
                ok = cygrad_relu_grad_f64(<double*>cnp.PyArray_DATA(g),
                                          <double*>cnp.PyArray_DATA(xa),
                                          <double*>cnp.PyArray_DATA(out), cnp.PyArray_SIZE(xa))
            else:
                ok = cygrad_relu_grad_f32(<float*>cnp.PyArray_DATA(g),
                                          <float*>cnp.PyArray_DATA(xa),
                                          <float*>cnp.PyArray_DATA(out), cnp.PyArray_SIZE(xa))
            if ok:
                return out
    return gy * _np_greater(x, 0)  # the same products: the mask becomes 0.0 and 1.0


@cython.final
cdef class ReLU(_Unary):
    """max(x, 0), NumPy's: a NaN stays NaN and -0.0 becomes 0.0; the derivative at 0 is 0."""

    cdef object _forward(self, tuple xs):
        _check_inputs_count(self, xs, 1, 1)
        return self._compute((<Variable>xs[0])._data)

    cdef object _compute(self, x):
        return _np_maximum(x, 0)

    def backward(self, gy):
        x = (<Variable>self.inputs[0])._data
        return gy * (x > 0).astype(x.dtype)

    cdef tuple _backward_arrays(self, tuple gys):
        return (_relu_gradient(gys[0], (<Variable>self.inputs[0])._data),)

cpdef bint broadcasts_to(tuple shape, tuple target):
    """Whether an array of ``shape`` broadcasts to ``target`` without changing ``target``."""
    cdef Py_ssize_t n = len(shape), m = len(target), i
    if n > m:
        return False
    for i in range(1, n + 1):
        s = shape[n - i]
        if s != 1 and s != target[m - i]:
            return False
    return True


cdef Py_ssize_t _rows(tuple shape):
    """How many rows of the last axis an array of ``shape`` holds."""
    cdef Py_ssize_t rows = 1
    for s in shape[:-1]:
        rows *= <Py_ssize_t>s
    return rows


@cython.boundscheck(False)
@cython.wraparound(False)
cdef object _one_row_sum(cnp.ndarray gy):
    """``np.add.reduce(gy, axis=0)`` of a (1, n) C-contiguous float64 or float32 array, in C:
    each element added to 0 as the reduction does (so -0.0 becomes 0.0), a fresh (n,) array;
    None for any other array. A batch of one row is the common case of a recurrent or online
    step, and NumPy's reduction machinery costs more than the rest of the bias gradient."""
    cdef int t = cnp.PyArray_TYPE(gy)
    if (cnp.PyArray_NDIM(gy) != 2 or cnp.PyArray_DIM(gy, 0) != 1
            or (t != cnp.NPY_DOUBLE and t != cnp.NPY_FLOAT)
            or not (cnp.PyArray_IS_C_CONTIGUOUS(gy) and cnp.PyArray_ISNOTSWAPPED(gy)
                    and cnp.PyArray_ISALIGNED(gy))):
        return None
    cdef cnp.npy_intp n = cnp.PyArray_DIM(gy, 1)
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &n, t, 0)
    cdef Py_ssize_t i
    cdef double* d
    cdef double* dd
    cdef float* f
    cdef float* fd
    if t == cnp.NPY_DOUBLE:
        d, dd = <double*>cnp.PyArray_DATA(gy), <double*>cnp.PyArray_DATA(out)
        for i in range(n):
            dd[i] = 0.0 + d[i]
    else:
        f, fd = <float*>cnp.PyArray_DATA(gy), <float*>cnp.PyArray_DATA(out)
        for i in range(n):
            fd[i] = <float>0.0 + f[i]
    return out


@cython.final
cdef class Affine(Function):
    """``x @ W + b`` for x of shape (..., in), W (in, out) and b broadcastable to (..., out)."""

    def forward(self, x, W, b=None):
        return self._compute(_forward_array(x, self), _forward_array(W, self),
                             None if b is None else _forward_array(b, self))

    cdef object _forward(self, tuple xs):
        _check_inputs_count(self, xs, 2, 3)
        return self._compute((<Variable>xs[0])._data, (<Variable>xs[1])._data,
                             (<Variable>xs[2])._data if len(xs) == 3 else None)

    cdef object _compute(self, cnp.ndarray x, cnp.ndarray W, object b):
        cdef int n = cnp.PyArray_NDIM(x)
        if cnp.PyArray_NDIM(W) != 2 or n < 1 or cnp.PyArray_DIM(x, n - 1) != cnp.PyArray_DIM(W, 0):
            raise ValueError(
                f"linear: shapes {(<object>x).shape} and {(<object>W).shape} are not aligned"
            )
        y = x @ W
        if b is None:
            return y
        bshape, yshape = b.shape, y.shape
        # A bias of shape (out,), or the output's own shape (a recurrent layer's input part),
        # is the common case: skip the general broadcast check.
        common = bshape == yshape[-1:] or bshape == yshape
        if not common and not broadcasts_to(bshape, yshape):
            raise ValueError(
                f"linear: bias of shape {bshape} does not broadcast to the output shape {yshape}"
            )
        if (cnp.PyArray_TYPE(<cnp.ndarray>b) == cnp.PyArray_TYPE(<cnp.ndarray>y)
                or y.dtype == np.result_type(y, b)):
            y += b  # the product is a fresh array: add in place, no second allocation
        else:
            y = y + b
        return y

    def backward(self, gy):
        cdef tuple inputs = self.inputs
        cdef Variable x = <Variable>inputs[0], W = <Variable>inputs[1]
        cdef Variable b = <Variable>inputs[2] if len(inputs) == 3 else None
        gx = gW = gb = None
        n_in, n_out = W.shape
        if not x._constant:
            gx = matmul(gy, transpose(W))
        if not W._constant:
            rows = _rows(x.shape)
            gW = matmul(transpose(reshape(x, (rows, n_in))), reshape(gy, (rows, n_out)))
        if b is not None and not b._constant:
            gb = sum_to(gy, b.shape)
        return (gx, gW) if b is None else (gx, gW, gb)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef tuple inputs = self.inputs
        cdef Variable x = <Variable>inputs[0], W = <Variable>inputs[1]
        cdef Variable b = <Variable>inputs[2] if len(inputs) == 3 else None
        cdef object gy = gys[0], xd = x._data, Wd = W._data
        gx = gW = gb = None
        if not x._constant:
            gx = gy @ cnp.PyArray_Transpose(W._data, NULL)
        if not W._constant:
            if cnp.PyArray_NDIM(x._data) == 2:
                gW = cnp.PyArray_Transpose(x._data, NULL) @ gy
            else:
                rows, (n_in, n_out) = _rows(xd.shape), Wd.shape
                gW = xd.reshape(rows, n_in).T @ gy.reshape(rows, n_out)
        if b is not None and not b._constant:
            bshape = (<object>b._data).shape
            # The usual (batch, out) gradient and (out,) bias: a column sum, which returns
            # a fresh array (no reshaped view the engine would have to copy).
            if gy.ndim == 2 and bshape == gy.shape[1:]:
                gb = _one_row_sum(gy)
                if gb is None:
                    gb = _column_sum(gy, 0)
            else:
                gb = sum_to_array(gy, bshape)
        return (gx, gW) if b is None else (gx, gW, gb)


@cython.final
cdef class MeanSquaredError(_Binary):
    """The mean over all elements of (x0 - x1)**2, the two broadcast against each other."""
    # x0 - x1 from the forward, which the array-form backward reuses.
    cdef object _difference

    cdef object _forward(self, tuple xs):
        _check_inputs_count(self, xs, 2, 2)
        return self._compute((<Variable>xs[0])._data, (<Variable>xs[1])._data)

    cdef object _compute(self, x0, x1):
        try:
            d = x0 - x1
        except ValueError:
            raise ValueError(
                f"mean_squared_error: shapes {x0.shape} and {x1.shape} cannot be broadcast together"
            ) from None
        if d.size == 0:
            raise ValueError(f"mean_squared_error: the inputs of shapes {x0.shape} and "
                             f"{x1.shape} have no elements to average")
        self._difference = d
        return _np_vdot(d, d) / d.size

    def backward(self, gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        d = x0 - x1
        gx = d * (gy * (2 / d.size))
        return (sum_to(gx, x0.shape) if not x0._constant else None,
                sum_to(-gx, x1.shape) if not x1._constant else None)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        d = self._difference
        gx = d * (gys[0] * (2 / d.size))
        return (sum_to_array(gx, (<object>x0._data).shape) if not x0._constant else None,
                sum_to_array(-gx, (<object>x1._data).shape) if not x1._constant else None)


# Softmax cross entropy's label entries (cygrad.functions.loss keeps the Function itself): the
# range check of the labels and, with every row kept, the read of each row's label entry and
# the subtraction of 1 from it. NumPy spends two reductions on the check and advanced indexing
# with a row index array on the others, each costing more than the arithmetic of a 64 x 10
# batch; one C pass does each, for the arrays the loss makes (float64 or float32 logits and
# intp labels, aligned and in native byte order), with any strides.

cdef inline bint _plain_labels(object labels):
    """Whether ``labels`` is a 1-D aligned, native-order intp array, which a C loop can read
    with its stride."""
    if not isinstance(labels, ndarray):
        return False
    cdef cnp.ndarray a = <cnp.ndarray>labels
    return (cnp.PyArray_NDIM(a) == 1 and cnp.PyArray_TYPE(a) == cnp.NPY_INTP
            and cnp.PyArray_ISALIGNED(a) and cnp.PyArray_ISNOTSWAPPED(a))


cdef inline cnp.npy_intp _label(cnp.ndarray labels, Py_ssize_t i):
    """Element ``i`` of a plain (``_plain_labels``) label array."""
    return (<cnp.npy_intp*>(cnp.PyArray_BYTES(labels) + i * cnp.PyArray_STRIDE(labels, 0)))[0]


cdef inline bint _plain_logits(cnp.ndarray z, object labels, bint write):
    """Whether the C loops may take the (N, C) array ``z`` and the labels of its rows: z
    float64 or float32, aligned, native order (and writeable when ``write``), the labels plain
    and one for each row."""
    cdef int t = cnp.PyArray_TYPE(z)
    return ((t == cnp.NPY_DOUBLE or t == cnp.NPY_FLOAT) and cnp.PyArray_NDIM(z) == 2
            and cnp.PyArray_ISALIGNED(z) and cnp.PyArray_ISNOTSWAPPED(z)
            and (not write or cnp.PyArray_ISWRITEABLE(z)) and _plain_labels(labels)
            and cnp.PyArray_DIM(<cnp.ndarray>labels, 0) == cnp.PyArray_DIM(z, 0))


cpdef bint _labels_in_range(object labels, Py_ssize_t classes):
    """Whether every element of the 1-D integer array ``labels`` is in [0, classes) (true
    for no elements): ``0 <= labels.min() and labels.max() < classes`` in one pass."""
    cdef cnp.ndarray a
    cdef Py_ssize_t i
    cdef cnp.npy_intp label
    if not _plain_labels(labels):
        return labels.size == 0 or bool(0 <= labels.min() and labels.max() < classes)
    a = <cnp.ndarray>labels
    for i in range(cnp.PyArray_DIM(a, 0)):
        label = _label(a, i)
        if label < 0 or label >= classes:
            return False
    return True


cdef bint _labels_index_columns(cnp.ndarray z, cnp.ndarray labels):
    """Whether every label is a column index of ``z`` (else NumPy's indexing raises)."""
    return _labels_in_range(labels, cnp.PyArray_DIM(z, 1))


cpdef object _row_entries(cnp.ndarray z, object labels):
    """``z[np.arange(N), labels]`` for the (N, C) array ``z``: each row's entry in its label's
    column, a fresh (N,) array of z's dtype."""
    cdef Py_ssize_t i, n = cnp.PyArray_DIM(z, 0) if cnp.PyArray_NDIM(z) == 2 else 0
    cdef cnp.npy_intp rows = n
    cdef cnp.ndarray out
    cdef cnp.ndarray a
    cdef char* base
    cdef Py_ssize_t s0, s1
    if not (_plain_logits(z, labels, False) and _labels_index_columns(z, labels)):
        return z[np.arange(len(labels)), labels]
    a = <cnp.ndarray>labels
    out = cnp.PyArray_EMPTY(1, &rows, cnp.PyArray_TYPE(z), 0)
    base, s0, s1 = cnp.PyArray_BYTES(z), cnp.PyArray_STRIDE(z, 0), cnp.PyArray_STRIDE(z, 1)
    if cnp.PyArray_TYPE(z) == cnp.NPY_DOUBLE:
        for i in range(n):
            (<double*>cnp.PyArray_DATA(out))[i] = (<double*>(base + i * s0 + _label(a, i) * s1))[0]
    else:
        for i in range(n):
            (<float*>cnp.PyArray_DATA(out))[i] = (<float*>(base + i * s0 + _label(a, i) * s1))[0]
    return out


cpdef void _subtract_one_at(cnp.ndarray g, object labels) except *:
    """``g[np.arange(N), labels] -= 1`` in place for the (N, C) array ``g``: the same
    subtraction in g's dtype."""
    cdef Py_ssize_t i, n
    cdef cnp.ndarray a
    cdef char* base
    cdef Py_ssize_t s0, s1
    cdef double* d
    cdef float* f
    if not (_plain_logits(g, labels, True) and _labels_index_columns(g, labels)):
        g[np.arange(len(labels)), labels] -= 1
        return
    a, n = <cnp.ndarray>labels, cnp.PyArray_DIM(g, 0)
    base, s0, s1 = cnp.PyArray_BYTES(g), cnp.PyArray_STRIDE(g, 0), cnp.PyArray_STRIDE(g, 1)
    if cnp.PyArray_TYPE(g) == cnp.NPY_DOUBLE:
        for i in range(n):
            d = <double*>(base + i * s0 + _label(a, i) * s1)
            d[0] = d[0] - 1.0
    else:
        for i in range(n):
            f = <float*>(base + i * s0 + _label(a, i) * s1)
            f[0] = f[0] - <float>1.0
