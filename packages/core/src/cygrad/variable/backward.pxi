# Part of cygrad.variable._core, included by _core.pyx.
# The backward pass: the heap of pending Functions, gradient ownership and the walk.

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


cdef cnp.ndarray _grad_array(object gx, Variable x, Function f, Py_ssize_t i, str method):
    """A gradient returned by ``f``'s ``method`` as an array, checked against its input's
    shape."""
    cdef cnp.ndarray a
    # A float array first: what every array form returns.
    if type(gx) is ndarray and (cnp.PyArray_TYPE(gx) == cnp.NPY_DOUBLE
                                or cnp.PyArray_TYPE(gx) == cnp.NPY_FLOAT):
        a = <cnp.ndarray>gx
    elif isinstance(gx, Variable):
        a = (<Variable>gx)._data
    else:
        a = _as_float_array(gx, f"{type(f).__name__}.{method}")
    _check_grad_shape(a, x, f, i, method)
    if cnp.PyArray_TYPE(a) != cnp.PyArray_TYPE(x._data):
        a = a.astype(_dtype_of(x._data))  # a gradient has its variable's dtype
    return a


cdef inline int _check_grad_shape(cnp.ndarray a, Variable x, Function f, Py_ssize_t i,
                                  str method) except -1:
    if not _same_shape(a, x._data):
        raise ValueError(
            f"{type(f).__name__}.{method}: gradient for input {i} has shape "
            f"{(<object>a).shape}, expected {(<object>x._data).shape}"
        )
    return 0


# A gradient that the running pass set and that nothing else refers to (neither its Variable
# nor its array, which owns its memory) can take further contributions in place: nobody can
# see the difference, and a large gradient summed over many steps (a recurrent layer's
# weights) is not reallocated at each one. Gradients from before the pass never are.

cdef inline bint _sole_gradient(Variable x):
    """Whether ``x.grad`` and its array are referenced by ``x`` alone."""
    cdef Variable g = x.grad
    # Counted through pointers, with the local ``g`` holding one more reference.
    return (_Py_REFCNT(<PyObject*>g) == 2 and _Py_REFCNT(<PyObject*>g._data) == 1
            and _owns_memory(g._data))


cdef int _add_in_place(cnp.ndarray g, cnp.ndarray a) except -1:
    """``g += a`` (the same numbers as ``g + a``), in C for one-element float64 arrays."""
    cdef double d
    if _is_plain_scalar(g, cnp.NPY_DOUBLE) and _is_plain_scalar(a, cnp.NPY_DOUBLE):
        d = (<double*>cnp.PyArray_DATA(g))[0] + (<double*>cnp.PyArray_DATA(a))[0]
        if isfinite(d):
            (<double*>cnp.PyArray_DATA(g))[0] = d
            return 0
    g += a
    return 0


cdef tuple _gradient_tuple(object result, Function f, str method):
    """What ``f``'s ``backward`` or ``backward_arrays`` returned, one entry per input."""
    cdef tuple gxs = result if type(result) is tuple else (
        tuple(result) if isinstance(result, list) else (result,)
    )
    if len(gxs) != len(f.inputs):
        raise ValueError(
            f"{type(f).__name__}.{method} returned {len(gxs)} gradients for {len(f.inputs)} inputs"
        )
    return gxs


# The Functions a pass queued: every one, in queue order, each holding a reference (what
# a failed pass restores, and what a pass that set gradients aside settles), and among them
# a binary heap of those still to run, ordered by _before. Both are C arrays, kept on the C
# stack up to a few Functions (a chain needs one at a time), so that a pass makes no list.

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport Py_XDECREF, Py_XINCREF
from cpython.weakref cimport PyWeakref_GET_OBJECT
from libc.string cimport memcpy

cdef enum:
    _SMALL_QUEUE = 16

cdef struct _Queue:
    PyObject** seen  # its own references, the queue's numbers (Function._order) as indices
    PyObject** heap  # borrowed from seen
    Py_ssize_t n_seen
    Py_ssize_t n_heap
    Py_ssize_t capacity
    PyObject* small_seen[_SMALL_QUEUE]
    PyObject* small_heap[_SMALL_QUEUE]


cdef inline void _queue_init(_Queue* q) noexcept:
    q.seen = q.small_seen
    q.heap = q.small_heap
    q.n_seen = q.n_heap = 0
    q.capacity = _SMALL_QUEUE


cdef void _queue_release(_Queue* q) noexcept:
    """Let go of every Function queued, and of the arrays if they grew off the stack."""
    cdef Py_ssize_t i
    for i in range(q.n_seen):
        Py_XDECREF(q.seen[i])
    q.n_seen = q.n_heap = 0
    if q.seen != q.small_seen:
        PyMem_Free(q.seen)
        PyMem_Free(q.heap)
        _queue_init(q)


cdef int _queue_grow(_Queue* q) except -1:
    cdef Py_ssize_t capacity = 2 * q.capacity
    cdef PyObject** seen = <PyObject**>PyMem_Malloc(capacity * sizeof(PyObject*))
    cdef PyObject** heap = <PyObject**>PyMem_Malloc(capacity * sizeof(PyObject*))
    if seen == NULL or heap == NULL:
        PyMem_Free(seen)
        PyMem_Free(heap)
        raise MemoryError()
    memcpy(seen, q.seen, q.n_seen * sizeof(PyObject*))
    memcpy(heap, q.heap, q.n_heap * sizeof(PyObject*))
    if q.seen != q.small_seen:
        PyMem_Free(q.seen)
        PyMem_Free(q.heap)
    q.seen = seen
    q.heap = heap
    q.capacity = capacity
    return 0


cdef inline bint _before(PyObject* a, PyObject* b) noexcept:
    """Whether the Function ``a`` runs before ``b``: larger generation first, then the one
    queued first."""
    cdef Py_ssize_t ga = (<Function>a).generation, gb = (<Function>b).generation
    return ga > gb or (ga == gb and (<Function>a)._order < (<Function>b)._order)


cdef int _queue_add(_Queue* q, Function f) except -1:
    """Queue ``f``, numbering it (``f._order``) in queue order."""
    cdef Py_ssize_t i, parent
    cdef PyObject* p = <PyObject*>f
    if q.n_seen == q.capacity:
        _queue_grow(q)
    f._order = q.n_seen
    Py_XINCREF(p)
    q.seen[q.n_seen] = p
    q.n_seen += 1
    i = q.n_heap
    q.n_heap += 1
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(p, q.heap[parent]):
            break
        q.heap[i] = q.heap[parent]
        i = parent
    q.heap[i] = p
    return 0


cdef Function _queue_pop(_Queue* q):
    """The Function to run next (the queue is not empty)."""
    cdef PyObject* top = q.heap[0]
    q.n_heap -= 1
    cdef Py_ssize_t n = q.n_heap, i = 0, child
    cdef PyObject* last = q.heap[n]
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and _before(q.heap[child + 1], q.heap[child]):
            child += 1
        if not _before(q.heap[child], last):
            break
        q.heap[i] = q.heap[child]
        i = child
    if n > 0:
        q.heap[i] = last
    return <Function>top


cdef inline object _referent(object ref):
    """What a weak reference points to, or None, without a Python call."""
    if PyWeakref_CheckRef(ref):
        return <object>PyWeakref_GET_OBJECT(ref)  # (the checked form checks it again)
    return ref()


cdef inline object _first_output(Function f):
    """``f``'s output 0, or None if it is gone."""
    if PyWeakref_CheckRef(f._outputs):  # the one output's bare reference: read it directly
        return <object>PyWeakref_GET_OBJECT(f._outputs)
    return _referent(_output_ref(f, 0))


cdef inline object _grad_of(object ref):
    cdef object y = _referent(ref)
    return None if y is None else (<Variable?>y).grad


cdef void _run_backward(Variable root, bint retain_grad, bint create_graph) except *:
    # backward methods run with enable_backprop set to create_graph. The context is switched
    # before the first one is called: a pass that only meets array forms needs no switch.
    global _passes
    cdef Function start = root.creator
    cdef Variable given = root.grad
    cdef bint held = False
    cdef _Queue queue
    cdef PyObject* token = NULL  # the settings switch's, once the pass makes it
    cdef Py_ssize_t i
    _passes += 1
    start._pass = _passes
    _queue_init(&queue)
    _queue_add(&queue, start)  # (room for it on the stack: no error)
    try:
        if _n_outputs(start) > 1:  # the root's own gradient is the seed
            root.grad = None
            held = _set_aside_output_grads(start)
        if given is not None:
            root.grad = given
        elif _seed_as_double(root, start, retain_grad, create_graph):
            root._pending = 1.0
            root._pending_pass = _passes
        else:
            root.grad = wrap(_ones_like(root._data))
        try:
            held = _visit(start, retain_grad, create_graph, &token, &queue) or held
        except BaseException:
            # A failed pass leaves every intermediate gradient as it was before, for a retry
            # (the gradients the leaves received before the failure stay, as in PyTorch).
            for i in range(queue.n_seen):
                _restore_output_grads(<Function>queue.seen[i])
            root.grad = given
            raise
        finally:
            if token != NULL:
                switch = <object>token
                Py_XDECREF(token)  # the pass's reference: ``switch`` holds the last one
                PyContextVar_Reset(_current, switch)
        if held:
            for i in range(queue.n_seen):
                (<Function>queue.seen[i])._held = None
    finally:
        _queue_release(&queue)


# A pass propagates only the gradients it computes. Gradients that Variables inside the graph
# hold from before (kept by an earlier pass under retain_grad) are set aside in their
# creator's ``_held`` when the pass first reaches it, and settled after its backward ran:
# added to what the pass computed under retain_grad, else put back.

cdef int _set_aside_output_grads(Function f) except -1:
    """Move the gradients ``f``'s outputs hold into ``f._held``; whether there were any."""
    cdef Py_ssize_t i
    cdef Py_ssize_t n = _n_outputs(f)
    for i in range(n):
        y = _referent(_output_ref(f, i))
        if y is not None and (<Variable?>y).grad is not None:
            if f._held is None:
                f._held = [None] * n
            f._held[i] = (<Variable>y).grad
            (<Variable>y).grad = None
    return f._held is not None


cdef void _settle_output_grads(Function f, bint retain_grad, bint create_graph) except *:
    """After ``f``'s backward: its outputs keep what they held before the pass, plus under
    ``retain_grad`` what the pass computed for them."""
    cdef Py_ssize_t i
    cdef Variable y, before
    for i in range(_n_outputs(f)):
        y = _referent(_output_ref(f, i))  # a checked assignment (None passes)
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
    for i in range(_n_outputs(f)):
        y = _referent(_output_ref(f, i))
        if isinstance(y, Variable):
            (<Variable>y).grad = None if f._held is None else f._held[i]
    f._held = None


cdef inline void _clear_output_grads(Function f):
    cdef Py_ssize_t i
    for i in range(_n_outputs(f)):
        y = _referent(_output_ref(f, i))
        if isinstance(y, Variable):
            (<Variable>y).grad = None


cdef int _visit(Function start, bint retain_grad, bint create_graph, PyObject** token,
                _Queue* queue) except -1:
    """The pass itself, from ``start`` (queued); sets ``token`` to the settings switch's
    (a reference) when it makes one, and queues every Function it reaches in ``queue`` (each
    marked with the pass's number, which tells it is queued faster than a set would).
    Returns whether it set aside gradients held from before."""
    cdef Py_ssize_t this_pass = start._pass
    cdef Function f
    cdef Variable x, v, y
    cdef Py_ssize_t i
    cdef tuple gys, gxs, xs
    cdef PyObject* p
    cdef object gx
    cdef str method
    cdef cnp.ndarray a
    cdef bint keep, held = False
    cdef double gxd[2]
    while queue.n_heap > 0:
        f = _queue_pop(queue)
        f._order = -1  # run: a gradient reaching its outputs from now on is not pending
        _check_inputs(f)
        # A first-order pass takes the array form where the class has one (None: it has not).
        gxs = None
        if _n_outputs(f) == 1:
            y = _first_output(f)  # a checked assignment (None passes)
            if y is not None and y._pending_pass == this_pass:
                y._pending_pass = 0
                xs = f.inputs
                if _scalar_inputs(xs, y) and f._backward_doubles(y._pending, gxd):
                    for i in range(PyTuple_GET_SIZE(xs)):
                        p = PyTuple_GET_ITEM(xs, i)  # borrowed: the local xs holds the tuple
                        if not (<Variable>p)._constant:
                            _reach(<Variable>p, this_pass, queue, &held)
                            _store_double(<Variable>p, gxd[i], this_pass, retain_grad)
                    if f._held is not None:
                        _settle_output_grads(f, retain_grad, create_graph)
                    continue
                _materialize(y, y._pending, this_pass)
            gy = None if y is None else y.grad
            if not create_graph and gy is not None:
                gxs = f._backward_arrays(((<Variable>gy)._data,))
            if gxs is None:
                gys = (gy,)
        else:
            gys = tuple([_grad_of(_output_ref(f, i)) for i in range(_n_outputs(f))])
            if not create_graph:
                gxs = f._backward_arrays(_arrays_of(gys))
        method = "backward_arrays" if gxs is not None else "backward"
        if gxs is None:
            if token[0] == NULL:
                switch = PyContextVar_Set(
                    _current, _backward_config(get_value(_current), create_graph))
                token[0] = <PyObject*>switch
                Py_XINCREF(token[0])
            gxs = _gradient_tuple(f.backward(*gys), f, "backward")
        # The pass lets go of the output gradients before it hands out the input gradients:
        # a gradient that a backward passes through unchanged (add's, sub's) is then referenced
        # by the result alone, so the ownership checks below let a leaf keep it without a copy.
        gy = None
        gys = None
        y = None
        if f._held is None and not retain_grad:
            _clear_output_grads(f)
        for i in range(len(gxs)):
            x = <Variable>f.inputs[i]
            gx = gxs[i]
            if gx is None or x._constant:
                continue
            _reach(x, this_pass, queue, &held)
            if create_graph:
                keep = x.grad is None and (x.creator is None or retain_grad)
                v = _as_grad(gx, x, f, i)
                if x.grad is None:
                    x.grad = Copy()._call((v,)) if keep and not _private_variable(v, gx, gxs) else v
                else:
                    x.grad = add(x.grad, v)
            else:
                a = _grad_array(gx, x, f, i, method)
                # (A pending double means no grad, and no keeping: x is inside the graph.)
                if x.grad is None and (x.creator is None or retain_grad):
                    if not _private_array(a, gx, gxs):
                        a = _copy_array(a)
                _store_array(x, a, this_pass)
        if f._held is not None:
            _settle_output_grads(f, retain_grad, create_graph)
    return held


cdef inline int _reach(Variable x, Py_ssize_t this_pass, _Queue* queue,
                       bint* held) except -1:
    """Queue ``x``'s creator if the pass has not yet, before the pass's first gradient
    reaches ``x``."""
    cdef Function g = x.creator
    if g is None or g._pass == this_pass:
        return 0
    _queue_add(queue, g)
    g._pass = this_pass
    # Set aside what its outputs held before the pass (x is one, often the only one).
    if x.grad is not None or _n_outputs(g) > 1:
        if _set_aside_output_grads(g):
            held[0] = True
    return 0


cdef int _store_array(Variable x, cnp.ndarray a, Py_ssize_t this_pass) except -1:
    """Add the gradient ``a`` (of ``x``'s shape and dtype) to what the pass gave ``x``: kept
    as it is when it is the first, in place when the pass's own gradient is ``x``'s alone."""
    if x._pending_pass == this_pass:
        _materialize(x, x._pending, this_pass)
    if x.grad is None:
        x.grad = wrap(a)
        x._grad_pass = this_pass
    elif x._grad_pass == this_pass and _sole_gradient(x):
        _add_in_place(x.grad._data, a)
    else:
        x.grad = wrap(_add_arrays(x.grad._data, a))
        x._grad_pass = this_pass
    return 0


# One-element float64 gradients as C doubles. On a graph of one-element float64 arrays (a
# scalar function of scalar parameters) most of a first-order pass's cost is making and
# freeing one-element arrays and their Variables. So an engine operation whose inputs are
# all one-element float64 arrays of its output's shape computes its gradients as doubles
# (``Function._backward_doubles``, the same double operations as its array form), and a
# Variable inside the graph whose gradient nobody else can see (no retain_grad; its creator
# records it as its one output and has not run yet) holds the pass's gradient as the double
# ``_pending``, marked with the pass's number, with ``grad`` left None. Where a gradient
# becomes visible (a leaf's grad, retain_grad, a Function without the double form, or a
# gradient that is no longer finite) it becomes an array of the Variable's shape, exactly
# as the array form would have made it.

cdef bint _seed_as_double(Variable root, Function start, bint retain_grad, bint create_graph):
    """Whether the pass's seed, 1, may be held as a double."""
    return (not retain_grad and not create_graph
            and _is_plain_scalar(root._data, cnp.NPY_DOUBLE) and _sole_output(start, root))


cdef inline bint _sole_output(Function g, Variable x):
    """Whether ``x`` is the one output ``g`` records (``outputs`` is public, so writable)."""
    return _n_outputs(g) == 1 and _first_output(g) is x


cdef inline bint _scalar_inputs(tuple xs, Variable y):
    """Whether every input ``xs`` of ``y``'s creator (two at most, Variables) is a one-element
    float64 array, of ``y``'s shape unless it is a constant: ``_backward_doubles``'s
    condition. (The shape matters: summed back to a smaller shape, a gradient of -0.0
    becomes 0.0.)"""
    cdef Py_ssize_t i, n = PyTuple_GET_SIZE(xs)
    cdef PyObject* x
    if n > 2:
        return False
    for i in range(n):
        x = PyTuple_GET_ITEM(xs, i)  # borrowed: the caller holds xs
        if not (_is_plain_scalar((<Variable>x)._data, cnp.NPY_DOUBLE)
                and ((<Variable>x)._constant or _same_shape((<Variable>x)._data, y._data))):
            return False
    return True


cdef int _materialize(Variable x, double d, Py_ssize_t this_pass) except -1:
    """Make the pending double ``d`` of ``x`` its ``grad``: an array of ``x``'s shape."""
    x._pending_pass = 0
    x.grad = wrap(_filled(x._data, cnp.NPY_DOUBLE, d))
    x._grad_pass = this_pass
    return 0


cdef int _store_double(Variable x, double d, Py_ssize_t this_pass, bint retain_grad) except -1:
    """``_store_array`` for a gradient held as the double ``d`` (``x`` is a one-element
    float64 array): kept pending where nobody can see it, else an array."""
    cdef Function g = x.creator
    cdef double s
    if x._pending_pass == this_pass:
        s = x._pending + d
        if isfinite(s):
            x._pending = s
            return 0
        _materialize(x, x._pending, this_pass)  # the sum as NumPy makes it, with its warning
    elif x.grad is None:
        if g is not None and not retain_grad and g._order >= 0 and _sole_output(g, x):
            x._pending = d
            x._pending_pass = this_pass
        else:
            _materialize(x, d, this_pass)
        return 0
    elif (x._grad_pass == this_pass and _sole_gradient(x)
            and _is_plain_scalar(x.grad._data, cnp.NPY_DOUBLE)):
        s = _double_of(x.grad._data) + d
        if isfinite(s):
            (<double*>cnp.PyArray_DATA(x.grad._data))[0] = s
            return 0
    return _store_array(x, _filled(x._data, cnp.NPY_DOUBLE, d), this_pass)


cdef inline int _check_inputs(Function f) except -1:
    """A TypeError unless ``f.inputs`` (public, so assignable) holds Variables alone: both
    backward forms and the pass read them as Variables."""
    cdef tuple xs = f.inputs
    cdef Py_ssize_t i
    if xs is None:
        raise TypeError(f"{type(f).__name__}: its inputs must be Variables, got None")
    for i in range(PyTuple_GET_SIZE(xs)):
        x = <object>PyTuple_GET_ITEM(xs, i)
        if not isinstance(x, Variable):
            raise TypeError(f"{type(f).__name__}: its inputs must be Variables, got {x!r}")
    return 0


cdef tuple _arrays_of(tuple gys):
    """The output gradients (Variables, or None) as what ``backward_arrays`` takes."""
    return tuple([None if gy is None else (<Variable>gy)._data for gy in gys])


cdef Variable _as_grad(object gx, Variable x, Function f, Py_ssize_t i):
    """A gradient for the recorded pass: a Variable of its input's shape and dtype."""
    cdef Variable g
    if not isinstance(gx, Variable):
        return wrap(_grad_array(gx, x, f, i, "backward"))
    g = <Variable>gx
    _check_grad_shape(g._data, x, f, i, "backward")
    if cnp.PyArray_TYPE(g._data) != cnp.PyArray_TYPE(x._data):
        g = _cast(g, _dtype_of(x._data))
    return g
