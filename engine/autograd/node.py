"""Graph nodes of define-by-run autograd.

Every differentiable op is an `Op` subclass named after the node PyTorch records for it
(`AddBackward0`, `MmBackward0`, ...). Calling `SomeOp.apply(*inputs, **params)` runs its
`forward` on backend arrays and, when any input requires grad, keeps the instance as the
output's `grad_fn`: the instance is both the node and the `ctx` its backward reads.
`backward(ctx, *grads)` returns one gradient per positional input, written with Tensor
ops so that, under `create_graph=True`, the gradient is itself differentiable.
"""
import re
import weakref

from . import grad_mode
from ..tensor import Tensor

_enabled = grad_mode.enabled
_new_tensor = Tensor._wrap

# The graph-introspection recorder (engine.graph.capture): called as recorder(node, inputs, outputs, params)
# for every node recorded while a capture is active.
recorder = [None]


class Node:
    """The part of a graph node the user sees: name(), next_functions, hooks, metadata."""
    next_functions = ()
    _pre_hooks = None  # {output_nr: [hook, ...]} from Tensor.register_hook on this node's outputs
    _retained = None   # {output_nr: weakref(Tensor)} from Tensor.retain_grad
    _hooks = None      # post-hooks: fn(grad_inputs, grad_outputs)
    _meta = ()         # ((shape, numpy dtype), ...) of each output, to fit incoming gradients
    _materialize = True  # backward gets zeros for outputs no gradient reached (a custom Function may ask for None)
    refusal = None       # PyTorch's error for any use of an output of this node (a stale multi-output view)

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def metadata(self):
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after this node's backward ran."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> replacement or None, before this node's backward runs."""
        return self._add_pre_hook(None, fn)

    def _add_pre_hook(self, output_nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _Handle(hooks, fn)


class _Handle:
    """What register_hook returns: remove() unregisters the hook."""

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


_FREED = object()
_SUFFIX = re.compile(r"Backward\d*$")


def _remember_views(root, views_made):
    """root keeps weak references to its views that recorded a graph, so that an in-place write can give them
    new grad_fns (autograd/inplace.refresh_views). The dead ones are dropped whenever the list reaches a power
    of two: a parameter viewed at every step (w.t()) keeps only its live views, at O(1) amortised cost."""
    views = getattr(root, "_views", None)
    if views is None:
        views = root._views = []
    views.extend(weakref.ref(v) for v in views_made)
    n = len(views)
    if n >= 8 and n & (n - 1) == 0:
        views[:] = [ref for ref in views if ref() is not None]


def inherit_creation(view, base):
    """A view of a view made by a function with several outputs or under no_grad is refused in-place writes
    as that one is (PyTorch's CreationMeta, propagated)."""
    creation = getattr(base, "_creation", None)
    if creation is not None:
        view._creation = creation


def made_under_no_grad(view, root):
    """A view made under no_grad: PyTorch refuses in-place writes to it with grad mode on, and, where its base
    requires grad, so does it (no gradient reaches it: its edge is empty) until its base changes in place."""
    view._creation = "no_grad"
    if root._requires_grad:
        view._requires_grad = True


class Op(Node):
    saves_output = False  # backward reads the op's output: ctx.output (kept without a reference cycle)
    is_view = False       # the output aliases input 0's memory: it shares its version counter
    n_differentiable = 1  # leading outputs that carry gradients (e.g. max(dim) -> values, not indices)
    _saved = ()
    _versions = ()
    _saved_output = None

    @classmethod
    def apply(cls, *inputs, **params):
        node = cls.__new__(cls)
        record = False
        if _enabled[0]:
            for x in inputs:
                if x.__class__ is Tensor or isinstance(x, Tensor):
                    if x._requires_grad:
                        record = True
                        break
        if record:  # before the kernel, as PyTorch links its node: a stale view's refusal precedes the op's errors
            node.next_functions = tuple(map(_edge, inputs))
        out = cls.forward(node, *inputs, **params)
        if out.__class__ is tuple:
            return node._wrap_many(out, inputs, record, params)
        result = _new_tensor(out, record, node if record else None)
        if record:
            node._meta = ((out.shape, out.dtype),)
            if cls.saves_output:
                node._saved_output = (out, result._vc, result._vc[0])
            if recorder[0] is not None:
                recorder[0](node, inputs, (result,), params)
        if cls.is_view:
            base = inputs[0]
            result._vc = base._vc
            result._base = root = base._base if base._base is not None else base
            if not _enabled[0]:
                made_under_no_grad(result, root)
            elif base._base is not None:
                inherit_creation(result, base)
            if record or out.dtype.kind in "fc":
                # an in-place write to the base or to another view gives this one a new grad_fn (one that needs
                # grad where the write made the base need it)
                _remember_views(root, (result,))
        return result

    def _wrap_many(self, outs, inputs, record, params):
        nd = self.n_differentiable
        results = tuple(_new_tensor(o, record and i < nd, self if record and i < nd else None, i)
                        for i, o in enumerate(outs))
        if record:
            self._meta = tuple((o.shape, o.dtype) for o in outs[:nd])
            if recorder[0] is not None:
                recorder[0](self, inputs, results[:nd], params)
        if self.is_view:  # split/unbind: every output is a view of input 0
            base = inputs[0]
            root = base._base if base._base is not None else base
            for r in results:
                r._vc, r._base, r._creation = base._vc, root, "multi_output"
                if not _enabled[0]:
                    made_under_no_grad(r, root)
            if record or outs and outs[0].dtype.kind in "fc":
                _remember_views(root, results)
        return results

    # --- saved tensors, as in torch.autograd.Function's ctx ---
    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._versions = tuple(t._vc[0] if isinstance(t, Tensor) else None for t in tensors)

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(_FREED_MESSAGE)
        for t, v in zip(saved, self._versions):
            if v is not None and t._vc[0] != v:
                raise RuntimeError(_modified_message(t, v))
        return saved

    @property
    def output(self):
        """The op's own output, rebuilt as a Tensor whose grad_fn is this node (for double backward)."""
        saved = self._saved_output
        if saved is _FREED:
            raise RuntimeError(_FREED_MESSAGE)
        data, vc, version = saved
        if vc[0] != version:
            raise RuntimeError(_modified_message(_new_tensor(data, True, self), version, vc[0]))
        return _new_tensor(data, _enabled[0], self if _enabled[0] else None)

    def _release(self):
        """Free what backward needed; a second backward then raises PyTorch's error."""
        if self._saved != () or self.saves_output:
            self._saved = _FREED
            self._saved_output = _FREED

    def forward(ctx, *inputs, **params):
        raise NotImplementedError

    def backward(ctx, *grads):
        raise NotImplementedError


def _edge(x):
    """The (node, output_nr) a gradient for input x flows to; (None, 0) when x needs none."""
    if x.__class__ is not Tensor and not isinstance(x, Tensor) or not x._requires_grad:
        return (None, 0)
    if x.grad_fn is not None:
        if x.grad_fn.refusal is not None:
            raise RuntimeError(x.grad_fn.refusal)
        return (x.grad_fn, x._output_nr)
    if x._base is not None and getattr(x, "_creation", None) == "no_grad":
        return (None, 0)  # a view made under no_grad of a tensor that requires grad
    return (accumulator(x), 0)


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds the incoming gradient into `variable.grad`."""

    def __init__(self, variable):
        self.variable = variable
        self._meta = ((variable._data.shape, variable._data.dtype),)


def accumulator(leaf):
    """The leaf's AccumulateGrad, shared by every graph that uses the leaf while one is alive."""
    ref = leaf._acc
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._acc = weakref.ref(node)
    return node


_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")


def _modified_message(t, expected, actual=None):
    actual = t._vc[0] if actual is None else actual
    shape = ", ".join(map(str, t._data.shape))
    origin = f", which is output {t._output_nr} of {_SUFFIX.sub('', t.grad_fn.name())}," if t.grad_fn is not None \
        else ""  # PyTorch names no origin for a leaf
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[torch.{t.dtype._legacy} [{shape}]]{origin} is at version {actual}; expected version "
            f"{expected} instead. Hint: enable anomaly detection to find the operation that failed to compute its "
            f"gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
