"""Normalization: the ops F.layer_norm, F.group_norm and F.batch_norm record."""

import numpy as np

from ...autograd import grad_mode as _grad_mode
from ...autograd.node import Op
from .._args import _b, _wrap


def _normalizing_stats(ctx):
    """(x, weight, mean, 1/std) of a layer/batch norm node. When the gradient is itself differentiated
    (create_graph), mean and 1/std are recomputed from x with tensor ops: they depend on x, and the
    second derivative must see it (the saved ones are constants)."""
    x, weight, mean, rstd = ctx.saved_tensors
    if _grad_mode.enabled[0] and x._requires_grad:
        mean = x.mean(dim=ctx.axes, keepdim=True)
        rstd = ((x - mean) * (x - mean)).mean(dim=ctx.axes, keepdim=True).add(ctx.eps).rsqrt()
    return x, weight, mean, rstd


def _row_means(b, a, n, shape):
    """The means of a's last dims holding n elements each, in `shape` (a's with those dims 1): one matrix-vector
    product with ones (numpy's reduction over a short last axis takes twice as long)."""
    sums = b.matmul(b.reshape(a, (-1, n)), b.full((n, 1), 1, a.dtype))
    return b.reshape(b.div(sums, n), shape).astype(a.dtype, copy=False)


class NativeLayerNormBackward0(Op):
    # weight and bias are inputs 1 and 2 (they receive gradients); the shape is a parameter.
    def forward(ctx, x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
        b, a = _b(x), x._data
        axes = tuple(range(a.ndim - len(normalized_shape), a.ndim))
        n = int(np.prod(normalized_shape))
        stats_shape = a.shape[:a.ndim - len(axes)] + (1,) * len(axes)
        mean = _row_means(b, a, n, stats_shape)
        d = b.sub(a, mean)
        var = _row_means(b, b.mul(d, d), n, stats_shape)
        rstd = b.reciprocal(b.sqrt(b.add(var, eps)))
        xhat = b.mul(d, rstd)
        ctx.axes, ctx.n, ctx.normalized_shape, ctx.eps = axes, n, tuple(normalized_shape), eps
        ctx.save_for_backward(x, weight, _wrap(mean), _wrap(rstd))
        ctx.xhat = xhat  # for a backward without a graph (x is saved: a change to it in place is caught)
        out = xhat
        if weight is not None:
            out = b.mul(out, weight._data)
        if bias is not None:
            out = b.add(out, bias._data)
        return out

    def backward(ctx, g):
        if not _grad_mode.enabled[0]:
            return ctx._gradients_without_graph(g)
        x, weight, mean, rstd = _normalizing_stats(ctx)
        xhat = (x - mean) * rstd
        gw = (g * xhat).sum_to_size(weight.shape) if weight is not None else None
        gb = g.sum_to_size(ctx.normalized_shape) if ctx.next_functions[2][0] is not None else None
        gx_hat = g * weight if weight is not None else g
        gx = rstd * (gx_hat - gx_hat.mean(dim=ctx.axes, keepdim=True)
                     - xhat * (gx_hat * xhat).mean(dim=ctx.axes, keepdim=True))
        return gx, gw, gb

    def _gradients_without_graph(ctx, g):
        """backward's formulas on the backend's arrays, where no graph of them is recorded: a dozen ops on
        small arrays, each far cheaper than as a tensor op."""
        x, weight, mean, rstd = ctx.saved_tensors
        b, g, xhat, ctx.xhat = _b(x), g._data, ctx.xhat, None  # (not kept alive by the graph after backward)
        if xhat is None:  # a second backward (retain_graph)
            xhat = b.mul(b.sub(x._data, mean._data), rstd._data)
        lead = tuple(range(x._data.ndim - len(ctx.normalized_shape)))
        gw = _wrap(b.sum(b.mul(g, xhat), lead, False)) if weight is not None else None
        gb = _wrap(b.sum(g, lead, False)) if ctx.next_functions[2][0] is not None else None
        gx_hat = b.mul(g, weight._data) if weight is not None else g
        shape = rstd._data.shape
        centred = b.sub(b.sub(gx_hat, _row_means(b, gx_hat, ctx.n, shape)),
                        b.mul(xhat, _row_means(b, b.mul(gx_hat, xhat), ctx.n, shape)))
        return _wrap(b.mul(rstd._data, centred)), gw, gb


class NativeBatchNormBackward0(Op):
    """Batch norm over every dim but 1; in training it also updates the running statistics."""

    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, training=True, momentum=0.1,
                eps=1e-5):
        b, a = _b(x), x._data
        axes = (0,) + tuple(range(2, a.ndim))
        shape = (1, -1) + (1,) * (a.ndim - 2)
        n = a.size // a.shape[1]
        if training:
            if n <= 1:
                raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                                 f"{list(a.shape)}")
            mean = b.div(b.sum(a, axes, True), n).astype(a.dtype, copy=False)
            d = b.sub(a, mean)
            var = b.div(b.sum(b.mul(d, d), axes, True), n).astype(a.dtype, copy=False)
            if running_mean is not None:
                m = momentum
                new_mean = b.add(b.mul(running_mean._data, 1 - m), b.mul(b.reshape(mean, (-1,)), m))
                new_var = b.add(b.mul(running_var._data, 1 - m),
                                b.mul(b.reshape(var, (-1,)), m * n / max(n - 1, 1)))
                b.copy_into(running_mean._data, new_mean)
                b.copy_into(running_var._data, new_var)
                running_mean._vc[0] += 1
                running_var._vc[0] += 1
        else:
            mean = b.reshape(running_mean._data, shape)
            var = b.reshape(running_var._data, shape)
            d = b.sub(a, mean)
        rstd = b.reciprocal(b.sqrt(b.add(var, eps))).astype(a.dtype, copy=False)
        out = b.mul(d, rstd)
        if weight is not None:
            out = b.mul(out, b.reshape(weight._data, shape))
        if bias is not None:
            out = b.add(out, b.reshape(bias._data, shape))
        ctx.axes, ctx.shape, ctx.training, ctx.eps = axes, shape, training, eps
        ctx.save_for_backward(x, weight, _wrap(mean), _wrap(rstd))
        return out

    def backward(ctx, g):
        x, weight, mean, rstd = _normalizing_stats(ctx) if ctx.training else ctx.saved_tensors
        xhat = (x - mean) * rstd
        gw = (g * xhat).sum(dim=ctx.axes) if weight is not None else None
        gb = g.sum(dim=ctx.axes) if ctx.next_functions[2][0] is not None else None
        gx_hat = g * weight.reshape(ctx.shape) if weight is not None else g
        if ctx.training:
            gx = rstd * (gx_hat - gx_hat.mean(dim=ctx.axes, keepdim=True)
                         - xhat * (gx_hat * xhat).mean(dim=ctx.axes, keepdim=True))
        else:
            gx = gx_hat * rstd
        return gx, gw, gb
