# Part of cygrad.variable._core, included by _core.pyx.
# Matrix product: numpy.matmul semantics, 1-D and batched.

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

    cdef tuple _backward_arrays(self, tuple gys):
        cdef cnp.ndarray gy = gys[0]
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
