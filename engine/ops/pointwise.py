"""Pointwise math: exp, log, sqrt, trigonometric and hyperbolic functions, rounding, clamp, and the
elementwise functions of two tensors (atan2, hypot, copysign, xlogy, ...); each beside its autograd op.
"""

import builtins
import math

import numpy as np

from .. import _dtype
from .._device import backend_of
from ..autograd.node import Op
from ..tensor import Tensor
from ._args import _as_tensor, _b, _cast, _check_broadcast, _d, _promote, _select, _wrap
from ._table import unary_op
from .create import ones_like, zeros_like
from .arithmetic import _tensor_pair, pow

__all__ = ['exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'erfc', 'log2', 'log10',
           'abs', 'absolute', 'sign', 'floor', 'ceil', 'round', 'trunc', 'frac', 'clamp', 'clip', 'clamp_min',
           'clamp_max', 'isnan', 'isinf', 'isfinite', 'tan', 'arctan', 'atan', 'arcsin', 'asin', 'acos', 'arccos',
           'sinh', 'cosh', 'arcsinh', 'asinh', 'acosh', 'arccosh', 'arctanh', 'atanh', 'exp2', 'atan2', 'arctan2',
           'hypot', 'logaddexp', 'sgn', 'logit', 'xlogy', 'nan_to_num', 'deg2rad', 'rad2deg', 'float_power', 'copysign',
           'signbit', 'heaviside']


def _unary_float(op):
    """An elementwise function that makes integer inputs float first, as PyTorch does."""
    def fn(input):
        if input._data.dtype.kind != "f":
            input = input.to(_dtype.get_default_dtype())
        return op.apply(input)
    fn.__name__ = op.__name__.replace("Backward0", "").lower()
    return fn


def _sqrt_one_minus_square(b, x):
    return b.sqrt(b.mul(b.sub(1, x), b.add(1, x)))  # sqrt(1 - x*x) without losing digits near |x| = 1


# Trigonometric and hyperbolic functions are made of the backend's primitives (sin, cos, exp, log1p, sqrt,
# atan2), in the forms that keep full precision where the textbook formula cancels: sinh and asinh near 0,
# acosh near 1, atanh near 0.
def _asinh(b, x):
    m = b.abs(x)
    square = b.mul(m, m)
    # log(m + sqrt(m^2 + 1)) = log1p(m + m^2 / (1 + sqrt(m^2 + 1))), odd in x
    return b.mul(b.sign(x), b.log1p(b.add(m, b.div(square, b.add(1, b.sqrt(b.add(square, 1)))))))


def _acosh(b, x):
    t = b.sub(x, 1)  # log(x + sqrt(x^2 - 1)) = log1p(t + sqrt(t * (t + 2)))
    return b.log1p(b.add(t, b.sqrt(b.mul(t, b.add(t, 2)))))


def _atanh(b, x):
    return b.mul(b.log1p(b.div(b.mul(x, 2), b.sub(1, x))), 0.5)  # log((1 + x) / (1 - x)) / 2


def _log_base(base):
    return lambda b, x: b.div(b.log(x), math.log(base)).astype(x.dtype, copy=False)


def _trunc(b, x):
    return b.mul(b.sign(x), b.floor(b.abs(x)))


# tanh's and sigmoid's gradients, each one kernel as in PyTorch (their own derivatives are formulas)
class TanhBackwardBackward0(Op):
    """tanh's input gradient g * (1 - y^2) as one kernel (PyTorch's tanh_backward), differentiable in g and y."""

    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return _b(g).tanh_backward(g._data, y._data)

    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return gg * (1 - y * y), gg * g * y * -2


class SigmoidBackwardBackward0(Op):
    """sigmoid's input gradient g * y * (1 - y) as one kernel (PyTorch's sigmoid_backward)."""

    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return _b(g).sigmoid_backward(g._data, y._data)

    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return gg * y * (1 - y), gg * g * (1 - 2 * y)


# The simple ops, one row each: the node PyTorch records; the forward in backend primitives (b: the backend,
# x: the input's array); what the gradient reads besides g: the "input" x or the "output" y as Tensors, or
# nothing; the gradient, in Tensor ops so that it is differentiable again.
ExpBackward0 = unary_op("ExpBackward0", lambda b, x: b.exp(x), "output", lambda g, y: g * y)
Exp2Backward0 = unary_op("Exp2Backward0", lambda b, x: b.pow(b.full((), 2, x.dtype), x), "output",
                         lambda g, y: g * y * math.log(2))
Expm1Backward0 = unary_op("Expm1Backward0", lambda b, x: b.expm1(x), "output", lambda g, y: g * (y + 1))
LogBackward0 = unary_op("LogBackward0", lambda b, x: b.log(x), "input", lambda g, x: g / x)
Log2Backward0 = unary_op("Log2Backward0", _log_base(2), "input", lambda g, x: g / (x * math.log(2)))
Log10Backward0 = unary_op("Log10Backward0", _log_base(10), "input", lambda g, x: g / (x * math.log(10)))
Log1PBackward0 = unary_op("Log1PBackward0", lambda b, x: b.log1p(x), "input", lambda g, x: g / (x + 1))
SqrtBackward0 = unary_op("SqrtBackward0", lambda b, x: b.sqrt(x), "output", lambda g, y: g / (2 * y))
RsqrtBackward0 = unary_op("RsqrtBackward0", lambda b, x: b.reciprocal(b.sqrt(x)), "output",
                          lambda g, y: g * -0.5 * y * y * y)
AbsBackward0 = unary_op("AbsBackward0", lambda b, x: b.abs(x), "input", lambda g, x: g * x.sign())
ErfBackward0 = unary_op("ErfBackward0", lambda b, x: b.erf(x), "input",
                        lambda g, x: g * (x * x).neg().exp() * (2 / math.sqrt(math.pi)))
ErfcBackward0 = unary_op("ErfcBackward0", lambda b, x: b.erfc(x), "input",
                         lambda g, x: g * (x * x).neg().exp() * (-2 / math.sqrt(math.pi)))
TanhBackward0 = unary_op("TanhBackward0", lambda b, x: b.tanh(x), "output",
                         lambda g, y: TanhBackwardBackward0.apply(g, y))
SigmoidBackward0 = unary_op("SigmoidBackward0", lambda b, x: b.sigmoid(x), "output",
                            lambda g, y: SigmoidBackwardBackward0.apply(g, y))
SinBackward0 = unary_op("SinBackward0", lambda b, x: b.sin(x), "input", lambda g, x: g * x.cos())
CosBackward0 = unary_op("CosBackward0", lambda b, x: b.cos(x), "input", lambda g, x: -g * x.sin())
TanBackward0 = unary_op("TanBackward0", lambda b, x: b.div(b.sin(x), b.cos(x)), "output",
                        lambda g, y: g * (1 + y * y))
AsinBackward0 = unary_op("AsinBackward0", lambda b, x: b.atan2(x, _sqrt_one_minus_square(b, x)), "input",
                         lambda g, x: g * (1 - x * x).rsqrt())
AcosBackward0 = unary_op("AcosBackward0", lambda b, x: b.atan2(_sqrt_one_minus_square(b, x), x), "input",
                         lambda g, x: -g * (1 - x * x).rsqrt())
AtanBackward0 = unary_op("AtanBackward0", lambda b, x: b.atan2(x, b.full((), 1, x.dtype)), "input",
                         lambda g, x: g / (x * x + 1))
SinhBackward0 = unary_op("SinhBackward0", lambda b, x: b.div(b.sub(b.expm1(x), b.expm1(b.neg(x))), 2), "input",
                         lambda g, x: g * x.cosh())
CoshBackward0 = unary_op("CoshBackward0", lambda b, x: b.div(b.add(b.exp(x), b.exp(b.neg(x))), 2), "input",
                         lambda g, x: g * x.sinh())
AsinhBackward0 = unary_op("AsinhBackward0", _asinh, "input", lambda g, x: g * (x * x + 1).rsqrt())
AcoshBackward0 = unary_op("AcoshBackward0", _acosh, "input", lambda g, x: g * ((x - 1) * (x + 1)).rsqrt())
AtanhBackward0 = unary_op("AtanhBackward0", _atanh, "input", lambda g, x: g / (1 - x * x))
Deg2RadBackward0 = unary_op("Deg2RadBackward0", lambda b, x: b.mul(x, math.pi / 180).astype(x.dtype, copy=False),
                            None, lambda g: g * (math.pi / 180))
Rad2DegBackward0 = unary_op("Rad2DegBackward0", lambda b, x: b.mul(x, 180 / math.pi).astype(x.dtype, copy=False),
                            None, lambda g: g * (180 / math.pi))
FracBackward0 = unary_op("FracBackward0", lambda b, x: b.sub(x, _trunc(b, x)), None, lambda g: g)
# piecewise constant: the gradient is zero almost everywhere


def _sign(b, x):
    """-1, 0 or 1; 0 for NaN, as PyTorch (numpy gives NaN)."""
    s = b.sign(x)
    return b.where(b.ne(x, x), b.full((), 0, s.dtype), s) if x.dtype.kind == "f" else s


SignBackward0 = unary_op("SignBackward0", _sign, None, lambda g: g * 0)
SgnBackward0 = unary_op("SgnBackward0", _sign, None, lambda g: g * 0)
FloorBackward0 = unary_op("FloorBackward0", lambda b, x: b.floor(x), None, lambda g: g * 0)
CeilBackward0 = unary_op("CeilBackward0", lambda b, x: b.ceil(x), None, lambda g: g * 0)
RoundBackward0 = unary_op("RoundBackward0", lambda b, x: b.round(x), None, lambda g: g * 0)
TruncBackward0 = unary_op("TruncBackward0", _trunc, None, lambda g: g * 0)


exp = _unary_float(ExpBackward0)
log = _unary_float(LogBackward0)
log1p = _unary_float(Log1PBackward0)
expm1 = _unary_float(Expm1Backward0)
sqrt = _unary_float(SqrtBackward0)
rsqrt = _unary_float(RsqrtBackward0)
sin = _unary_float(SinBackward0)
cos = _unary_float(CosBackward0)
tanh = _unary_float(TanhBackward0)
sigmoid = _unary_float(SigmoidBackward0)
erf = _unary_float(ErfBackward0)
erfc = _unary_float(ErfcBackward0)
log2 = _unary_float(Log2Backward0)
log10 = _unary_float(Log10Backward0)


def abs(input):
    return AbsBackward0.apply(input)


absolute = abs


def sign(input):
    return SignBackward0.apply(input)


def floor(input):
    return FloorBackward0.apply(input) if input.is_floating_point() else input.clone()


def ceil(input):
    return CeilBackward0.apply(input) if input.is_floating_point() else input.clone()


class RoundBackward1(Op):
    """round(x, decimals=d): piecewise constant, so the gradient is zero almost everywhere."""

    def forward(ctx, a, decimals):
        b, scale = _b(a), 10.0 ** decimals
        return b.div(b.round(b.mul(a._data, scale)), scale).astype(a._data.dtype, copy=False)

    def backward(ctx, g):
        return g * 0


def round(input, *, decimals=0):
    if not input.is_floating_point():
        return input.clone()
    if decimals:
        return RoundBackward1.apply(input, decimals=decimals)
    return RoundBackward0.apply(input)


def trunc(input):
    return TruncBackward0.apply(input) if input.is_floating_point() else input.clone()


def frac(input):
    return FracBackward0.apply(input)


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


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        bounds = [b if isinstance(b, Tensor) or b is None else _as_tensor(b, input) for b in (min, max)]
        rt = _dtype.result_type(input, *(b for b in bounds if b is not None))
        input, lo, hi = (None if t is None else _cast(t, rt) for t in [input] + bounds)
        for bound in (lo, hi):
            if bound is not None:
                _check_broadcast(input, bound)
        return ClampBackward0.apply(input, lo, hi)
    if input._data.dtype.kind != "f" and builtins.any(isinstance(v, float) for v in (min, max)):
        input = input.to(_dtype.get_default_dtype())
    elif input._data.dtype == np.bool_:  # PyTorch promotes bool with the bounds' type: clamp(0, 1) is int64
        input = input.to(_dtype.result_type(*(v for v in (min, max) if v is not None)))
    return ClampBackward1.apply(input, min=min, max=max)


clip = clamp


ClampMinBackward0 = type("ClampMinBackward0", (ClampBackward1,), {})


def clamp_min(input, min):
    if isinstance(min, Tensor):
        return clamp(input, min=min)
    if input._data.dtype.kind != "f" and isinstance(min, float):
        input = input.to(_dtype.get_default_dtype())
    return ClampMinBackward0.apply(input, min=min)


ClampMaxBackward0 = type("ClampMaxBackward0", (ClampBackward1,), {})


def clamp_max(input, max):
    if isinstance(max, Tensor):
        return clamp(input, max=max)
    if input._data.dtype.kind != "f" and isinstance(max, float):
        input = input.to(_dtype.get_default_dtype())
    return ClampMaxBackward0.apply(input, max=max)


def isnan(input):
    return input != input


def isinf(input):
    return abs(input) == float("inf") if input.is_floating_point() else zeros_like(input, dtype=_dtype.bool_)


def isfinite(input):
    return ~(isnan(input) | isinf(input)) if input.is_floating_point() else ones_like(input, dtype=_dtype.bool_)


tan = _unary_float(TanBackward0)
atan = arctan = _unary_float(AtanBackward0)
asin = arcsin = _unary_float(AsinBackward0)
acos = arccos = _unary_float(AcosBackward0)
sinh = _unary_float(SinhBackward0)
cosh = _unary_float(CoshBackward0)
asinh = arcsinh = _unary_float(AsinhBackward0)
acosh = arccosh = _unary_float(AcoshBackward0)
atanh = arctanh = _unary_float(AtanhBackward0)
exp2 = _unary_float(Exp2Backward0)


def _float_binary(op, fn_name, input, other, integers=True):
    """A binary function of two tensors whose result is floating (integers become the default dtype, or are
    refused when not `integers`)."""
    return op.apply(*_tensor_pair(fn_name, input, other, to_float=True, integers=integers))


class Atan2Backward0(Op):
    """atan2(a, b): the angle of the point (b, a)."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _b(a).atan2(a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        scale = g / (a * a + b * b)
        return scale * b, -scale * a


def atan2(input, other):
    return _float_binary(Atan2Backward0, "atan2", input, other)


arctan2 = atan2


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


def hypot(input, other):
    return _float_binary(HypotBackward0, "hypot", input, other, integers=False)


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


def logaddexp(input, other):
    return _float_binary(LogaddexpBackward0, "logaddexp", input, other, integers=False)


def sgn(input):
    return SgnBackward0.apply(input)


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


def logit(input, eps=None):
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return LogitBackward0.apply(input, eps=eps)


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


XlogyBackward2 = type("XlogyBackward2", (XlogyBackward0,), {})


def xlogy(input, other):
    """input * log(other), 0 where input is 0: the term of an entropy or a KL divergence."""
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise TypeError(f"xlogy() received an invalid combination of arguments - got ({type(input).__name__}, "
                            f"{type(other).__name__})")
        b, number = _promote(other, input, to_float=True)
        return XlogyBackward1.apply(b, number=number)
    a, b = _promote(input, other, to_float=True)
    if not isinstance(b, Tensor):
        return XlogyBackward2.apply(a, b=b)
    _check_broadcast(a, b)
    return XlogyBackward0.apply(a, b)


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


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, inf and -inf replaced by numbers (by default 0 and the dtype's largest and smallest)."""
    if input._data.dtype.kind != "f":
        return input.clone()
    return NanToNumBackward0.apply(input, nan=nan, posinf=posinf, neginf=neginf)


deg2rad = _unary_float(Deg2RadBackward0)
rad2deg = _unary_float(Rad2DegBackward0)


def float_power(input, exponent):
    """input ** exponent computed in float64."""
    to64 = (lambda x: x.to(_dtype.float64) if isinstance(x, Tensor) and x._data.dtype != np.float64 else x)
    return pow(to64(input), to64(exponent) if isinstance(exponent, Tensor) else float(exponent))


def _signbit(be, x):
    """Whether x's sign bit is set: x < 0, and -0.0 too (1 / -0.0 is -inf)."""
    if x.dtype.kind != "f":
        return be.lt(x, 0)
    return be.logical_or(be.lt(x, 0), be.logical_and(be.eq(x, 0), be.lt(be.div(be.full((), 1, x.dtype), x), 0)))


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
        return be.where(_signbit(be, y), be.neg(size), size)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        ga = g * _select(a == 0, a * 0, ctx.output / a)  # +-1: whether copysign flipped a's sign; 0 at a == 0
        return (ga, g * 0) if ctx.tensor_b else ga


CopysignBackward1 = type("CopysignBackward1", (CopysignBackward0,), {})


def copysign(input, other):
    a, b = _promote(input, other, to_float=True)
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
        return CopysignBackward0.apply(a, b)
    return CopysignBackward1.apply(a, b=b)


def signbit(input):
    return _wrap(_signbit(backend_of(input._data), input._data))


class HeavisideNotImplemented(Op):
    """heaviside: PyTorch records a node named NotImplemented (it has no derivative), so backward fails."""

    def forward(ctx, a, values):
        be = _b(a)
        step = be.astype(be.gt(a._data, 0), a._data.dtype)
        return be.where(be.eq(a._data, 0), values._data, step)

    def backward(ctx, g):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


def heaviside(input, values):
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    _check_broadcast(input, values)
    return HeavisideNotImplemented.apply(input, values)


HeavisideNotImplemented.__name__ = HeavisideNotImplemented.__qualname__ = "NotImplemented"


class _NoInPlaceDerivative:
    """asinh_(), acosh_(), atanh_(): PyTorch records a node whose backward refuses to run."""

    def backward(ctx, g):
        name = type(ctx).__name__.removesuffix("Backward1").lower()
        raise NotImplementedError(f"the derivative for 'inplace version of {name}' is not implemented.")


AsinhBackward1 = type("AsinhBackward1", (_NoInPlaceDerivative, AsinhBackward0), {})
AcoshBackward1 = type("AcoshBackward1", (_NoInPlaceDerivative, AcoshBackward0), {})
AtanhBackward1 = type("AtanhBackward1", (_NoInPlaceDerivative, AtanhBackward0), {})
