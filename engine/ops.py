"""The op table: every differentiable op, its forward beside its backward.

Each class is named after the node PyTorch records for the op, so a learner reads the same
names here, in `y.grad_fn` and in the playground's graph. `forward(ctx, *inputs, **params)`
computes with the backend's primitive kernels (`_b(x)`: numpy on the CPU, WGSL on WebGPU);
`backward(ctx, *grads)` returns one gradient per positional input, written with Tensor ops,
so gradients are themselves differentiable (`create_graph=True`). Gradients may keep a
broadcast shape: the backward walk sums them down to each input's shape.
"""
import math

import numpy as np

from ._device import backend_of
from .autograd import grad_mode as _grad_mode
from .autograd.node import Op
from .tensor import Tensor

_wrap = Tensor._wrap


def _b(x):
    return backend_of(x._data)


def _d(x):
    """Backend array of a tensor, or a Python scalar as it is."""
    return x._data if isinstance(x, Tensor) else x


def _rg(x):
    return isinstance(x, Tensor) and x._requires_grad


def _select(condition, a, b):
    """torch.where(condition, a, b) for backward rules (differentiable in a and b)."""
    from .functions import where
    return where(condition, a, b)


# --- arithmetic ----------------------------------------------------------------------------
class AddBackward0(Op):
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return _b(a).add(a._data, _d(b) if alpha == 1 else _b(a).mul(_d(b), alpha))

    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha)


class SubBackward0(Op):
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return _b(a).sub(a._data, _d(b) if alpha == 1 else _b(a).mul(_d(b), alpha))

    def backward(ctx, g):
        return g, -g if ctx.alpha == 1 else g * -ctx.alpha


class RsubBackward1(Op):
    """scalar - tensor"""

    def forward(ctx, a, other, alpha=1):
        ctx.alpha = alpha
        return _b(a).sub(other, a._data if alpha == 1 else _b(a).mul(a._data, alpha))

    def backward(ctx, g):
        return -g if ctx.alpha == 1 else g * -ctx.alpha


class MulBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        return _b(a).mul(a._data, _d(b))

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g * b if b is not None else None), (g * a if a is not None else None)


class DivBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(a if _rg(b) else None, b)
        return _b(a).div(a._data, _d(b))

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g / b, (-g * a / (b * b) if a is not None else None)


class DivBackward2(Op):
    """div(a, b, rounding_mode='floor' or 'trunc'): piecewise constant, so both gradients are zero."""

    def forward(ctx, a, b, rounding_mode):
        be, x, y = _b(a), a._data, _d(b)
        if rounding_mode == "floor":
            return be.floor_divide(x, y)
        if x.dtype.kind == "f":
            q = be.div(x, y)
            return be.mul(be.sign(q), be.floor(be.abs(q)))
        # integers: floor division, one step towards zero where the signs differ and it is inexact
        q = be.floor_divide(x, y)
        inexact = be.logical_and(be.ne(be.remainder(x, y), 0), be.logical_xor(be.lt(x, 0), be.lt(y, 0)))
        return be.add(q, be.astype(inexact, q.dtype))

    def backward(ctx, g):
        zero = g * 0
        return zero, (zero if ctx.next_functions[1][0] is not None else None)


class RemainderBackward0(Op):
    """a % b, Python's sign convention (the result takes b's sign); RemainderBackward1 when b is a tensor."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b if _rg(b) else None)
        return _b(a).remainder(a._data, _d(b))

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        if len(ctx.next_functions) == 1:  # b was a number
            return g
        return g, (-g * a.div(b, rounding_mode="floor") if b is not None else None)


RemainderBackward1 = type("RemainderBackward1", (RemainderBackward0,), {})


class FmodBackward0(Op):
    """fmod(a, b), C's convention (the result takes a's sign); FmodBackward1 when b is a tensor."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b if _rg(b) else None)
        be, x, y = _b(a), a._data, _d(b)
        r = be.remainder(x, y)
        # numpy's remainder takes y's sign: step back by y where it and x's sign differ (exact, no division)
        off = be.logical_and(be.ne(r, 0), be.logical_xor(be.lt(r, 0), be.lt(x, 0)))
        return be.sub(r, be.where(off, y, be.full((), 0, r.dtype)))

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        if len(ctx.next_functions) == 1:  # b was a number
            return g
        return g, (-g * a.div(b, rounding_mode="trunc") if b is not None else None)


FmodBackward1 = type("FmodBackward1", (FmodBackward0,), {})


class LerpBackward0(Op):
    """a + w * (b - a) with a number w; LerpBackward1 when w is a tensor (it gets a gradient too)."""

    def forward(ctx, a, end, weight):
        ctx.save_for_backward(a, end, weight if _rg(weight) else None)
        ctx.weight = weight
        be = _b(a)
        return be.add(a._data, be.mul(_d(weight), be.sub(end._data, a._data)))

    def backward(ctx, g):
        a, end, w_saved = ctx.saved_tensors
        w = ctx.weight
        if not isinstance(w, Tensor):
            return g * (1 - w), g * w
        return g * (1 - w), g * w, (g * (end - a) if w_saved is not None else None)


LerpBackward1 = type("LerpBackward1", (LerpBackward0,), {})


class AddcmulBackward0(Op):
    def forward(ctx, a, t1, t2, value=1):
        ctx.save_for_backward(t2 if _rg(t1) else None, t1 if _rg(t2) else None)
        ctx.value = value
        be = _b(a)
        return be.add(a._data, be.mul(be.mul(t1._data, t2._data), value))

    def backward(ctx, g):
        t2, t1 = ctx.saved_tensors
        v = ctx.value
        return g, (g * t2 * v if t2 is not None else None), (g * t1 * v if t1 is not None else None)


class AddcdivBackward0(Op):
    def forward(ctx, a, t1, t2, value=1):
        ctx.save_for_backward(t1 if _rg(t2) else None, t2)
        ctx.value = value
        be = _b(a)
        return be.add(a._data, be.mul(be.div(t1._data, t2._data), value))

    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        return g, g * v / t2, (-g * v * t1 / (t2 * t2) if t1 is not None else None)


class ReciprocalBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).reciprocal(a._data)

    def backward(ctx, g):
        out = ctx.output
        return -g * out * out


class NegBackward0(Op):
    def forward(ctx, a):
        return _b(a).neg(a._data)

    def backward(ctx, g):
        return -g


class PowBackward0(Op):
    """tensor ** scalar"""

    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return _b(a).pow(a._data, exponent)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return g * 0
        return g * e * a.pow(e - 1) if e != 2 else g * 2 * a


class PowBackward1(Op):
    """tensor ** tensor"""
    saves_output = True

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _b(a).pow(a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        # PyTorch's conventions: d/da is 0 where b == 0; d/db = a**b * log(a) is 0 where a == 0 and b >= 0
        ga = _select(b == 0, 0.0, g * b * a.pow(b - 1)) if a._requires_grad else None
        gb = None
        if b._requires_grad:
            zero_base = (a == 0) & (b >= 0)
            gb = _select(zero_base, 0.0, g * ctx.output * a.masked_fill(zero_base, 1).log())
        return ga, gb


class PowBackward2(Op):
    """scalar ** tensor"""
    saves_output = True

    def forward(ctx, b, base):
        ctx.base = base
        return _b(b).pow(base, b._data).astype(b._data.dtype, copy=False)

    def backward(ctx, g):
        return g * ctx.output * math.log(ctx.base) if ctx.base > 0 else g * 0


class MaximumBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _b(a).maximum(a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _split_ties(g, a, b)


class MinimumBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _b(a).minimum(a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _split_ties(g, b, a)


def _split_ties(g, winner, loser):
    """Gradient of max(winner, loser): all to the larger input, half each on ties (PyTorch's rule)."""
    half = g / 2
    gw = (winner > loser).to(g.dtype) * g + (winner == loser).to(g.dtype) * half
    return gw, g - gw


# --- elementwise functions -----------------------------------------------------------------
class ExpBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).exp(a._data)

    def backward(ctx, g):
        return g * ctx.output


class LogBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _b(a).log(a._data)

    def backward(ctx, g):
        return g / ctx.saved_tensors[0]


class Log2Backward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        return b.div(b.log(a._data), math.log(2)).astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        return g / (ctx.saved_tensors[0] * math.log(2))


class Log10Backward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        return b.div(b.log(a._data), math.log(10)).astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        return g / (ctx.saved_tensors[0] * math.log(10))


class Log1PBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _b(a).log1p(a._data)

    def backward(ctx, g):
        return g / (ctx.saved_tensors[0] + 1)


class Expm1Backward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).expm1(a._data)

    def backward(ctx, g):
        return g * (ctx.output + 1)


class SqrtBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).sqrt(a._data)

    def backward(ctx, g):
        return g / (2 * ctx.output)


class RsqrtBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        b = _b(a)
        return b.reciprocal(b.sqrt(a._data))

    def backward(ctx, g):
        out = ctx.output
        return g * -0.5 * out * out * out


class AbsBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _b(a).abs(a._data)

    def backward(ctx, g):
        return g * ctx.saved_tensors[0].sign()


class SinBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _b(a).sin(a._data)

    def backward(ctx, g):
        return g * ctx.saved_tensors[0].cos()


class CosBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _b(a).cos(a._data)

    def backward(ctx, g):
        return -g * ctx.saved_tensors[0].sin()


class TanhBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).tanh(a._data)

    def backward(ctx, g):
        return TanhBackwardBackward0.apply(g, ctx.output)


class TanhBackwardBackward0(Op):
    """tanh's input gradient g * (1 - y^2) as one kernel (PyTorch's tanh_backward), differentiable in g and y."""

    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return _b(g).tanh_backward(g._data, y._data)

    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return gg * (1 - y * y), gg * g * y * -2


class SigmoidBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).sigmoid(a._data)

    def backward(ctx, g):
        return SigmoidBackwardBackward0.apply(g, ctx.output)


class SigmoidBackwardBackward0(Op):
    """sigmoid's input gradient g * y * (1 - y) as one kernel (PyTorch's sigmoid_backward)."""

    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return _b(g).sigmoid_backward(g._data, y._data)

    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return gg * y * (1 - y), gg * g * (1 - 2 * y)


class ReluBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).relu(a._data)

    def backward(ctx, g):
        return ThresholdBackwardBackward0.apply(g, ctx.output)


class ThresholdBackwardBackward0(Op):
    """relu's input gradient, g where the output is positive: one kernel, and (as in PyTorch) it depends on
    the output too, so a gradient of it exists (zero) at every order."""

    def forward(ctx, g, out):
        ctx.out = out._data
        return _b(g).threshold_backward(g._data, out._data)

    def backward(ctx, gg):
        return ThresholdBackwardBackward0.apply(gg, _wrap(ctx.out)), gg * 0


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


class GeluBackward0(Op):
    def forward(ctx, a, approximate="none"):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        b, x = _b(a), a._data
        if approximate == "tanh":
            inner = b.mul(b.add(x, b.mul(b.mul(b.mul(x, x), x), 0.044715)), _SQRT_2_OVER_PI)
            return b.mul(b.mul(x, 0.5), b.add(b.tanh(inner), 1))
        return b.mul(b.mul(x, 0.5), b.add(b.erf(b.mul(x, 1 / math.sqrt(2))), 1))

    def backward(ctx, g):
        x, = ctx.saved_tensors
        if ctx.approximate == "tanh":
            inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
            t = inner.tanh()
            d_inner = (1 + x * x * (3 * 0.044715)) * _SQRT_2_OVER_PI
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
        cdf = ((x * (1 / math.sqrt(2))).erf() + 1) * 0.5
        pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf)


class ErfBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _b(a).erf(a._data)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (a * a).neg().exp() * (2 / math.sqrt(math.pi))


class ClampBackward1(Op):
    def forward(ctx, a, min=None, max=None):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = min, max
        b, x = _b(a), a._data
        if min is not None:
            x = b.maximum(x, min)
        if max is not None:
            x = b.minimum(x, max)
        return x.astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        mask = None
        if ctx.lo is not None:
            mask = a >= ctx.lo
        if ctx.hi is not None:
            mask = (a <= ctx.hi) if mask is None else mask & (a <= ctx.hi)
        return g * mask.to(g.dtype)


ClampMinBackward0 = type("ClampMinBackward0", (ClampBackward1,), {})
ClampMaxBackward0 = type("ClampMaxBackward0", (ClampBackward1,), {})


class ClampBackward0(Op):
    """clamp with tensor bounds (either may be None): gradients reach the input and both bounds."""

    def forward(ctx, a, min, max):
        ctx.save_for_backward(a, min, max)
        b, x = _b(a), a._data
        if min is not None:
            x = b.maximum(x, min._data)
        if max is not None:
            x = b.minimum(x, max._data)
        return x

    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        zero = g * 0
        if lo is not None and hi is not None:
            return (_select((a >= lo) & (a <= hi), g, zero), _select((a < lo) & (lo < hi), g, zero),
                    _select((a > hi) | (hi < lo), g, zero))
        if lo is not None:
            return _select(a >= lo, g, zero), _select(a < lo, g, zero), None
        return _select(a <= hi, g, zero), None, _select(a > hi, g, zero)


class _ZeroGrad(Op):
    """Piecewise-constant functions: the gradient is zero almost everywhere."""

    def backward(ctx, g):
        return g * 0


class SignBackward0(_ZeroGrad):
    def forward(ctx, a):
        return _b(a).sign(a._data)


class FloorBackward0(_ZeroGrad):
    def forward(ctx, a):
        return _b(a).floor(a._data)


class CeilBackward0(_ZeroGrad):
    def forward(ctx, a):
        return _b(a).ceil(a._data)


class RoundBackward0(_ZeroGrad):
    def forward(ctx, a):
        return _b(a).round(a._data)


class RoundBackward1(_ZeroGrad):
    """round(x, decimals=d)"""

    def forward(ctx, a, decimals):
        b, scale = _b(a), 10.0 ** decimals
        return b.div(b.round(b.mul(a._data, scale)), scale).astype(a._data.dtype, copy=False)


class TruncBackward0(_ZeroGrad):
    def forward(ctx, a):
        b = _b(a)
        return b.mul(b.sign(a._data), b.floor(b.abs(a._data)))


class FracBackward0(Op):
    def forward(ctx, a):
        b = _b(a)
        return b.sub(a._data, b.mul(b.sign(a._data), b.floor(b.abs(a._data))))

    def backward(ctx, g):
        return g


class WhereBackward0(Op):
    """where(condition, a, b); the condition is a parameter, not a differentiable input."""

    def forward(ctx, a, b, condition):
        ctx.condition = condition
        return _b(condition).where(condition._data, _d(a), _d(b))

    def backward(ctx, g):
        zero = g * 0
        c = ctx.condition
        return _select(c, g, zero), _select(c, zero, g)


class MaskedFillBackward0(Op):
    def forward(ctx, a, mask, value):
        ctx.mask = mask
        b = _b(a)
        return b.where(mask._data, b.astype(b.full((), value, a._data.dtype), a._data.dtype), a._data)

    def backward(ctx, g):
        return g.masked_fill(ctx.mask, 0)


class MaskedFillBackward1(Op):
    """masked_fill with a 0-dim tensor value, which receives the gradient of every filled element."""

    def forward(ctx, a, value, mask):
        ctx.mask = mask
        b = _b(a)
        return b.where(mask._data, b.astype(value._data, a._data.dtype), a._data)

    def backward(ctx, g):
        return g.masked_fill(ctx.mask, 0), g.masked_fill(ctx.mask.logical_not(), 0)


class ToCopyBackward0(Op):
    """dtype and device changes."""

    def forward(ctx, a, dtype=None, device=None):
        ctx.dtype, ctx.device = a._data.dtype, a.device
        data = a._data
        if device is not None and device != a.device:
            from ._device import backend
            data = backend(device.type).from_numpy(_b(a).to_numpy(data))
        if dtype is not None and data.dtype != dtype:
            data = backend_of(data).astype(data, dtype)
        elif data is a._data:
            data = _b(a).contiguous(data).copy() if isinstance(data, np.ndarray) else _b(a).astype(data, data.dtype)
        return data

    def backward(ctx, g):
        return g.to(device=ctx.device, dtype=ctx.dtype)


class CloneBackward0(Op):
    """clone() keeps the input's stride order (PyTorch's preserve_format); contiguous() asks for C order."""

    def forward(ctx, a, contiguous=False):
        b, x = _b(a), a._data
        if contiguous:
            return b.contiguous(x)
        return x.copy(order="K") if isinstance(x, np.ndarray) else b.astype(x, x.dtype)

    def backward(ctx, g):
        return g


# --- reductions ---------------------------------------------------------------------------
def _expand_back(g, in_shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim and axes:
        shape = list(in_shape)
        for ax in axes:
            shape[ax] = 1
        g = g.reshape(shape)
    return g.expand(in_shape)


def _sum_in(b, x, dtype, axes, keepdim):
    """Sum in `dtype` when given: cast, sum, and keep it (numpy widens small integers to its platform's int)."""
    if dtype is None:
        return b.sum(x, axes, keepdim)
    out = b.sum(b.astype(x, dtype), axes, keepdim)
    return out if out.dtype == dtype else b.astype(out, dtype)


class SumBackward0(Op):
    def forward(ctx, a, dtype=None):
        ctx.shape = a._data.shape
        return _sum_in(_b(a), a._data, dtype, None, False)

    def backward(ctx, g):
        return g.expand(ctx.shape)


class SumBackward1(Op):
    def forward(ctx, a, axes, keepdim=False, dtype=None):
        ctx.shape, ctx.axes, ctx.keepdim = a._data.shape, axes, keepdim
        return _sum_in(_b(a), a._data, dtype, axes, keepdim)

    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)


class MeanBackward0(Op):
    def forward(ctx, a):
        ctx.shape = a._data.shape
        b = _b(a)
        return b.div(b.sum(a._data, None, False), a._data.size).astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        n = 1
        for s in ctx.shape:
            n *= s
        return g.expand(ctx.shape) / n


class MeanBackward1(Op):
    def forward(ctx, a, axes, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = a._data.shape, axes, keepdim
        n = 1
        for ax in axes:
            n *= a._data.shape[ax]
        ctx.n = n
        b = _b(a)
        return b.div(b.sum(a._data, axes, keepdim), n).astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim) / ctx.n


class ProdBackward0(Op):
    saves_output = True

    def forward(ctx, a, axes=None, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        return _b(a).prod(a._data, axes, keepdim)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        out = _expand_back(ctx.output, a.shape, axes or (), keepdim if axes else True)
        g = _expand_back(g, a.shape, axes or (), keepdim if axes else True)
        zero = a == 0
        if not bool(zero.any()):
            return g * out / a
        # With zeros, the gradient at an element is the product of the others. In a slice with one zero that is
        # the product of the non-zeros at the zero; elsewhere it is 0, written as a product with the zero element
        # so that its derivative (for double backward) is right too. Slices with more zeros get 0.
        def slice_prod(t):
            return t.prod(dim=axes, keepdim=True) if axes else t.prod().reshape([1] * a.dim())
        safe = a.masked_fill(zero, 1)
        nonzero_prod = slice_prod(safe)
        zero_elements = slice_prod(a.masked_fill(zero.logical_not(), 1))
        zeros_count = zero.sum(dim=axes, keepdim=True) if axes else zero.sum().reshape([1] * a.dim())
        one_zero = _select(zero, nonzero_prod, nonzero_prod / safe * zero_elements)
        grad = _select(zeros_count == 0, out / safe, _select(zeros_count == 1, one_zero, 0.0))
        return g * grad


ProdBackward1 = type("ProdBackward1", (ProdBackward0,), {})


class _EvenlyDistributed(Op):
    """max()/min()/amax/amin: the gradient is shared evenly between tied extreme elements."""
    saves_output = True

    def backward(ctx, g):
        a, = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        full = axes is None
        out = _expand_back(ctx.output, a.shape, () if full else axes, keepdim or full)
        g = _expand_back(g, a.shape, () if full else axes, keepdim or full)
        mask = (a == out).to(g.dtype)
        count = mask.sum() if full else mask.sum(dim=axes, keepdim=True)
        return g * mask / count


def _check_extreme_of_empty(name, a, axes):
    """PyTorch's errors for max/min/amax/amin over no elements."""
    if axes is None:
        if a._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return
    for ax in axes:
        if a._data.shape[ax] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {ax} to have non-zero size.")


class MaxBackward1(_EvenlyDistributed):
    fn_name = "max"

    def forward(ctx, a, axes=None, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        _check_extreme_of_empty(ctx.fn_name, a, axes)
        return _b(a).max(a._data, axes, keepdim)


class MinBackward1(_EvenlyDistributed):
    fn_name = "min"

    def forward(ctx, a, axes=None, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        _check_extreme_of_empty(ctx.fn_name, a, axes)
        return _b(a).min(a._data, axes, keepdim)


AmaxBackward0 = type("AmaxBackward0", (MaxBackward1,), {"fn_name": "amax"})
AminBackward0 = type("AminBackward0", (MinBackward1,), {"fn_name": "amin"})


class MaxBackward0(Op):
    """max(dim) -> (values, indices): the gradient goes to the element each index names."""
    n_differentiable = 1

    def forward(ctx, a, axis, keepdim=False):
        return _select_along(ctx, a, axis, keepdim, "argmax")

    def backward(ctx, g):
        return _scatter_along(ctx, g)


class MinBackward0(MaxBackward0):
    def forward(ctx, a, axis, keepdim=False):
        return _select_along(ctx, a, axis, keepdim, "argmin")


def _select_along(ctx, a, axis, keepdim, arg):
    return _pick_along(ctx, a, axis, keepdim, getattr(_b(a), arg)(a._data, axis, True))


def _pick_along(ctx, a, axis, keepdim, idx):
    """(values, indices) of the elements idx (keepdim form) picks along axis; _scatter_along is the backward."""
    b = _b(a)
    ctx.shape, ctx.axis, ctx.keepdim, ctx.index = a._data.shape, axis, keepdim, idx
    lin = _linear_index_along(b, a._data.shape, axis, idx)
    values = b.reshape(b.take(a._data, lin), idx.shape)
    if not keepdim:
        shape = tuple(s for i, s in enumerate(idx.shape) if i != axis)
        values, idx = b.reshape(values, shape), b.reshape(idx, shape)
    return values, idx


def _linear_index_along(b, shape, axis, idx):
    """Flat positions in an array of `shape` of the elements that idx (keepdim form) picks along axis."""
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    lin = b.mul(idx, strides[axis])
    for d in range(len(shape)):
        if d != axis:
            r = b.arange(0, shape[d] * strides[d], strides[d], np.int64)
            lin = b.add(lin, b.reshape(r, tuple(shape[d] if i == d else 1 for i in range(len(shape)))))
    return lin


def _scatter_along(ctx, g):
    b = _b(g)
    idx = _wrap(ctx.index)
    if not ctx.keepdim:
        g = g.unsqueeze(ctx.axis)
    lin = _wrap(_linear_index_along(b, ctx.shape, ctx.axis, ctx.index))
    return IndexPutAddBackward.apply(g, index=lin, shape=ctx.shape) if idx is not None else None


class IndexPutAddBackward(Op):
    """Scatter-add of values at flat positions into zeros of `shape` (the backward of every gather)."""

    def forward(ctx, values, index, shape):
        ctx.index = index
        n = 1
        for s in shape:
            n *= s
        b = _b(values)
        return b.reshape(b.scatter_add(n, index._data, b.broadcast_to(values._data, index._data.shape)), shape)

    def backward(ctx, g):
        return TakeBackward.apply(g, index=ctx.index)


class TakeBackward(Op):
    """Gather of flat positions (its backward is the scatter-add above)."""

    def forward(ctx, a, index):
        ctx.index, ctx.shape = index, a._data.shape
        return _b(a).take(a._data, index._data)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=ctx.index, shape=ctx.shape)


# diagonal() gathers the flat positions of a diagonal (a copy here, a strided view in PyTorch); torch.diag of a
# matrix records the _copy variant; torch.diag of a vector scatters it into a square matrix.
DiagonalBackward0 = type("DiagonalBackward0", (TakeBackward,), {})
DiagonalBackward0_copy = type("DiagonalBackward0_copy", (TakeBackward,), {})
DiagEmbedBackward0 = type("DiagEmbedBackward0", (IndexPutAddBackward,), {})


class TraceBackward0(Op):
    def forward(ctx, a, index):
        ctx.index, ctx.shape = index, a._data.shape
        b = _b(a)
        return b.sum(b.take(a._data, index._data), None, False)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g.expand(ctx.index.shape), index=ctx.index, shape=ctx.shape)


class TrilBackward0(Op):
    """The lower triangle of the last two dims (from `diagonal` on), zeros above; TriuBackward0: the upper."""
    upper = False

    def forward(ctx, a, diagonal=0):
        ctx.diagonal = diagonal
        b, x = _b(a), a._data
        rows, cols = x.shape[-2:]
        keep = np.triu(np.ones((rows, cols), bool), diagonal) if ctx.upper else \
            np.tril(np.ones((rows, cols), bool), diagonal)
        return b.where(b.from_numpy(keep), x, b.full((), 0, x.dtype))

    def backward(ctx, g):
        return g.triu(ctx.diagonal) if ctx.upper else g.tril(ctx.diagonal)


TriuBackward0 = type("TriuBackward0", (TrilBackward0,), {"upper": True})


class RollBackward0(Op):
    def forward(ctx, a, shifts, dims):
        """dims None: the flattened tensor rolls, then takes its shape back."""
        ctx.shifts, ctx.dims = shifts, dims
        b, x = _b(a), a._data
        if dims is None:
            flat = RollBackward0.forward(ctx, _wrap(b.reshape(x, (-1,))), shifts, [0])
            ctx.dims = None
            return b.reshape(flat, x.shape)
        for s, d in zip(shifts, dims):
            n = x.shape[d]
            s %= n if n else 1
            if s:
                head = (slice(None),) * d
                x = b.concatenate([b.getitem(x, head + (slice(n - s, n),)), b.getitem(x, head + (slice(0, n - s),))],
                                  d)
        return x if x is not a._data else b.astype(x, x.dtype)  # no shift: still a new tensor

    def backward(ctx, g):
        return g.roll([-s for s in ctx.shifts] if ctx.dims is not None else -ctx.shifts[0], ctx.dims)


class VarBackward0(Op):
    def forward(ctx, a, axes=None, correction=1, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.correction, ctx.keepdim = axes, correction, keepdim
        b, x = _b(a), a._data
        n = x.size if axes is None else int(np.prod([x.shape[i] for i in axes]))
        ctx.n = n
        mean = b.div(b.sum(x, axes, True), n).astype(x.dtype, copy=False)
        dev = b.sub(x, mean)
        return b.div(b.sum(b.mul(dev, dev), axes, keepdim), max(n - correction, 0)).astype(x.dtype, copy=False)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        axes = ctx.axes
        mean = a.mean() if axes is None else a.mean(dim=axes, keepdim=True)
        g = _expand_back(g, a.shape, axes or (), ctx.keepdim or axes is None)
        return g * (a - mean) * (2 / max(ctx.n - ctx.correction, 0))


class StdBackward0(Op):
    saves_output = True

    def forward(ctx, a, axes=None, correction=1, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.correction, ctx.keepdim = axes, correction, keepdim
        var = VarBackward0.forward(ctx, a, axes, correction, keepdim)
        ctx.save_for_backward(a)
        return _b(a).sqrt(var)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        axes = ctx.axes
        mean = a.mean() if axes is None else a.mean(dim=axes, keepdim=True)
        full = axes is None or ctx.keepdim
        g = _expand_back(g, a.shape, axes or (), full)
        std = _expand_back(ctx.output, a.shape, axes or (), full)
        zero = std == 0  # a constant slice: PyTorch's gradient there is 0, not nan
        return _select(zero, 0.0, g / std.masked_fill(zero, 1)) * (a - mean) / max(ctx.n - ctx.correction, 0)


class VarMeanBackward0(Op):
    """var_mean -> (var, mean) as one node, as PyTorch records it; StdMeanBackward0 for std_mean."""
    n_differentiable = 2
    take_root = False

    def forward(ctx, a, axes=None, correction=1, keepdim=False):
        ctx.save_for_backward(a)
        var = VarBackward0.forward(ctx, a, axes, correction, keepdim)
        b = _b(a)
        mean = b.div(b.sum(a._data, axes, keepdim), ctx.n).astype(a._data.dtype, copy=False)
        return (b.sqrt(var) if ctx.take_root else var), mean

    def backward(ctx, g_spread, g_mean):
        a, = ctx.saved_tensors
        axes, keep = ctx.axes, ctx.keepdim or ctx.axes is None
        mean = a.mean() if axes is None else a.mean(dim=axes, keepdim=True)
        g_spread = _expand_back(g_spread, a.shape, axes or (), keep)
        scale = 2 / max(ctx.n - ctx.correction, 0)
        if ctx.take_root:  # d std = d var / (2 std); 0 where std is 0, as in PyTorch
            std = _expand_back(a.std(axes, correction=ctx.correction, keepdim=True), a.shape, axes or (), True)
            zero = std == 0
            g_spread = _select(zero, 0.0, g_spread / (2 * std.masked_fill(zero, 1)))
        return g_spread * (a - mean) * scale + _expand_back(g_mean, a.shape, axes or (), keep) / ctx.n


StdMeanBackward0 = type("StdMeanBackward0", (VarMeanBackward0,), {"take_root": True})


class LogsumexpBackward0(Op):
    saves_output = True

    def forward(ctx, a, axes, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        b, x = _b(a), a._data
        m = b.max(x, axes, True)
        m = b.where(b.eq(b.abs(m), np.inf), b.mul(m, 0), m)  # all -inf rows stay -inf, no nan
        out = b.add(b.log(b.sum(b.exp(b.sub(x, m)), axes, True)), m)
        return out if keepdim else b.reshape(out, tuple(s for i, s in enumerate(out.shape) if i not in axes))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        out = _expand_back(ctx.output, a.shape, ctx.axes, ctx.keepdim)
        return _expand_back(g, a.shape, ctx.axes, ctx.keepdim) * (a - out).exp()


class CumsumBackward0(Op):
    def forward(ctx, a, axis):
        ctx.axis = axis
        return _running_sum(_b(a), a._data, axis)

    def backward(ctx, g):
        return g.flip(ctx.axis).cumsum(ctx.axis).flip(ctx.axis)


def _running_sum(b, x, axis):
    """Cumulative sum along axis as a scan of log2(n) shifted adds (Hillis-Steele): each pass adds the
    running sums from `shift` places before, so every backend (the GPU too) does it with pad, a slice and
    an add. Integers stay exact; floats are summed in another order than one by one (within rounding)."""
    n, out, shift = x.shape[axis] if x.ndim else 1, b.astype(x, x.dtype), 1
    zeros = [(0, 0)] * x.ndim
    window = tuple(slice(0, n) if d == axis else slice(None) for d in range(x.ndim))
    while shift < n:
        zeros[axis] = (shift, 0)
        out = b.add(out, b.getitem(b.pad(out, tuple(zeros), 0), window))
        shift *= 2
    return out


class LogcumsumexpBackward0(Op):
    """log(cumsum(exp(a))) along axis: the scan of _running_sum with logaddexp for add, so no exp overflows
    or underflows whatever the spread of the values."""
    saves_output = True

    def forward(ctx, a, axis):
        ctx.save_for_backward(a)
        ctx.axis = axis
        b, x = _b(a), a._data
        n, out, shift = x.shape[axis], x, 1
        empty = [(0, 0)] * x.ndim
        window = tuple(slice(0, n) if d == axis else slice(None) for d in range(x.ndim))
        while shift < n:
            empty[axis] = (shift, 0)
            out = _logaddexp(b, out, b.getitem(b.pad(out, tuple(empty), -math.inf), window))
            shift *= 2
        return b.astype(out, x.dtype)

    def backward(ctx, g):
        # sum over i >= j of g_i * exp(a_j - y_i), in log space for the positive and negative parts of g
        # separately (PyTorch's formulation): no term overflows
        a, = ctx.saved_tensors
        axis, lowest = ctx.axis, float(np.finfo(g._data.dtype).min)
        log_g = g.abs().log()

        def reverse_logcumsumexp(t):
            return LogcumsumexpBackward0.apply(t.flip(axis), axis=axis).flip(axis)
        positive = reverse_logcumsumexp(_select(g > 0, log_g, lowest) - ctx.output)
        negative = reverse_logcumsumexp(_select(g < 0, log_g, lowest) - ctx.output)
        return (positive + a).exp() - (negative + a).exp()


# --- linear algebra ----------------------------------------------------------------------
class MmBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        return _b(a).matmul(a._data, b._data)

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (_mm(g, _t(b)) if b is not None else None), (_mm(_t(a), g) if a is not None else None)


def _mm(a, b):
    """a @ b for the backward rules of matrix products: shapes are known to agree, so no checks."""
    return MmBackward0.apply(a, b)


def _t(a):
    return TBackward0.apply(a)


class AddmmBackward0(Op):
    """bias + mat1 @ mat2: what nn.Linear records for a 2-D input."""

    def forward(ctx, bias, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        be = _b(a)
        return be.add(be.matmul(a._data, b._data), bias._data)

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return g, (_mm(g, _t(b)) if b is not None else None), (_mm(_t(a), g) if a is not None else None)


class MvBackward0(Op):
    def forward(ctx, a, v):
        ctx.save_for_backward(v if _rg(a) else None, a if _rg(v) else None)
        return _b(a).matmul(a._data, v._data)

    def backward(ctx, g):
        v, a = ctx.saved_tensors
        return (g.unsqueeze(1) * v if v is not None else None), (a.t().mv(g) if a is not None else None)


class DotBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        return _b(a).matmul(a._data, b._data)

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g * b if b is not None else None), (g * a if a is not None else None)


class BmmBackward0(Op):
    """Batched (and broadcast) matmul of tensors with at least 2 dims; the walk sums broadcast batches."""

    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        return _b(a).matmul(a._data, b._data)

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g.matmul(b.mT) if b is not None else None), (a.mT.matmul(g) if a is not None else None)


class BaddbmmBackward0(Op):
    """beta * input + alpha * (batch1 @ batch2), input broadcast to the product's shape."""

    def forward(ctx, input, b1, b2, beta=1, alpha=1):
        ctx.save_for_backward(b2 if _rg(b1) else None, b1 if _rg(b2) else None)
        ctx.beta, ctx.alpha = beta, alpha
        be = _b(b1)
        out = be.matmul(b1._data, b2._data)
        if alpha != 1:
            out = be.mul(out, alpha)
        if beta == 0:  # PyTorch ignores input then, nan and inf included
            return out
        return be.add(out, input._data if beta == 1 else be.mul(input._data, beta))

    def backward(ctx, g):
        b2, b1 = ctx.saved_tensors
        ga = g if ctx.alpha == 1 else g * ctx.alpha
        return (g * ctx.beta if ctx.beta != 1 else g), (ga.bmm(b2.mT) if b2 is not None else None), \
            (b1.mT.bmm(ga) if b1 is not None else None)


# --- shape and memory views ----------------------------------------------------------------
class ViewBackward0(Op):
    is_view = True

    def forward(ctx, a, shape):
        ctx.shape = a._data.shape
        out = _b(a).view(a._data, shape)
        if out is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    def backward(ctx, g):
        return g.reshape(ctx.shape)


AliasBackward0 = type("AliasBackward0", (ViewBackward0,), {})  # x[...], x[()]: the same tensor, a new node
ReshapeAliasBackward0 = type("ReshapeAliasBackward0", (ViewBackward0,), {})  # reshape of a strided view


class UnsafeViewBackward0(Op):
    """reshape of a tensor whose strides do not allow a view: a copy."""

    def forward(ctx, a, shape):
        ctx.shape = a._data.shape
        b = _b(a)
        return b.reshape(b.contiguous(a._data), shape)

    def backward(ctx, g):
        return g.reshape(ctx.shape)


class TBackward0(Op):
    is_view = True

    def forward(ctx, a):
        return _b(a).permute(a._data, (1, 0)) if a._data.ndim == 2 else a._data

    def backward(ctx, g):
        return g.t()


class TransposeBackward0(Op):
    is_view = True

    def forward(ctx, a, dim0, dim1):
        ctx.dims = dim0, dim1
        axes = list(range(a._data.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return _b(a).permute(a._data, tuple(axes))

    def backward(ctx, g):
        return g.transpose(*ctx.dims)


class PermuteBackward0(Op):
    is_view = True

    def forward(ctx, a, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return _b(a).permute(a._data, dims)

    def backward(ctx, g):
        return g.permute(ctx.inverse)


class UnsqueezeBackward0(Op):
    is_view = True

    def forward(ctx, a, dim):
        ctx.dim = dim
        shape = list(a._data.shape)
        shape.insert(dim, 1)
        return _b(a).view(a._data, tuple(shape))

    def backward(ctx, g):
        return g.squeeze(ctx.dim)


class SqueezeBackward0(Op):
    is_view = True

    def forward(ctx, a, dims=None):
        ctx.shape = a._data.shape
        shape = tuple(s for i, s in enumerate(a._data.shape) if s != 1 or (dims is not None and i not in dims))
        return _b(a).view(a._data, shape)

    def backward(ctx, g):
        return g.reshape(ctx.shape)


SqueezeBackward1 = type("SqueezeBackward1", (SqueezeBackward0,), {})  # squeeze(dim)
SqueezeBackward2 = type("SqueezeBackward2", (SqueezeBackward0,), {})  # squeeze(dims)
SqueezeBackward4 = type("SqueezeBackward4", (SqueezeBackward0,), {})  # squeeze_(dim), inside matmul


class ExpandBackward0(Op):
    is_view = True

    def forward(ctx, a, shape):
        ctx.shape = a._data.shape
        return _b(a).broadcast_to(a._data, shape)

    def backward(ctx, g):
        return g.sum_to_size(ctx.shape)


class SumToSizeBackward(Op):
    """The reduction of a broadcast gradient to an input's shape (PyTorch does it inside the engine)."""

    def forward(ctx, a, shape):
        ctx.shape = a._data.shape
        x = a._data
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
        b = _b(a)
        out = b.sum(x, axes, True) if axes else x
        return b.reshape(out, shape)

    def backward(ctx, g):
        return g.expand(ctx.shape)


def is_legacy_empty(t):
    """A 1-D tensor of size 0, which cat skips whatever the other tensors' shapes (PyTorch's legacy rule)."""
    return t._data.ndim == 1 and t._data.shape[0] == 0


class CatBackward0(Op):
    def forward(ctx, *tensors, dim):
        ctx.dim = dim
        kept = [t for t in tensors if not is_legacy_empty(t)] or tensors[:1]
        ctx.skipped = [i for i, t in enumerate(tensors) if is_legacy_empty(t) and t is not kept[0]]
        ctx.sizes = [0 if i in ctx.skipped else t._data.shape[dim] for i, t in enumerate(tensors)]
        return _b(kept[0]).concatenate([t._data for t in kept], dim)

    def backward(ctx, g):
        grads = g.split(ctx.sizes, ctx.dim)
        return tuple(None if i in ctx.skipped else gi for i, gi in enumerate(grads)) if ctx.skipped else tuple(grads)


class StackBackward0(Op):
    def forward(ctx, *tensors, dim):
        ctx.dim = dim
        b = _b(tensors[0])
        parts = []
        for t in tensors:
            shape = list(t._data.shape)
            shape.insert(dim, 1)
            parts.append(b.reshape(t._data, tuple(shape)))
        return b.concatenate(parts, dim)

    def backward(ctx, g):
        return tuple(g.unbind(ctx.dim))


class _MultiViewOp(Op):
    """split/unbind: several outputs, each a view of a piece of the input."""

    def backward(ctx, *grads):
        from .functions import cat, stack
        return stack(grads, ctx.dim) if ctx.unbind else cat(grads, ctx.dim)


class SplitBackward0(_MultiViewOp):
    unbind = False

    def forward(ctx, a, sizes, dim):
        ctx.dim = dim
        b = _b(a)
        index = [slice(None)] * a._data.ndim
        out, start = [], 0
        for s in sizes:
            index[dim] = slice(start, start + s)
            out.append(b.getitem(a._data, tuple(index)))
            start += s
        ctx.n_differentiable = len(out)
        return tuple(out)


SplitWithSizesBackward0 = type("SplitWithSizesBackward0", (SplitBackward0,), {})


class UnbindBackward0(_MultiViewOp):
    unbind = True

    def forward(ctx, a, dim):
        ctx.dim = dim
        b = _b(a)
        index = [slice(None)] * a._data.ndim
        out = []
        for i in range(a._data.shape[dim]):
            index[dim] = i
            out.append(b.getitem(a._data, tuple(index)))
        ctx.n_differentiable = len(out)
        return tuple(out)


class FlipBackward0(Op):
    def forward(ctx, a, dims):
        ctx.dims = dims
        return _b(a).flip(a._data, dims)

    def backward(ctx, g):
        return g.flip(ctx.dims)


class Rot90Backward0(Op):
    """rot90 by k quarter turns in the plane dims (d0 towards d1): a flip, then swapping the two axes."""

    def forward(ctx, a, k, dims):
        ctx.k, ctx.dims = k, dims
        b, x = _b(a), a._data
        d0, d1 = dims
        if k == 0:
            return b.contiguous(b.astype(x, x.dtype))  # a copy
        if k == 2:
            return b.flip(x, dims)
        order = list(range(x.ndim))
        order[d0], order[d1] = d1, d0
        return b.permute(b.flip(x, (d1,) if k == 1 else (d0,)), tuple(order))

    def backward(ctx, g):
        return Rot90Backward0.apply(g, k=(4 - ctx.k) % 4, dims=ctx.dims)


class RepeatBackward0(Op):
    def forward(ctx, a, repeats):
        ctx.shape, ctx.repeats = a._data.shape, repeats
        b = _b(a)
        shape = (1,) * (len(repeats) - a._data.ndim) + a._data.shape
        # Each dim s becomes (r, s): broadcast a new leading copy axis per dim, then merge the pairs.
        paired = b.reshape(a._data, tuple(v for s in shape for v in (1, s)))
        tiled = b.broadcast_to(paired, tuple(v for r, s in zip(repeats, shape) for v in (r, s)))
        return b.reshape(b.contiguous(tiled), tuple(r * s for r, s in zip(repeats, shape)))

    def backward(ctx, g):
        shape = (1,) * (len(ctx.repeats) - len(ctx.shape)) + ctx.shape
        split = []
        for r, s in zip(ctx.repeats, shape):
            split += [r, s]
        g = g.reshape(split).sum(dim=tuple(range(0, len(split), 2)))
        return g.reshape(ctx.shape)


class ConstantPadNdBackward0(Op):
    def forward(ctx, a, pad, value=0.0):
        widths = [(0, 0)] * a._data.ndim
        for i in range(len(pad) // 2):
            widths[a._data.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.pad = tuple(pad)
        b = _b(a)
        x = a._data
        # negative padding crops
        crop = tuple(slice(-lo if lo < 0 else 0, x.shape[i] + hi if hi < 0 else None) for i, (lo, hi) in
                     enumerate(widths))
        x = b.getitem(x, crop)
        return b.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in widths], value)

    def backward(ctx, g):
        # padding's gradient crops, cropping's (negative padding) pads with zeros: the opposite padding
        return ConstantPadNdBackward0.apply(g, pad=tuple(-p for p in ctx.pad))


# --- indexing ---------------------------------------------------------------------------------
class SelectBackward0(Op):
    is_view = True

    def forward(ctx, a, dim, index):
        ctx.shape, ctx.dim, ctx.index = a._data.shape, dim, index
        return _b(a).getitem(a._data, (slice(None),) * dim + (index,))

    def backward(ctx, g):
        return BasicIndexBackward.apply(g, shape=ctx.shape, index=(slice(None),) * ctx.dim + (ctx.index,))


class SliceBackward0(Op):
    is_view = True

    def forward(ctx, a, dim, start, stop, step):
        ctx.shape, ctx.key = a._data.shape, (slice(None),) * dim + (slice(start, stop, step),)
        return _b(a).getitem(a._data, ctx.key)

    def backward(ctx, g):
        return BasicIndexBackward.apply(g, shape=ctx.shape, index=ctx.key)


class BasicIndexBackward(Op):
    """Zeros of `shape` with g written at a basic index: the backward of select and slice."""

    def forward(ctx, g, shape, index):
        ctx.index = index
        b = _b(g)
        out = b.full(shape, 0, g._data.dtype)
        b.setitem(out, index, g._data)
        return out

    def backward(ctx, gg):
        return gg[ctx.index]


def write_at(b, data, write, value):
    """data[index] = value in place, the index split as (basic key, advanced key or None): the basic part is
    a view (it keeps a full slice for each dim the advanced part indexes), written through."""
    key, advanced = write
    if advanced is None:
        b.setitem(data, key, value)
    else:
        b.setitem(b.getitem(data, key), advanced, value)


class CopySlices(Op):
    """x[index] = value where x needs gradients: x's old values get no gradient where written, the value gets
    the gradient of the elements it wrote (summed down to its shape)."""

    def forward(ctx, a, value, write, index):
        b = _b(a)
        ctx.write, ctx.index, ctx.shape = write, index, a._data.shape
        out = b.astype(a._data, a._data.dtype)  # a copy, the in-place write lands in the tensor afterwards
        write_at(b, out, write, _d(value))
        return out

    def backward(ctx, g):
        key, advanced = ctx.write
        written = np.zeros(ctx.shape, np.bool_)  # where the write landed, marked on the host
        if advanced is None:
            written[key] = True
        else:
            written[key][advanced] = True
        g_old = g.masked_fill(_wrap(_b(g).from_numpy(written)), 0)
        return g_old, (g[ctx.index] if ctx.next_functions[1][0] is not None else None)


IndexPutBackward0 = type("IndexPutBackward0", (CopySlices,), {})  # x[mask] = v, x[[0, 2]] = v: index_put_


class IndexBackward0(Op):
    """Advanced indexing (integer tensors, bool masks), through flat positions so it is one gather."""

    def forward(ctx, a, index):
        b = _b(a)
        lin = b.from_numpy(np.arange(a._data.size, dtype=np.int64).reshape(a._data.shape)[index])
        ctx.lin, ctx.shape = lin, a._data.shape
        return b.take(a._data, lin)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


MaskedSelectBackward0 = type("MaskedSelectBackward0", (IndexBackward0,), {})  # x[mask] spelt masked_select


class SortBackward0(Op):
    """sort along a dim -> (values, indices); each value's gradient goes back to where it came from."""
    n_differentiable = 1

    def forward(ctx, a, dim, descending=False):
        return _sorted_along(ctx, a, dim, descending, None)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


class TopkBackward0(SortBackward0):
    def forward(ctx, a, k, dim, largest=True):
        return _sorted_along(ctx, a, dim, largest, k)


def _sorted_along(ctx, a, dim, descending, k):
    b = _b(a)
    x = b.to_numpy(a._data)
    idx = np.argsort(-x if descending else x, axis=dim, kind="stable").astype(np.int64)
    if k is not None:
        idx = idx[(slice(None),) * dim + (slice(0, k),)]
    idx = b.from_numpy(np.ascontiguousarray(idx))
    ctx.lin, ctx.shape = _gather_linear(b, a._data.shape, dim, idx), a._data.shape
    return b.take(a._data, ctx.lin), idx


class GatherBackward0(Op):
    def forward(ctx, a, dim, index):
        b = _b(a)
        lin = _gather_linear(b, a._data.shape, dim, index._data)
        ctx.lin, ctx.shape = lin, a._data.shape
        return b.take(a._data, lin)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


def _gather_linear(b, shape, dim, index):
    """Flat positions of a[i0, .., index[i], .., in] for every position i of index."""
    nd = len(shape)
    strides = [1] * nd
    for i in range(nd - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    lin = b.mul(index, strides[dim])
    for d in range(nd):
        if d != dim:
            r = b.arange(0, index.shape[d] * strides[d], strides[d], np.int64)
            lin = b.add(lin, b.reshape(r, tuple(index.shape[d] if i == d else 1 for i in range(nd))))
    return lin


class IndexSelectBackward0(Op):
    def forward(ctx, a, dim, index):
        b = _b(a)
        shape = list(a._data.shape)
        idx = b.reshape(index._data, tuple(-1 if i == dim else 1 for i in range(len(shape))))
        shape[dim] = index._data.shape[0]
        lin = _gather_linear(b, a._data.shape, dim, b.broadcast_to(idx, tuple(shape)))
        ctx.lin, ctx.shape = lin, a._data.shape
        return b.take(a._data, lin)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


class EmbeddingBackward0(IndexSelectBackward0):
    def forward(ctx, weight, indices, padding_idx=None):
        b = _b(weight)
        flat = b.reshape(indices._data, (-1,))
        out = IndexSelectBackward0.forward(ctx, weight, 0, _wrap(flat))
        ctx.padding_idx = padding_idx
        if padding_idx is not None:
            ctx.lin = b.where(b.eq(b.reshape(flat, (-1, 1)), padding_idx), -1, ctx.lin)
        return b.reshape(out, indices._data.shape + (weight._data.shape[1],))

    def backward(ctx, g):
        lin = ctx.lin
        if ctx.padding_idx is not None:  # rows of the padding index get no gradient
            keep = lin >= 0
            g = g.reshape(lin.shape) * _wrap(keep)
            lin = np.where(keep, lin, 0)
        return IndexPutAddBackward.apply(g.reshape(lin.shape), index=_wrap(lin), shape=ctx.shape)


# --- neural-network ops ---------------------------------------------------------------------------
def _conv_params(ctx):
    return ctx.stride, ctx.padding, ctx.dilation, ctx.groups


class ConvolutionBackward0(Op):
    def forward(ctx, x, w, bias, stride, padding, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups
        b = _b(x)
        # The unfolded input (im2col) is kept for the weight gradient rather than unfolded again:
        # a copy of the input per kernel tap, only until the first backward (which drops it).
        ctx.windows = None
        if w._requires_grad and _grad_mode.enabled[0]:
            out, ctx.windows = b.conv2d(x._data, w._data, stride, padding, dilation, groups, keep_windows=True)
        else:
            out = b.conv2d(x._data, w._data, stride, padding, dilation, groups)
        if bias is not None:
            out = b.add(out, b.reshape(bias._data, (1, -1, 1, 1)))
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        p = _conv_params(ctx)
        windows, ctx.windows = ctx.windows, None
        gx = ConvBackwardInput.apply(g, w, input_shape=x.shape, params=p) if x._requires_grad else None
        gw = ConvBackwardWeight.apply(x, g, weight_shape=w.shape, params=p, windows=windows) \
            if w._requires_grad else None
        gb = g.sum(dim=(0, 2, 3)) if ctx.next_functions[2][0] is not None else None
        return gx, gw, gb


class ConvBackwardInput(Op):
    """The input gradient of conv2d (a transposed convolution), linear in both its inputs."""

    def forward(ctx, g, w, input_shape, params):
        ctx.save_for_backward(g, w)
        ctx.params = params
        return _b(g).conv2d_backward_input(g._data, w._data, tuple(input_shape), *params)

    def backward(ctx, gg):
        g, w = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.params
        d_g = conv2d_op(gg, w, None, *ctx.params)
        d_w = ConvBackwardWeight.apply(gg, g, weight_shape=w.shape, params=ctx.params)
        return d_g, d_w


class ConvBackwardWeight(Op):
    """The weight gradient of conv2d, linear in both its inputs."""

    def forward(ctx, x, g, weight_shape, params, windows=None):
        ctx.save_for_backward(x, g)
        ctx.params = params
        return _b(x).conv2d_backward_weight(x._data, g._data, tuple(weight_shape), *params, windows=windows)

    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        d_x = ConvBackwardInput.apply(g, gw, input_shape=x.shape, params=ctx.params)
        d_g = conv2d_op(x, gw, None, *ctx.params)
        return d_x, d_g


def conv2d_op(x, w, bias, stride, padding, dilation, groups):
    return ConvolutionBackward0.apply(x, w, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


class ConvolutionTransposeBackward(Op):
    """conv_transpose2d: the input gradient of a conv2d whose weight is w, so its own gradients are that
    conv2d (for x) and conv2d's weight gradient with the roles of input and output swapped (for w).
    PyTorch records every convolution as ConvolutionBackward0, so this node carries that name too."""

    def forward(ctx, x, w, bias, stride, padding, output_padding, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.params = (stride, padding, dilation, groups)
        n, _, h, wd = x._data.shape
        _, cout_g, kh, kw = w._data.shape
        size = [(s - 1) * st - 2 * p + d * (k - 1) + op + 1
                for s, st, p, d, k, op in zip((h, wd), stride, padding, dilation, (kh, kw), output_padding)]
        b = _b(x)
        out = b.conv2d_backward_input(x._data, w._data, (n, cout_g * groups, *size), *ctx.params)
        if bias is not None:
            out = b.add(out, b.reshape(bias._data, (1, -1, 1, 1)))
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        h, wd = x.shape[2:]
        gx = None
        if x._requires_grad:
            gx = conv2d_op(g, w, None, *ctx.params)
            if gx.shape[2:] != (h, wd):  # an output_padding of a stride or more (allowed below the dilation)
                gx = gx[:, :, :h, :wd]
        gw = ConvBackwardWeight.apply(g, x, weight_shape=w.shape, params=ctx.params) if w._requires_grad else None
        gb = g.sum(dim=(0, 2, 3)) if ctx.next_functions[2][0] is not None else None
        return gx, gw, gb


ConvolutionTransposeBackward.__name__ = ConvolutionTransposeBackward.__qualname__ = "ConvolutionBackward0"


def _adaptive_windows(size, out):
    """PyTorch's adaptive window of output cell i: input cells floor(i*size/out) .. ceil((i+1)*size/out) - 1."""
    return [range((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


class AdaptiveMaxPool2DBackward0(Op):
    """Max over each adaptive window, with the flat position of the (first) maximum in its H*W plane.
    Windows may differ in size and overlap: each is gathered as a fixed number of candidate positions
    (short ones repeat their first), then reduced."""
    n_differentiable = 1

    def forward(ctx, x, output_size):
        b = _b(x)
        n, c, h, w = x._data.shape
        cells = [[r * w + q for r in rows for q in cols] for rows in _adaptive_windows(h, output_size[0])
                 for cols in _adaptive_windows(w, output_size[1])]
        k = max(len(cell) for cell in cells) if cells else 1
        candidates = np.array([cell + cell[:1] * (k - len(cell)) for cell in cells], np.int64).reshape(-1, k)
        planes = np.arange(n * c, dtype=np.int64).reshape(-1, 1, 1) * (h * w)
        gathered = b.reshape(b.take(x._data, b.from_numpy((planes + candidates).ravel())), (n * c, len(cells), k))
        which = b.argmax(gathered, 2, False)
        rows = b.from_numpy(np.arange(len(cells), dtype=np.int64) * k)
        indices = b.take(b.from_numpy(candidates), b.add(which, rows))
        out_shape = (n, c) + tuple(output_size)
        ctx.indices, ctx.shape = b.reshape(indices, out_shape), x._data.shape
        return b.reshape(b.max(gathered, (2,), False), out_shape), ctx.indices

    def backward(ctx, g):
        return MaxPoolScatter.apply(g, indices=ctx.indices, shape=ctx.shape)


class MaxPool2DWithIndicesBackward0(Op):
    n_differentiable = 1

    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        values, indices = _b(x).max_pool2d(x._data, kernel, stride, padding, dilation, ceil_mode)
        ctx.indices, ctx.shape = indices, x._data.shape
        # Windows that cannot share an element send at most one gradient to each input position.
        ctx.overlapping = any(d * (k - 1) + 1 > s for k, s, d in zip(kernel, stride, dilation))
        return values, indices

    def backward(ctx, g):
        return MaxPoolScatter.apply(g, indices=ctx.indices, shape=ctx.shape, overlapping=ctx.overlapping)


class MaxPoolScatter(Op):
    """The input gradient of max pooling: each output's gradient goes to its argmax."""

    def forward(ctx, g, indices, shape, overlapping=True):
        ctx.indices = indices
        return _b(g).max_pool2d_backward(g._data, indices, shape, overlapping)

    def backward(ctx, gg):
        b = _b(gg)
        n, c, h, w = gg.shape
        plane = b.mul(b.reshape(b.arange(0, n * c, 1, np.int64), (n, c, 1, 1)), h * w)
        return TakeBackward.apply(gg, index=_wrap(b.add(ctx.indices, plane)))


class AvgPool2DBackward0(Op):
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        ctx.shape = x._data.shape
        ctx.params = (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
        return _b(x).avg_pool2d(x._data, *ctx.params)

    def backward(ctx, g):
        return AvgPoolScatter.apply(g, shape=ctx.shape, params=ctx.params)


class AvgPoolScatter(Op):
    def forward(ctx, g, shape, params):
        ctx.params = params
        return _b(g).avg_pool2d_backward(g._data, shape, *params)

    def backward(ctx, gg):
        return AvgPool2DBackward0.apply(gg, *ctx.params)


class SoftmaxBackward0(Op):
    saves_output = True

    def forward(ctx, a, dim):
        ctx.dim = dim
        return _b(a).softmax(a._data, dim)

    def backward(ctx, g):
        y = ctx.output
        return y * (g - (g * y).sum(dim=ctx.dim, keepdim=True))


class SafeSoftmaxBackward0(SoftmaxBackward0):
    """Attention's softmax: a row of only -inf (every key masked out) gives zeros rather than nan,
    and so does its gradient."""

    def forward(ctx, a, dim):
        ctx.dim = dim
        be = _b(a)
        masked = be.all(be.eq(a._data, -math.inf), (dim,), True)
        zero = be.full((), 0, a._data.dtype)
        return be.where(masked, zero, be.softmax(be.where(masked, zero, a._data), dim))


class LogSoftmaxBackward0(Op):
    saves_output = True

    def forward(ctx, a, dim):
        ctx.dim = dim
        return _b(a).log_softmax(a._data, dim)

    def backward(ctx, g):
        y = ctx.output
        return g - y.exp() * g.sum(dim=ctx.dim, keepdim=True)


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

    def forward(ctx, logp, target, weight=None, reduction="mean", ignore_index=-100):
        b, x, t = _b(logp), logp._data, target._data
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

    def backward(ctx, g):
        b = _b(g)
        w = _wrap(ctx.w)
        if ctx.reduction == "none":
            g = g.reshape(w.shape) * w
        elif ctx.reduction == "sum":
            g = g * w
        else:
            g = g * w / _wrap(ctx.denominator)
        g = g.reshape(ctx.lin.shape)
        return -IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape), None


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


class NativeLayerNormBackward0(Op):
    # weight and bias are inputs 1 and 2 (they receive gradients); the shape is a parameter.
    def forward(ctx, x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
        b, a = _b(x), x._data
        axes = tuple(range(a.ndim - len(normalized_shape), a.ndim))
        n = int(np.prod(normalized_shape))
        mean = b.div(b.sum(a, axes, True), n).astype(a.dtype, copy=False)
        d = b.sub(a, mean)
        var = b.div(b.sum(b.mul(d, d), axes, True), n).astype(a.dtype, copy=False)
        rstd = b.reciprocal(b.sqrt(b.add(var, eps)))
        xhat = b.mul(d, rstd)
        ctx.axes, ctx.n, ctx.normalized_shape, ctx.eps = axes, n, tuple(normalized_shape), eps
        ctx.save_for_backward(x, weight, _wrap(mean), _wrap(rstd))
        out = xhat
        if weight is not None:
            out = b.mul(out, weight._data)
        if bias is not None:
            out = b.add(out, bias._data)
        return out

    def backward(ctx, g):
        x, weight, mean, rstd = _normalizing_stats(ctx)
        xhat = (x - mean) * rstd
        gw = (g * xhat).sum_to_size(weight.shape) if weight is not None else None
        gb = g.sum_to_size(ctx.normalized_shape) if ctx.next_functions[2][0] is not None else None
        gx_hat = g * weight if weight is not None else g
        gx = rstd * (gx_hat - gx_hat.mean(dim=ctx.axes, keepdim=True)
                     - xhat * (gx_hat * xhat).mean(dim=ctx.axes, keepdim=True))
        return gx, gw, gb


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


def _normalizing_stats(ctx):
    """(x, weight, mean, 1/std) of a layer/batch norm node. When the gradient is itself differentiated
    (create_graph), mean and 1/std are recomputed from x with tensor ops: they depend on x, and the
    second derivative must see it (the saved ones are constants)."""
    x, weight, mean, rstd = ctx.saved_tensors
    if _grad_mode.enabled[0] and x._requires_grad:
        mean = x.mean(dim=ctx.axes, keepdim=True)
        rstd = ((x - mean) * (x - mean)).mean(dim=ctx.axes, keepdim=True).add(ctx.eps).rsqrt()
    return x, weight, mean, rstd


# =================================================================================================
# Ops added for torch.nn (engine/nn/functional.py): layers and losses the table above lacked.
# =================================================================================================
class MulBackward1(MulBackward0):
    """tensor * Python number, where PyTorch's composite functions call the scalar overload."""


class DivBackward1(DivBackward0):
    """tensor / Python number, where PyTorch's composite functions call the scalar overload."""


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


class LinearResample(Op):
    """out = mh @ x @ mw.T over the last two dims (x @ mw.T over the last one when mh is None).

    Adaptive average pooling and nearest/(bi)linear resizing act on rows and columns
    independently, so each is two small matmuls with a fixed matrix; the gradient is the same
    map with the matrices transposed. Each subclass carries the node name PyTorch records.
    """

    def forward(ctx, x, mh, mw):
        ctx.mh, ctx.mw = mh, mw
        b, out = _b(x), x._data
        if mw is not None:
            out = b.matmul(out, b.from_numpy(np.ascontiguousarray(mw.T, dtype=out.dtype)))
        if mh is not None:
            out = b.matmul(b.from_numpy(mh.astype(out.dtype)), out)
        return out

    def backward(ctx, g):
        return LinearResample.apply(g, mh=None if ctx.mh is None else ctx.mh.T,
                                    mw=None if ctx.mw is None else ctx.mw.T)


class AdaptiveAvgPool2DBackward0(LinearResample):
    pass


class UpsampleNearest1DBackward0(LinearResample):
    pass


class UpsampleNearest2DBackward0(LinearResample):
    pass


class UpsampleNearestExact1DBackward0(LinearResample):
    pass


class UpsampleNearestExact2DBackward0(LinearResample):
    pass


class UpsampleLinear1DBackward0(LinearResample):
    pass


class UpsampleBilinear2DBackward0(LinearResample):
    pass


class CopyIndicesBackward(Op):
    """out.flat = x.flat[index]: padding modes that copy input elements (reflect, replicate, circular)."""

    def forward(ctx, x, index):
        b = _b(x)
        ctx.lin, ctx.shape = b.from_numpy(index), x._data.shape
        return b.take(x._data, ctx.lin)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


ReflectionPad1DBackward0 = type("ReflectionPad1DBackward0", (CopyIndicesBackward,), {})
ReflectionPad2DBackward0 = type("ReflectionPad2DBackward0", (CopyIndicesBackward,), {})
ReflectionPad3DBackward0 = type("ReflectionPad3DBackward0", (CopyIndicesBackward,), {})
ReplicationPad1DBackward0 = type("ReplicationPad1DBackward0", (CopyIndicesBackward,), {})
ReplicationPad2DBackward0 = type("ReplicationPad2DBackward0", (CopyIndicesBackward,), {})
ReplicationPad3DBackward0 = type("ReplicationPad3DBackward0", (CopyIndicesBackward,), {})


class Convolution1dBackward(Op):
    """conv1d as the 2-D kernels on (N, C, 1, L). PyTorch records every convolution as
    ConvolutionBackward0, so this node carries that name too (set below the class)."""

    def forward(ctx, x, w, bias, stride, padding, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.params = ((1, stride), (0, padding), (1, dilation), groups)
        b = _b(x)
        n, c, length = x._data.shape
        cout, cin_g, k = w._data.shape
        out = b.conv2d(b.reshape(x._data, (n, c, 1, length)), b.reshape(w._data, (cout, cin_g, 1, k)), *ctx.params)
        out = b.reshape(out, (n, cout, out.shape[3]))
        if bias is not None:
            out = b.add(out, b.reshape(bias._data, (1, -1, 1)))
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        g2 = g.unsqueeze(2)
        gx = gw = None
        if x._requires_grad:
            shape = (x.shape[0], x.shape[1], 1, x.shape[2])
            gx = ConvBackwardInput.apply(g2, w.unsqueeze(2), input_shape=shape, params=ctx.params).squeeze(2)
        if w._requires_grad:
            shape = (w.shape[0], w.shape[1], 1, w.shape[2])
            gw = ConvBackwardWeight.apply(x.unsqueeze(2), g2, weight_shape=shape, params=ctx.params).squeeze(2)
        gb = g.sum(dim=(0, 2)) if ctx.next_functions[2][0] is not None else None
        return gx, gw, gb


Convolution1dBackward.__name__ = Convolution1dBackward.__qualname__ = "ConvolutionBackward0"


class LogSigmoidBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b, x = _b(a), a._data
        return b.sub(b.minimum(x, 0), b.log1p(b.exp(b.neg(b.abs(x))))).astype(x.dtype, copy=False)

    def backward(ctx, g):
        return g * (-ctx.saved_tensors[0]).sigmoid()


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


class LinalgVectorNormBackward0(Op):
    """The p-norm over axes (None: all). Its gradient is 0 where the norm is 0, as in PyTorch, where
    composing sqrt(sum(x*x)) would give 0 * inf = nan."""
    saves_output = True

    def forward(ctx, a, ord=2.0, axes=None, keepdim=False):
        ctx.save_for_backward(a)
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        return _vector_norm(_b(a), a._data, ord, axes, keepdim)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return _vector_norm_grad(a, g, ctx.output, ctx.ord, ctx.axes, ctx.keepdim)


def _vector_norm(b, x, ord, axes, keepdim):
    """The p-norm of backend array x over axes (None: all)."""
    if ord == 2:
        out = b.sqrt(b.sum(b.mul(x, x), axes, keepdim))
    elif ord == 1:
        out = b.sum(b.abs(x), axes, keepdim)
    elif ord == math.inf:
        out = b.max(b.abs(x), axes, keepdim)
    elif ord == -math.inf:
        out = b.min(b.abs(x), axes, keepdim)
    elif ord == 0:
        out = b.sum(b.astype(b.ne(x, 0), x.dtype), axes, keepdim)
    else:
        out = b.pow(b.sum(b.pow(b.abs(x), ord), axes, keepdim), 1.0 / ord)
    return out.astype(x.dtype, copy=False)


def _vector_norm_grad(a, g, norm, p, axes, keepdim):
    """The gradient at a of its p-norm over axes (None: all), given the norm and the norm's gradient g."""
    dims, keep = axes or (), keepdim or axes is None
    norm = _expand_back(norm, a.shape, dims, keep)
    g = _expand_back(g, a.shape, dims, keep)
    if p == 0:
        return g * 0
    if p == 1:
        return g * a.sign()
    if p in (math.inf, -math.inf):  # shared evenly between the elements that attain the norm
        mask = (a.abs() == norm).to(g.dtype)
        count = mask.sum() if axes is None else mask.sum(dim=axes, keepdim=True)
        return g * a.sign() * mask / count
    zero = norm == 0
    safe = norm.masked_fill(zero, 1)
    if p == 2:
        grad = a * (g / safe)
    elif p < 2:  # |a| ** (p - 2) is infinite at a = 0: PyTorch's form, 0 there
        scaled = a.sign() * a.abs().pow(p - 1)
        grad = (scaled.masked_fill(a == 0, 0) * g * safe.pow(1 - p)) if p < 1 else scaled * (g / safe.pow(p - 1))
    else:
        grad = a * a.abs().pow(p - 2) * g / safe.pow(p - 1)
    return grad.masked_fill(zero, 0)


class LeakyReluBackward1(LeakyReluBackward0):
    """leaky_relu_ (in place): PyTorch records this name for the in-place form."""


class EluBackward1(EluBackward0):
    """elu_ (in place): PyTorch records this name for the in-place form."""


# --- trigonometric and hyperbolic functions --------------------------------------------------------
# Made of the backend's primitives (sin, cos, exp, log1p, sqrt, atan2), in the forms that keep full
# precision where the textbook formula cancels: sinh and asinh near 0, acosh near 1, atanh near 0.
class TanBackward0(Op):
    saves_output = True

    def forward(ctx, a):
        b = _b(a)
        return b.div(b.sin(a._data), b.cos(a._data))

    def backward(ctx, g):
        out = ctx.output
        return g * (1 + out * out)


class AtanBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _b(a).atan2(a._data, _b(a).full((), 1, a._data.dtype))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (a * a + 1)


def _sqrt_one_minus_square(b, x):
    return b.sqrt(b.mul(b.sub(1, x), b.add(1, x)))  # sqrt(1 - x*x) without losing digits near |x| = 1


class AsinBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        return b.atan2(a._data, _sqrt_one_minus_square(b, a._data))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (1 - a * a).rsqrt()


class AcosBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        return b.atan2(_sqrt_one_minus_square(b, a._data), a._data)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return -g * (1 - a * a).rsqrt()


class Atan2Backward0(Op):
    """atan2(a, b): the angle of the point (b, a)."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _b(a).atan2(a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        scale = g / (a * a + b * b)
        return scale * b, -scale * a


class SinhBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        return b.div(b.sub(b.expm1(a._data), b.expm1(b.neg(a._data))), 2)

    def backward(ctx, g):
        return g * ctx.saved_tensors[0].cosh()


class CoshBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        return b.div(b.add(b.exp(a._data), b.exp(b.neg(a._data))), 2)

    def backward(ctx, g):
        return g * ctx.saved_tensors[0].sinh()


class AsinhBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        m = b.abs(a._data)
        square = b.mul(m, m)
        # log(m + sqrt(m^2 + 1)) = log1p(m + m^2 / (1 + sqrt(m^2 + 1))), odd in a
        return b.mul(b.sign(a._data), b.log1p(b.add(m, b.div(square, b.add(1, b.sqrt(b.add(square, 1)))))))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (a * a + 1).rsqrt()


class AcoshBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b = _b(a)
        t = b.sub(a._data, 1)  # log(a + sqrt(a^2 - 1)) = log1p(t + sqrt(t * (t + 2)))
        return b.log1p(b.add(t, b.sqrt(b.mul(t, b.add(t, 2)))))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * ((a - 1) * (a + 1)).rsqrt()


class AtanhBackward0(Op):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        b, x = _b(a), a._data
        return b.mul(b.log1p(b.div(b.mul(x, 2), b.sub(1, x))), 0.5)  # log((1 + x) / (1 - x)) / 2

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (1 - a * a)


# --- more elementwise functions ------------------------------------------------------------------
class Exp2Backward0(Op):
    saves_output = True

    def forward(ctx, a):
        return _b(a).pow(_b(a).full((), 2, a._data.dtype), a._data)

    def backward(ctx, g):
        return g * ctx.output * math.log(2)


class HypotBackward0(Op):
    saves_output = True

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        be = _b(a)
        return be.sqrt(be.add(be.mul(a._data, a._data), be.mul(b._data, b._data)))

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        scale = g / ctx.output
        return scale * a, scale * b


def _logaddexp(be, x, y):
    """log(exp(x) + exp(y)) as max + log(1 + exp(-|x - y|)); equal inputs (infinities included) give x + log(2)."""
    with np.errstate(invalid="ignore"):  # inf - inf where x == y: that branch is not taken
        spread = be.log1p(be.exp(be.neg(be.abs(be.sub(x, y)))))
    return be.where(be.eq(x, y), be.add(x, math.log(2)), be.add(be.maximum(x, y), spread))


class LogaddexpBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _logaddexp(_b(a), a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g / (1 + (b - a).exp()), g / (1 + (a - b).exp())


class CopysignBackward0(Op):
    """|a| with b's sign; CopysignBackward1 when b is a number. b gets a zero gradient."""
    saves_output = True

    def forward(ctx, a, b):
        ctx.save_for_backward(a)
        ctx.tensor_b = isinstance(b, Tensor)
        be = _b(a)
        y = _d(b)
        size = be.abs(a._data)
        if not ctx.tensor_b:
            return be.neg(size) if math.copysign(1.0, y) < 0 else size
        return be.where(signbit(be, y), be.neg(size), size)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        ga = g * _select(a == 0, a * 0, ctx.output / a)  # +-1: whether copysign flipped a's sign; 0 at a == 0
        return (ga, g * 0) if ctx.tensor_b else ga


class HeavisideNotImplemented(Op):
    """heaviside: PyTorch records a node named NotImplemented (it has no derivative), so backward fails."""

    def forward(ctx, a, values):
        be = _b(a)
        step = be.astype(be.gt(a._data, 0), a._data.dtype)
        return be.where(be.eq(a._data, 0), values._data, step)

    def backward(ctx, g):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


HeavisideNotImplemented.__name__ = HeavisideNotImplemented.__qualname__ = "NotImplemented"


def signbit(be, x):
    """Whether x's sign bit is set: x < 0, and -0.0 too (1 / -0.0 is -inf)."""
    if x.dtype.kind != "f":
        return be.lt(x, 0)
    return be.logical_or(be.lt(x, 0), be.logical_and(be.eq(x, 0), be.lt(be.div(be.full((), 1, x.dtype), x), 0)))


CopysignBackward1 = type("CopysignBackward1", (CopysignBackward0,), {})


class SgnBackward0(_ZeroGrad):
    def forward(ctx, a):
        return _b(a).sign(a._data)


class LogitBackward0(Op):
    def forward(ctx, a, eps=None):
        ctx.save_for_backward(a)
        ctx.eps = eps
        b, x = _b(a), a._data
        if eps is not None:
            x = b.minimum(b.maximum(x, eps), 1 - eps).astype(x.dtype, copy=False)
        return b.log(b.div(x, b.sub(1, x)))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        grad = g / (a * (1 - a))
        if ctx.eps is None:
            return grad
        return _select((a < ctx.eps) | (a > 1 - ctx.eps), 0.0, grad)


class XlogyBackward1(Op):
    """number * log(b), 0 where the number is 0 (unless b is nan)."""

    def forward(ctx, b, number):
        ctx.save_for_backward(b)
        ctx.number = number
        be, y = _b(b), b._data
        if number == 0:
            return be.where(be.eq(y, y), be.full((), 0, y.dtype), y)
        return be.mul(be.log(y), number)

    def backward(ctx, g):
        return g * ctx.number / ctx.saved_tensors[0]


class XlogyBackward0(Op):
    """a * log(b), 0 where a is 0 (unless b is nan); XlogyBackward2 when b is a number."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        be, x, y = _b(a), a._data, _d(b)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 * log(0) where x == 0: that branch is not taken
            product = be.mul(x, be.log(y if isinstance(b, Tensor) else be.full((), y, x.dtype)))
        return be.where(be.logical_and(be.eq(x, 0), be.eq(y, y)), be.full((), 0, x.dtype), product)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        log_b = b.log() if isinstance(b, Tensor) else math.log(b)
        ga = (g * log_b).masked_fill((a == 0) & (b <= 0), 0) if a._requires_grad else None
        if not isinstance(b, Tensor):
            return ga
        return ga, (g * a / b if b._requires_grad else None)


XlogyBackward2 = type("XlogyBackward2", (XlogyBackward0,), {})


# --- cumulative product, order statistics ------------------------------------------------------------
class CumprodBackward0(Op):
    saves_output = True

    def forward(ctx, a, axis):
        ctx.save_for_backward(a)
        ctx.axis = axis
        return np.cumprod(a._data, axis=axis, dtype=a._data.dtype)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        d = ctx.axis
        if not bool((a == 0).any()):  # out_j / a_i is the product of the others: a reversed cumulative sum
            return (g * ctx.output).flip(d).cumsum(d).flip(d) / a
        # With zeros, d out_j / d a_i = prod of a_k for k <= j, k != i: row i of an n x n table holds the
        # cumulative product of a with a_i replaced by 1, summed against g over j >= i.
        from .functions import eye, where
        n = a.shape[d]
        diagonal = eye(n, dtype=a.dtype, device=a.device)
        others = where(diagonal == 1, 1.0, a.movedim(d, -1).unsqueeze(-2)).cumprod(-1)  # (..., i, j)
        upper = (diagonal * 0 + 1).triu()  # j >= i
        return (others * upper * g.movedim(d, -1).unsqueeze(-2)).sum(-1).movedim(-1, d)


class _OrderStatistic(Op):
    """median(dim)/kthvalue/mode -> (values, indices): each value's gradient goes to the element its index names.
    The index is found on the host (sorting), the values are a gather on the input's device."""
    n_differentiable = 1

    def backward(ctx, g):
        return _scatter_along(ctx, g)

    def pick(ctx, a, axis, keepdim, choose):
        """choose(numpy array, axis) -> keepdim indices along axis."""
        b = _b(a)
        idx = np.ascontiguousarray(choose(b.to_numpy(a._data), axis).astype(np.int64))
        return _pick_along(ctx, a, axis, keepdim, b.from_numpy(idx))


def _kth_index(x, axis, k):
    """Index of the k-th smallest along axis (0-based, a stable sort: ties keep their order; nan sorts last)."""
    return np.take(np.argsort(x, axis=axis, kind="stable"), [k], axis=axis)


def _median_index(x, axis):
    idx = _kth_index(x, axis, (x.shape[axis] - 1) // 2)
    nan = np.isnan(x) if x.dtype.kind == "f" else np.zeros(x.shape, bool)
    return np.where(nan.any(axis=axis, keepdims=True), np.argmax(nan, axis=axis, keepdims=True), idx)  # nan wins


class MedianBackward1(_OrderStatistic):
    def forward(ctx, a, axis, keepdim=False):
        return ctx.pick(a, axis, keepdim, _median_index)


class KthvalueBackward0(_OrderStatistic):
    def forward(ctx, a, k, axis, keepdim=False):
        return ctx.pick(a, axis, keepdim, lambda x, ax: _kth_index(x, ax, k - 1))


def _mode_index(x, axis):
    """The most frequent value's last position along axis (the smallest value among equally frequent ones)."""
    x = np.moveaxis(x, axis, -1)
    order = np.argsort(x, axis=-1, kind="stable")
    s = np.take_along_axis(x, order, -1)
    n = s.shape[-1]
    starts = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], -1)  # runs of equals
    start_at = np.maximum.accumulate(np.where(starts, np.arange(n), 0), -1)
    length = np.arange(n) - start_at + 1  # how far into its run each element is
    best = np.argmax(length, axis=-1)[..., None]  # where the first (smallest) longest run ends
    return np.moveaxis(np.take_along_axis(order, best, -1), -1, axis)


class ModeBackward0(_OrderStatistic):
    def forward(ctx, a, axis, keepdim=False):
        return ctx.pick(a, axis, keepdim, _mode_index)


class MedianBackward0(_EvenlyDistributed):
    """median() of all elements (the lower of the two middle ones); ties share the gradient, as max() does."""

    def forward(ctx, a):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = None, False
        b = _b(a)
        flat = b.to_numpy(a._data).reshape(-1)
        if flat.dtype.kind == "f" and np.isnan(flat).any():
            return b.full((), math.nan, flat.dtype)
        return b.from_numpy(np.asarray(np.sort(flat)[(flat.size - 1) // 2]))


# --- distances and the cross product ------------------------------------------------------------------
class DistBackward0(Op):
    """The p-norm of a - b (broadcast)."""
    saves_output = True

    def forward(ctx, a, b, p=2.0):
        ctx.save_for_backward(a, b)
        ctx.p = p
        be = _b(a)
        return _vector_norm(be, be.sub(a._data, b._data), p, None, False)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        grad = _vector_norm_grad(a - b, g, ctx.output, ctx.p, None, False)
        return grad, -grad


class CdistBackward0(Op):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and of x2 (..., R, M): (..., P, R)."""
    saves_output = True

    def forward(ctx, x1, x2, p=2.0):
        ctx.save_for_backward(x1, x2)
        ctx.p = p
        b = _b(x1)
        rows1 = b.reshape(x1._data, x1._data.shape[:-1] + (1, x1._data.shape[-1]))
        rows2 = b.reshape(x2._data, x2._data.shape[:-2] + (1,) + x2._data.shape[-2:])
        diff = b.sub(rows1, rows2)
        return _vector_norm(b, diff, p, (diff.ndim - 1,), False)

    def backward(ctx, g):
        x1, x2 = ctx.saved_tensors
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        grad = _vector_norm_grad(diff, g, ctx.output, ctx.p, (diff.dim() - 1,), False)
        return grad.sum(-2), -grad.sum(-3)


class LinalgCrossBackward0(Op):
    """The cross product of 3-vectors along dim (a and b broadcast): c_i = a_(i+1) b_(i+2) - a_(i+2) b_(i+1)."""

    def forward(ctx, a, b, dim):
        ctx.save_for_backward(a if _rg(b) else None, b if _rg(a) else None)
        ctx.dim = dim
        be = _b(a)

        def rolled(x, s):  # components i+s (mod 3) along dim
            head = (slice(None),) * dim
            return be.concatenate([be.getitem(x, head + (slice(s, 3),)), be.getitem(x, head + (slice(0, s),))], dim)
        return be.sub(be.mul(rolled(a._data, 1), rolled(b._data, 2)), be.mul(rolled(a._data, 2), rolled(b._data, 1)))

    def backward(ctx, g):
        from .functions import cross
        a, b = ctx.saved_tensors
        return (cross(b, g, dim=ctx.dim) if b is not None else None), (cross(g, a, dim=ctx.dim) if a is not None
                                                                        else None)


# --- writes at indices: index_add, index_fill, scatter, scatter_add, masked_scatter ----------------------
def _flat_copy(b, x):
    """A C-ordered copy of backend array x and a flat view of it, to write through at flat positions."""
    out = b.contiguous(b.astype(x, x.dtype))
    return out, b.reshape(out, (-1,))


def _index_select_positions(b, shape, dim, index, n):
    """Flat positions in an array of `shape` of every element whose coordinate along dim is in index (n long)."""
    cut = list(shape)
    cut[dim] = n
    idx = b.broadcast_to(b.reshape(index, tuple(-1 if i == dim else 1 for i in range(len(shape)))), tuple(cut))
    return _gather_linear(b, shape, dim, idx)


def _src_region(b, src, index_shape):
    """The part of src that index covers (PyTorch reads src[:i0, :i1, ...] for an index of shape (i0, i1, ...))."""
    return b.getitem(src, tuple(slice(0, s) for s in index_shape))


def _grad_of_src(g_region, src_shape):
    """The gradient of the src[:i0, :i1, ...] region, padded with zeros to src's shape."""
    if tuple(g_region.shape) == tuple(src_shape):
        return g_region
    return BasicIndexBackward.apply(g_region, shape=src_shape, index=tuple(slice(0, s) for s in g_region.shape))


class IndexAddBackward0(Op):
    """a with alpha * source added at `index` along dim (repeated indices add up)."""

    def forward(ctx, a, source, dim, index, alpha=1):
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        b = _b(a)
        src = source._data if source._data.ndim else b.reshape(source._data, (1,))
        lin = _index_select_positions(b, a._data.shape, dim, index._data, index._data.size)
        values = src if alpha == 1 else b.mul(src, alpha)
        added = b.scatter_add(a._data.size, lin, b.broadcast_to(values, lin.shape))
        return b.add(a._data, b.reshape(added, a._data.shape))

    def backward(ctx, g):
        gs = g.index_select(ctx.dim, ctx.index)
        return g, (gs if ctx.alpha == 1 else gs * ctx.alpha)


class IndexFillBackward0(Op):
    """a with a number written at `index` along dim; IndexFillBackward1 when the value is a 0-dim tensor."""

    def forward(ctx, a, value, dim, index):
        ctx.dim, ctx.index = dim, index
        b, x = _b(a), a._data
        lin = _index_select_positions(b, x.shape, dim, index._data, index._data.size)
        hits = b.scatter_add(x.size, lin, b.full(lin.shape, 1, np.float32))  # > 0 where an index lands
        filled = b.gt(b.reshape(hits, x.shape), 0)
        return b.where(filled, b.astype(value._data, x.dtype) if isinstance(value, Tensor) else
                       b.full((), value, x.dtype), x)

    def backward(ctx, g):
        ga = g.index_fill(ctx.dim, ctx.index, 0)
        if len(ctx.next_functions) == 1:
            return ga
        return ga, g.index_select(ctx.dim, ctx.index).sum()


class IndexFillBackward1(IndexFillBackward0):
    pass


class ScatterBackward0(Op):
    """a with src's elements written at `index` along dim; ScatterBackward1 when a number is written."""

    def forward(ctx, a, src, dim, index):
        ctx.dim, ctx.index = dim, index
        b = _b(a)
        out, flat = _flat_copy(b, a._data)
        lin = _gather_linear(b, a._data.shape, dim, index._data)
        if isinstance(src, Tensor):
            ctx.src_shape = src._data.shape
            b.setitem(flat, lin, _src_region(b, src._data, index._data.shape))
        else:
            b.setitem(flat, lin, src)
        return out

    def backward(ctx, g):
        ga = g.scatter(ctx.dim, ctx.index, 0)
        if len(ctx.next_functions) == 1:
            return ga
        return ga, _grad_of_src(g.gather(ctx.dim, ctx.index), ctx.src_shape)


class ScatterBackward1(ScatterBackward0):
    pass


class ScatterAddBackward0(Op):
    """a with src's elements added at `index` along dim (repeated indices add up)."""

    def forward(ctx, a, src, dim, index):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src._data.shape
        b = _b(a)
        lin = _gather_linear(b, a._data.shape, dim, index._data)
        added = b.scatter_add(a._data.size, lin, _src_region(b, src._data, index._data.shape))
        return b.add(a._data, b.reshape(added, a._data.shape))

    def backward(ctx, g):
        return g, _grad_of_src(g.gather(ctx.dim, ctx.index), ctx.src_shape)


class MaskedScatterBackward0(Op):
    """a with source's first elements written, in order, where mask is True."""

    def forward(ctx, a, source, mask):
        ctx.mask, ctx.source_shape = mask, source._data.shape
        b = _b(a)
        m = np.broadcast_to(b.to_numpy(mask._data), a._data.shape)
        order = np.maximum(np.cumsum(m.reshape(-1)) - 1, 0).reshape(m.shape)  # k-th True reads source[k]
        values = b.reshape(b.take(source._data, b.from_numpy(order)), a._data.shape)
        return b.where(b.from_numpy(np.ascontiguousarray(m)), values, a._data)

    def backward(ctx, g):
        from .functions import cat, zeros
        picked = g.masked_select(ctx.mask)
        n = 1
        for s in ctx.source_shape:
            n *= s
        rest = zeros(n - picked.shape[0], dtype=g.dtype, device=g.device)
        return g.masked_fill(ctx.mask, 0), cat([picked, rest]).reshape(ctx.source_shape)


# torch.take(input, index): values at flat positions
TakeBackward0 = type("TakeBackward0", (TakeBackward,), {})

# In-place view changes (x.unsqueeze_(0), x.t_()): PyTorch records these names for the in-place forms.
UnsqueezeBackward1 = type("UnsqueezeBackward1", (UnsqueezeBackward0,), {})
SqueezeBackward3 = type("SqueezeBackward3", (SqueezeBackward0,), {})  # squeeze_()
SqueezeBackward5 = type("SqueezeBackward5", (SqueezeBackward0,), {})  # squeeze_(dims)
TBackward1 = type("TBackward1", (TBackward0,), {})


class _NoInPlaceDerivative:
    """asinh_(), acosh_(), atanh_(): PyTorch records a node whose backward refuses to run."""

    def backward(ctx, g):
        name = type(ctx).__name__.removesuffix("Backward1").lower()
        raise NotImplementedError(f"the derivative for 'inplace version of {name}' is not implemented.")


AsinhBackward1 = type("AsinhBackward1", (_NoInPlaceDerivative, AsinhBackward0), {})
AcoshBackward1 = type("AcoshBackward1", (_NoInPlaceDerivative, AcoshBackward0), {})
AtanhBackward1 = type("AtanhBackward1", (_NoInPlaceDerivative, AtanhBackward0), {})
TransposeBackward1 = type("TransposeBackward1", (TransposeBackward0,), {})


# --- running extremes, sliding windows, nan handling -----------------------------------------------------
class CummaxBackward0(Op):
    """cummax along an axis -> (values, indices): the running maximum and where it was last reached."""
    n_differentiable = 1
    accumulate = np.maximum

    def forward(ctx, a, axis):
        b = _b(a)
        x = b.to_numpy(a._data)
        values = type(ctx).accumulate.accumulate(x, axis=axis)  # nan, once met, stays (numpy's maximum keeps it)
        reached = (x == values) | (x != x)
        positions = np.arange(x.shape[axis]).reshape([-1 if d == axis else 1 for d in range(x.ndim)])
        idx = np.maximum.accumulate(np.where(reached, positions, 0), axis=axis).astype(np.int64)
        ctx.shape, ctx.lin = x.shape, _gather_linear(b, x.shape, axis, b.from_numpy(idx))
        return b.from_numpy(values), b.from_numpy(idx)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


class CumminBackward0(CummaxBackward0):
    accumulate = np.minimum


class UnfoldBackward0(Op):
    """Tensor.unfold(dim, size, step): every window of `size` elements along dim, `step` apart, in a new last dim
    (a copy here; a strided view in PyTorch)."""

    def forward(ctx, a, dim, size, step):
        b, x = _b(a), a._data
        positions = np.arange(x.size, dtype=np.int64).reshape(x.shape)
        windows = np.lib.stride_tricks.sliding_window_view(positions, size, axis=dim)
        windows = windows[(slice(None),) * dim + (slice(None, None, step),)]
        ctx.shape, ctx.lin = x.shape, b.from_numpy(np.ascontiguousarray(windows))
        return b.take(x, ctx.lin)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


class NanToNumBackward0(Op):
    def forward(ctx, a, nan=0.0, posinf=None, neginf=None):
        ctx.save_for_backward(a)
        b, x = _b(a), a._data
        info = np.finfo(x.dtype)
        out = b.where(b.ne(x, x), b.full((), nan, x.dtype), x)
        out = b.where(b.eq(x, math.inf), b.full((), info.max if posinf is None else posinf, x.dtype), out)
        return b.where(b.eq(x, -math.inf), b.full((), info.min if neginf is None else neginf, x.dtype), out)

    def backward(ctx, g):
        return _select(ctx.saved_tensors[0].isfinite(), g, 0.0)


class NansumBackward0(Op):
    """The sum of the elements that are not nan (over axes; None: all)."""

    def forward(ctx, a, axes=None, keepdim=False, dtype=None):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        b, x = _b(a), a._data
        return _sum_in(b, b.where(b.ne(x, x), b.full((), 0, x.dtype), x), dtype, axes, keepdim)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        g = _expand_back(g, a.shape, ctx.axes or (), ctx.keepdim or ctx.axes is None)
        return _select(a.isnan(), 0.0, g)


class Deg2RadBackward0(Op):
    factor = math.pi / 180

    def forward(ctx, a):
        return _b(a).mul(a._data, type(ctx).factor).astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        return g * type(ctx).factor


class Rad2DegBackward0(Deg2RadBackward0):
    factor = 180 / math.pi
