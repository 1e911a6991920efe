# Part of cygrad.variable._core, included by _core.pyx.
# Arithmetic: the elementwise engine operations behind Variable's operators.
# Every backward is written in differentiable functions (double backprop).

cpdef bint wants_grad(Variable v):
    """False for an operand made from a plain number or array inside an operation: nobody can
    read its gradient, so a backward may skip computing it (the engine drops it anyway)."""
    return not v._constant


cdef object _sum_to_input(object gx, Variable x):
    """The Variable ``gx`` summed back to the shape of the input ``x`` (None stays None)."""
    if gx is None or _same_shape((<Variable>gx)._data, x._data):
        return gx
    return sum_to(gx, (<object>x._data).shape)


cdef object _sum_to_data(object gx, Variable x):
    """The array ``gx`` summed back to the shape of the input ``x`` (None stays None)."""
    if gx is None or _same_shape(<cnp.ndarray>gx, x._data):
        return gx
    return sum_to_array(gx, (<object>x._data).shape)


cdef tuple _unbroadcast(object gx0, object gx1, tuple inputs):
    """Gradients of a broadcasting binary operation, summed back to each input's shape."""
    return _sum_to_input(gx0, inputs[0]), _sum_to_input(gx1, inputs[1])


cdef tuple _unbroadcast_arrays(object gx0, object gx1, tuple inputs):
    """``_unbroadcast`` for the array form of a backward."""
    return _sum_to_data(gx0, inputs[0]), _sum_to_data(gx1, inputs[1])


cdef cnp.ndarray _binary(int op, cnp.ndarray a, cnp.ndarray b):
    """``a op b`` on arrays, through the one-element kernels where they apply."""
    r = _small_binary(op, a, b)
    if r is not None:
        return <cnp.ndarray>r
    if op == OP_ADD:
        return _nd(a + b)
    if op == OP_SUB:
        return _nd(a - b)
    if op == OP_MUL:
        return _nd(a * b)
    return _nd(a / b)


cdef cnp.ndarray _neg_array(cnp.ndarray x):
    if _is_plain_scalar(x, cnp.NPY_DOUBLE):
        return _filled(x, cnp.NPY_DOUBLE, -(<double*>cnp.PyArray_DATA(x))[0])
    return _nd(-x)


cdef object _forward_array(object x, Function f):
    """An argument of an engine operation's ``forward`` called from Python: an ndarray (its
    C computation reads it as one), or a TypeError."""
    if not isinstance(x, ndarray):
        raise TypeError(f"{type(f).__name__}.forward: expected an ndarray, got {type(x).__name__}")
    return x


cdef class _Unary(Function):
    """An engine operation of one input. Its forward is the C method ``_compute``, which
    ``_call`` reaches without a Python method call. The concrete operations are final: a
    Python subclass could not override their C methods, so a new operation subclasses
    ``Function``."""

    def forward(self, x):
        return self._compute(_forward_array(x, self))

    cdef object _forward(self, tuple xs):
        return self._compute((<Variable>xs[0])._data)

    cdef object _compute(self, x):
        raise NotImplementedError


cdef class _Binary(Function):
    """An engine operation of two inputs (see ``_Unary``)."""

    def forward(self, x0, x1):
        return self._compute(_forward_array(x0, self), _forward_array(x1, self))

    cdef object _forward(self, tuple xs):
        return self._compute((<Variable>xs[0])._data, (<Variable>xs[1])._data)

    cdef object _compute(self, x0, x1):
        raise NotImplementedError


@cython.final
cdef class Add(_Binary):
    cdef object _compute(self, x0, x1):
        r = _small_binary(OP_ADD, x0, x1)
        if r is not None:
            return r
        try:
            return x0 + x1
        except ValueError:
            raise _broadcast_error("add", x0, x1) from None

    def backward(self, gy):
        return _unbroadcast(gy, gy, self.inputs)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        return _unbroadcast_arrays(gy, gy, self.inputs)

    cdef int _backward_doubles(self, double gy, double* gxs) except -1:
        gxs[0] = gy
        gxs[1] = gy
        return 1


@cython.final
cdef class Sub(_Binary):
    cdef object _compute(self, x0, x1):
        r = _small_binary(OP_SUB, x0, x1)
        if r is not None:
            return r
        try:
            return x0 - x1
        except ValueError:
            raise _broadcast_error("sub", x0, x1) from None

    def backward(self, gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        return _unbroadcast(gy if not x0._constant else None,
                            neg(gy) if not x1._constant else None, self.inputs)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        return _unbroadcast_arrays(gy if not x0._constant else None,
                                   _neg_array(gy) if not x1._constant else None, self.inputs)

    cdef int _backward_doubles(self, double gy, double* gxs) except -1:
        gxs[0] = gy
        gxs[1] = -gy
        return 1


@cython.final
cdef class Mul(_Binary):
    cdef object _compute(self, x0, x1):
        r = _small_binary(OP_MUL, x0, x1)
        if r is not None:
            return r
        try:
            return x0 * x1
        except ValueError:
            raise _broadcast_error("mul", x0, x1) from None

    def backward(self, gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        return _unbroadcast(mul(gy, x1) if not x0._constant else None,
                            mul(gy, x0) if not x1._constant else None, self.inputs)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        return _unbroadcast_arrays(_binary(OP_MUL, gy, x1._data) if not x0._constant else None,
                                   _binary(OP_MUL, gy, x0._data) if not x1._constant else None,
                                   self.inputs)

    cdef int _backward_doubles(self, double gy, double* gxs) except -1:
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        if not x0._constant:
            gxs[0] = gy * _double_of(x1._data)
            if not isfinite(gxs[0]):
                return 0
        if not x1._constant:
            gxs[1] = gy * _double_of(x0._data)
            if not isfinite(gxs[1]):
                return 0
        return 1


@cython.final
cdef class Div(_Binary):
    cdef object _compute(self, x0, x1):
        r = _small_binary(OP_DIV, x0, x1)
        if r is not None:
            return r
        try:
            return x0 / x1
        except ValueError:
            raise _broadcast_error("div", x0, x1) from None

    def backward(self, gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        gx0 = div(gy, x1)
        gx1 = neg(mul(gx0, div(x0, x1))) if not x1._constant else None
        return _unbroadcast(gx0 if not x0._constant else None, gx1, self.inputs)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        cdef cnp.ndarray gx0 = _binary(OP_DIV, gy, x1._data)
        gx1 = (_neg_array(_binary(OP_MUL, gx0, _binary(OP_DIV, x0._data, x1._data)))
               if not x1._constant else None)
        return _unbroadcast_arrays(gx0 if not x0._constant else None, gx1, self.inputs)

    @cython.cdivision(True)
    cdef int _backward_doubles(self, double gy, double* gxs) except -1:
        # As the array form: gy / x1 always, then -(gx0 * (x0 / x1)), each checked.
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        cdef double gx0 = gy / _double_of(x1._data), q
        if not isfinite(gx0):
            return 0
        gxs[0] = gx0
        if not x1._constant:
            q = _double_of(x0._data) / _double_of(x1._data)
            if not isfinite(q) or not isfinite(gx0 * q):
                return 0
            gxs[1] = -(gx0 * q)
        return 1


@cython.final
cdef class Neg(_Unary):
    cdef object _compute(self, x):
        return _neg_array(x)

    def backward(self, gy):
        return neg(gy)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        return (_neg_array(gy),)

    cdef int _backward_doubles(self, double gy, double* gxs) except -1:
        gxs[0] = -gy
        return 1


@cython.final
cdef class Pow(_Unary):
    """``x ** c`` for a constant exponent ``c``."""
    # ``c`` is Function's ``_param``, whether it is a Python number ``_param_is_number`` and
    # then its value (the one-element kernels' input) ``_param_double``.

    def __init__(self, c):
        self._set(c)

    @property
    def c(self):
        """The exponent (read-only)."""
        return self._param

    @c.setter
    def c(self, value):
        raise _read_only_error(self, "c")

    @c.deleter
    def c(self):
        raise _read_only_error(self, "c")

    cdef void _set(self, object c) except *:
        self._param = c
        self._param_is_number = type(c) is int or type(c) is float or isinstance(c, (int, float))
        self._param_double = _number_as_double(c) if self._param_is_number else 0.0

    cdef object _compute(self, x):
        r = _small_power(x, self._param_double) if self._param_is_number else None
        if r is not None:
            return r
        try:
            return x ** self._param
        except ValueError:
            raise _broadcast_error("pow", x, np.asarray(self._param)) from None

    def backward(self, gy):
        cdef Variable x = <Variable>self.inputs[0]
        cdef Variable c = _constant(self._param, x._data.dtype, self)
        cdef object e = _derivative_exponent(self._param, c._data)
        return _sum_to_input(mul(gy, mul(c, pow(x, e))), x)

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        cdef Variable x = <Variable>self.inputs[0]
        cdef double cv = self._param_double, d
        cdef double e = cv - 1.0 if cv != 0.0 else 0.0  # see _derivative_exponent
        if (self._param_is_number and _exact_power(e) and _is_plain_scalar(x._data, cnp.NPY_DOUBLE)
                and _is_plain_scalar(gy, cnp.NPY_DOUBLE)):
            # The same double operations as the array expression below, without NumPy.
            d = (<double*>cnp.PyArray_DATA(gy))[0] * (
                cv * _power((<double*>cnp.PyArray_DATA(x._data))[0], e))
            if isfinite(d):
                return (_filled(gy, cnp.NPY_DOUBLE, d),)
        cdef cnp.ndarray c = _constant(self._param, x._data.dtype, self)._data
        cdef cnp.ndarray p = _nd(x._data ** _derivative_exponent(self._param, c))
        return (_sum_to_data(_binary(OP_MUL, gy, _binary(OP_MUL, c, p)), x),)

    cdef int _backward_doubles(self, double gy, double* gxs) except -1:
        # The one-element computation of the array form above, on the double itself.
        cdef double cv = self._param_double
        cdef double e = cv - 1.0 if cv != 0.0 else 0.0
        if not (self._param_is_number and _exact_power(e)):
            return 0
        gxs[0] = gy * (cv * _power(_double_of((<Variable>self.inputs[0])._data), e))
        return isfinite(gxs[0])


cdef object _read_only_error(object obj, str name):
    """The AttributeError a read-only attribute ``name`` of ``obj`` gives when set."""
    return AttributeError(
        f"attribute '{name}' of '{type(obj).__module__}.{type(obj).__qualname__}' objects is "
        "not writable"
    )


cdef object _derivative_exponent(object c, cnp.ndarray c_array):
    """The exponent of ``x ** c``'s derivative ``c * x**(c - 1)``: ``c - 1``, except 0 where
    ``c`` is 0, so that the derivative there is ``0 * x**0 = 0`` even at ``x = 0`` (not
    ``0 * inf``), as in PyTorch; the derivatives of every order that are 0 follow. In the
    dtype of ``c_array`` (``c`` converted), and computed in C when ``c`` is a Python number."""
    cdef int t = cnp.PyArray_TYPE(c_array)
    cdef cnp.ndarray r
    cdef double d
    cdef float f
    if not (isinstance(c, (int, float)) and cnp.PyArray_NDIM(c_array) == 0
            and (t == cnp.NPY_DOUBLE or t == cnp.NPY_FLOAT) and cnp.PyArray_ISNOTSWAPPED(c_array)):
        # (A byte-swapped operand's constants are byte-swapped too: NumPy reads those.)
        return np.where(c_array == 0, c_array, c_array - 1)
    r = cnp.PyArray_EMPTY(0, NULL, t, 0)
    if t == cnp.NPY_DOUBLE:
        d = (<double*>cnp.PyArray_DATA(c_array))[0]
        (<double*>cnp.PyArray_DATA(r))[0] = d - 1.0 if d != 0.0 else 0.0
    else:
        f = (<float*>cnp.PyArray_DATA(c_array))[0]
        (<float*>cnp.PyArray_DATA(r))[0] = f - <float>1.0 if f != 0.0 else <float>0.0
    # PyArray_Return steals a reference to its argument while the local ``r`` keeps its own
    # (Cython releases it on return): give it an extra one to steal.
    Py_INCREF(r)
    return cnp.PyArray_Return(r)


@cython.final
cdef class PowVar(_Binary):
    """``x0 ** x1`` where the exponent is a Variable too."""

    cdef object _compute(self, x0, x1):
        try:
            return x0 ** x1
        except ValueError:
            raise _broadcast_error("pow", x0, x1) from None

    def backward(self, gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        gx0 = gx1 = None
        if not x0._constant:
            # x1 * x0**(x1 - 1), with the exponent 0 where x1 and x0 are 0: the term is then 0
            # (as in PyTorch), not 0 * inf. Only there: elsewhere x0**(x1 - 1) is finite, and
            # its value matters to the derivatives in x1.
            e = sub(x1, 1.0)
            at_zero = (x1._data == 0) & (x0._data == 0)
            if at_zero.any():
                e = add(e, at_zero.astype(_dtype_of(x1._data)))
            gx0 = mul(gy, mul(x1, PowVar()._call((x0, e))))
        if not x1._constant:
            # x0**x1 * log(x0), which is 0 where x0 is 0 and x1 >= 0 (x0**x1 is 0 or 1 there,
            # as in PyTorch): the logarithm takes 1 there instead of 0, no 0 * -inf.
            base = x0
            at_zero = (x0._data == 0) & (x1._data >= 0)
            if at_zero.any():
                base = add(x0, at_zero.astype(_dtype_of(x0._data)))
            gx1 = mul(gy, mul(PowVar()._call((x0, x1)), log(base)))
        return _unbroadcast(gx0, gx1, self.inputs)

    cdef tuple _backward_arrays(self, tuple gys):
        # backward's operations, in the same order, on the arrays.
        cdef cnp.ndarray gy = gys[0]
        cdef Variable v0 = <Variable>self.inputs[0], v1 = <Variable>self.inputs[1]
        cdef cnp.ndarray x0 = v0._data, x1 = v1._data, e, base
        gx0 = gx1 = None
        if not v0._constant:
            e = _binary(OP_SUB, x1, _scalar_array(1.0, _dtype_of(x1)))
            at_zero = (x1 == 0) & (x0 == 0)
            if at_zero.any():
                e = _binary(OP_ADD, e, _nd(at_zero.astype(_dtype_of(x1))))
            gx0 = _binary(OP_MUL, gy, _binary(OP_MUL, x1, _nd(self._compute(x0, e))))
        if not v1._constant:
            base = x0
            at_zero = (x0 == 0) & (x1 >= 0)
            if at_zero.any():
                base = _binary(OP_ADD, x0, _nd(at_zero.astype(_dtype_of(x0))))
            gx1 = _binary(OP_MUL, gy,
                          _binary(OP_MUL, _nd(self._compute(x0, x1)), _nd(np.log(base))))
        return _unbroadcast_arrays(gx0, gx1, self.inputs)


@cython.final
cdef class Exp(_Unary):
    cdef object _compute(self, x):
        return np.exp(x)

    def backward(self, gy):
        return mul(gy, _referent(_output_ref(self, 0)))

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        return (_binary(OP_MUL, gy, (<Variable>_referent(_output_ref(self, 0)))._data),)


@cython.final
cdef class Log(_Unary):
    cdef object _compute(self, x):
        return np.log(x)

    def backward(self, gy):
        return div(gy, self.inputs[0])

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        return (_binary(OP_DIV, gy, (<Variable>self.inputs[0])._data),)


@cython.final
cdef class Cast(_Unary):
    """A change of float dtype; the gradient goes back to the input's dtype."""
    cdef object dtype

    cdef object _compute(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return _cast(gy, _dtype_of((<Variable>self.inputs[0])._data))

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        return (gy.astype(_dtype_of((<Variable>self.inputs[0])._data)),)


cdef Variable _cast(Variable v, object dtype):
    cdef Cast f = Cast.__new__(Cast)
    f.dtype = dtype
    return f._call((v,))


@cython.final
cdef class Copy(_Unary):
    """The identity that copies: used where a gradient must own its memory."""

    cdef object _compute(self, x):
        return x.copy()

    def backward(self, gy):
        return gy

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
        return (gy,)


cpdef Variable add(x0, x1):
    return (<Function>Add.__new__(Add))._call((x0, x1))


cpdef Variable sub(x0, x1):
    return (<Function>Sub.__new__(Sub))._call((x0, x1))


cpdef Variable mul(x0, x1):
    return (<Function>Mul.__new__(Mul))._call((x0, x1))


cpdef Variable div(x0, x1):
    return (<Function>Div.__new__(Div))._call((x0, x1))


cpdef Variable neg(x):
    return (<Function>Neg.__new__(Neg))._call((x,))


cpdef Variable pow(x, c):
    """``x ** c`` for a constant (scalar or array) exponent ``c``."""
    if type(c) is int or type(c) is float:
        pass  # the common case, without the tests below
    elif isinstance(c, Variable):
        raise TypeError("pow: the exponent must be a constant; use x ** y for a Variable exponent")
    elif isinstance(c, np.generic):
        c = c.item()  # like a Python number, a NumPy scalar exponent keeps x's dtype
    elif isinstance(c, (ndarray, list, tuple)):
        # Integer exponents take x's dtype, as any integer operand does; float ones keep theirs.
        c = _as_float_array(
            c, "pow", _dtype_of((<Variable>x)._data) if isinstance(x, Variable) else _float64)
    elif not isinstance(c, (int, float)):
        raise TypeError(f"pow: the exponent must be a number or an array, got {c!r}")
    cdef Pow f = Pow.__new__(Pow)
    f._set(c)
    return f._call((x,))


cpdef Variable exp(x):
    return (<Function>Exp.__new__(Exp))._call((x,))


cpdef Variable log(x):
    return (<Function>Log.__new__(Log))._call((x,))
