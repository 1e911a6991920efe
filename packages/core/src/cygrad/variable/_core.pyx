# cython: language_level=3, embedsignature=True, embedsignature.format=clinic
"""The variable engine: Variable, Function, the backward pass, and the operations that
Variable's operators and every backward pass are built from.

A graph is recorded as Variables pointing at their creator Function, and Functions holding
their inputs strongly and their outputs by weak reference: there is no reference cycle, so
a graph is freed by reference counting alone as soon as its last output goes away.

Every backward has two forms. ``backward(*gys)`` on Variables, built from differentiable
operations, is what ``create_graph=True`` records for higher derivatives. A first-order pass
records nothing, so the same numbers are better computed on the arrays directly: the
engine's own operations do that in ``_backward_arrays`` (a C method the pass calls with the
output's gradient array, no Python call and no graph nodes), and a Function written in
Python may return arrays from ``backward`` when ``recording()`` is False. Both forms must
perform the same NumPy operations in the same order, so their results agree bit for bit.
"""
cimport cython
cimport numpy as cnp
from cpython.contextvars cimport PyContextVar_Reset, PyContextVar_Set, get_value
from cpython.ref cimport PyObject, Py_INCREF, Py_REFCNT, _Py_REFCNT
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


# The last settings snapshot read and its enable_backprop, as one tuple so that it is
# replaced atomically: snapshots are immutable, so reading the flag again is only needed
# when the context holds another snapshot.
cdef tuple _last_recording = (None, True)


cpdef bint recording():
    """Whether operations are recorded right now (False under no_grad, and during a
    backward pass without create_graph)."""
    global _last_recording
    snapshot = get_value(_current)
    cdef tuple last = _last_recording
    if last[0] is not snapshot:
        last = (snapshot, snapshot.enable_backprop)
        _last_recording = last
    return last[1]


# ---------------------------------------------------------------------------------------
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


cdef cnp.ndarray _filled(cnp.ndarray like, int t, double d):
    """A new array of ``like``'s one-element shape and type ``t`` (float32 or float64)
    holding ``d``."""
    cdef cnp.ndarray r = cnp.PyArray_EMPTY(cnp.PyArray_NDIM(like), cnp.PyArray_DIMS(like), t, 0)
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


# ---------------------------------------------------------------------------------------
# Conversions

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


cdef cnp.ndarray _scalar_array(object value, object dtype):
    """A 0-d array holding a Python number, built without NumPy's conversion machinery."""
    cdef cnp.ndarray a
    if dtype is _float64:
        a = cnp.PyArray_EMPTY(0, NULL, cnp.NPY_DOUBLE, 0)
        (<double*>cnp.PyArray_DATA(a))[0] = <double>value
        return a
    cdef double d
    cdef float f
    if dtype is _float32:
        d = <double>value
        f = <float>d
        if isinf(f) and not isinf(d):
            # Too large for float32: NumPy's cast overflows with its warning and errstate.
            return np.asarray(value, dtype=dtype)
        a = cnp.PyArray_EMPTY(0, NULL, cnp.NPY_FLOAT, 0)
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
            if isinstance(b, Variable):
                return inputs
            return a, _constant(b, _dtype_of((<Variable>a)._data), f)
        if isinstance(b, Variable):
            return _constant(a, _dtype_of((<Variable>b)._data), f), b
    for obj in inputs:
        if not isinstance(obj, Variable):
            break
    else:
        return inputs
    for obj in inputs:
        if isinstance(obj, Variable):
            dtype = _dtype_of((<Variable>obj)._data)
            break
    return tuple([obj if isinstance(obj, Variable) else _constant(obj, dtype, f) for obj in inputs])


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


# ---------------------------------------------------------------------------------------
# Variable

# Freelists keep a few freed Variables and Functions for reuse (a Function's freelist serves
# the engine's operations of the same size; classes written in Python are never reused).
@cython.freelist(64)
cdef class Variable:
    """Variable(data, name=None)
--

A node of the graph: an array of float32 or float64 data, its gradient and its creator.

    ``data`` is anything ``numpy.asarray`` accepts; integer and bool data become float64,
    float32 and float64 stay as given. (The first line above, in Argument Clinic's form, is
    what ``inspect.signature(Variable)`` reads; Python shows the docstring without it.)
    """

    def __init__(self, data, name=None):
        self._data = _as_float_array(data, "Variable")
        self.name = name

    @property
    def data(self):
        """The value, an ndarray. Assigning converts like the constructor does."""
        return self._data

    @data.setter
    def data(self, value):
        self._data = _as_float_array(value, "Variable.data")

    @property
    def shape(self):
        return (<object>self._data).shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def T(self):
        return transpose(self, None)

    def __len__(self):
        return len(self._data)

    def __bool__(self):
        return bool(self._data)

    def item(self):
        """The value of a one-element Variable as a Python float."""
        return self._data.item()

    def numpy(self):
        """The data array itself (not a copy)."""
        return self._data

    def __repr__(self):
        prefix = "variable" if self.name is None else str(self.name)
        if self._data.ndim == 0:
            return f"{prefix}({np.array2string(self._data)})"
        body = np.array2string(self._data, separator=", ", prefix=prefix + "(")
        extra = "" if self._data.dtype == np.float64 else f", dtype={self._data.dtype}"
        return f"{prefix}({body}, shape={(<object>self._data).shape}{extra})"

    # -- graph bookkeeping ---------------------------------------------------------------

    def cleargrad(self):
        """Forget the gradient (backward accumulates into an existing one)."""
        self.grad = None

    def unchain(self):
        """Cut this Variable from its creator: it becomes a leaf."""
        self.creator = None

    def unchain_backward(self):
        """Cut every Variable upstream of this one from its creator (truncated backprop)."""
        cdef Function f
        cdef Variable x
        if self.creator is None:
            return
        cdef list stack = [self.creator]
        cdef set seen = {self.creator}
        while stack:
            f = stack.pop()
            for x in f.inputs:
                if x.creator is not None:
                    if x.creator not in seen:
                        seen.add(x.creator)
                        stack.append(x.creator)
                    x.creator = None

    def backward(self, bint retain_grad=False, bint create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``grad``.

        The seed is ones of this Variable's shape (or its ``grad`` when one is set).
        Functions are visited in decreasing generation, so each runs once, after all its
        outputs' gradients are complete. Intermediate gradients are dropped unless
        ``retain_grad``, which adds them to the ones kept before: kept gradients are results,
        never propagated again, so each pass adds exactly its own gradients. With
        ``create_graph`` the backward pass is recorded too, for higher derivatives.
        """
        if self.creator is None:
            if self.grad is None:
                self.grad = wrap(_ones_like(self._data))
            return
        _run_backward(self, retain_grad, create_graph)

    # -- operators -------------------------------------------------------------------------

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __pow__(self, other, modulo):
        if modulo is not None:
            raise _modulo_error(modulo)
        if isinstance(other, Variable):
            return PowVar()._call((self, other))
        return pow(self, other)

    def __rpow__(self, other, modulo):
        if modulo is not None:
            raise _modulo_error(modulo)
        return PowVar()._call((other, self))

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __getitem__(self, index):
        return get_item(self, index)

    # -- shape methods ---------------------------------------------------------------------

    def reshape(self, *shape):
        """``v.reshape(2, 3)`` or ``v.reshape((2, 3))``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return reshape(self, shape)

    def transpose(self, *axes):
        """Reverse the axes, or permute them: ``v.transpose(1, 0, 2)``."""
        if len(axes) == 0:
            return transpose(self, None)
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            return transpose(self, axes[0])
        return transpose(self, axes)

    def sum(self, axis=None, keepdims=False, *, dtype=None, out=None):
        """The sum over ``axis`` (all axes when None). ``dtype`` and ``out`` are there for
        ``numpy.sum(v)``, which passes them: only None (or the Variable's own dtype) works."""
        _no_numpy_extras("sum", self, dtype, out)
        return sum(self, axis, keepdims)

    # -- NumPy, DLPack and Python numbers --------------------------------------------------
    # What other libraries expect of an array: ``np.asarray(v)`` and DLPack share the data,
    # NumPy's reductions (``np.sum(v)``) call the methods here and give Variables, ``float(v)``
    # works, comparisons give boolean arrays. Comparisons are not differentiable and record
    # nothing; hashing stays by identity, so Variables remain usable as dict keys.

    def mean(self, axis=None, keepdims=False, *, dtype=None, out=None):
        """The mean over ``axis`` (``cygrad.functions.mean``); what ``numpy.mean(v)`` calls."""
        _no_numpy_extras("mean", self, dtype, out)
        from cygrad.functions.reduction import mean
        return mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False, *, out=None):
        """The largest element over ``axis`` (``cygrad.functions.max``); what ``numpy.max(v)``
        calls."""
        _no_numpy_extras("max", self, None, out)
        from cygrad.functions.reduction import max
        return max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False, *, out=None):
        """The smallest element over ``axis`` (``cygrad.functions.min``); what ``numpy.min(v)``
        calls."""
        _no_numpy_extras("min", self, None, out)
        from cygrad.functions.reduction import min
        return min(self, axis, keepdims)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(v)`` is ``v.data`` itself; ``copy=True`` copies and ``copy=False``
        refuses a conversion that would need one (NumPy 2's protocol)."""
        if copy is False and dtype is not None and np.dtype(dtype) != _dtype_of(self._data):
            raise ValueError(
                f"Variable.__array__: converting {_dtype_of(self._data)} data to {np.dtype(dtype)} "
                "needs a copy, and copy=False forbids one"
            )
        if copy:
            return np.array(self._data, dtype=dtype, copy=True)
        return np.asarray(self._data, dtype=dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy's operators with an ndarray first (``a + v``, ``a < v``) work as ``v``'s own
        do; any other ufunc (``np.exp(v)``) is a TypeError: Variables compute through
        ``cygrad.functions``, which records the graph."""
        if method == "__call__" and not kwargs:
            if ufunc in _COMPARISONS:
                return np.asarray(ufunc(*[_plain(x) for x in inputs]))
            if len(inputs) == 2:
                a, b = inputs
                if ufunc is np.add:
                    return add(a, b)
                if ufunc is np.subtract:
                    return sub(a, b)
                if ufunc is np.multiply:
                    return mul(a, b)
                if ufunc is np.true_divide:
                    return div(a, b)
                if ufunc is np.matmul:
                    return matmul(a, b)
                if ufunc is np.power:
                    return PowVar()._call((a, b)) if isinstance(b, Variable) else pow(a, b)
            elif ufunc is np.negative:
                return neg(inputs[0])
            elif ufunc is np.positive:
                return inputs[0]
        where = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        if "out" in kwargs:
            raise TypeError(
                f"numpy.{where}: an ndarray cannot hold a Variable's result (out=, or a += v); "
                "write a = a + v, or use v.data for the plain array"
            )
        raise TypeError(
            f"numpy.{where} does not take Variables: use cygrad.functions "
            "(import cygrad.functions as F; F.exp(v), F.sum(v)...), which record the graph, "
            "or v.data for the plain array"
        )

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """The data as a DLPack capsule (``torch.from_dlpack(v)`` shares the memory)."""
        kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version),
                                    ("dl_device", dl_device), ("copy", copy)) if v is not None}
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __float__(self):
        return float(_one_element(self, "float"))

    def __int__(self):
        # Truncates toward zero, as int(np.float64(3.7)) does.
        return int(_one_element(self, "int"))

    def __eq__(self, other):
        return np.asarray(self._data == _plain(other))

    def __ne__(self, other):
        return np.asarray(self._data != _plain(other))

    def __lt__(self, other):
        return np.asarray(self._data < _plain(other))

    def __le__(self, other):
        return np.asarray(self._data <= _plain(other))

    def __gt__(self, other):
        return np.asarray(self._data > _plain(other))

    def __ge__(self, other):
        return np.asarray(self._data >= _plain(other))

    def __hash__(self):
        # Defining __eq__ would make the class unhashable; Variables hash by identity.
        return object.__hash__(self)


cdef object _one_element(Variable v, str name):
    """The value of a one-element Variable, for ``float(v)`` and ``int(v)``."""
    if cnp.PyArray_SIZE(v._data) != 1:
        raise TypeError(
            f"{name}(): only a one-element Variable converts to a Python number, got "
            f"shape {(<object>v._data).shape}"
        )
    return v._data.item()


cdef object _plain(object x):
    """A Variable's data; anything else as it is (an operand of a comparison)."""
    return (<Variable>x)._data if isinstance(x, Variable) else x


cdef tuple _COMPARISONS = (np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
                           np.not_equal)


cdef void _no_numpy_extras(str name, Variable v, object dtype, object out) except *:
    """Refuse what NumPy's reductions may pass beyond ``axis`` and ``keepdims``: an ``out``
    array cannot hold a Variable, and a dtype would change the Variable's."""
    if out is not None:
        raise TypeError(f"Variable.{name}: out= is not supported; a Variable is returned")
    if dtype is not None and np.dtype(dtype) != _dtype_of(v._data):
        raise TypeError(
            f"Variable.{name}: dtype={np.dtype(dtype)} differs from the Variable's "
            f"{_dtype_of(v._data)}; convert the data first"
        )


# ---------------------------------------------------------------------------------------
# The backward pass

# Backward passes are numbered, so that a Function knows whether the running pass queued it.
cdef Py_ssize_t _passes = 0

# The settings a backward pass runs under, per snapshot (Config hashes by identity).
cdef dict _backward_configs = {}


cdef object _backward_config(object snapshot, bint create_graph):
    """``snapshot`` with ``enable_backprop`` set to ``create_graph``, cached per snapshot."""
    cdef tuple pair = _backward_configs.get(snapshot)
    if pair is None:
        pair = (_replaced(snapshot, "enable_backprop", False),
                _replaced(snapshot, "enable_backprop", True))
        _backward_configs[snapshot] = pair
    return pair[1 if create_graph else 0]


# A kept gradient (a leaf's, or any under retain_grad) must be referenced by nothing but its
# Variable, so that changing one gradient in place never changes another array, and no other
# array's change shows in it. A backward may return anything: an output's gradient, one of
# its inputs' data, an array it keeps. Rather than list such cases, the pass counts
# references: at the check it holds the result tuple ``gxs`` once, the entry ``gx`` once more
# in a local, and the array it will keep once; any further reference means sharing, and the
# gradient is copied. A miscount could only cost a needless copy, never allow aliasing.

cdef inline bint _owns_memory(cnp.ndarray a):
    return cnp.PyArray_BASE(a) == NULL and cnp.PyArray_ISWRITEABLE(a)


cdef bint _private_array(cnp.ndarray a, object gx, tuple gxs):
    """Whether the array ``a``, made from the backward's result ``gx`` (an entry of ``gxs``),
    is referenced only by this pass."""
    if not _owns_memory(a) or Py_REFCNT(gxs) != 1:
        return False
    if gx is a:  # its entry in gxs, gx, a
        return Py_REFCNT(a) == 3
    if isinstance(gx, Variable) and (<Variable>gx)._data is a:  # gx: entry, gx; a: gx._data, a
        return Py_REFCNT(gx) == 2 and Py_REFCNT(a) == 2
    return Py_REFCNT(a) == 1  # a conversion made it


cdef bint _private_variable(Variable v, object gx, tuple gxs):
    """``_private_array`` for the recorded pass: the Variable ``v`` made from ``gx`` (or
    ``gx`` itself), and its data."""
    if not _owns_memory(v._data) or Py_REFCNT(gxs) != 1:
        return False
    if Py_REFCNT(v) != (3 if gx is v else 1):  # its entry in gxs, gx, v; or v alone
        return False
    # Through a pointer: passing the attribute itself would count one more, a temporary's.
    return _Py_REFCNT(<PyObject*>v._data) == (3 if gx is v._data else 1)  # entry, gx, v._data


cdef cnp.ndarray _grad_array(object gx, Variable x, Function f, Py_ssize_t i):
    """A gradient returned by a backward as an array, checked against its input's shape."""
    cdef cnp.ndarray a
    if isinstance(gx, Variable):
        a = (<Variable>gx)._data
    elif type(gx) is ndarray and (cnp.PyArray_TYPE(gx) == cnp.NPY_DOUBLE
                                  or cnp.PyArray_TYPE(gx) == cnp.NPY_FLOAT):
        a = <cnp.ndarray>gx
    else:
        a = _as_float_array(gx, f"{type(f).__name__}.backward")
    _check_grad_shape(a, x, f, i)
    if cnp.PyArray_TYPE(a) != cnp.PyArray_TYPE(x._data):
        a = a.astype(_dtype_of(x._data))  # a gradient has its variable's dtype
    return a


cdef inline void _check_grad_shape(cnp.ndarray a, Variable x, Function f, Py_ssize_t i) except *:
    if not _same_shape(a, x._data):
        raise ValueError(
            f"{type(f).__name__}.backward: gradient for input {i} has shape "
            f"{(<object>a).shape}, expected {(<object>x._data).shape}"
        )


cdef tuple _gradients(Function f, tuple gys):
    """``f``'s gradients from its ``backward`` method, one entry per input."""
    result = f.backward(*gys)
    cdef tuple gxs = result if type(result) is tuple else (
        tuple(result) if isinstance(result, list) else (result,)
    )
    if len(gxs) != len(f.inputs):
        raise ValueError(
            f"{type(f).__name__}.backward returned {len(gxs)} gradients for {len(f.inputs)} inputs"
        )
    return gxs


# The pending Functions wait in a binary heap on a list, ordered by _before: compared in C,
# this costs a fraction of heapq with (generation, counter, Function) tuples.

cdef inline bint _before(Function a, Function b):
    """Whether ``a`` runs before ``b``: larger generation first, then the one queued first."""
    return a.generation > b.generation or (a.generation == b.generation and a._order < b._order)


cdef void _heap_push(list heap, Function f):
    cdef Py_ssize_t i = len(heap), parent
    heap.append(f)
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(f, <Function>heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = f


cdef Function _heap_pop(list heap):
    cdef Function top = heap[0]
    cdef Function last = heap.pop()
    cdef Py_ssize_t n = len(heap), i = 0, child
    if n == 0:
        return top
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and _before(<Function>heap[child + 1], <Function>heap[child]):
            child += 1
        if not _before(<Function>heap[child], last):
            break
        heap[i] = heap[child]
        i = child
    heap[i] = last
    return top


cdef inline object _referent(object ref):
    """What a weak reference points to, or None, without a Python call."""
    if PyWeakref_CheckRef(ref):
        return <object>PyWeakref_GetObject(ref)
    return ref()


cdef inline object _grad_of(object ref):
    cdef object y = _referent(ref)
    return None if y is None else (<Variable>y).grad


cdef void _run_backward(Variable root, bint retain_grad, bint create_graph) except *:
    # backward methods run with enable_backprop set to create_graph. The context is switched
    # before the first one is called: a pass that only meets array forms needs no switch.
    global _passes
    cdef Function start = root.creator
    cdef Variable given = root.grad
    cdef bint held = False
    _passes += 1
    start._pass = _passes
    cdef list switched = []
    cdef list seen = [start]
    if len(start.outputs) > 1:  # the root's own gradient is the seed
        root.grad = None
        held = _set_aside_output_grads(start)
    root.grad = given if given is not None else wrap(_ones_like(root._data))
    try:
        held = _visit(start, retain_grad, create_graph, switched, seen) or held
    except BaseException:
        # A failed pass leaves every intermediate gradient as it was before, for a retry
        # (the gradients the leaves received before the failure stay, as in PyTorch).
        for f in seen:
            _restore_output_grads(<Function>f)
        root.grad = given
        raise
    finally:
        if switched:
            PyContextVar_Reset(_current, switched[0])
    if held:
        for f in seen:
            (<Function>f)._held = None


# A pass propagates only the gradients it computes. Gradients that Variables inside the graph
# hold from before (kept by an earlier pass under retain_grad) are set aside in their
# creator's ``_held`` when the pass first reaches it, and settled after its backward ran:
# added to what the pass computed under retain_grad, else put back.

cdef int _set_aside_output_grads(Function f) except -1:
    """Move the gradients ``f``'s outputs hold into ``f._held``; whether there were any."""
    cdef Py_ssize_t i
    for i in range(len(f.outputs)):
        y = _referent(f.outputs[i])
        if y is not None and (<Variable>y).grad is not None:
            if f._held is None:
                f._held = [None] * len(f.outputs)
            f._held[i] = (<Variable>y).grad
            (<Variable>y).grad = None
    return f._held is not None


cdef void _settle_output_grads(Function f, bint retain_grad, bint create_graph) except *:
    """After ``f``'s backward: its outputs keep what they held before the pass, plus under
    ``retain_grad`` what the pass computed for them."""
    cdef Py_ssize_t i
    cdef Variable y, before
    for i in range(len(f.outputs)):
        y = <Variable>_referent(f.outputs[i])
        if y is None:
            continue
        before = <Variable>f._held[i]
        if not retain_grad or y.grad is None:
            y.grad = before
        elif before is not None:
            y.grad = (add(before, y.grad) if create_graph
                      else wrap(_add_arrays(before._data, y.grad._data)))


cdef void _restore_output_grads(Function f):
    """Put back the gradients ``f``'s outputs held before the pass (None if none)."""
    cdef Py_ssize_t i
    for i in range(len(f.outputs)):
        y = _referent(f.outputs[i])
        if y is not None:
            (<Variable>y).grad = None if f._held is None else f._held[i]
    f._held = None


cdef inline void _clear_output_grads(Function f):
    for ref in f.outputs:
        y = _referent(ref)
        if y is not None:
            (<Variable>y).grad = None


cdef int _visit(Function start, bint retain_grad, bint create_graph, list switched,
                list seen) except -1:
    """The pass itself; puts the token of the settings switch in ``switched`` when it makes
    one, and every Function it queues in ``seen`` (each marked with the pass's number, which
    tells it is queued faster than a set would). Returns whether it set aside gradients
    held from before."""
    cdef Py_ssize_t this_pass = start._pass
    cdef list heap = [start]
    cdef Function f, g
    cdef Variable x, v
    cdef Py_ssize_t i, order = 0
    cdef tuple gys, gxs
    cdef object gx
    cdef cnp.ndarray a
    cdef bint keep, held = False
    start._order = 0
    while heap:
        f = _heap_pop(heap)
        gxs = None
        if len(f.outputs) == 1:
            gy = _grad_of(f.outputs[0])
            if not create_graph and gy is not None:
                gxs = f._backward_arrays((<Variable>gy)._data)  # None: no array form
        if gxs is None:
            if len(f.outputs) == 1:
                gys = (gy,)
            else:
                gys = tuple([_grad_of(ref) for ref in f.outputs])
            if not switched:
                switched.append(PyContextVar_Set(
                    _current, _backward_config(get_value(_current), create_graph)))
            gxs = _gradients(f, gys)
        for i in range(len(gxs)):
            x = <Variable>f.inputs[i]
            gx = gxs[i]
            if gx is None or x._constant:
                continue
            g = x.creator
            if g is not None and g._pass != this_pass:
                g._pass = this_pass
                seen.append(g)
                order += 1
                g._order = order
                _heap_push(heap, g)
                # Before the pass's first gradient reaches its outputs (x is one, often the
                # only one):
                if x.grad is not None or len(g.outputs) > 1:
                    held = _set_aside_output_grads(g) or held
            keep = x.grad is None and (g is None or retain_grad)
            if create_graph:
                v = _as_grad(gx, x, f, i)
                if x.grad is None:
                    x.grad = Copy()._call((v,)) if keep and not _private_variable(v, gx, gxs) else v
                else:
                    x.grad = add(x.grad, v)
            else:
                a = _grad_array(gx, x, f, i)
                if x.grad is None:
                    x.grad = wrap(_copy_array(a) if keep and not _private_array(a, gx, gxs) else a)
                else:
                    x.grad = wrap(_add_arrays(x.grad._data, a))
        if f._held is not None:
            _settle_output_grads(f, retain_grad, create_graph)
        elif not retain_grad:
            _clear_output_grads(f)
    return held


cdef Variable _as_grad(object gx, Variable x, Function f, Py_ssize_t i):
    """A gradient for the recorded pass: a Variable of its input's shape and dtype."""
    cdef Variable g
    if not isinstance(gx, Variable):
        return wrap(_grad_array(gx, x, f, i))
    g = <Variable>gx
    _check_grad_shape(g._data, x, f, i)
    if cnp.PyArray_TYPE(g._data) != cnp.PyArray_TYPE(x._data):
        g = _cast(g, _dtype_of(x._data))
    return g


# ---------------------------------------------------------------------------------------
# Function

@cython.freelist(64)
cdef class Function:
    """One operation of the graph, and the extension point for new ones.

    Subclass it and define ``forward(*xs)`` on ndarrays (return an ndarray or a tuple of
    them) and ``backward(*gys)`` on Variables, built from differentiable functions so that
    higher derivatives work (return one gradient per input, or None for no gradient).
    Call an instance to apply it: ``Square()(x)``. Every call records a fresh graph node.
    """

    def forward(self, *xs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, *gys):
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def __call__(self, *inputs):
        return self._call(inputs)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        """The gradients on arrays, for an unrecorded backward pass; None when this
        Function has no such form (the engine then calls ``backward``)."""
        return None

    cdef object _forward(self, tuple xs):
        """``forward`` on the inputs' arrays (the engine's operations override this)."""
        cdef Py_ssize_t n = len(xs)
        if n == 1:
            return self.forward((<Variable>xs[0])._data)
        if n == 2:
            return self.forward((<Variable>xs[0])._data, (<Variable>xs[1])._data)
        return self.forward(*[(<Variable>x)._data for x in xs])

    cdef object _call(self, tuple inputs):
        # An instance that is already a node of a graph keeps that node's state (whatever its
        # forward stored): a second call runs on, and records, a copy.
        cdef Function node = self if self.inputs is None else copy.copy(self)
        cdef tuple xs = _as_variables(inputs, node)
        ys = node._forward(xs)
        cdef Variable out
        cdef tuple outs
        if type(ys) is not tuple:  # one output (the common case): no tuple
            out = _output(ys, node)
            if recording():
                node._record(xs, out, None)
            return out
        outs = tuple([_output(y, node) for y in ys])
        if recording():
            node._record(xs, None, outs)
        return outs

    cdef void _record(self, tuple xs, Variable out, tuple outs):
        """Make this Function the creator of its one output ``out`` or of its ``outs``."""
        # xs and outs hold Variables only (_as_variables and _output made them): no type tests.
        cdef Py_ssize_t gen = 0
        for x in xs:
            if (<Variable>x).generation > gen:
                gen = (<Variable>x).generation
        self.generation = gen
        self.inputs = xs
        if out is not None:
            self.outputs = [PyWeakref_NewRef(out, None)]
            out.creator = self
            out.generation = gen + 1
            return
        self.outputs = [PyWeakref_NewRef(y, None) for y in outs]
        for y in outs:
            (<Variable>y).creator = self
            (<Variable>y).generation = gen + 1

    def __repr__(self):
        return f"<{type(self).__name__} generation={self.generation}>"


cdef inline Variable _output(object y, Function f):
    cdef cnp.ndarray a = _nd(y)
    cdef int t = cnp.PyArray_TYPE(a)
    if t != cnp.NPY_DOUBLE and t != cnp.NPY_FLOAT:
        a = _as_float_array(a, f"{type(f).__name__}.forward")
    return wrap(a)


def _modulo_error(modulo):
    return TypeError(f"pow: a Variable has no modular power; got modulo {modulo!r}")


def _broadcast_error(str name, a, b):
    return ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together")


# ---------------------------------------------------------------------------------------
# Arithmetic. Every backward is written in differentiable functions (double backprop).

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


cdef class _Unary(Function):
    """An engine operation of one input. Its forward is the C method ``_compute``, which
    ``_call`` reaches without a Python method call. The concrete operations are final: a
    Python subclass could not override their C methods, so a new operation subclasses
    ``Function``."""

    def forward(self, x):
        return self._compute(x)

    cdef object _forward(self, tuple xs):
        return self._compute((<Variable>xs[0])._data)

    cdef object _compute(self, x):
        raise NotImplementedError


cdef class _Binary(Function):
    """An engine operation of two inputs (see ``_Unary``)."""

    def forward(self, x0, x1):
        return self._compute(x0, x1)

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

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        return _unbroadcast_arrays(gy, gy, self.inputs)


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

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        return _unbroadcast_arrays(gy if not x0._constant else None,
                                   _neg_array(gy) if not x1._constant else None, self.inputs)


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

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        return _unbroadcast_arrays(_binary(OP_MUL, gy, x1._data) if not x0._constant else None,
                                   _binary(OP_MUL, gy, x0._data) if not x1._constant else None,
                                   self.inputs)


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

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef Variable x0 = <Variable>self.inputs[0], x1 = <Variable>self.inputs[1]
        cdef cnp.ndarray gx0 = _binary(OP_DIV, gy, x1._data)
        gx1 = (_neg_array(_binary(OP_MUL, gx0, _binary(OP_DIV, x0._data, x1._data)))
               if not x1._constant else None)
        return _unbroadcast_arrays(gx0 if not x0._constant else None, gx1, self.inputs)


@cython.final
cdef class Neg(_Unary):
    cdef object _compute(self, x):
        return _neg_array(x)

    def backward(self, gy):
        return neg(gy)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        return (_neg_array(gy),)


@cython.final
cdef class Pow(_Unary):
    """``x ** c`` for a constant exponent ``c``."""
    cdef readonly object c
    # Whether ``c`` is a Python number, and then its value: the one-element kernels' input.
    cdef bint _number
    cdef double _cv

    def __init__(self, c):
        self._set(c)

    cdef void _set(self, object c) except *:
        self.c = c
        self._number = isinstance(c, (int, float))
        self._cv = <double>c if self._number else 0.0

    cdef object _compute(self, x):
        r = _small_power(x, self._cv) if self._number else None
        if r is not None:
            return r
        try:
            return x ** self.c
        except ValueError:
            raise _broadcast_error("pow", x, np.asarray(self.c)) from None

    def backward(self, gy):
        cdef Variable x = <Variable>self.inputs[0]
        cdef Variable c = _constant(self.c, x._data.dtype, self)
        return _sum_to_input(mul(gy, mul(c, pow(x, _derivative_exponent(self.c, c._data)))), x)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef Variable x = <Variable>self.inputs[0]
        cdef double cv = self._cv, d
        cdef double e = cv - 1.0 if cv != 0.0 else 0.0  # see _derivative_exponent
        if (self._number and _exact_power(e) and _is_plain_scalar(x._data, cnp.NPY_DOUBLE)
                and _is_plain_scalar(gy, cnp.NPY_DOUBLE)):
            # The same double operations as the array expression below, without NumPy.
            d = (<double*>cnp.PyArray_DATA(gy))[0] * (
                cv * _power((<double*>cnp.PyArray_DATA(x._data))[0], e))
            if isfinite(d):
                return (_filled(gy, cnp.NPY_DOUBLE, d),)
        cdef cnp.ndarray c = _constant(self.c, x._data.dtype, self)._data
        cdef cnp.ndarray p = _nd(x._data ** _derivative_exponent(self.c, c))
        return (_sum_to_data(_binary(OP_MUL, gy, _binary(OP_MUL, c, p)), x),)


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


@cython.final
cdef class Exp(_Unary):
    cdef object _compute(self, x):
        return np.exp(x)

    def backward(self, gy):
        return mul(gy, self.outputs[0]())

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        return (_binary(OP_MUL, gy, (<Variable>self.outputs[0]())._data),)


@cython.final
cdef class Log(_Unary):
    cdef object _compute(self, x):
        return np.log(x)

    def backward(self, gy):
        return div(gy, self.inputs[0])

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        return (_binary(OP_DIV, gy, (<Variable>self.inputs[0])._data),)


@cython.final
cdef class Cast(_Unary):
    """A change of float dtype; the gradient goes back to the input's dtype."""
    cdef object dtype

    cdef object _compute(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return _cast(gy, _dtype_of((<Variable>self.inputs[0])._data))

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
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

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
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
    if isinstance(c, Variable):
        raise TypeError("pow: the exponent must be a constant; use x ** y for a Variable exponent")
    if isinstance(c, np.generic):
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


# ---------------------------------------------------------------------------------------
# Shapes

cpdef int normalize_axis(object axis, int ndim, str name) except? -1:
    """One axis as a non-negative int, negative axes counted from the end like NumPy."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{name}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{name}: axis {axis} is out of range for an array of {ndim} dimensions"
        )
    return axis % ndim


cpdef tuple normalize_axes(object axis, int ndim, str name):
    """``axis`` (None, an int or a sequence of ints) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}")
    out = sorted([normalize_axis(a, ndim, name) for a in axes])
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(out)


@cython.final
cdef class Reshape(_Unary):
    cdef public tuple shape

    def __init__(self, shape):
        self.shape = shape

    cdef object _compute(self, x):
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape an array of shape {x.shape} into shape {self.shape}"
            ) from None

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef cnp.ndarray x = (<Variable>self.inputs[0])._data
        return (gy if _same_shape(gy, x) else gy.reshape((<object>x).shape),)


@cython.final
cdef class Transpose(_Unary):
    cdef public object axes

    def __init__(self, axes=None):
        self.axes = axes

    cdef object _compute(self, x):
        if self.axes is not None:
            if len(self.axes) != x.ndim or sorted(a % x.ndim for a in self.axes) != list(range(x.ndim)):
                raise ValueError(
                    f"transpose: axes {self.axes} are not a permutation of the {x.ndim} axes "
                    f"of shape {x.shape}"
                )
        return np.transpose(x, self.axes)

    def backward(self, gy):
        return transpose(gy, self._inverse_axes())

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        return (np.transpose(gy, self._inverse_axes()),)

    cdef object _inverse_axes(self):
        if self.axes is None:
            return None
        ndim = len(self.axes)
        return tuple(np.argsort([a % ndim for a in self.axes]).tolist())


@cython.final
cdef class Sum(_Unary):
    cdef public object axis
    cdef public bint keepdims

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    cdef object _compute(self, x):
        axes = normalize_axes(self.axis, x.ndim, "sum")
        return x.sum(axis=axes, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        if not self.keepdims:
            gy = reshape(gy, self._kept_shape(x.shape))
        return broadcast_to(gy, x.shape)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef cnp.ndarray x = (<Variable>self.inputs[0])._data
        shape = (<object>x).shape
        if not self.keepdims:
            gy = gy.reshape(self._kept_shape(shape))
        return (gy if _same_shape(gy, x) else np.broadcast_to(gy, shape),)

    cdef tuple _kept_shape(self, tuple shape):
        """The input's shape with the summed axes as length 1."""
        axes = normalize_axes(self.axis, len(shape), "sum")
        return tuple([1 if i in axes else s for i, s in enumerate(shape)])


cpdef cnp.ndarray sum_to_array(object x, tuple shape):
    """Sum an array down to ``shape``, the reverse of broadcasting (``x`` itself when equal)."""
    x = _nd(x)
    if x.shape == shape:
        return x
    cdef Py_ssize_t lead = x.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"sum_to: cannot sum shape {x.shape} to shape {shape}")
    axes = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and x.shape[lead + i] != 1:
            axes.append(lead + i)
        elif s != x.shape[lead + i]:
            raise ValueError(f"sum_to: cannot sum shape {x.shape} to shape {shape}")
    if len(axes) == lead:
        # Only leading axes go: the plain sum has the shape already and owns its memory
        # (a reshaped view would make the engine copy it into a kept gradient).
        return _nd(x.sum(axis=tuple(axes)))
    return _nd(x.sum(axis=tuple(axes), keepdims=True)).reshape(shape)


@cython.final
cdef class SumTo(_Unary):
    cdef public tuple shape

    def __init__(self, shape):
        self.shape = shape

    cdef object _compute(self, x):
        return sum_to_array(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.inputs[0].shape)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef cnp.ndarray x = (<Variable>self.inputs[0])._data
        return (gy if _same_shape(gy, x) else np.broadcast_to(gy, (<object>x).shape),)


@cython.final
cdef class BroadcastTo(_Unary):
    cdef public tuple shape

    def __init__(self, shape):
        self.shape = shape

    cdef object _compute(self, x):
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {x.shape} to shape {self.shape}"
            ) from None

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        return (_sum_to_data(gy, self.inputs[0]),)


cdef bint _is_basic_index(object index):
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if not (item is None or item is Ellipsis or isinstance(item, (slice, int, np.integer))):
            return False
    return True


@cython.final
cdef class GetItem(_Unary):
    cdef public object index

    def __init__(self, index):
        self.index = index

    cdef object _compute(self, x):
        try:
            return x[self.index]
        except IndexError as e:
            raise IndexError(f"get_item: {e}") from None

    def backward(self, gy):
        x = self.inputs[0]
        return GetItemGrad(self.index, x.shape)._call((gy,))

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef cnp.ndarray x = (<Variable>self.inputs[0])._data
        return (_scatter_add(gy, self.index, (<object>x).shape),)


cdef cnp.ndarray _scatter_add(cnp.ndarray gy, object index, tuple in_shape):
    """Zeros of ``in_shape`` with ``gy`` added at ``index``."""
    gx = np.zeros(in_shape, dtype=gy.dtype)
    if _is_basic_index(index):
        gx[index] = gy
    else:
        # Repeated advanced indices must add up, which plain assignment would not do.
        np.add.at(gx, index, gy)
    return gx


@cython.final
cdef class GetItemGrad(_Unary):
    """Scatter-add of a gradient back into the indexed array's shape."""
    cdef public object index
    cdef public tuple in_shape

    def __init__(self, index, in_shape):
        self.index = index
        self.in_shape = in_shape

    cdef object _compute(self, gy):
        return _scatter_add(gy, self.index, self.in_shape)

    def backward(self, ggx):
        return get_item(ggx, self.index)


cpdef Variable reshape(x, shape):
    """``x`` with a new shape (the same Variable when the shape is unchanged)."""
    cdef Variable v = as_variable(x)
    shape = _int_tuple(shape, "reshape", "shape")
    if (<object>v._data).shape == shape:
        return v
    return Reshape(shape)._call((v,))


cpdef Variable transpose(x, axes=None):
    """Permute the axes (reverse them when ``axes`` is None)."""
    return Transpose(None if axes is None else _int_tuple(axes, "transpose", "axes"))._call((x,))


cdef tuple _int_tuple(object value, str name, str what):
    """An int or a sequence of ints as a tuple, or a TypeError naming the function."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (tuple, list)) and all(
        [isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value]
    ):
        return tuple(value)
    raise TypeError(f"{name}: {what} must be an int or a tuple of ints, got {value!r}")


cpdef Variable sum(x, axis=None, keepdims=False):
    return Sum(axis, bool(keepdims))._call((x,))


cpdef Variable sum_to(x, shape):
    """Sum ``x`` down to ``shape``, the reverse of broadcasting (no-op when equal)."""
    cdef Variable v = as_variable(x)
    shape = _int_tuple(shape, "sum_to", "shape")
    if (<object>v._data).shape == shape:
        return v
    return SumTo(shape)._call((v,))


cpdef Variable broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (an int or a tuple of ints), like ``numpy.broadcast_to``."""
    cdef Variable v = as_variable(x)
    shape = _int_tuple(shape, "broadcast_to", "shape")
    if (<object>v._data).shape == shape:
        return v
    return BroadcastTo(shape)._call((v,))


cpdef Variable get_item(x, index):
    if isinstance(index, Variable):
        # A Variable holds floats: whole numbers index like integers, others cannot index
        # (NumPy's IndexError for a float index, never a truncation).
        index = (<Variable>index)._data
        whole = np.isfinite(index) & (index == np.trunc(index))
        if not whole.all():
            raise IndexError(
                f"get_item: indices must be integers, got {index[~whole].flat[0]} in a Variable"
            )
        index = index.astype(np.intp)
    return GetItem(index)._call((x,))


# ---------------------------------------------------------------------------------------
# Matrix product

cdef Variable _swap_last(Variable v):
    cdef int n = v._data.ndim
    return transpose(v, tuple(range(n - 2)) + (n - 1, n - 2))


@cython.final
cdef class MatMul(_Binary):
    """``numpy.matmul``: 1-D operands are promoted to matrices, leading axes broadcast."""

    cdef object _compute(self, a, b):
        try:
            return np.matmul(a, b)
        except ValueError:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned") from None

    def backward(self, gy):
        a, b = self.inputs
        a2 = a if a.ndim > 1 else reshape(a, (1,) + a.shape)
        b2 = b if b.ndim > 1 else reshape(b, b.shape + (1,))
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        gy2 = reshape(gy, batch + (a2.shape[-2], b2.shape[-1]))
        ga = sum_to(matmul(gy2, _swap_last(b2)), a2.shape)
        gb = sum_to(matmul(_swap_last(a2), gy2), b2.shape)
        return reshape(ga, a.shape), reshape(gb, b.shape)

    cdef tuple _backward_arrays(self, cnp.ndarray gy):
        cdef Variable va = <Variable>self.inputs[0], vb = <Variable>self.inputs[1]
        cdef object a = va._data, b = vb._data
        a2 = a if a.ndim > 1 else a.reshape((1,) + a.shape)
        b2 = b if b.ndim > 1 else b.reshape(b.shape + (1,))
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        gy2 = gy.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if not va._constant:
            ga = sum_to_array(np.matmul(gy2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if not vb._constant:
            gb = sum_to_array(np.matmul(np.swapaxes(a2, -1, -2), gy2), b2.shape).reshape(b.shape)
        return ga, gb


cpdef Variable matmul(a, b):
    return (<Function>MatMul.__new__(MatMul))._call((a, b))
