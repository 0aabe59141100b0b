"""torch.autograd: backward, grad, gradcheck, grad modes and custom Functions."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .function import Function, once_differentiable
from .gradcheck import gradcheck, gradgradcheck
from .node import Node
from . import graph  # noqa: F401  (torch.autograd.graph.Node)
from .variable import Variable
from .backprop import run_backward
from .._device import backend_of
from ..tensor import Tensor


def _make_grads(outputs, grad_outputs):
    grads = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out._requires_grad and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.is_floating_point():
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{out.dtype}")
            g = Tensor._wrap(_backend(out).full(out._data.shape, 1, out._data.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._wrap(_backend(out).full(out._data.shape, g, out._data.dtype))
        elif g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a "
                               f"shape of {out.shape}.")
        grads.append(g)
    return grads


def _backend(t):
    return backend_of(t._data)


def _as_tuple(x):
    if x is None:
        return None
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into .grad of the leaves the gradients of tensors (the engine of Tensor.backward)."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(tensors, grad_tensors)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        results = run_backward(tensors, grads, retain, create_graph, inputs=inputs, allow_unused=True,
                               accumulate=False)
        for t, g in zip(inputs, results):
            if g is not None:
                _accumulate_into(t, g, create_graph)
        return
    run_backward(tensors, grads, retain, create_graph)


def _accumulate_into(t, g, create_graph):
    if t.grad is None:
        t.grad = g if create_graph else g.detach().clone()
    else:
        t.grad = t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of outputs with respect to inputs, returned instead of accumulated into .grad."""
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(outputs, grad_outputs)
    retain = create_graph if retain_graph is None else retain_graph
    allow = bool(allow_unused) or materialize_grads
    results = run_backward(outputs, grads, retain, create_graph, inputs=inputs, allow_unused=allow,
                           accumulate=False)
    if materialize_grads:
        results = [r if r is not None else t.detach() * 0 for r, t in zip(results, inputs)]
    return tuple(results)
