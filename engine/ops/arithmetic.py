"""Arithmetic and comparison: +, -, *, /, //, %, **, maximum/minimum, lerp, addcmul/addcdiv, comparisons,
logic and bitwise ops; each torch.* function beside the autograd op it records.
"""

import math

import numpy as np

from .. import _dtype
from .._device import backend_of
from ..autograd.node import Op
from ..tensor import Tensor
from ._args import _Scalar, _as_tensor, _b, _binary, _check_broadcast, _d, _promote, _rg, _same_device, _select, _wrap
from ._table import unary_op
from .create import _factory

__all__ = ['add', 'sub', 'subtract', 'rsub', 'mul', 'multiply', 'div', 'divide', 'true_divide', 'floor_divide',
           'remainder', 'fmod', 'reciprocal', 'neg', 'negative', 'pow', 'square', 'maximum', 'minimum', 'lerp',
           'addcmul', 'addcdiv', 'eq', 'ge', 'gt', 'le', 'lt', 'ne', 'greater', 'greater_equal', 'less', 'less_equal',
           'not_equal', 'logical_and', 'logical_or', 'logical_xor', 'logical_not', 'bitwise_and', 'bitwise_or',
           'bitwise_xor', 'bitwise_not', 'allclose', 'isclose', 'equal', 'isin']


def _scaled(a, b, alpha):
    """alpha * b for add/sub: a number b stays a number, so that it does not widen a's dtype."""
    return _b(a).mul(b._data, alpha) if isinstance(b, Tensor) else b * alpha


class AddBackward0(Op):
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return _b(a).add(a._data, _d(b) if alpha == 1 else _scaled(a, b, alpha))

    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha)


def _alpha(fn_name, alpha, input, other):
    """alpha as the Python number PyTorch takes: a 0-d tensor that needs no gradient converts to one."""
    if isinstance(alpha, Tensor):
        if alpha._data.ndim or alpha._requires_grad:
            raise TypeError(f"{fn_name}(): argument 'alpha' must be Number, not Tensor")
        alpha = alpha.item()
    operands = (input, other)
    if isinstance(alpha, float) and not any(isinstance(x, float) or isinstance(x, Tensor) and x._data.dtype.kind
                                            in "fc" for x in operands):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return alpha


def add(input, other, *, alpha=1):
    if alpha.__class__ is not int:
        alpha = _alpha("add", alpha, input, other)
    return _binary(AddBackward0, input, other, alpha=alpha)


def _is_bool(x):
    return x._data.dtype == np.bool_ if isinstance(x, Tensor) else isinstance(x, (bool, np.bool_))


def _check_bool_sub(input, other):
    a, b = _is_bool(input), _is_bool(other)
    if a and b:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if a or b:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


class SubBackward0(Op):
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return _b(a).sub(a._data, _d(b) if alpha == 1 else _scaled(a, b, alpha))

    def backward(ctx, g):
        return g, -g if ctx.alpha == 1 else g * -ctx.alpha


def sub(input, other, *, alpha=1):
    if input.__class__ is not Tensor or other.__class__ is not Tensor or input._data.dtype != other._data.dtype \
            or input._data.dtype == np.bool_:
        _check_bool_sub(input, other)
    if alpha.__class__ is not int:
        alpha = _alpha("sub", alpha, input, other)
    return _binary(SubBackward0, input, other, alpha=alpha)


subtract = sub


class RsubBackward1(Op):
    """scalar - tensor"""

    def forward(ctx, a, other, alpha=1):
        ctx.alpha = alpha
        return _b(a).sub(other, a._data if alpha == 1 else _b(a).mul(a._data, alpha))

    def backward(ctx, g):
        return -g if ctx.alpha == 1 else g * -ctx.alpha


def rsub(input, other, *, alpha=1):
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    _check_bool_sub(input, other)
    if alpha.__class__ is not int:
        alpha = _alpha("rsub", alpha, input, other)
    a, b = _promote(input, other)
    return RsubBackward1.apply(a, other=b, alpha=alpha)


class MulBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        return _b(a).mul(a._data, _d(b))

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g * b if b is not None else None), (g * a if a is not None else None)


def mul(input, other):
    return _binary(MulBackward0, input, other)


multiply = mul


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


def div(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                             f"'{rounding_mode}'")
        a, b = _integer_division_operands(input, other, f"div_{rounding_mode}_cpu")
        if isinstance(b, Tensor):
            _check_broadcast(a, b)
        return DivBackward2.apply(a, b, rounding_mode=rounding_mode)
    a, b = _promote(input, other, to_float=True)
    if not isinstance(a, Tensor):
        a = _as_tensor(a, b)
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
    return DivBackward0.apply(a, b)


divide = true_divide = div


def _integer_division_operands(input, other, kernel):
    """Promoted operands of // and %, with PyTorch's errors for bools and integer division by zero."""
    a, b = _promote(input, other)
    if not isinstance(a, Tensor):
        a = _as_tensor(a, b)
    if a._data.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    if a._data.dtype.kind in "iu" and not bool((b != 0).all() if isinstance(b, Tensor) else b != 0):
        raise RuntimeError("ZeroDivisionError")
    return a, b


def floor_divide(input, other):
    a, b = _integer_division_operands(input, other, "div_floor_cpu")
    return _wrap(backend_of(a._data).floor_divide(a._data, b._data if isinstance(b, Tensor) else b))


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


def remainder(input, other):
    """Python's %: the result takes the divisor's sign."""
    a, b = _integer_division_operands(input, other, "remainder_cpu")
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
        return RemainderBackward1.apply(a, b)
    return RemainderBackward0.apply(a, b=b)  # a number is a parameter, not an input of the node


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


def fmod(input, other):
    """C's fmod: the result takes the dividend's sign (fmod(-7, 2) is -1, -7 % 2 is 1)."""
    a, b = _integer_division_operands(input, other, "fmod_cpu")
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
        return FmodBackward1.apply(a, b)
    return FmodBackward0.apply(a, b=b)


ReciprocalBackward0 = unary_op("ReciprocalBackward0", lambda b, x: b.reciprocal(x), "output",
                               lambda g, y: -g * y * y)


def reciprocal(input):
    if not input.is_floating_point():
        input = input.to(_dtype.get_default_dtype())
    return ReciprocalBackward0.apply(input)


NegBackward0 = unary_op("NegBackward0", lambda b, x: b.neg(x), None, lambda g: -g)


def neg(input):
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return NegBackward0.apply(input)


negative = neg


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


def pow(input, exponent):
    if isinstance(input, Tensor) and isinstance(exponent, _Scalar):
        rt = _dtype.result_type(input, exponent)
        if rt is _dtype.bool_:  # bool ** bool scalar stays bool in PyTorch
            return pow(input.to(_dtype.int64), int(exponent)).to(rt)
        if input._data.dtype != rt.np:
            input = input.to(rt)
        if input._data.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowBackward0.apply(input, exponent=exponent)
    if not isinstance(input, Tensor):  # scalar ** tensor
        rt = _dtype.result_type(input, exponent)
        if rt is _dtype.bool_:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        if exponent._data.dtype != rt.np:
            exponent = exponent.to(rt)
        return PowBackward2.apply(exponent, base=input)
    a, b = _promote(input, exponent)
    if a._data.dtype == np.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    _check_broadcast(a, b)
    return PowBackward1.apply(a, b)


def square(input):
    return pow(input, 2)


def _tensor_argument(fn_name, value, position, name):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn_name}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _tensor_pair(fn_name, input, other, to_float=False, integers=True):
    """The two tensors of a binary function (maximum, atan2, ...), promoted to one dtype (floating with
    `to_float`) and checked to broadcast; integer inputs refused, as PyTorch's CPU kernels refuse them, when
    not `integers`."""
    _tensor_argument(fn_name, other, 2, "other")
    if not integers:
        for x in (input, other):
            if x._data.dtype.kind != "f":
                raise NotImplementedError(f'"{fn_name}_cpu" not implemented for \'{x.dtype._legacy[:-6]}\'')
    a, b = _promote(input, other, to_float=to_float)
    _check_broadcast(a, b)
    return a, b


def _split_ties(g, winner, loser):
    """Gradient of max(winner, loser): all to the larger input, half each on ties (PyTorch's rule)."""
    half = g / 2
    gw = (winner > loser).to(g.dtype) * g + (winner == loser).to(g.dtype) * half
    return gw, g - gw


class MaximumBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _b(a).maximum(a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _split_ties(g, a, b)


def maximum(input, other):
    return MaximumBackward0.apply(*_tensor_pair("maximum", input, other))


class MinimumBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _b(a).minimum(a._data, b._data)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _split_ties(g, b, a)


def minimum(input, other):
    return MinimumBackward0.apply(*_tensor_pair("minimum", input, other))


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


def lerp(input, end, weight):
    _check_broadcast(input, end)
    if isinstance(weight, Tensor):
        return LerpBackward1.apply(input, end, weight)
    return LerpBackward0.apply(input, end, weight=weight)


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


def addcmul(input, tensor1, tensor2, *, value=1):
    return AddcmulBackward0.apply(input, tensor1, tensor2, value=value)


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


def addcdiv(input, tensor1, tensor2, *, value=1):
    return AddcdivBackward0.apply(input, tensor1, tensor2, value=value)


def _compare(name):
    def fn(input, other):
        a, b = _promote(input, other)
        if isinstance(b, Tensor) and isinstance(a, Tensor):
            _check_broadcast(a, b, records=False)
        if not isinstance(a, Tensor):
            a, b = b, a
            flipped = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}.get(name, name)
            return _wrap(getattr(backend_of(a._data), flipped)(a._data, b))
        return _wrap(getattr(backend_of(a._data), name)(a._data, b._data if isinstance(b, Tensor) else b))
    fn.__name__ = name
    return fn


eq, ne, lt, le, gt, ge = (_compare(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(name):
    def fn(input, other):
        if isinstance(other, Tensor):
            input, other = _same_device(input, other)
        b = backend_of(input._data)
        return _wrap(getattr(b, name)(input._data, other._data if isinstance(other, Tensor) else other))
    fn.__name__ = name
    return fn


logical_and, logical_or, logical_xor = _logical("logical_and"), _logical("logical_or"), _logical("logical_xor")


def logical_not(input):
    return _wrap(backend_of(input._data).logical_not(input._data))


def _bitwise(name, logical_name):
    def fn(input, other):
        if input._data.dtype == np.bool_ and (not isinstance(other, Tensor) or other._data.dtype == np.bool_):
            return _logical(logical_name)(input, other)
        if input._data.dtype.kind not in "iub":
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{input.dtype._legacy[:-6]}\'')
        a, b = _promote(input, other)
        return _wrap(getattr(backend_of(a._data), name)(a._data, b._data if isinstance(b, Tensor) else b))
    fn.__name__ = name
    return fn


bitwise_and = _bitwise("bitwise_and", "logical_and")
bitwise_or = _bitwise("bitwise_or", "logical_or")
bitwise_xor = _bitwise("bitwise_xor", "logical_xor")


def bitwise_not(input):
    if input._data.dtype == np.bool_:
        return logical_not(input)
    return _wrap(backend_of(input._data).bitwise_not(input._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input.__array__(), other.__array__(), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _wrap(np.isclose(input.__array__(), other.__array__(), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    return input.shape == other.shape and bool((input == other).all())


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    values = elements.__array__() if isinstance(elements, Tensor) else np.asarray(elements)
    tests = test_elements.__array__() if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    like = elements if isinstance(elements, Tensor) else test_elements
    return _factory(np.isin(values, tests, invert=invert), None, like.device, False)


# Ops added for torch.nn (engine/nn/functional.py): layers and losses the table above lacked.
class MulBackward1(MulBackward0):
    """tensor * Python number, where PyTorch's composite functions call the scalar overload."""


class DivBackward1(DivBackward0):
    """tensor / Python number, where PyTorch's composite functions call the scalar overload."""
