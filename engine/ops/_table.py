"""Op classes made from table rows: the elementwise ops of one tensor whose gradient is one formula.

A row names the node PyTorch records, its forward in backend primitives and its gradient in Tensor
ops, as PyTorch's derivatives.yaml does; ops with more state (clamp, rounding to decimals, conv) are
written as classes.
"""
from .._device import backend_of
from ..autograd.node import Op


def unary_op(name, forward, saves, gradient):
    """The op class PyTorch records as `name`.

    forward(b, x): the output array, from the input's array x with the primitives of its backend b.
    saves: what the gradient reads besides g: "input" (x as a Tensor), "output" (the op's output,
    whose grad_fn is this node, so a second derivative flows through it) or None (nothing).
    gradient(g, saved), or gradient(g) when nothing is saved: the input's gradient, in Tensor ops,
    so it is differentiable again (create_graph=True).
    """
    if saves == "input":
        def op_forward(ctx, a):
            ctx.save_for_backward(a)
            return forward(backend_of(a._data), a._data)

        def op_backward(ctx, g):
            return gradient(g, ctx.saved_tensors[0])
    else:
        def op_forward(ctx, a):
            return forward(backend_of(a._data), a._data)

        if saves == "output":
            def op_backward(ctx, g):
                return gradient(g, ctx.output)
        elif saves is None:
            def op_backward(ctx, g):
                return gradient(g)
        else:
            raise ValueError(f"{name}: saves must be 'input', 'output' or None, not {saves!r}")
    return type(name, (Op,), {"forward": op_forward, "backward": op_backward, "saves_output": saves == "output",
                              "__module__": forward.__module__})
