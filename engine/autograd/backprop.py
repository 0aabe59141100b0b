"""The backward pass: walk the recorded graph once, in dependency order, without recursion."""
from . import grad_mode
from .node import AccumulateGrad, Op
from .._dtype import _BY_NP
from .._device import backend_of
from ..tensor import Tensor


class BackwardStep:
    """One node of a backward pass, as it ran: what flowed into it and what it sent on."""
    __slots__ = ("node", "grad_outputs", "grad_inputs")

    def __init__(self, node, grad_outputs, grad_inputs):
        self.node, self.grad_outputs, self.grad_inputs = node, grad_outputs, grad_inputs

    @property
    def name(self):
        return self.node.name()

    def __repr__(self):
        return f"<BackwardStep {self.name}>"


def backward_steps(tensor, gradient=None, retain_graph=None, create_graph=False):
    """The backward pass of `tensor.backward(gradient)`, one node per next(), in the order it runs.

    Each item is a BackwardStep: `.name` (AddmmBackward0, AccumulateGrad, ...), `.node`, `.grad_outputs`
    (the gradients flowing into the node) and `.grad_inputs` (one per `node.next_functions`; () for
    AccumulateGrad). Leaves' .grad fill in as their AccumulateGrad steps run; hooks and retain_grad run
    as in backward(). Exhausted, it leaves exactly backward()'s gradients; abandoned midway (closed or
    dropped), the gradients stay as they are and, without retain_graph, the graph is freed."""
    from . import _make_grads
    if not tensor._requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads((tensor,), (gradient,))
    retain = create_graph if retain_graph is None else retain_graph
    return (BackwardStep(node, tuple(grad_outputs), grad_inputs)  # checked above, walked on next()
            for node, grad_outputs, grad_inputs in _walk((tensor,), grads, retain, create_graph))


def run_backward(roots, grad_roots, retain_graph, create_graph, inputs=None, allow_unused=False,
                 accumulate=True):
    """Propagate grad_roots from roots. With accumulate=True, leaves' .grad receive their
    gradients (Tensor.backward); otherwise the gradients of `inputs` are returned (autograd.grad)."""
    targets = None if inputs is None else {_input_key(t): i for i, t in enumerate(inputs)}
    results = [None] * (len(inputs) if inputs is not None else 0)
    for _ in _walk(roots, grad_roots, retain_graph, create_graph, targets, results, accumulate):
        pass
    if inputs is not None and not allow_unused:
        for i, r in enumerate(results):
            if r is None:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
    return results


def _walk(roots, grad_roots, retain_graph, create_graph, targets=None, results=None, accumulate=True):
    """The backward pass itself, yielding (node, grads in, grads out) after each node that ran.
    Between yields the caller's grad mode is in force; while a node runs, create_graph's."""
    start = []
    for t, g in zip(roots, grad_roots):
        node = t.grad_fn if t.grad_fn is not None else (_accumulator_of(t))
        start.append((node, t._output_nr, g))
    order = _topological_order([n for n, _, _ in start])
    needed = None if accumulate and targets is None else _needed(order, targets)

    buffers = {}
    for node, nr, g in start:
        _add_to_buffer(buffers, node, nr, g)
    mode = grad_mode.enabled
    outside = mode[0]
    mode[0] = create_graph
    done = 0
    try:
        for node in order:
            done += 1
            grads = buffers.pop(node, None)
            if needed is not None and node not in needed:
                continue
            if grads is None:
                continue  # no gradient reached this node (e.g. it only feeds non-differentiable paths)
            if node._pre_hooks or node._retained:
                grads = _run_pre_hooks(node, grads)
            if targets is not None:
                for nr, g in enumerate(grads):
                    i = targets.get((node, nr))
                    if i is not None:
                        results[i] = g
            if node.__class__ is AccumulateGrad:
                if accumulate:
                    grads = (_accumulate(node, grads[0], create_graph),)  # what the leaf's hooks made of it
                grad_inputs = ()
            else:
                grad_inputs = _call_backward(node, grads)
                if not retain_graph:
                    node._release()
                # fitted to each input's shape and dtype, as they arrive (and as PyTorch's hooks see them)
                fitted = []
                for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                    if nxt is not None and g is not None:
                        meta = nxt._meta[nr]
                        if g._data.shape != meta[0] or g._data.dtype != meta[1]:
                            g = _fit(g, meta)
                    fitted.append(g)
                grad_inputs = tuple(fitted)
                if node._hooks:
                    for hook in node._hooks:
                        hook(grad_inputs, grads)
                for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                    if nxt is not None and g is not None and (needed is None or nxt in needed):
                        _add_to_buffer(buffers, nxt, nr, g)
            mode[0] = outside
            yield node, grads, grad_inputs
            outside = mode[0]
            mode[0] = create_graph
    except GeneratorExit:  # abandoned midway: free what backward() would have freed
        if not retain_graph:
            for node in order[done:]:
                if node.__class__ is not AccumulateGrad:
                    node._release()
        raise
    finally:
        mode[0] = outside


def _accumulator_of(t):
    from .node import accumulator
    return accumulator(t)


def _input_key(t):
    if not t._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    return (t.grad_fn, t._output_nr) if t.grad_fn is not None else (_accumulator_of(t), 0)


def _topological_order(starts):
    """Nodes reachable from starts, each after every node that sends it a gradient (iterative DFS)."""
    order = []
    visited = set()
    for s in starts:
        if s in visited:
            continue
        visited.add(s)
        stack = [(s, iter(s.next_functions))]
        while stack:
            node, edges = stack[-1]
            for nxt, _ in edges:
                if nxt is not None and nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _needed(order, targets):
    """Nodes on a path to a target: only they run in autograd.grad (leaves' .grad stay untouched)."""
    target_nodes = {node for node, _ in targets} if targets else set()
    needed = set()
    for node in reversed(order):  # leaves first
        if node in target_nodes or any(nxt in needed for nxt, _ in node.next_functions if nxt is not None):
            needed.add(node)
    return needed


def _add_to_buffer(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * len(node._meta)
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _fit(g, meta):
    """Reduce a broadcast gradient to the input's shape and cast it to the input's dtype."""
    shape, dtype = meta
    if g._data.shape != shape:
        if grad_mode.enabled[0]:  # (create_graph)
            g = SumToSizeBackward.apply(g, shape=shape)  # one node, where Tensor.sum_to_size records PyTorch's two
        else:
            g = Tensor._wrap(_sum_to_size(g._data, shape))
    if g._data.dtype != dtype:
        g = g.to(_BY_NP[dtype])
    return g


def _sum_to_size(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
    b = backend_of(x)
    out = b.sum(x, axes, True) if axes else x
    return b.reshape(out, shape)


class SumToSizeBackward(Op):
    """The reduction of a broadcast gradient to an input's shape (PyTorch does it inside the engine)."""

    def forward(ctx, a, shape):
        ctx.shape = a._data.shape
        return _sum_to_size(a._data, shape)

    def backward(ctx, g):
        return g.expand(ctx.shape)


def _run_pre_hooks(node, grads):
    hooks = node._pre_hooks
    if hooks:
        grads = list(grads)
        for nr, fns in hooks.items():
            for fn in list(fns):
                if nr is None:
                    replaced = fn(tuple(grads))
                    if replaced is not None:
                        grads = list(replaced)
                elif grads[nr] is not None:
                    replaced = fn(grads[nr])
                    if replaced is not None:
                        grads[nr] = _checked_hook_result(fn, grads[nr], replaced)
    retained = node._retained
    if retained:
        for nr, ref in retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr]
                t.grad = g.detach().clone() if t.grad is None else t.grad + g.detach()
    return grads


def _checked_hook_result(hook, original, result):
    """A tensor hook's replacement gradient, refused (in PyTorch's words) unless it is a tensor of the
    gradient's dtype, device and shape."""
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    name = getattr(hook, "__name__", "<unknown>")
    if result.dtype != original.dtype or result.device != original.device:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {original.type()} got {result.type()})")
    if result.shape != original.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return result


def _call_backward(node, grads):
    if len(grads) > 1 and node._materialize and any(g is None for g in grads):  # an unused output: zero
        like = next((g for g in grads if g is not None), None)  # (on the same device)
        grads = [g if g is not None else Tensor._zeros(shape, dtype, like) for g, (shape, dtype) in
                 zip(grads, node._meta)]
    result = node.backward(*grads)
    if result.__class__ is not tuple:
        result = (result,)
    if len(result) != len(node.next_functions):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(node.next_functions)}, got {len(result)})")
    return result


def _copy(array):
    return backend_of(array).astype(array, array.dtype)


def _accumulate(acc, g, create_graph):
    var = acc.variable
    hooks = var._hooks
    if hooks:
        for fn in list(hooks):
            replaced = fn(g)
            if replaced is not None:
                g = _checked_hook_result(fn, g, replaced)
    if var._grad is None:
        # A copy unless building a graph: the incoming tensor may be shared with another leaf or the caller.
        var._grad = g if create_graph else Tensor._wrap(_copy(g._data))
    elif create_graph:
        var._grad = var._grad + g
    else:
        var._grad._add_inplace(g)
    post = var._post_accumulate_hooks
    if post:
        for fn in list(post):
            fn(var)
    return g
