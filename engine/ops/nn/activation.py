"""Activations and softmax: the ops torch.relu, torch.softmax and torch.nn.functional's activations record."""

import math

import numpy as np

from ... import _dtype
from ..._device import backend_of
from ...autograd.grad_mode import enabled as _grad_enabled
from ...autograd.node import Op
from ...tensor import _wrap_dim
from .. import _signature
from .._args import _b, _select, _wrap
from .._table import unary_op

__all__ = ['relu', 'softmax', 'log_softmax']


class ThresholdBackwardBackward0(Op):
    """relu's input gradient, g where the output is positive: one kernel, and (as in PyTorch) it depends on
    the output too, so a gradient of it exists (zero) at every order."""

    def forward(ctx, g, out):
        ctx.out = out._data
        return _b(g).threshold_backward(g._data, out._data)

    def backward(ctx, gg):
        return ThresholdBackwardBackward0.apply(gg, _wrap(ctx.out)), gg * 0


ReluBackward0 = unary_op("ReluBackward0", lambda b, x: b.relu(x), "output",
                         lambda g, y: ThresholdBackwardBackward0.apply(g, y))


def relu(input):
    return ReluBackward0.apply(input)


def _along(kernel, x, dim):
    """kernel(x, dim); a 0-d x runs as a one-element vector (the backends' kernels want a dim)."""
    if x.ndim:
        return kernel(x, dim)
    b = backend_of(x)
    return b.reshape(kernel(b.reshape(x, (1,)), 0), ())


class SoftmaxBackward0(Op):
    saves_output = True

    def forward(ctx, a, dim):
        ctx.dim = dim
        return _along(_b(a).softmax, a._data, dim)

    def backward(ctx, g):
        y = ctx.output
        if not _grad_enabled[0] and y._data.ndim:  # the same formula on the arrays, where no graph is recorded
            b, g, y = _b(g), g._data, y._data
            return _wrap(b.mul(y, b.sub(g, b.sum(b.mul(g, y), (ctx.dim,), True))))
        return y * (g - (g * y).sum(dim=ctx.dim, keepdim=True))


def softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return SoftmaxBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


class LogSoftmaxBackward0(Op):
    saves_output = True

    def forward(ctx, a, dim):
        ctx.dim = dim
        return _along(_b(a).log_softmax, a._data, dim)

    def backward(ctx, g):
        y = ctx.output
        if not _grad_enabled[0]:  # one pass on the arrays where no graph of the gradient is recorded
            b, g, y = _b(g), g._data, y._data
            total = b.sum(g, (ctx.dim,), True) if g.ndim else g
            return _wrap(b.sub(g, b.mul(b.exp(y), total)))
        return g - y.exp() * g.sum(dim=ctx.dim, keepdim=True)


def log_softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return LogSoftmaxBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


class ThresholdBackward0(Op):
    """x where x > threshold, else value."""

    def forward(ctx, a, threshold, value):
        ctx.save_for_backward(a)
        ctx.threshold = threshold
        b = _b(a)
        return b.where(b.gt(a._data, threshold), a._data, b.full((), value, a._data.dtype))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (a > ctx.threshold).to(g.dtype)


class ThresholdBackward1(ThresholdBackward0):
    """threshold_ (in place): PyTorch records this name for the in-place form."""


class LeakyReluBackward0(Op):
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = negative_slope
        b = _b(a)
        return b.where(b.gt(a._data, 0), a._data, b.mul(a._data, negative_slope))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (a > 0).to(g.dtype).mul(1 - ctx.slope).add(ctx.slope)


class EluBackward0(Op):
    def forward(ctx, a, alpha=1.0):
        ctx.save_for_backward(a)
        ctx.alpha = alpha
        b = _b(a)
        return b.where(b.gt(a._data, 0), a._data, b.mul(b.expm1(b.minimum(a._data, 0)), alpha))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * _select(a > 0, 1.0, a.clamp(max=0).exp() * ctx.alpha)


class SoftplusBackward0(Op):
    def forward(ctx, a, beta=1.0, threshold=20.0):
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        b = _b(a)
        x = b.mul(a._data, beta)
        soft = b.div(b.log1p(b.exp(b.minimum(x, threshold))), beta)
        return b.where(b.gt(x, threshold), a._data, soft)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        x = a * ctx.beta
        return g * _select(x > ctx.threshold, 1.0, x.sigmoid())


class SiluBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        return b.mul(a._data, b.sigmoid(a._data))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        s = a.sigmoid()
        return g * s * (1 + a * (1 - s))


class HardtanhBackward0(Op):
    def forward(ctx, a, min_val=-1.0, max_val=1.0):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = min_val, max_val
        b = _b(a)
        return b.minimum(b.maximum(a._data, min_val), max_val).astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * ((a > ctx.lo) & (a < ctx.hi)).to(g.dtype)


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_SQRT_HALF = 1 / math.sqrt(2)
_PDF_SCALE = 1 / math.sqrt(2 * math.pi)


def _gelu_tanh_inner(b, x):
    return b.mul(b.add(x, b.mul(b.mul(b.mul(x, x), x), 0.044715)), _SQRT_2_OVER_PI)


class GeluBackward0(Op):
    def forward(ctx, a, approximate="none"):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        b, x = _b(a), a._data
        if approximate == "tanh":
            ctx.curve = b.tanh(_gelu_tanh_inner(b, x))
        else:
            ctx.curve = b.erf(b.mul(x, _SQRT_HALF))
        return b.mul(b.mul(x, 0.5), b.add(ctx.curve, 1))

    def backward(ctx, g):
        x, = ctx.saved_tensors
        # The forward's erf (or tanh), so as not to compute it again (the dearest part of a GPT's step); a
        # gradient that records a graph (create_graph) computes it from x, as its node's rerun would.
        curve, ctx.curve = (None if _grad_enabled[0] else ctx.curve), None
        return GeluBackwardBackward0.apply(g, x, approximate=ctx.approximate, _curve=curve)


class GeluBackwardBackward0(Op):
    """gelu's input gradient g * gelu'(x) in one kernel, as PyTorch's gelu_backward: under create_graph it is
    the node the second derivative runs through."""

    def forward(ctx, g, x, approximate="none", _curve=None):
        ctx.save_for_backward(g, x)
        ctx.approximate = approximate
        b, g, x = _b(x), g._data, x._data
        if approximate == "tanh":
            t = b.tanh(_gelu_tanh_inner(b, x)) if _curve is None else _curve
            slope = b.mul(b.add(b.mul(b.mul(x, x), 3 * 0.044715), 1), _SQRT_2_OVER_PI)
            left = b.mul(b.add(t, 1), 0.5)
            right = b.mul(b.mul(b.mul(x, 0.5), b.sub(1, b.mul(t, t))), slope)
            return b.mul(g, b.add(left, right))
        e = b.erf(b.mul(x, _SQRT_HALF)) if _curve is None else _curve
        cdf = b.mul(b.add(e, 1), 0.5)
        pdf = b.mul(b.exp(b.mul(b.mul(x, x), -0.5)), _PDF_SCALE)
        return b.mul(g, b.add(cdf, b.mul(x, pdf)))

    def backward(ctx, gg):
        g, x = ctx.saved_tensors
        if ctx.approximate == "tanh":
            inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
            t = inner.tanh()
            slope = (1 + x * x * (3 * 0.044715)) * _SQRT_2_OVER_PI
            curvature = x * (6 * 0.044715 * _SQRT_2_OVER_PI)
            second = (1 - t * t) * (slope - x * t * slope * slope + 0.5 * x * curvature)
        else:
            second = (x * x * -0.5).exp() * _PDF_SCALE * (2 - x * x)
        return GeluBackwardBackward0.apply(gg, x, approximate=ctx.approximate), gg * g * second


class SafeSoftmaxBackward0(SoftmaxBackward0):
    """Attention's softmax: a row of only -inf (every key masked out) gives zeros rather than nan,
    and so does its gradient."""

    def forward(ctx, a, dim):
        ctx.dim = dim
        be = _b(a)
        masked = be.all(be.eq(a._data, -math.inf), (dim,), True)
        zero = be.full((), 0, a._data.dtype)
        return be.where(masked, zero, be.softmax(be.where(masked, zero, a._data), dim))


def _log_sigmoid(b, x):
    return b.sub(b.minimum(x, 0), b.log1p(b.exp(b.neg(b.abs(x))))).astype(x.dtype, copy=False)


LogSigmoidBackward0 = unary_op("LogSigmoidBackward0", _log_sigmoid, "input", lambda g, x: g * (-x).sigmoid())


_ONE_SIXTH_F32 = float(np.float32(1.0) / np.float32(6.0))


class HardsigmoidBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b, x = _b(a), a._data
        return b.div(b.minimum(b.maximum(b.add(x, 3), 0), 6), 6).astype(x.dtype, copy=False)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        # PyTorch's kernel multiplies by 1/6 rounded to float32, for float64 too.
        return g * ((a > -3) & (a < 3)).to(g.dtype) * _ONE_SIXTH_F32


class HardswishBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b, x = _b(a), a._data
        return b.div(b.mul(x, b.minimum(b.maximum(b.add(x, 3), 0), 6)), 6).astype(x.dtype, copy=False)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        inside = ((a >= -3) & (a <= 3)).to(g.dtype)
        return g * (inside * (a / 3 + 0.5) + (a > 3).to(g.dtype))


class MishBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b, x = _b(a), a._data
        softplus = b.add(b.log1p(b.exp(b.neg(b.abs(x)))), b.maximum(x, 0))
        return b.mul(x, b.tanh(softplus)).astype(x.dtype, copy=False)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        t = (a.clamp(min=0) + (-a.abs()).exp().log1p()).tanh()
        return g * (t + a * a.sigmoid() * (1 - t * t))


class PreluKernelBackward0(Op):
    """x if x > 0 else weight * x; weight holds one shared value or one per channel (dim 1)."""

    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        b, a = _b(x), x._data
        ctx.shared = weight._data.size == 1
        ctx.shape = () if ctx.shared else (1, -1) + (1,) * (a.ndim - 2)
        return b.where(b.gt(a, 0), a, b.mul(b.reshape(weight._data, ctx.shape), a))

    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        positive = x > 0
        gx = g * _select(positive, 1.0, weight.reshape(ctx.shape)) if x._requires_grad else None
        gw = None
        if weight._requires_grad:
            contribution = g * x.masked_fill(positive, 0)
            gw = contribution.sum() if ctx.shared else contribution.sum(dim=[d for d in range(x.dim()) if d != 1])
            gw = gw.reshape(weight.shape)
        return gx, gw


class RreluWithNoiseBackward0(Op):
    """rrelu: the input times a slope per element (`noise`, 1 where the input is positive)."""

    def forward(ctx, a, noise):
        ctx.noise = noise
        return _b(a).mul(a._data, noise._data)

    def backward(ctx, g):
        return g * ctx.noise


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    """rrelu_ (in place): PyTorch records this name for the in-place form."""


def rrelu_noise(input, lower, upper, training, generator=None):
    """PyTorch's rrelu_with_noise slopes: in training, one uniform double in [lower, upper) for each
    non-positive element, drawn in C order (none for the positive ones, which keep slope 1), with lower and
    upper first rounded to the input's precision; in eval the mean slope (leaky_relu's)."""
    from ... import _sampling
    from ...random import generator_or_default
    x = input.detach().__array__().reshape(-1)
    dtype = x.dtype.type
    noise = np.ones(x.shape, x.dtype)
    below = ~(x > 0) if not training else x <= 0
    if training:
        lo, hi = float(dtype(lower)), float(dtype(upper))
        noise[below] = _sampling.uniform_doubles(generator_or_default(generator), int(below.sum()), lo, hi)
    else:
        noise[below] = dtype((lower + upper) / 2)
    return _wrap(noise.reshape(tuple(input.shape))).to(input.device)


class LeakyReluBackward1(LeakyReluBackward0):
    """leaky_relu_ (in place): PyTorch records this name for the in-place form."""


class EluBackward1(EluBackward0):
    """elu_ (in place): PyTorch records this name for the in-place form."""


# PyTorch's argument handling (dim 0 on a 0-d tensor, out=)
softmax = _signature.reduction(softmax, scalar_as_vector=False)
log_softmax = _signature.reduction(log_softmax, scalar_as_vector=False)
