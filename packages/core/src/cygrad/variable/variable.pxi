# Part of cygrad.variable._core, included by _core.pyx.
# Variable: a node of the graph, its operators and the habits of a NumPy array.

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
        _require_data(self, "backward")
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


# A freed Variable's array may become a spare (kernels.pxi). That is done by wrapping the
# type's deallocator rather than in a ``__dealloc__`` method, around which Cython saves and
# restores the error state: a tenth of the cost of freeing a Variable, and a scalar graph frees
# one per operation. The wrapper runs before Cython's own deallocator (which clears the fields
# and keeps the Variable on its freelist), after any subclass's finalizer; it runs no Python
# code and counts no reference of the Variable, whose count is already zero.
cdef destructor _free_variable = (<PyTypeObject*>Variable).tp_dealloc


cdef void _dealloc_variable(PyObject* v) noexcept:
    _keep_spare(<PyObject*>(<Variable>v)._data)  # through pointers: no reference counted
    _free_variable(v)


(<PyTypeObject*>Variable).tp_dealloc = _dealloc_variable


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
