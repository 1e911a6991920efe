# Part of cygrad.variable._core, included by _core.pyx.
# Function: the recording flag, the extension point and how a call records a node.

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
