# Part of cygrad.variable._core, included by _core.pyx.
# Conversions: operands to float arrays and Variables, checked once at the edge.

cdef cnp.ndarray _as_float_array(object data, str where, object int_dtype=_float64):
    """``data`` as a float32 or float64 array: integers and bools become ``int_dtype``."""
    cdef cnp.ndarray a
    if type(data) is ndarray and (cnp.PyArray_TYPE(data) == cnp.NPY_DOUBLE
                                  or cnp.PyArray_TYPE(data) == cnp.NPY_FLOAT):
        return <cnp.ndarray>data  # the common case, without np.asarray's call
    if isinstance(data, Variable):
        raise TypeError(f"{where}: data is already a Variable; pass its .data to share it")
    if _holds_variable(data):
        raise TypeError(
            f"{where}: expected numbers, got a sequence holding Variables; "
            "use F.concat, or the Variables' .data"
        )
    try:
        a = np.asarray(data)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None
    except TypeError as e:
        raise TypeError(f"{where}: {e}") from None
    cdef int t = cnp.PyArray_TYPE(a)
    if t == cnp.NPY_DOUBLE or t == cnp.NPY_FLOAT:
        return a
    if a.dtype.kind in "biu":
        return a.astype(int_dtype)
    if a.dtype.kind == "f":  # float16, longdouble
        return a.astype(np.float64)
    for item in a.flat:
        if isinstance(item, int) and not isinstance(item, bool):
            raise ValueError(
                f"{where}: the integer {item} does not fit in 64 bits; pass it as a float"
            )
    raise TypeError(
        f"{where}: expected numbers, got {type(data).__name__} of dtype {a.dtype}"
    )


cdef bint _holds_variable(object data):
    """Whether a list or tuple holds a Variable, at any depth (NumPy would not say so)."""
    if type(data) is not list and type(data) is not tuple:
        return False
    for item in data:
        if isinstance(item, Variable) or _holds_variable(item):
            return True
    return False


cdef inline cnp.ndarray _nd(object y):
    """NumPy returns scalars from operations on 0-d arrays; the engine keeps arrays."""
    if type(y) is ndarray:
        return <cnp.ndarray>y
    return np.asarray(y)


cdef Variable wrap(cnp.ndarray data):
    """A Variable around an array already known to be float32/float64 (no checks)."""
    cdef Variable v = Variable.__new__(Variable)
    v._data = data
    return v


cdef Variable _constant(object obj, object dtype, Function f):
    """A non-Variable operand of ``f``. Python numbers and integer operands (NumPy integer
    scalars, integer arrays, lists of integers) take ``dtype``, the other operand's; float
    arrays keep their own."""
    cdef Variable v
    # The exact type tests are the fast path; isinstance also admits NumPy float64 scalars.
    if dtype is not None and (type(obj) is float or type(obj) is int
                              or isinstance(obj, (int, float))):
        v = wrap(_scalar_array(obj, dtype))
    else:
        try:
            v = wrap(_as_float_array(obj, "operand", _float64 if dtype is None else dtype))
        except (TypeError, ValueError) as e:
            # Name the operation (built only on this error path, never on the hot one).
            raise type(e)(f"{type(f).__name__}: {str(e).partition(': ')[2]}") from None
    v._constant = True
    return v


cdef inline double _number_as_double(object value) except? -1.0:
    """A Python number (or NumPy scalar) as a C double. An int converts directly: Cython's
    own conversion goes through ``float(value)``, a new float object each time. Both raise
    the same OverflowError for an int beyond the double range."""
    if type(value) is int:
        return PyLong_AsDouble(value)
    return <double>value


cdef cnp.ndarray _scalar_array(object value, object dtype):
    """A 0-d array holding a Python number, built without NumPy's conversion machinery."""
    cdef cnp.ndarray a
    if dtype is _float64:
        a = _empty_float(0, NULL, cnp.NPY_DOUBLE)
        (<double*>cnp.PyArray_DATA(a))[0] = _number_as_double(value)
        return a
    cdef double d
    cdef float f
    if dtype is _float32:
        d = _number_as_double(value)
        f = <float>d
        if isinf(f) and not isinf(d):
            # Too large for float32: NumPy's cast overflows with its warning and errstate.
            return np.asarray(value, dtype=dtype)
        a = _empty_float(0, NULL, cnp.NPY_FLOAT)
        (<float*>cnp.PyArray_DATA(a))[0] = f
        return a
    return np.asarray(value, dtype=dtype)


cpdef Variable as_variable(object obj):
    """``obj`` itself if it is a Variable, else a new Variable holding it."""
    if isinstance(obj, Variable):
        return <Variable>obj
    return wrap(_as_float_array(obj, "as_variable"))


cdef inline object _dtype_of(cnp.ndarray a):
    return <object>cnp.PyArray_DESCR(a)  # no Python attribute lookup


cdef tuple _as_variables(tuple inputs, Function f):
    """The inputs as Variables: other operands become constants of the first Variable's dtype."""
    cdef object obj
    cdef object dtype = None
    if len(inputs) == 2:  # the binary operators: no loops, no list
        a, b = inputs[0], inputs[1]
        if isinstance(a, Variable):
            _require_data(<Variable>a, f)
            if isinstance(b, Variable):
                _require_data(<Variable>b, f)
                return inputs
            return a, _constant(b, _dtype_of((<Variable>a)._data), f)
        if isinstance(b, Variable):
            _require_data(<Variable>b, f)
            return _constant(a, _dtype_of((<Variable>b)._data), f), b
    for obj in inputs:
        if not isinstance(obj, Variable):
            break
        _require_data(<Variable>obj, f)
    else:
        return inputs
    for obj in inputs:
        if isinstance(obj, Variable):
            _require_data(<Variable>obj, f)
            if dtype is None:
                dtype = _dtype_of((<Variable>obj)._data)
    return tuple([obj if isinstance(obj, Variable) else _constant(obj, dtype, f) for obj in inputs])


cdef inline int _require_data(Variable v, object where) except -1:
    """A TypeError for a Variable whose ``__init__`` never ran (``Variable.__new__``, or a
    subclass's ``__init__`` that does not call it): it holds no array."""
    if v._data is None:
        name = where if isinstance(where, str) else type(where).__name__
        raise TypeError(f"{name}: a {type(v).__name__} without data (Variable.__init__ was not "
                        "called)")
    return 0


cdef inline bint _same_shape(cnp.ndarray a, cnp.ndarray b):
    cdef int n = cnp.PyArray_NDIM(a)
    cdef int i
    if n != cnp.PyArray_NDIM(b):
        return False
    cdef cnp.npy_intp* da = cnp.PyArray_DIMS(a)
    cdef cnp.npy_intp* db = cnp.PyArray_DIMS(b)
    for i in range(n):
        if da[i] != db[i]:
            return False
    return True
