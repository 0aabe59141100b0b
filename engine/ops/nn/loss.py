"""Losses: the ops torch.nn.functional's loss functions record."""

import numpy as np

from ...autograd.grad_mode import enabled as _grad_enabled
from ...autograd.node import Op
from .._args import _b, _wrap
from ..index import IndexPutAddBackward, _gather_linear


def _reduce(b, loss, reduction, weight_sum=None):
    if reduction == "none":
        return loss
    total = b.sum(loss, None, False)
    if reduction == "sum":
        return total
    return b.div(total, loss.size if weight_sum is None else weight_sum).astype(loss.dtype, copy=False)


def _reduce_back(g, shape, reduction, n):
    if reduction == "none":
        return g
    g = g.expand(shape)
    return g / n if reduction == "mean" else g


class NllLossBackward0(Op):
    """-log p[target], from log-probabilities (N, C) or (N, C, d1, ...) or (C,)."""

    def forward(ctx, logp, target, weight=None, reduction="mean", ignore_index=-100, all_valid=False):
        b, x, t = _b(logp), logp._data, target._data
        if all_valid and weight is None and x.ndim == 2 and x.__class__ is np.ndarray:
            return ctx._forward_all_valid(x, t, reduction)
        if x.ndim == 1:
            x, t = b.reshape(x, (1, -1)), b.reshape(t, (1,))
        c = x.shape[1]
        valid = b.ne(t, ignore_index)
        safe_t = b.where(valid, t, 0)
        lin = _gather_linear(b, x.shape, 1, b.reshape(safe_t, (t.shape[0], 1) + t.shape[1:]))
        picked = b.reshape(b.take(x, lin), t.shape)
        w = b.astype(valid, x.dtype)
        if weight is not None:
            w = b.mul(w, b.take(weight._data, safe_t))
        ctx.lin, ctx.w, ctx.shape, ctx.reduction = lin, w, logp._data.shape, reduction
        loss = b.neg(b.mul(picked, w))
        ctx.denominator = b.sum(w, None, False) if reduction == "mean" else None
        out = _reduce(b, loss, reduction, ctx.denominator)
        if logp._data.ndim == 1 and reduction == "none":
            out = b.reshape(out, ())
        return out

    def _forward_all_valid(ctx, x, t, reduction):
        """The common case on the CPU (the caller checked every target is a class index, none ignored, and there
        is no weight): each row's target picked by one index, every weight 1. The same sums as the general
        path, so the same bits."""
        n = x.shape[0]
        ctx.rows_targets, ctx.shape, ctx.dtype, ctx.reduction = (np.arange(n), t), x.shape, x.dtype, reduction
        ctx.w = ctx.lin = None  # (made by _general_form if a graph of the gradient is wanted)
        ctx.denominator = np.asarray(n, x.dtype) if reduction == "mean" else None
        loss = np.negative(x[ctx.rows_targets])
        if reduction == "none":
            return loss
        total = np.add.reduce(loss, axis=None)  # (np.sum's own reduce, without its dispatch layers)
        return np.asarray(total if reduction == "sum" else np.divide(total, ctx.denominator))

    def _general_form(ctx):
        """What the general forward keeps, from the all-valid case's rows and targets."""
        rows, t = ctx.rows_targets
        ctx.lin = (rows * ctx.shape[1] + t).reshape(-1, 1)
        ctx.w = np.ones(t.shape, ctx.dtype)

    def backward(ctx, g):
        if ctx.w is None:
            if not _grad_enabled[0]:
                return ctx._all_valid_gradient(g), None
            ctx._general_form()
        if not _grad_enabled[0]:
            return ctx._gradient_without_graph(g), None
        w = _wrap(ctx.w)
        if ctx.reduction == "none":
            g = g.reshape(w.shape) * w
        elif ctx.reduction == "sum":
            g = g * w
        else:
            total = _wrap(ctx.denominator)  # 0 when every target is ignored: PyTorch's gradient is then 0
            g = g * w / total.masked_fill(total == 0, 1)
        g = g.reshape(ctx.lin.shape)
        return -IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape), None

    def _all_valid_gradient(ctx, g):
        """-g (/ n for the mean) at each row's target, 0 elsewhere (as PyTorch's nll_loss_backward writes it)."""
        g = g._data
        if ctx.reduction == "mean":
            g = np.divide(g, ctx.denominator)
        out = np.zeros(ctx.shape, g.dtype)
        out[ctx.rows_targets] = np.negative(g)
        return _wrap(out)

    def _gradient_without_graph(ctx, g):
        """backward's formula on the backend's arrays, where no graph of it is recorded (a few small kernels
        instead of as many tensor ops)."""
        b, g, w = _b(g), g._data, ctx.w
        if ctx.reduction == "none":
            g = b.mul(b.reshape(g, w.shape), w)
        elif ctx.reduction == "sum":
            g = b.mul(g, w)
        else:
            total = ctx.denominator  # 0 when every target is ignored: PyTorch's gradient is then 0
            g = b.div(b.mul(g, w), b.where(b.eq(total, 0), b.full((), 1, total.dtype), total))
        n = 1
        for s in ctx.shape:
            n *= s
        lin = ctx.lin
        return _wrap(b.reshape(b.neg(b.scatter_add(n, lin, b.reshape(g, lin.shape))), ctx.shape))


class MseLossBackwardBackward0(Op):
    """The input gradient of mse_loss, 2 (a - t) g / n, as one kernel (PyTorch's mse_loss_backward)."""

    def forward(ctx, g, a, t, reduction):
        ctx.save_for_backward(g, a, t)
        ctx.reduction = reduction
        b = _b(a)
        scale = 2 / a._data.size if reduction == "mean" else 2
        return b.mul(b.sub(a._data, t._data), b.mul(g._data, scale))

    def backward(ctx, gg):
        g, a, t = ctx.saved_tensors
        scale = 2 / a.numel() if ctx.reduction == "mean" else 2
        d_diff = gg * g * scale
        d_g = (gg * (a - t) * scale)
        d_g = d_g if ctx.reduction == "none" else d_g.sum()
        return d_g, d_diff, -d_diff


class MseLossBackward0(Op):
    def forward(ctx, a, target, reduction="mean"):
        ctx.save_for_backward(a, target)
        ctx.reduction = reduction
        b = _b(a)
        d = b.sub(a._data, target._data)
        return _reduce(b, b.mul(d, d), reduction)

    def backward(ctx, g):
        a, t = ctx.saved_tensors
        ga = MseLossBackwardBackward0.apply(g, a, t, reduction=ctx.reduction)
        return ga, (-ga if t._requires_grad else None)


class BinaryCrossEntropyBackward0(Op):
    def forward(ctx, p, target, weight=None, reduction="mean"):
        ctx.save_for_backward(p, target, weight)
        ctx.reduction = reduction
        b, x, y = _b(p), p._data, target._data
        if b.to_numpy(b.any(b.logical_or(b.lt(x, 0), b.gt(x, 1)), None, False)):
            raise RuntimeError("all elements of input should be between 0 and 1")
        # PyTorch clamps the logs at -100 so that p = 0 or 1 gives a finite loss.
        with np.errstate(divide="ignore"):
            log_p = b.maximum(b.log(x), -100)
            log_1p = b.maximum(b.log(b.sub(1, x)), -100)
        loss = b.neg(b.add(b.mul(y, log_p), b.mul(b.sub(1, y), log_1p)))
        if weight is not None:
            loss = b.mul(loss, weight._data)
        return _reduce(b, loss.astype(x.dtype, copy=False), reduction)

    def backward(ctx, g):
        p, y, w = ctx.saved_tensors
        g = _reduce_back(g, p.shape, ctx.reduction, p.numel())
        grad = g * (p - y) / (p * (1 - p)).clamp(min=1e-12)
        return grad * w if w is not None else grad, None, None


class BinaryCrossEntropyWithLogitsBackward0(Op):
    def forward(ctx, x, target, weight=None, pos_weight=None, reduction="mean"):
        ctx.save_for_backward(x, target, weight, pos_weight)
        ctx.reduction = reduction
        b, z, y = _b(x), x._data, target._data
        # log(1 + exp(-|z|)) + max(-z, 0): stable for large |z|
        log_sig_neg = b.add(b.log1p(b.exp(b.neg(b.abs(z)))), b.maximum(b.neg(z), 0))  # -log sigmoid(z)
        if pos_weight is not None:
            coef = b.add(b.mul(b.sub(pos_weight._data, 1), y), 1)
            loss = b.add(b.mul(b.sub(1, y), z), b.mul(coef, log_sig_neg))
        else:
            loss = b.add(b.mul(b.sub(1, y), z), log_sig_neg)
        if weight is not None:
            loss = b.mul(loss, weight._data)
        return _reduce(b, loss.astype(z.dtype, copy=False), reduction)

    def backward(ctx, g):
        z, y, w, pw = ctx.saved_tensors
        g = _reduce_back(g, z.shape, ctx.reduction, z.numel())
        s = z.sigmoid()
        grad = (s - y) if pw is None else (pw * y + 1 - y) * s - pw * y
        grad = g * grad
        return (grad * w if w is not None else grad), None, None, None


class NllLoss2DBackward0(NllLossBackward0):
    """nll_loss of (N, C, H, W) log-probabilities (PyTorch views 3-D and 5-D+ inputs to this form)."""


class SmoothL1LossBackward0(Op):
    def forward(ctx, a, target, reduction="mean", beta=1.0):
        ctx.save_for_backward(a, target)
        ctx.reduction, ctx.beta = reduction, beta
        b = _b(a)
        z = b.abs(b.sub(a._data, target._data))
        quadratic = b.div(b.mul(b.mul(z, 0.5), z), beta)
        return _reduce(b, b.where(b.lt(z, beta), quadratic, b.sub(z, 0.5 * beta)), reduction)

    def backward(ctx, g):
        a, t = ctx.saved_tensors
        d = a - t
        grad = _reduce_back(g, d.shape, ctx.reduction, d.numel()) * (d / ctx.beta).clamp(-1, 1)
        return grad, -grad


class HuberLossBackward0(Op):
    def forward(ctx, a, target, reduction="mean", delta=1.0):
        ctx.save_for_backward(a, target)
        ctx.reduction, ctx.delta = reduction, delta
        b = _b(a)
        z = b.abs(b.sub(a._data, target._data))
        linear = b.mul(b.sub(z, 0.5 * delta), delta)
        return _reduce(b, b.where(b.lt(z, delta), b.mul(b.mul(z, 0.5), z), linear), reduction)

    def backward(ctx, g):
        a, t = ctx.saved_tensors
        d = a - t
        grad = _reduce_back(g, d.shape, ctx.reduction, d.numel()) * d.clamp(-ctx.delta, ctx.delta)
        return grad, -grad
