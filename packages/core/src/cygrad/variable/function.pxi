# Part of cygrad.variable._core, included by _core.pyx.
# Function: the recording flag, the extension point and how a call records a node.

# The last settings snapshot read and its enable_backprop: snapshots are immutable, so
# reading the flag again is only needed when the context holds another snapshot. The two
# are set together after the read, with no Python code between them (no other thread can
# see one without the other).
cdef object _last_snapshot = None
cdef bint _last_enable_backprop = True


cpdef bint recording():
    """Whether operations are recorded right now (False under no_grad, and during a
    backward pass without create_graph)."""
    global _last_snapshot, _last_enable_backprop
    snapshot = get_value(_current)
    cdef bint enable
    if snapshot is not _last_snapshot:
        enable = snapshot.enable_backprop
        _last_enable_backprop = enable
        _last_snapshot = snapshot
    return _last_enable_backprop


@cython.freelist(64)
cdef class Function:
    """One operation of the graph, and the extension point for new ones.

    Subclass it and define ``forward(*xs)`` on ndarrays (return an ndarray or a tuple of
    them) and ``backward(*gys)`` on Variables, built from differentiable functions so that
    higher derivatives work (return one gradient per input, or None for no gradient).
    Call an instance to apply it: ``Square()(x)``. Every call records a fresh graph node.

    Optionally define ``backward_arrays(*gys)`` too: the same gradients computed on ndarrays
    (see its docstring). A first-order pass uses it instead of ``backward``.
    """

    def forward(self, *xs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, *gys):
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def backward_arrays(self, *gys):
        """The gradients of ``backward`` computed on ndarrays, for a first-order pass.

        Optional: ``gys`` are the output gradients as ndarrays (None for an output that
        received none); return one ndarray per input (a single one for a single input), or
        None for no gradient. A backward pass without ``create_graph`` calls it instead of
        ``backward`` when the class defines it (looked up once per class): no Variables and
        no graph nodes. It must perform the same NumPy operations as ``backward`` in the same
        order, so that both give the same numbers bit for bit
        (``cygrad.testing.check_backward_forms`` checks it). The engine's own operations
        define theirs in C; a class that overrides ``backward`` but not ``backward_arrays``
        is differentiated through its ``backward``.
        """
        _check_gradient_arrays(self, gys)
        gxs = self._backward_arrays(gys)
        if gxs is None:
            raise NotImplementedError(f"{type(self).__name__} does not define backward_arrays")
        return gxs[0] if len(gxs) == 1 else gxs

    def __call__(self, *inputs):
        return self._call(inputs)

    @property
    def outputs(self):
        """Weak references to the outputs, as a list (None before the node is recorded)."""
        if PyWeakref_CheckRef(self._outputs):  # kept bare for one output: the list from now on
            self._outputs = [self._outputs]
        return self._outputs

    @outputs.setter
    def outputs(self, list value):
        self._outputs = value

    @outputs.deleter
    def outputs(self):
        self._outputs = None

    cdef tuple _backward_arrays(self, tuple gys):
        """The gradients on arrays for a first-order pass, one entry per input, or None when
        this class has no array form (the pass then calls ``backward``). This is the class's
        own ``backward_arrays``; the engine's operations override the C method itself."""
        method = _array_form(type(self))
        if method is None:
            return None
        result = method(self, gys[0]) if len(gys) == 1 else method(self, *gys)
        return _gradient_tuple(result, self, "backward_arrays")

    cdef int _backward_doubles(self, double gy, double* gxs) except -1:
        """The array form for one-element float64 operands held as C doubles (see
        backward.pxi): given the output gradient ``gy``, fill ``gxs`` with the gradient of
        every input that wants one and return 1, or return 0 to have the pass use the array
        form instead. An override performs the same double operations as its array form and
        returns 0 where one of them is not finite (the array form's NumPy fallback then
        warns as before). The pass calls it only when every input is a one-element float64
        array of the output's shape. Functions written in Python have no such form."""
        return 0

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
        # xs and outs hold Variables only (_as_variables and _output made them): no type tests,
        # and the items of xs are read borrowed (xs holds them).
        cdef Py_ssize_t gen = 0, i
        cdef PyObject* x
        for i in range(PyTuple_GET_SIZE(xs)):
            x = PyTuple_GET_ITEM(xs, i)
            if (<Variable>x).generation > gen:
                gen = (<Variable>x).generation
        self.generation = gen
        self.inputs = xs
        if out is not None:
            self._outputs = PyWeakref_NewRef(out, None)
            out.creator = self
            out.generation = gen + 1
            return
        self._outputs = [PyWeakref_NewRef(y, None) for y in outs]
        for y in outs:
            (<Variable>y).creator = self
            (<Variable>y).generation = gen + 1

    def __repr__(self):
        return f"<{type(self).__name__} generation={self.generation}>"


cdef inline Py_ssize_t _n_outputs(Function f) except -1:
    """How many outputs ``f`` records (a TypeError, as ``len(f.outputs)``, before it does)."""
    if PyWeakref_CheckRef(f._outputs):
        return 1
    return len(f._outputs)


cdef inline object _output_ref(Function f, Py_ssize_t i):
    """The weak reference to ``f``'s output ``i``, whichever form ``f._outputs`` has."""
    if PyWeakref_CheckRef(f._outputs):
        return f._outputs
    return f._outputs[i]


# Each class's own ``backward_arrays`` (or None), found on its first backward pass.
cdef dict _array_forms = {}


cdef object _array_form(type cls):
    """``cls``'s ``backward_arrays`` as a function to call with the instance, or None."""
    method = _array_forms.get(cls, _array_forms)  # the dict itself stands for "not yet looked up"
    if method is _array_forms:
        method = _find_array_form(cls)
        _array_forms[cls] = method
    return method


cdef object _find_array_form(type cls):
    """``cls.backward_arrays`` when some class below Function defines it, and it is not older
    than ``backward``: a subclass that overrides ``backward`` but inherits ``backward_arrays``
    would get its parent's gradients from it, so it is differentiated by its ``backward``."""
    arrays_owner = backward_owner = None
    for klass in cls.__mro__:
        if arrays_owner is None and "backward_arrays" in klass.__dict__:
            arrays_owner = klass
        if backward_owner is None and "backward" in klass.__dict__:
            backward_owner = klass
    if arrays_owner is Function or not issubclass(arrays_owner, backward_owner):
        return None
    return getattr(cls, "backward_arrays")


cdef void _check_gradient_arrays(Function f, tuple gys) except *:
    """What ``Function.backward_arrays`` takes: one ndarray per output of an applied Function."""
    name = type(f).__name__
    if f.outputs is None:
        raise ValueError(f"{name}.backward_arrays: the Function has not been applied (no inputs)")
    _check_inputs(f)
    if len(gys) != len(f.outputs):
        raise ValueError(
            f"{name}.backward_arrays: got {len(gys)} gradients for {len(f.outputs)} outputs"
        )
    for gy in gys:
        if not isinstance(gy, ndarray):
            raise TypeError(f"{name}.backward_arrays: gradients must be ndarrays, got {gy!r}")
    for ref in f.outputs:
        if _referent(ref) is None:
            raise ValueError(f"{name}.backward_arrays: an output of the Function is gone")


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
