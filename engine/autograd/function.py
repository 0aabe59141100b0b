"""User-defined differentiable ops: torch.autograd.Function, as in PyTorch.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp(); ctx.save_for_backward(y); return y
        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors; return g * y

`Exp.apply(x)` records a node named `ExpBackward`. forward runs on tensors without
recording; backward returns one gradient per forward argument.
"""
import functools

from . import grad_mode
from .node import Op, _edge, recorder
from ..tensor import Tensor


class FunctionCtx(Op):
    """The ctx a custom Function's forward and backward receive; also its graph node."""
    _non_differentiable = ()
    _dirty = ()

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        """False: backward gets None, not zeros, for an output no gradient reached."""
        self._materialize = bool(value)

    def mark_dirty(self, *tensors):
        """forward modified these inputs in place and returns them: they become this node's outputs."""
        self._dirty = tensors

    _output_slots = None  # {position in saved tensors: output index}: outputs saved in forward

    def __repr__(self):  # PyTorch names these Python-defined nodes with their module
        return f"<torch.autograd.function.{self.name()} object at {hex(id(self))}>"

    @property
    def saved_tensors(self):
        saved = Op.saved_tensors.fget(self)
        if self._output_slots:
            # A saved output comes back with this node as its grad_fn, so double backward flows through it.
            record = grad_mode.enabled[0]
            saved = tuple(_as_output(t, self, self._output_slots[k], record) if k in self._output_slots else t
                          for k, t in enumerate(saved))
        return saved

    def backward(self, *grads):
        result = self._function.backward(self, *grads)
        result = result if isinstance(result, tuple) else (result,)
        n = len(self.next_functions)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]  # extra Nones are allowed, as in PyTorch
        if len(result) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected {n}, "
                               f"got {len(result)})")
        return result


_NODE_CLASSES = {}


class Function:
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        node_cls = _NODE_CLASSES.get(cls)
        if node_cls is None:
            node_cls = _NODE_CLASSES[cls] = type(f"{cls.__name__}Backward", (FunctionCtx,), {"_function": cls})
        ctx = node_cls.__new__(node_cls)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with grad_mode.no_grad():
            if "setup_context" in vars(cls) or any("setup_context" in vars(k) for k in cls.__mro__[1:-1]
                                                    if k is not Function):
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        record = grad_mode.enabled[0] and any(ctx.needs_input_grad)
        outs = out if isinstance(out, tuple) else (out,)
        if record:  # before a dirty input's grad_fn becomes this node
            ctx.next_functions = tuple(map(_edge, args))
        dirty = _check_dirty(ctx, outs)
        results = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                results.append(o)
                continue
            diff = record and id(o) not in ctx._non_differentiable and o.is_floating_point()
            if id(o) in dirty:  # an input modified in place: returned itself, its history now this node's
                if diff:
                    o.grad_fn, o._output_nr, o._requires_grad = ctx, i, True
                results.append(o)
                continue
            r = Tensor._wrap(o._data, diff, ctx if diff else None, i)
            r._vc = o._vc  # the same memory: in-place writes through either are seen by saved-tensor checks
            results.append(r)
        if record:
            if ctx._saved:
                positions = {id(o): i for i, o in enumerate(outs) if isinstance(o, Tensor)}
                ctx._output_slots = {k: positions[id(t)] for k, t in enumerate(ctx._saved) if id(t) in positions}
            ctx._meta = tuple((o._data.shape, o._data.dtype) for o in outs if isinstance(o, Tensor))
            if recorder[0] is not None:
                recorder[0](ctx, args, tuple(r for r in results if isinstance(r, Tensor) and r.grad_fn is ctx),
                            kwargs)
        return tuple(results) if isinstance(out, tuple) else results[0]

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError


def _check_dirty(ctx, outs):
    """The ids of the inputs ctx.mark_dirty named, checked as PyTorch checks them; each one's version goes up
    (as in PyTorch, once more than the in-place op inside forward did)."""
    dirty, ctx._dirty = ctx._dirty, ()
    if not dirty:
        return ()
    returned = {id(o) for o in outs if isinstance(o, Tensor)}
    if any(id(t) not in returned for t in dirty):
        raise RuntimeError("Some elements marked as dirty during the forward method were not returned as output. "
                           "The inputs that are modified inplace must all be outputs of the Function.")
    for t in dirty:
        if grad_mode.enabled[0] and t._requires_grad:
            if t.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
            if t._base is not None:
                raise RuntimeError("this engine does not support in-place operations that need gradients on a "
                                   "view; use the out-of-place operation instead")
        t._vc[0] += 1
    return {id(t) for t in dirty}


def _as_output(t, node, index, record):
    out = Tensor._wrap(t._data, record, node if record else None, index)
    out._vc = t._vc
    return out


def once_differentiable(backward):
    """A backward that is not itself differentiable: it runs without recording a graph."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            return backward(ctx, *grads)
    return wrapper
