"""In-place writes through views, as PyTorch does them.

A view shares its base's memory and version counter. When an in-place op that records a graph writes
through a view, PyTorch rebases the graph: the base's grad_fn becomes CopySlices (the old base with the
view's region replaced by the op's result) and the view's grad_fn becomes AsStridedBackward0 (its region
read back out of the new base). The region is kept as the flat positions of the view's elements in the base.
"""
import warnings

import numpy as np

from .grad_mode import enabled as _grad_enabled
from .node import Op, _SUFFIX
from ..tensor import _NON_LEAF_GRAD, Tensor, _node_of

_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.")
_LEAF_VIEW = "a view of a leaf Variable that requires grad is being used in an in-place operation."


_PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                    "single memory location. Please clone() the tensor before performing the operation.")


def check_no_partial_overlap(out, inputs):
    """PyTorch's refusal of an elementwise in-place op (or copy_) that reads an input whose memory partly overlaps
    the written tensor's (x[1:].add_(x[:-1])): the same memory read as the same elements (x.add_(x)) is fine, and,
    as in PyTorch, memory with gaps or repeats is not checked."""
    a = out._data
    if not isinstance(a, np.ndarray):
        return
    for x in inputs:
        if x.__class__ is not Tensor and not isinstance(x, Tensor):
            continue
        b = x._data
        if not isinstance(b, np.ndarray) or not np.may_share_memory(a, b):  # (the common case, cheaply)
            continue
        if not a.size or not b.size or not _dense(a) or not _dense(b):
            continue
        a_begin = a.__array_interface__["data"][0]
        a_end = a_begin + a.nbytes
        b_begin = b.__array_interface__["data"][0]
        b_end = b_begin + b.nbytes
        if a_begin == b_begin and a_end == b_end:
            if a.strides != b.strides:
                raise RuntimeError(_PARTIAL_OVERLAP)
        elif a_begin < b_end and b_begin < a_end:
            raise RuntimeError(_PARTIAL_OVERLAP)


def _dense(a):
    """PyTorch's is_non_overlapping_and_dense: a permutation of a's dims is C-contiguous, with no gaps."""
    expected = a.itemsize
    for stride, n in sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def check_view_write(view):
    """PyTorch's refusals for an in-place write through a view whose base or value takes part in autograd."""
    creation = getattr(view, "_creation", None)
    if creation is not None:
        raise RuntimeError(creation_refusal(view, creation, "is being"))
    base = view._base
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(_LEAF_VIEW)


_MULTI_OUTPUT = (" This view is the output of a function that returns multiple views. Such functions do not allow the "
                 "output views to be modified inplace. You should replace the inplace operation by an out-of-place "
                 "one.")
_NO_GRAD = (" Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
            "moving both the view and the inplace either both inside the no_grad block (if you don't want the "
            "inplace to be tracked) or both outside (if you want the inplace to be tracked).")


def creation_refusal(view, creation, modified):
    """PyTorch's words for an in-place write to (modified="is being") or beside (modified="its base or another view
    of its base has been") a view that a multi-output function or no_grad mode made."""
    node, output_nr = _node_of(view), view._output_nr
    if node.__class__ is _StaleView:
        node, output_nr = node.view_fn
    name = node is not None and f"Output {output_nr} of {_SUFFIX.sub('', node.name())}"
    if creation == "no_grad" or not name:
        prefix = f"{name} is a view of a view which was created in" if name else "A view was created in"
        message = f"{prefix} no_grad mode and {modified} modified inplace with grad mode enabled."
    else:
        message = f"{name} is a view and {modified} modified inplace."
    return message + (_MULTI_OUTPUT if creation == "multi_output" else _NO_GRAD)


def positions_in_base(view, base):
    """The flat (C-order) position in base of every element of view, in view's shape."""
    if not isinstance(view, np.ndarray) or not isinstance(base, np.ndarray):
        raise NotImplementedError("an in-place operation that needs gradients through a view is supported on the "
                                  "cpu device only; use the out-of-place operation on this device")
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    view_bytes = _byte_offsets(view.shape, view.strides) + start
    if base.flags.c_contiguous:
        return view_bytes // base.itemsize
    base_bytes = _byte_offsets(base.shape, base.strides).reshape(-1)
    order = np.argsort(base_bytes, kind="stable")
    return order[np.searchsorted(base_bytes[order], view_bytes)]


def _byte_offsets(shape, strides):
    off = np.zeros(shape, np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        off = off + (np.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(shape) - d - 1))
    return off


class CopySlices(Op):
    """The base after an in-place op wrote `value` over the view at `positions`: PyTorch's CopySlices. Like
    PyTorch's it runs the in-place op's own backward (fn) on the view's region: its inputs are the old base and
    fn's other inputs, and the gradient fn gives the view's old value lands in the base's gradient."""
    fn = None  # the in-place op's node (None where the op did not read the view's old value as its input 0)
    adapters = ()  # the nodes that cast or broadcast fn's result to the view, in the order they ran

    def forward(ctx, base, value, positions):
        ctx.positions = positions
        b = _backend(base)
        out = b.astype(base._data, base._data.dtype)  # a copy: the write itself lands in the shared memory
        flat = b.reshape(out, (-1,))
        b.setitem(flat, b.from_numpy(positions.reshape(-1)), b.reshape(value._data, (-1,)))
        return out

    def backward(ctx, g):
        if ctx.overlapping:  # the gradient of a write into expanded memory is not defined
            raise RuntimeError(_OVERLAP)
        pos = Tensor._wrap(ctx.positions.reshape(-1))
        g_base = g.reshape(-1).index_fill(0, pos, 0).reshape(g.shape)
        g_view = g.reshape(-1).take(pos).reshape(ctx.positions.shape)
        fn = ctx.fn
        if fn is None:
            return g_base, (g_view if ctx.next_functions[1][0] is not None else None)
        from ..ops.index import IndexPutAddBackward
        from .backprop import _call_backward, _fit
        for adapter in reversed(ctx.adapters):  # the cast or broadcast that fitted fn's result to the view
            (nxt, nr), = adapter.next_functions
            g_view = _fit(_call_backward(adapter, (g_view,))[0], nxt._meta[nr])
        grads = _call_backward(fn, (g_view,))
        if grads[0] is not None and ctx.next_functions[0][0] is not None:
            g_old_view = _fit(grads[0], (ctx.positions.shape, g._data.dtype))
            g_base = g_base + IndexPutAddBackward.apply(g_old_view, index=Tensor._wrap(ctx.positions),
                                                        shape=g.shape)
        return (g_base,) + tuple(grads[1:])

    def _release(self):
        if self.fn is not None:
            for node in (self.fn, *self.adapters):
                node._release()


class AsStridedBackward0(Op):
    """The view's grad_fn after a rebase: its region of the (new) base."""

    def backward(ctx, g):
        from ..ops.index import IndexPutAddBackward
        return IndexPutAddBackward.apply(g, index=Tensor._wrap(ctx.positions), shape=ctx.base_shape)


class _StaleView(Op):
    """A view made by a multi-output function or under no_grad whose base changed in place: PyTorch refuses to
    use it in a graph again."""

    @classmethod
    def of(cls, view, base, creation):
        node = cls.__new__(cls)
        node.refusal = creation_refusal(view, creation, "its base or another view of its base has been")
        node.view_fn = (_node_of(view), view._output_nr)  # what made the view (None under no_grad), for refusals
        node.next_functions = ((base.grad_fn, base._output_nr),)
        node._meta = ((view._data.shape, view._data.dtype),)
        return node

    def name(self):
        return "Invalid"  # as PyTorch prints a stale view: tensor(..., grad_fn=<Invalid>)

    def backward(ctx, g):
        raise RuntimeError(ctx.refusal)


class _StaleViewTensor(Tensor):
    """What a stale view becomes (its class is swapped): PyTorch raises the view's refusal wherever its grad_fn is
    looked at (v.grad_fn, v.is_leaf, hooks, any op that records a graph), but reads .grad and prints it."""
    __slots__ = ()

    @property
    def grad_fn(self):
        node = _node_of(self)
        if node.__class__ is _StaleView:
            raise RuntimeError(node.refusal)
        return node

    @grad_fn.setter
    def grad_fn(self, node):
        Tensor.__dict__["grad_fn"].__set__(self, node)

    @property
    def grad(self):
        if self._grad is None and getattr(self, "_creation", None) != "no_grad":  # (as retain_grad below)
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value

    def requires_grad_(self, requires_grad=True):
        """PyTorch asks whether the view has a node of its own (one made under no_grad has none), not its refusal."""
        node = _node_of(self)
        if node.__class__ is _StaleView and node.view_fn[0] is None:
            self._requires_grad = bool(requires_grad)
            return self
        return Tensor.requires_grad_(self, requires_grad)

    def retain_grad(self):
        """Refused for a stale multi-output view; a stale no_grad view passes, as in PyTorch (retaining nothing)."""
        node = _node_of(self)
        if node.__class__ is not _StaleView:
            return Tensor.retain_grad(self)
        if getattr(self, "_creation", None) != "no_grad":
            raise RuntimeError(node.refusal)


_StaleViewTensor.__name__ = _StaleViewTensor.__qualname__ = "Tensor"  # type(v).__name__, as PyTorch's

# PyTorch's Python-level (composite) functions that check some arguments before the first op they record:
# flatten(5), narrow(5, ...), outer of a matrix raise their own error on a stale view too.
_CHECKED_FIRST = frozenset("""flatten unflatten movedim moveaxis chunk repeat_interleave quantile nanmean narrow
take_along_dim diff outer ger inner einsum cdist cosine_similarity tensordot""".split())
# Methods that record no graph in PyTorch (integer or bool results), or record one only when they change
# something (a cast to another dtype, a copy of a non-contiguous tensor): on a stale view, the op itself decides.
_NOT_REFUSED_FIRST = frozenset("""eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or
logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not isnan isinf isfinite signbit allclose equal
argmax argmin all any count_nonzero nonzero argwhere histc to type type_as cpu float double half long int short byte
bool contiguous sum_to_size""".split()) | _CHECKED_FIRST


def refuse_stale_views_first(names):
    """Give stale views, for each Tensor method or operator in names that records a graph, a version that raises
    the view's refusal before the op checks its arguments (with grad mode on), as PyTorch's autograd looks at
    its inputs' grad_fn first: v.sum(5) on a stale view raises the refusal, not the bad dim. Ordinary tensors
    keep Tensor's methods untouched; `w + v` reaches v's __radd__ first, as Python asks a subclass first."""
    for name in names:
        if refuses_stale_first(name):
            method = Tensor.__dict__[name]
            if name.startswith("__r") and "__" + name[3:] in Tensor.__dict__:
                method = _reflected(Tensor.__dict__["__" + name[3:]], method)
            setattr(_StaleViewTensor, name, _refusing_first(method))


def _reflected(forward, reflected):
    """w + v runs v.__radd__(w) first (v's class is a subclass): past the refusal, the op runs as w.__add__(v)
    would, which is what Python runs for any other tensor (the operands' order shows in broadcast errors)."""
    def op(self, other):
        return forward(other, self) if isinstance(other, Tensor) else reflected(self, other)
    op.__name__ = reflected.__name__ if hasattr(reflected, "__name__") else "reflected"
    return op


def refuses_stale_first(name):
    """Whether the Tensor method or torch function `name` raises a stale view's refusal before its own argument
    errors, as PyTorch's does."""
    return name not in _NOT_REFUSED_FIRST


def refuse_stale(*inputs):
    """Raise the refusal of the first stale view among inputs (tensors or sequences of them), with grad mode on.
    Called where an op has found its arguments wrong, just before it says so: PyTorch's refusal comes first, and
    arguments that are fine cost nothing."""
    if _grad_enabled[0]:
        for x in inputs:
            for t in (x if x.__class__ in (list, tuple) else (x,)):
                if t.__class__ is _StaleViewTensor and _node_of(t).__class__ is _StaleView:
                    raise RuntimeError(_node_of(t).refusal) from None


def _refusing_first(method):
    def refusing_first(self, *args, **kwargs):
        if _grad_enabled[0]:
            node = _node_of(self)
            if node.__class__ is _StaleView:
                raise RuntimeError(node.refusal)
        return method(self, *args, **kwargs)
    refusing_first.__name__ = getattr(method, "__name__", "refusing_first")
    refusing_first.__doc__ = method.__doc__
    return refusing_first


def rebase_view(view, result, store=None):
    """view <- result in place, where result has a grad_fn: the graph rebase PyTorch does (store(), when given,
    writes the changed elements instead of all of result: see Tensor._write)."""
    check_view_write(view)
    base = view._base
    positions = positions_in_base(view._data, base._data)
    fn, adapters = result.grad_fn, []
    if tuple(result._data.shape) != tuple(view._data.shape):
        result = result.expand(view._data.shape)
        adapters.append(result.grad_fn)
    if result._data.dtype != view._data.dtype:
        result = result.to(view.dtype)
        adapters.append(result.grad_fn)
    node = CopySlices.apply(base._inplace_source(), result, positions=positions).grad_fn
    old_view_edge = (view.grad_fn, view._output_nr) if view._requires_grad else (None, 0)
    if fn.next_functions[:1] == (old_view_edge,):  # the op read the view's old value as its input 0
        node.fn, node.adapters = fn, adapters
        node.next_functions = node.next_functions[:1] + fn.next_functions[1:]
    node.overlapping = view._data.size > 0 and any(s == 0 and n > 1 for s, n in zip(view.stride(), view._data.shape))
    if store is not None:
        store()
    else:
        _backend(view).copy_into(view._data, result._data)
    view._vc[0] += 1
    base.grad_fn, base._output_nr, base._requires_grad = node, 0, True
    as_strided = _read_back(view, base, node)
    view.grad_fn, view._output_nr, view._requires_grad = as_strided, 0, True
    refresh_views(base, view)
    return view


def _read_back(view, base, node, edge=None):
    """An AsStridedBackward0 node reading view's region out of base, whose grad_fn is node (or out of the edge
    given: a leaf base's AccumulateGrad)."""
    as_strided = AsStridedBackward0.__new__(AsStridedBackward0)
    as_strided.positions = positions_in_base(view._data, base._data)
    as_strided.base_shape = base._data.shape
    as_strided.next_functions = (edge or (node, base._output_nr),)
    as_strided._meta = ((view._data.shape, view._data.dtype),)
    return as_strided


def refresh_views(base, written=None):
    """After an in-place write to base (or through its view `written`) that recorded a graph, every other view
    reads its values out of the new base, as PyTorch's regenerated grad_fn does (views made by split/unbind or
    under no_grad are refused instead)."""
    for v in _live_views(base):  # (PyTorch regenerates a view's grad_fn when it is next read)
        if v is not written and v._base is base and v.__class__ is not _StaleViewTensor:
            _renew_grad_fn(v, base, lambda: _read_back(v, base, base.grad_fn))


def _live_views(base):
    """The views of base still alive; the weak references of those gone are dropped from base._views."""
    refs = getattr(base, "_views", None)
    if not refs:
        return ()
    views = [ref() for ref in refs]
    refs[:] = [ref for ref, v in zip(refs, views) if v is not None]
    return [v for v in views if v is not None]


def _renew_grad_fn(view, base, read_back):
    """PyTorch's regenerated grad_fn of a view whose memory was written: a view made by split/unbind or under
    no_grad is refused from then on; any other reads its values out of the base (read_back() makes that node)."""
    creation = getattr(view, "_creation", None)
    if creation is not None:
        view.grad_fn, view._output_nr = _StaleView.of(view, base, creation), 0
        view._requires_grad = True
        view.__class__ = _StaleViewTensor
    else:
        view.grad_fn, view._output_nr, view._requires_grad = read_back(), 0, True


def count_untracked_write(t):
    """t's version counter after an in-place write to t that recorded no graph, with what that means for its views."""
    t._vc[0] += 1
    if t._base is not None or getattr(t, "_views", None):
        after_untracked_write(t)


def after_untracked_write(written):
    """After an in-place write to `written` that recorded no graph (under no_grad, say), PyTorch's views of the
    same memory find their version changed the next time their grad_fn is read, where the view or its base takes
    part in autograd: a view made by split/unbind or under no_grad is refused from then on, any other reads its
    values out of the base again (AsStridedBackward0, to the base's unchanged grad_fn), as after a tracked write
    (refresh_views). (A write through x.detach(), which shares x's version counter in PyTorch, is not seen.)"""
    base = written._base if written._base is not None else written
    from .node import _edge
    edge = None
    for v in _live_views(base):
        # PyTorch leaves a view alone whose base needs no gradient and which has no grad_fn (a view made a leaf
        # by requires_grad_()): its grad_fn stays None.
        if v._base is not base or v.__class__ is _StaleViewTensor or v.grad_fn is None and not base._requires_grad:
            continue
        if getattr(v, "_creation", None) is None:
            edge = edge or _edge(base)
        _renew_grad_fn(v, base, lambda: _read_back(v, base, None, edge))


def _backend(t):
    from .._device import backend_of
    return backend_of(t._data)

