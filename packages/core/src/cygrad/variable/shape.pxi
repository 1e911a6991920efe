# Part of cygrad.variable._core, included by _core.pyx.
# Shapes and reductions: axes, reshape, transpose, sum, broadcasting, indexing.

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

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
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

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
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

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
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

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
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

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
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

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
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

    cdef tuple _backward_arrays(self, tuple gys):
        return (_nd((<cnp.ndarray>gys[0])[self.index]),)


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
        # A Variable holds floats, and float indices are NumPy's IndexError (never truncated).
        raise IndexError(
            "get_item: indices must be integers or booleans, got a Variable (it holds "
            f"{(<Variable>index)._data.dtype}); index with an integer array instead"
        )
    return GetItem(index)._call((x,))
