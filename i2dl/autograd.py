"""The computational graph of the lecture, recorded as the forward pass runs.

An op is a :class:`Function` with ``forward(ctx, *arrays, **params) -> array`` and
``backward(ctx, grad) -> grad per input`` on raw arrays (NumPy or CuPy). ``Function.apply``
runs the forward, and when some input requires a gradient it stores the context (what the
backward needs plus the input tensors) on the output. :func:`backward` then walks the graph in
reverse topological order once, summing the gradients that reach each tensor (chain rule, with
the multivariate sum over paths) and depositing them in the leaves' ``.grad``.
"""
from __future__ import annotations

import functools
import itertools
import threading


class _GradMode(threading.local):
    """Whether ops record the graph: per thread, as in PyTorch, so that one thread evaluating
    under no_grad() never switches recording off for another thread that trains."""
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    return _grad_mode.enabled


class no_grad:
    """Context manager and decorator: no graph is recorded inside (inference, optimizer steps).
    Applies to the calling thread only; each use keeps its own previous state, so one instance may
    be entered by several threads or nested."""

    _value = False

    def __init__(self):
        self._previous = []

    def __enter__(self):
        self._previous.append(_grad_mode.enabled)
        _grad_mode.enabled = self._value
        return self

    def __exit__(self, *exc):
        _grad_mode.enabled = self._previous.pop()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class enable_grad(no_grad):
    _value = True


class set_grad_enabled(no_grad):
    """``set_grad_enabled(mode)``: as a context manager, recording on or off inside; called
    plainly, it sets the calling thread's mode (PyTorch's behaviour)."""

    def __init__(self, mode: bool):
        super().__init__()
        self._value = bool(mode)
        self._previous.append(_grad_mode.enabled)
        _grad_mode.enabled = self._value

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode = self._value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        _grad_mode.enabled = self._previous[-1]
        return wrapper


class Context:
    """What a forward hands to its backward. Attributes are free-form (``ctx.idx = ...``);
    ``needs_input_grad[i]`` says whether input i wants a gradient."""

    def save_for_backward(self, *arrays):
        self.saved = arrays


def _graph_freed(ctx, grad):
    raise RuntimeError("backward through a graph a second time: its saved arrays were freed by the first "
                       "backward(); call backward(retain_graph=True) the first time if you need this")


class GraphTensor:
    """What the graph needs of a tensor: its array, its gradient, whether it requires one, and the
    context of the op that made it. ``i2dl.Tensor`` is the concrete class: it subclasses this one
    with ``output=True``, which makes it the type of every Function's output, so this module never
    imports (or is told about) the layer above it."""
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    _output_type = None

    def __init_subclass__(cls, output: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        if output:
            GraphTensor._output_type = cls

    @classmethod
    def _wrap(cls, data, requires_grad=False):
        """Fast constructor for op results (no conversion), always of the output type."""
        t = object.__new__(GraphTensor._output_type)
        t.data, t.grad, t.requires_grad, t._ctx = data, None, requires_grad, None
        return t

_creation_counter = itertools.count()


class Function:
    """Base of every differentiable op. Subclasses define static ``forward`` and ``backward``."""

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        arrays, needs, any_needs = [], [], False
        for t in inputs:
            if isinstance(t, GraphTensor):
                arrays.append(t.data)
                n = t.requires_grad
                any_needs = any_needs or n
                needs.append(n)
            else:
                arrays.append(t)
                needs.append(False)
        ctx = Context()
        record = any_needs and _grad_mode.enabled
        ctx.needs_input_grad = needs if record else [False] * len(inputs)
        out = cls.forward(ctx, *arrays, **params)
        result = GraphTensor._wrap(out, record)
        if record:
            ctx.seq = next(_creation_counter)
            ctx.parents = inputs
            ctx.backward_fn = cls.backward
            ctx.fn_name = _grad_fn_name(cls)
            result._ctx = ctx
        if type(out) is tuple:
            return _outputs(result, out, record)
        return result


class _Slots:
    """The gradients that reached the outputs of a multi-output Function, by position (None where
    none arrived); two partial sets add slot by slot."""
    __slots__ = ("grads",)

    def __init__(self, grads):
        self.grads = grads

    def __add__(self, other):
        return _Slots(tuple(b if a is None else a if b is None else a + b for a, b in zip(self.grads, other.grads)))


def _outputs(packed, arrays, record):
    """A Function whose forward returns a tuple of arrays gives a tuple of tensors (PyTorch's
    ``output, (h_n, c_n)``): each output is a node whose backward puts its gradient in its slot of the
    packed result, and the Function's backward runs once with every slot, ``backward(ctx, grads)``
    getting a tuple with None for an output no gradient reached."""
    n, results = len(arrays), []
    for i, a in enumerate(arrays):
        r = GraphTensor._wrap(a, record and a is not None)
        if r.requires_grad:
            c = Context()
            c.seq, c.parents, c.needs_input_grad = next(_creation_counter), (packed,), (True,)
            c.backward_fn = functools.partial(_slot_backward, i, n)
            c.fn_name = packed._ctx.fn_name
            r._ctx = c
        results.append(r)
    return tuple(results)


def _slot_backward(i, n, ctx, grad):
    return _Slots(tuple(grad if j == i else None for j in range(n)))


_grad_fn_names = {}


def _grad_fn_name(cls) -> str:
    """How ``grad_fn`` names the op, as PyTorch does: "Conv2dBackward" for ``Conv2dFunction``,
    "AddBackward" for ``Add`` (so that it never reads as the Module of the same name)."""
    name = _grad_fn_names.get(cls)
    if name is None:
        base = cls.__name__.lstrip("_")
        name = _grad_fn_names[cls] = (base[:-len("Function")] if base.endswith("Function") else base) + "Backward"
    return name


def _order_key(t):
    return t._ctx.seq


_pending = threading.local()


def queue_callback(fn) -> None:
    """Runs ``fn()`` once at the end of this thread's next backward pass (how DistributedDataParallel
    averages the gradients after they are all accumulated, before the optimizer's step)."""
    if not hasattr(_pending, "callbacks"):
        _pending.callbacks = []
    _pending.callbacks.append(fn)


def _run_callbacks():
    callbacks = getattr(_pending, "callbacks", None)
    if callbacks:
        _pending.callbacks = []
        for fn in callbacks:
            fn()


def backward(root, grad, retain_graph: bool = False) -> None:
    """Backpropagates ``grad`` (dL/droot) through the graph that produced ``root``.

    Every recorded op carries its creation number; an op's inputs were all made before it, so the
    reachable ops sorted by decreasing number are a reverse topological order. A gradient is
    complete when its op's turn comes; leaves accumulate into ``.grad`` as gradients arrive.
    """
    if root._ctx is None:  # a leaf that requires grad: d root / d root
        root.grad = grad if root.grad is None else root.grad + grad
        _run_callbacks()
        return
    nodes, seen, stack = [root], {id(root)}, [root]
    while stack:
        ctx = stack.pop()._ctx
        for p, needed in zip(ctx.parents, ctx.needs_input_grad):
            if needed and p._ctx is not None and id(p) not in seen:
                seen.add(id(p))
                nodes.append(p)
                stack.append(p)
    nodes.sort(key=_order_key, reverse=True)
    grads = {id(root): grad}
    for t in nodes:
        g = grads.pop(id(t), None)
        if g is None:
            continue
        ctx = t._ctx
        in_grads = ctx.backward_fn(ctx, g.grads if type(g) is _Slots else g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for p, pg, needed in zip(ctx.parents, in_grads, ctx.needs_input_grad):
            if not needed or pg is None:  # needed: p is a Tensor that required grad when recorded
                continue
            if type(pg) is _Slots:  # to the packed result of a multi-output Function
                prev = grads.get(id(p))
                grads[id(p)] = pg if prev is None else prev + pg
                continue
            dt = p.data.dtype
            if pg.dtype is not dt and pg.dtype != dt:  # a gradient has its tensor's dtype (float32 x float64 ops)
                pg = pg.astype(dt)
            if p._ctx is None:  # a leaf: accumulate, never in place (grads may be shared between leaves)
                p.grad = pg if p.grad is None else p.grad + pg
                continue
            key = id(p)
            prev = grads.get(key)
            grads[key] = pg if prev is None else prev + pg
        if not retain_graph:
            name, seq = ctx.fn_name, ctx.seq
            ctx.__dict__.clear()
            ctx.fn_name, ctx.seq, ctx.backward_fn, ctx.parents, ctx.needs_input_grad = name, seq, _graph_freed, (), ()
    _run_callbacks()
