"""PyTorch's tensor functions (`torch.exp(x)`, `torch.cat(...)`) with PyTorch's argument rules,
type promotion and error messages. Each is also a Tensor method where PyTorch has one
(see the METHODS table at the end). The math itself is in engine/ops.py.
"""
import builtins
import collections

import numpy as np

from . import _dtype
from . import ops
from ._device import backend_of, device_of
from .autograd.grad_mode import enabled as _grad_enabled
from .autograd.node import accumulator as _accumulator
from .tensor import Tensor, Size, _wrap_dim

_wrap = Tensor._wrap
_Scalar = (int, float, bool, np.number, np.bool_)


# --- argument helpers -------------------------------------------------------------------------
def _dims(dim, ndim):
    """dim (int, sequence or None) -> sorted tuple of non-negative axes; None means all."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    axes = tuple(sorted(_wrap_dim(int(d), ndim) for d in dim))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
    return axes


_C_TYPE_NAMES = {"float64": "double", "float16": "c10::Half", "int64": "long int", "int16": "short int",
                 "int8": "signed char", "uint8": "unsigned char"}


def _c_type_name(dtype):
    """The C++ name of a dtype, as some of PyTorch's messages print it (double, long int)."""
    return _C_TYPE_NAMES.get(dtype.name, dtype.name.rstrip("0123456789"))


def _shape_arg(size):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3]))."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _as_tensor(x, like):
    """A scalar or array-like operand as a tensor on like's device (for ops that need one)."""
    if isinstance(x, Tensor):
        return x
    d = _dtype.result_type(like, x) if isinstance(x, _Scalar) else None
    arr = np.asarray(x, dtype=d.np if d is not None else None)
    if arr.dtype == np.float64 and not isinstance(x, np.ndarray) and like._data.dtype.kind == "f":
        arr = arr.astype(like._data.dtype)
    return _wrap(backend_of(like._data).from_numpy(arr))


def _same_device(a, b):
    if a._data.__class__ is not b._data.__class__:
        if b._data.ndim == 0 and device_of(b._data).type == "cpu":
            return a, b.item()  # a 0-dim CPU tensor acts as a scalar, as in PyTorch
        if a._data.ndim == 0 and device_of(a._data).type == "cpu":
            return a.item(), b
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{device_of(a._data)} and {device_of(b._data)}!")
    return a, b


def _cast(t, dtype):
    """t's values as `dtype` for an op that promotes its operands. PyTorch casts inside the op, so no node of
    its own: the copy stands for t in the graph (the op's gradient reaches t and is cast back on the way)."""
    if t._data.dtype == dtype.np:
        return t
    c = _wrap(backend_of(t._data).astype(t._data, dtype.np))
    if t._requires_grad and _grad_enabled[0]:
        c._requires_grad, c.grad_fn, c._output_nr = True, t.grad_fn, t._output_nr
        if t.grad_fn is None:  # a leaf: the copy's gradient goes to t's AccumulateGrad (held while c lives)
            node = _accumulator(t)
            c._acc = lambda: node
    c._vc = t._vc  # a later in-place change of t is seen by the ops that saved this copy
    return c


def _promote(a, b, to_float=False):
    """Operands of a binary op cast to PyTorch's result dtype (scalars stay Python numbers)."""
    if isinstance(a, Tensor):  # fast paths first: same dtypes, or a float tensor with a Python number
        if isinstance(b, Tensor):
            if a._data.__class__ is not b._data.__class__:
                a, b = _same_device(a, b)
            elif a._data.dtype == b._data.dtype and (not to_float or a._data.dtype.kind == "f"):
                return a, b
        elif (b.__class__ is float or b.__class__ is int) and a._data.dtype.kind == "f":
            return a, b
    at, bt = isinstance(a, Tensor), isinstance(b, Tensor)
    rt = _dtype.result_type(a, b)
    if to_float and not rt.is_floating_point:
        rt = _dtype.get_default_dtype()
    if at:
        a = _cast(a, rt)
    if bt:
        b = _cast(b, rt)
    if not at and rt.is_floating_point and isinstance(a, (bool, np.bool_)):
        a = float(a)
    if not bt and rt.is_floating_point and isinstance(b, (bool, np.bool_)):
        b = float(b)
    if (at and not bt and not isinstance(b, _Scalar)) or (bt and not at and not isinstance(a, _Scalar)):
        raise TypeError(f"unsupported operand type(s): {type(a).__name__} and {type(b).__name__}")
    return a, b


def _check_broadcast(a, b):
    sa, sb = a._data.shape, b._data.shape
    if sa != sb:
        _check_broadcast_shapes(sa, sb)


def _check_broadcast_shapes(sa, sb):
    for i in range(1, builtins.min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {builtins.max(len(sa), len(sb)) - i}")


def _binary(op, input, other, **params):
    a, b = _promote(input, other)
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            _check_broadcast(a, b)
        else:  # scalar op tensor: make the scalar a tensor of the tensor's dtype
            a = _as_tensor(a, b)
    return op.apply(a, b, **params)


# --- arithmetic -----------------------------------------------------------------------------
def add(input, other, *, alpha=1):
    return _binary(ops.AddBackward0, input, other, alpha=alpha)


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


def sub(input, other, *, alpha=1):
    if input.__class__ is not Tensor or other.__class__ is not Tensor or input._data.dtype != other._data.dtype \
            or input._data.dtype == np.bool_:
        _check_bool_sub(input, other)
    return _binary(ops.SubBackward0, input, other, alpha=alpha)


subtract = sub


def rsub(input, other, *, alpha=1):
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    _check_bool_sub(input, other)
    a, b = _promote(input, other)
    return ops.RsubBackward1.apply(a, other=b, alpha=alpha)


def mul(input, other):
    return _binary(ops.MulBackward0, input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                             f"'{rounding_mode}'")
        a, b = _integer_division_operands(input, other, f"div_{rounding_mode}_cpu")
        if isinstance(b, Tensor):
            _check_broadcast(a, b)
        return ops.DivBackward2.apply(a, b, rounding_mode=rounding_mode)
    a, b = _promote(input, other, to_float=True)
    if not isinstance(a, Tensor):
        a = _as_tensor(a, b)
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
    return ops.DivBackward0.apply(a, b)


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


def remainder(input, other):
    """Python's %: the result takes the divisor's sign."""
    a, b = _integer_division_operands(input, other, "remainder_cpu")
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
        return ops.RemainderBackward1.apply(a, b)
    return ops.RemainderBackward0.apply(a, b=b)  # a number is a parameter, not an input of the node


def fmod(input, other):
    """C's fmod: the result takes the dividend's sign (fmod(-7, 2) is -1, -7 % 2 is 1)."""
    a, b = _integer_division_operands(input, other, "fmod_cpu")
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
        return ops.FmodBackward1.apply(a, b)
    return ops.FmodBackward0.apply(a, b=b)


def reciprocal(input):
    if not input.is_floating_point():
        input = input.to(_dtype.get_default_dtype())
    return ops.ReciprocalBackward0.apply(input)


def neg(input):
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return ops.NegBackward0.apply(input)


negative = neg


def pow(input, exponent):
    if isinstance(input, Tensor) and isinstance(exponent, _Scalar):
        rt = _dtype.result_type(input, exponent)
        if rt is _dtype.bool_:  # bool ** bool scalar stays bool in PyTorch
            return pow(input.to(_dtype.int64), int(exponent)).to(rt)
        if input._data.dtype != rt.np:
            input = input.to(rt)
        if input._data.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return ops.PowBackward0.apply(input, exponent=exponent)
    if not isinstance(input, Tensor):  # scalar ** tensor
        rt = _dtype.result_type(input, exponent)
        if rt is _dtype.bool_:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        if exponent._data.dtype != rt.np:
            exponent = exponent.to(rt)
        return ops.PowBackward2.apply(exponent, base=input)
    a, b = _promote(input, exponent)
    if a._data.dtype == np.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    _check_broadcast(a, b)
    return ops.PowBackward1.apply(a, b)


def square(input):
    return pow(input, 2)


def _tensor_argument(fn_name, value, position, name):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn_name}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def maximum(input, other):
    _tensor_argument("maximum", other, 2, "other")
    a, b = _promote(input, other)
    _check_broadcast(a, b)
    return ops.MaximumBackward0.apply(a, b)


def minimum(input, other):
    _tensor_argument("minimum", other, 2, "other")
    a, b = _promote(input, other)
    _check_broadcast(a, b)
    return ops.MinimumBackward0.apply(a, b)


def _unary_float(op):
    """An elementwise function that makes integer inputs float first, as PyTorch does."""
    def fn(input):
        if input._data.dtype.kind != "f":
            input = input.to(_dtype.get_default_dtype())
        return op.apply(input)
    fn.__name__ = op.__name__.replace("Backward0", "").lower()
    return fn


exp = _unary_float(ops.ExpBackward0)
log = _unary_float(ops.LogBackward0)
log1p = _unary_float(ops.Log1PBackward0)
expm1 = _unary_float(ops.Expm1Backward0)
sqrt = _unary_float(ops.SqrtBackward0)
rsqrt = _unary_float(ops.RsqrtBackward0)
sin = _unary_float(ops.SinBackward0)
cos = _unary_float(ops.CosBackward0)
tanh = _unary_float(ops.TanhBackward0)
sigmoid = _unary_float(ops.SigmoidBackward0)
erf = _unary_float(ops.ErfBackward0)


log2 = _unary_float(ops.Log2Backward0)
log10 = _unary_float(ops.Log10Backward0)


def abs(input):
    return ops.AbsBackward0.apply(input)


absolute = abs


def sign(input):
    return ops.SignBackward0.apply(input)


def floor(input):
    return ops.FloorBackward0.apply(input) if input.is_floating_point() else input.clone()


def ceil(input):
    return ops.CeilBackward0.apply(input) if input.is_floating_point() else input.clone()


def round(input, *, decimals=0):
    if not input.is_floating_point():
        return input.clone()
    if decimals:
        return ops.RoundBackward1.apply(input, decimals=decimals)
    return ops.RoundBackward0.apply(input)


def trunc(input):
    return ops.TruncBackward0.apply(input) if input.is_floating_point() else input.clone()


def frac(input):
    return ops.FracBackward0.apply(input)


def relu(input):
    return ops.ReluBackward0.apply(input)


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
        return ops.ClampBackward0.apply(input, lo, hi)
    if input._data.dtype.kind != "f" and builtins.any(isinstance(v, float) for v in (min, max)):
        input = input.to(_dtype.get_default_dtype())
    return ops.ClampBackward1.apply(input, min=min, max=max)


clip = clamp


def clamp_min(input, min):
    if isinstance(min, Tensor):
        return clamp(input, min=min)
    if input._data.dtype.kind != "f" and isinstance(min, float):
        input = input.to(_dtype.get_default_dtype())
    return ops.ClampMinBackward0.apply(input, min=min)


def clamp_max(input, max):
    if isinstance(max, Tensor):
        return clamp(input, max=max)
    if input._data.dtype.kind != "f" and isinstance(max, float):
        input = input.to(_dtype.get_default_dtype())
    return ops.ClampMaxBackward0.apply(input, max=max)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = tensor(condition)
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype._legacy[:-6]}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # where(c, 1.0, 0): the scalars' dtype
        input = _wrap(backend_of(condition._data).full((), input, _dtype.result_type(input, other).np))
    like = input if isinstance(input, Tensor) else other
    a, b = _promote(input, other)
    a = a if isinstance(a, Tensor) else _as_tensor(a, like)
    b = b if isinstance(b, Tensor) else _as_tensor(b, like)
    _check_broadcast_shapes(condition._data.shape, a._data.shape)
    _check_broadcast_shapes(np.broadcast_shapes(condition._data.shape, a._data.shape), b._data.shape)
    return ops.WhereBackward0.apply(a, b, condition=condition)


def masked_fill(input, mask, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype._legacy[:-6].lower()}")
    if isinstance(value, Tensor):
        return ops.MaskedFillBackward1.apply(input, value, mask=mask)
    return ops.MaskedFillBackward0.apply(input, mask=mask, value=value)


def lerp(input, end, weight):
    _check_broadcast(input, end)
    if isinstance(weight, Tensor):
        return ops.LerpBackward1.apply(input, end, weight)
    return ops.LerpBackward0.apply(input, end, weight=weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    return ops.AddcmulBackward0.apply(input, tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    return ops.AddcdivBackward0.apply(input, tensor1, tensor2, value=value)


# --- comparisons and logic (no gradients) ---------------------------------------------------------
def _compare(name):
    def fn(input, other):
        a, b = _promote(input, other)
        if isinstance(b, Tensor) and isinstance(a, Tensor):
            _check_broadcast(a, b)
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


def isnan(input):
    return input != input


def isinf(input):
    return abs(input) == float("inf") if input.is_floating_point() else zeros_like(input, dtype=_dtype.bool_)


def isfinite(input):
    return ~(isnan(input) | isinf(input)) if input.is_floating_point() else ones_like(input, dtype=_dtype.bool_)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input.__array__(), other.__array__(), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _wrap(np.isclose(input.__array__(), other.__array__(), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    return input.shape == other.shape and bool((input == other).all())


# --- reductions ---------------------------------------------------------------------------------
def _var_float_check(input):
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")


def _reduce_float_check(name, input):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype._legacy[:-6]}")


def _int_accumulate(input, dtype):
    """sum/prod of bool and integer tensors accumulate in int64, as PyTorch's do."""
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    return np.int64 if input._data.dtype.kind in "biu" else None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    acc = _int_accumulate(input, dtype)
    if dim is None:
        return ops.SumBackward0.apply(input, dtype=acc)
    if isinstance(dim, (tuple, list)) and not dim:
        axes = tuple(range(input._data.ndim))  # sum(x, ()) reduces every dim, as PyTorch does
    else:
        axes = _dims(dim, input._data.ndim)
    return ops.SumBackward1.apply(input, axes=axes, keepdim=keepdim, dtype=acc)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = _cast(input, dtype)  # inside the op, as PyTorch: no node of its own
    _reduce_float_check("mean", input)
    if dim is None:
        return ops.MeanBackward0.apply(input)
    return ops.MeanBackward1.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    acc = _int_accumulate(input, dtype)
    if acc is not None and input._data.dtype != acc:
        input = input.to(_dtype.from_numpy_dtype(acc))
    if dim is None:
        return ops.ProdBackward0.apply(input)
    return ops.ProdBackward1.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim)


_values_indices = collections.namedtuple("_values_indices", ["values", "indices"])


def _return_type(name):
    """The named tuple PyTorch returns from max(dim) and friends, printed as torch.return_types.max(...)."""
    def __repr__(self):
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (_values_indices,), {"__repr__": __repr__, "__slots__": ()})


_RETURN_TYPES = {n: _return_type(n) for n in ("max", "min", "sort", "topk", "mode", "median", "kthvalue", "cummax",
                                               "cummin")}


def _minmax(op_all, op_dim, fn_name, input, dim, keepdim, other):
    if isinstance(dim, Tensor) and other is None:
        return (maximum if fn_name == "max" else minimum)(input, dim)
    if dim is None:
        return op_all.apply(input)
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim and input._data.shape[axis] == 0:
        raise IndexError(f"{fn_name}(): Expected reduction dim {axis} to have non-zero size.")
    values, indices = op_dim.apply(input, axis=axis, keepdim=keepdim)
    return _RETURN_TYPES[fn_name](values, indices)


def max(input, dim=None, keepdim=False, *, other=None):
    return _minmax(ops.MaxBackward1, ops.MaxBackward0, "max", input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):
    return _minmax(ops.MinBackward1, ops.MinBackward0, "min", input, dim, keepdim, other)


def amax(input, dim=(), keepdim=False):
    axes = _dims(dim, input._data.ndim) if dim != () else None
    return ops.AmaxBackward0.apply(input, axes=axes, keepdim=keepdim)


def amin(input, dim=(), keepdim=False):
    axes = _dims(dim, input._data.ndim) if dim != () else None
    return ops.AminBackward0.apply(input, axes=axes, keepdim=keepdim)


def argmax(input, dim=None, keepdim=False):
    b = backend_of(input._data)
    if dim is None:
        return _wrap(b.argmax(b.reshape(input._data, (-1,)), 0, False))
    return _wrap(b.argmax(input._data, _wrap_dim(dim, input._data.ndim), keepdim))


def argmin(input, dim=None, keepdim=False):
    b = backend_of(input._data)
    if dim is None:
        return _wrap(b.argmin(b.reshape(input._data, (-1,)), 0, False))
    return _wrap(b.argmin(input._data, _wrap_dim(dim, input._data.ndim), keepdim))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(unbiased) positional form
        dim, unbiased = None, dim
    _var_float_check(input)
    return ops.VarBackward0.apply(input, axes=_dims(dim, input._data.ndim), correction=_correction(unbiased, correction),
                                  keepdim=keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _var_float_check(input)
    return ops.StdBackward0.apply(input, axes=_dims(dim, input._data.ndim), correction=_correction(unbiased, correction),
                                  keepdim=keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread_mean(ops.VarMeanBackward0, input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread_mean(ops.StdMeanBackward0, input, dim, unbiased, keepdim, correction)


def _spread_mean(op, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _var_float_check(input)
    return op.apply(input, axes=_dims(dim, input._data.ndim), correction=_correction(unbiased, correction),
                    keepdim=keepdim)


def logsumexp(input, dim, keepdim=False):
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return ops.LogsumexpBackward0.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: a vector norm over dim (all dims by default); 'fro' is the 2-norm."""
    if isinstance(p, str):
        if p != "fro":
            raise NotImplementedError(f"norm(p='{p}') is not supported by this engine")
        if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{input.dtype._legacy[:-6]}")
    return ops.LinalgVectorNormBackward0.apply(input, ord=float(p), axes=_dims(dim, input._data.ndim),
                                               keepdim=keepdim)


def cumsum(input, dim):
    if input._data.dtype.kind in "biu" and input._data.dtype != np.int64:   # PyTorch sums integers in int64
        input = _cast(input, _dtype.int64)
    return ops.CumsumBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))


def all(input, dim=None, keepdim=False):
    b = backend_of(input._data)
    return _wrap(b.all(input._data, _dims(dim, input._data.ndim), keepdim))


def any(input, dim=None, keepdim=False):
    b = backend_of(input._data)
    return _wrap(b.any(input._data, _dims(dim, input._data.ndim), keepdim))


def count_nonzero(input, dim=None):
    return sum(input != 0, dim)


def nonzero(input, *, as_tuple=False):
    idx = np.nonzero(input.__array__())
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in idx)
    return _wrap(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64))


def sort(input, dim=-1, descending=False, stable=False):
    values, indices = ops.SortBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim), descending=descending)
    return _RETURN_TYPES["sort"](values, indices)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    d = _wrap_dim(dim, input._data.ndim)
    if not 0 <= k <= (input._data.shape[d] if input._data.ndim else 1):
        raise RuntimeError("selected index k out of range")
    values, indices = ops.TopkBackward0.apply(input, k=k, dim=d, largest=largest)
    return _RETURN_TYPES["topk"](values, indices)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    res = np.unique(input.__array__(), return_inverse=return_inverse, return_counts=return_counts)
    if not isinstance(res, tuple):
        return _wrap(res)
    out = [_wrap(res[0])] + [_wrap(r.astype(np.int64).reshape(input.shape) if i == 0 and return_inverse
                                   else r.astype(np.int64)) for i, r in enumerate(res[1:])]
    return tuple(out)


def bincount(input, weights=None, minlength=0):
    counts = np.bincount(input.__array__().astype(np.intp), None if weights is None else weights.__array__(), minlength)
    return _wrap(counts if weights is not None else counts.astype(np.int64))  # wasm32: numpy counts in int32


# --- linear algebra --------------------------------------------------------------------------------
def _shape_str(shape):
    return "x".join(map(str, shape))


def mm(input, mat2):
    if input._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(input._data.shape)} and "
                           f"{_shape_str(mat2._data.shape)})")
    a, b = _promote_matmul(input, mat2)
    return ops.MmBackward0.apply(a, b)


def _promote_matmul(a, b):
    a, b = _same_device(a, b)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype._legacy[:-6].lower()} != "
                           f"{b.dtype._legacy[:-6].lower()}".replace("float != double", "float != double"))
    return a, b


def mv(input, vec):
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat ({_shape_str(input._data.shape)}), "
                           f"vec ({vec._data.shape[0]})")
    a, b = _promote_matmul(input, vec)
    return ops.MvBackward0.apply(a, b)


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._data.shape[0] != other._data.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._data.shape[0]}] and src "
                           f"[{other._data.shape[0]}] to have the same number of elements, but got "
                           f"{input._data.shape[0]} and {other._data.shape[0]} elements respectively")
    a, b = _promote_matmul(input, other)
    return ops.DotBackward0.apply(a, b)


def matmul(input, other):
    """PyTorch's matmul, node for node: dot, mv, mm, a folded mm for a batch times a matrix, else bmm."""
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 2:
        return mm(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        return ops.SqueezeBackward4.apply(mm(input.unsqueeze(0), other), dims=(0,))
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _should_fold(input, other):
    """Whether the batch dims of the larger operand fold into the rows of one matrix (an mm instead of a bmm):
    PyTorch folds when the smaller operand needs a gradient, or when the fold is a view, not a copy."""
    swap = other._data.ndim > input._data.ndim
    big, small = (other, input) if swap else (input, other)
    if big._data.ndim < 3 or small._data.ndim > 2:
        return False
    if small._requires_grad:
        return True
    if input._data.ndim == 2:
        return False
    if big._data.size == 0:
        return True
    shape, strides = list(big._data.shape), list(big.stride())
    if swap:  # the larger operand enters transposed
        shape[-2:], strides[-2:] = shape[:-3:-1], strides[:-3:-1]
    return builtins.all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _folded_matmul(input, other):
    swap = other._data.ndim > input._data.ndim
    t1 = other.mT if swap else input
    t2 = (input.t() if input._data.ndim == 2 else input) if swap else other
    lead = t1._data.shape[:-1]
    rows = 1
    for s in lead:
        rows *= s
    folded = t1.reshape(rows, t1._data.shape[-1])
    if t2._data.ndim == 1:
        return ops.UnsafeViewBackward0.apply(mv(folded, t2), shape=lead)
    out = ops.UnsafeViewBackward0.apply(mm(folded, t2), shape=lead + (t2._data.shape[1],))
    return out.mT.contiguous() if swap else out


def _batched_matmul(input, other):
    da, db = input._data.ndim, other._data.ndim
    sa, sb = input._data.shape, other._data.shape
    if da == 3 and db == 3 and sa[0] != sb[0]:  # a batch of one that needs a gradient: fold, not broadcast
        if sa[0] == 1 and input._requires_grad:
            return matmul(input.squeeze(0), other)
        if sb[0] == 1 and other._requires_grad:
            return matmul(input, other.squeeze(0))
    n, m1 = (sa[-2] if da > 1 else 1), sa[-1]
    m2, p = (sb[-2], sb[-1]) if db > 1 else (sb[0], 1)
    _check_broadcast_shapes(sa[:-2], sb[:-2])
    batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    count = 1
    for s in batch:
        count *= s
    a = input.expand(batch + (n, m1)).reshape(count, n, m1)
    if db > 1:
        b = other.expand(batch + (m2, p)).reshape(count, m2, p)
    else:
        b = other.expand(batch + (m2,)).reshape(count, m2).unsqueeze(2)
    out = bmm(a, b)
    if db == 1:
        out = out.squeeze(-1)
    return ops.UnsafeViewBackward0.apply(out, shape=batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ()))


def bmm(input, mat2):
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (b1, n, m1), (b2, m2, _) = input._data.shape, mat2._data.shape
    if b1 != b2 or m1 != m2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b1}, {m1}] but got: "
                           f"[{b2}, {m2}].")
    a, b = _promote_matmul(input, mat2)
    return ops.BmmBackward0.apply(a, b)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if beta == 1 and alpha == 1:
        if mat1._data.shape[1] != mat2._data.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(mat1._data.shape)} and "
                               f"{_shape_str(mat2._data.shape)})")
        return ops.AddmmBackward0.apply(input, mat1, mat2)
    return input * beta + mm(mat1, mat2) * alpha


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    (b1, n, m1), (b2, m2, p) = batch1._data.shape, batch2._data.shape
    if b1 != b2 or m1 != m2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b1}, {m1}] but got: "
                           f"[{b2}, {m2}].")
    if input.dtype != batch1.dtype:
        names = [_c_type_name(t.dtype) for t in (input, batch1, batch2)]
        raise RuntimeError(f"Input dtypes must be the same, got: input {names[0]}, batch1: {names[1]}, "
                           f"batch2: {names[2]}")
    if batch2.dtype != batch1.dtype:
        raise RuntimeError(f"expected scalar type {batch1.dtype._legacy[:-6]} but found {batch2.dtype._legacy[:-6]}")
    shape = input._data.shape
    if len(shape) > 3 or builtins.any(s not in (1, t) for s, t in zip(shape[::-1], (p, n, b1))):
        expand(input, (b1, n, p))  # raises PyTorch's message
    return ops.BaddbmmBackward0.apply(input, batch1, batch2, beta=beta, alpha=alpha)


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2  # as PyTorch records it


ger = outer


def einsum(equation, *operands):
    """Einstein summation, composed as PyTorch does it: each operand's own letters summed away, then
    the operands contracted pairwise, left to right, as one batched matmul each (permute, reshape,
    matmul, reshape), so it runs on every device and its gradients are those of those ops."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subscripts, out = _einsum_subscripts(equation, operands)
    size = {}
    for sub, x in zip(subscripts, operands):
        for letter, n in zip(sub, x.shape):
            if size.setdefault(letter, n) != n:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes (original->remapped): "
                                   f"subscript {letter} has size {size[letter]} and {n}")
    sub, result = subscripts[0], operands[0]
    for k in range(len(operands)):
        later = set(out).union(*subscripts[k + 1:])
        if k:
            sub, result = _einsum_pair(sub, result, *_einsum_sum_out(subscripts[k], operands[k], later | set(sub)),
                                       later, size)
        sub, result = _einsum_sum_out(sub, result, later)
    return result.permute(*[sub.index(c) for c in out]) if len(out) > 1 else result


def _einsum_subscripts(equation, operands):
    eq = equation.replace(" ", "")
    ins, out = eq.split("->") if "->" in eq else (eq, None)
    subscripts = ins.split(",")
    if len(subscripts) != len(operands):
        raise RuntimeError(f"einsum(): {len(subscripts)} operands in the equation, {len(operands)} given")
    if builtins.any("." in s or len(set(s)) != len(s) for s in subscripts):
        raise NotImplementedError("einsum with '...' or a repeated subscript inside one operand is not supported")
    for s, x in zip(subscripts, operands):
        if len(s) != x.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                               f"number of dimensions ({x.dim()}) for operand {subscripts.index(s)}")
    letters = "".join(subscripts)
    if out is None:  # implicit output: the letters used once, in alphabetical order
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for c in out:
        if c not in letters or out.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} "
                               + ("appears more than once in the output" if c in letters else
                                  "does not appear in the equation for any input operand"))
    return subscripts, out


def _einsum_sum_out(sub, x, keep):
    """x with the dims of letters outside `keep` summed away."""
    gone = [i for i, c in enumerate(sub) if c not in keep]
    if not gone:
        return sub, x
    return "".join(c for c in sub if c in keep), x.sum(dim=gone)


def _einsum_pair(sa, a, sb, b, keep, size):
    """Contract a (letters sa) with b (letters sb): letters in both and kept are batch dims, letters in
    both and not kept are summed by the matmul, the others stay as rows (a's) and columns (b's)."""
    batch = [c for c in sa if c in sb and c in keep]
    summed = [c for c in sa if c in sb and c not in keep]
    rows = [c for c in sa if c not in sb]
    cols = [c for c in sb if c not in sa]

    def count(letters):
        n = 1
        for c in letters:
            n *= size[c]
        return n
    a = a.permute(*[sa.index(c) for c in batch + rows + summed]).reshape(count(batch), count(rows), count(summed))
    b = b.permute(*[sb.index(c) for c in batch + summed + cols]).reshape(count(batch), count(summed), count(cols))
    letters = batch + rows + cols
    return "".join(letters), (a @ b).reshape(*[size[c] for c in letters])


# --- shapes -----------------------------------------------------------------------------------
def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape [{', '.join(map(str, shape))}]")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return tuple(shape)


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _wrap(input._data.view(shape[0].np))
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    return ops.ViewBackward0.apply(input, shape=shape)


def reshape(input, *shape):
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    if shape == input._data.shape and not input._requires_grad:
        return _view_alias(input)
    b = backend_of(input._data)
    if b.is_contiguous(input._data):
        return ops.ViewBackward0.apply(input, shape=shape)
    if b.view(input._data, shape) is not None:  # a view of strided memory: PyTorch records it as _reshape_alias
        return ops.ReshapeAliasBackward0.apply(input, shape=shape)
    return ops.UnsafeViewBackward0.apply(clone(input) if input._requires_grad else input, shape=shape)


def _view_alias(input):
    t = _wrap(input._data)
    t._vc, t._base = input._vc, input._base if input._base is not None else input
    return t


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    d = _wrap_dim(dim, input._data.ndim)
    shape = input._data.shape
    sizes = _infer_shape(sizes, shape[d])
    return view(input, shape[:d] + tuple(sizes) + shape[d + 1:]) if input.is_contiguous() else \
        reshape(input, shape[:d] + tuple(sizes) + shape[d + 1:])


def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return ops.TBackward0.apply(input)


def transpose(input, dim0, dim1):
    n = input._data.ndim
    return ops.TransposeBackward0.apply(input, dim0=_wrap_dim(dim0, n), dim1=_wrap_dim(dim1, n))


swapaxes = swapdims = transpose


def permute(input, *dims):
    dims = _shape_arg(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to "
                           f"len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return ops.PermuteBackward0.apply(input, dims=dims)


def movedim(input, source, destination):
    n = input._data.ndim
    many = isinstance(source, (list, tuple)), isinstance(destination, (list, tuple))
    sources, destinations = (list(d) if m else [d] for d, m in zip((source, destination), many))
    if len(sources) != len(destinations):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({sources} dims) should contain "
                           f"the same number of dims as destination ({destinations} dims)")
    sources = [_wrap_dim(d, n) for d in sources]
    order = [None] * n
    for s, d in zip(sources, destinations):
        order[_wrap_dim(d, n)] = s
    rest = iter(d for d in range(n) if d not in sources)
    return permute(input, [next(rest) if o is None else o for o in order])


moveaxis = movedim


def unsqueeze(input, dim):
    return ops.UnsqueezeBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim + 1))


def squeeze(input, dim=None):
    if dim is None:
        return ops.SqueezeBackward0.apply(input)
    op = ops.SqueezeBackward2 if isinstance(dim, (tuple, list)) else ops.SqueezeBackward1
    return op.apply(input, dims=_dims(dim, input._data.ndim))


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{[{', '.join(map(str, shape))}]}}, size=[{', '.join(map(str, sizes))}]): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        cur = shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
            s = cur
        elif cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor "
                               f"sizes: [{', '.join(map(str, shape))}]")
        target.append(s)
    return ops.ExpandBackward0.apply(input, shape=tuple(target))


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def sum_to_size(input, *size):
    """As PyTorch: a keepdim sum over the broadcast dims, then a view without the leading ones."""
    shape = _shape_arg(size)
    have = input._data.shape
    if have == shape:
        return input
    lead = len(have) - len(shape)
    if lead < 0 or builtins.any(s != 1 and s != h for s, h in zip(shape, have[lead:])):
        raise RuntimeError(f"size {{{', '.join(map(str, shape))}}} is not expandable to size "
                           f"{{{', '.join(map(str, have))}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and have[lead + i] != 1)
    out = sum(input, dims, keepdim=True) if dims else input
    return view(out, shape) if lead else out


def contiguous(input, memory_format=None):
    if backend_of(input._data).is_contiguous(input._data):
        return input
    return ops.CloneBackward0.apply(input, contiguous=True)


def clone(input, *, memory_format=None):
    return ops.CloneBackward0.apply(input)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch skips legacy empty 1-D tensors of size 0 (but keeps them as inputs of the node)
    ref = next((t for t in tensors if not ops.is_legacy_empty(t)), tensors[0])
    d = _wrap_dim(dim, ref._data.ndim)
    for i, t in enumerate(tensors):
        if ops.is_legacy_empty(t):
            continue
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} and "
                               f"{t._data.ndim}")
        for k in range(ref._data.ndim):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref._data.shape[k]} but got size {t._data.shape[k]} for tensor number {i} in "
                                   f"the list.")
    rt = _dtype.result_type(*tensors)
    tensors = [_cast(t, rt) for t in tensors]
    return ops.CatBackward0.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t._data.shape != tensors[0]._data.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"[{', '.join(map(str, tensors[0]._data.shape))}] at entry 0 and "
                               f"[{', '.join(map(str, t._data.shape))}] at entry {i}")
    rt = _dtype.result_type(*tensors)
    tensors = [_cast(t, rt) for t in tensors]
    return ops.StackBackward0.apply(*tensors, dim=_wrap_dim(dim, tensors[0]._data.ndim + 1))


def hstack(tensors):
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([t.unsqueeze(0) if t._data.ndim == 1 else t for t in tensors], 0)


def split(tensor, split_size_or_sections, dim=0):
    d = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s > 0 else [n]
        if not sizes:
            sizes = [0]
        return ops.SplitBackward0.apply(tensor, sizes=sizes, dim=d)
    sizes = [int(s) for s in split_size_or_sections]
    if builtins.sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    return ops.SplitWithSizesBackward0.apply(tensor, sizes=sizes, dim=d)


def chunk(input, chunks, dim=0):
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    return split(input, -(-n // chunks) if n else 1, dim)


def unbind(input, dim=0):
    return ops.UnbindBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


def narrow(input, dim, start, length):
    d = _wrap_dim(dim, input._data.ndim)
    return ops.SliceBackward0.apply(input, dim=d, start=start, stop=start + length, step=1)


def flip(input, dims):
    return ops.FlipBackward0.apply(input, dims=_dims(dims if isinstance(dims, (list, tuple)) else [dims],
                                                     input._data.ndim))


def fliplr(input):
    return flip(input, [1])


def flipud(input):
    return flip(input, [0])


def roll(input, shifts, dims=None):
    shifts = [int(shifts)] if isinstance(shifts, (int, np.integer)) else [int(s) for s in shifts]
    if dims is None:
        return ops.RollBackward0.apply(input, shifts=shifts[:1], dims=None)
    dims = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return ops.RollBackward0.apply(input, shifts=shifts, dims=[_wrap_dim(d, input._data.ndim) for d in dims])


def repeat(input, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    return ops.RepeatBackward0.apply(input, repeats=sizes)


def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats, dim=None):
    """Each slice along dim repeated in place: `repeats` times, or repeats[i] times for slice i."""
    if dim is None:
        input, dim = input.flatten(), 0
    d = _wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, Tensor) and repeats._data.size == 1:
        repeats = int(repeats.item())
    shape = tuple(input._data.shape)
    if isinstance(repeats, (int, np.integer)):  # a broadcast and a reshape: it stays on the input's device
        wide = input.unsqueeze(d + 1).expand(*shape[:d + 1], int(repeats), *shape[d + 1:])
        return wide.reshape(*shape[:d], shape[d] * int(repeats), *shape[d + 1:])
    counts = repeats.__array__() if isinstance(repeats, Tensor) else np.asarray(repeats)
    positions = np.repeat(np.arange(shape[d]), counts).astype(np.int64)   # the output's size needs the counts
    return index_select(input, d, _wrap(backend_of(input._data).from_numpy(positions)))


def gather(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    return ops.GatherBackward0.apply(input, dim=d, index=index)


def take_along_dim(input, indices, dim):
    return gather(input, dim, indices)


def index_select(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    return ops.IndexSelectBackward0.apply(input, dim=d, index=index.reshape(-1) if index._data.ndim == 0 else index)


def masked_select(input, mask):
    shape = tuple(np.broadcast_shapes(input._data.shape, mask._data.shape))
    if input._data.shape != shape:
        input = input.expand(shape)
    return ops.MaskedSelectBackward0.apply(input, index=(np.broadcast_to(mask.__array__(), shape),))


def scatter(input, dim, index, src=None, value=None, reduce=None):
    """input with src's elements (or a number) written at index along dim: out[i][index[i][j]] = src[i][j] (dim 1)."""
    d = _wrap_dim(dim, input._data.ndim)
    _check_index_dtype("scatter", index)
    _check_index_range(index, input._data.shape[d], d)
    if reduce is None:
        src = value if src is None else src
        if isinstance(src, Tensor):
            if src._data.dtype != input._data.dtype:
                raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
            return ops.ScatterBackward0.apply(input, src, dim=d, index=index)
        return ops.ScatterBackward1.apply(input, src=src, dim=d, index=index)
    if reduce != "add":
        raise NotImplementedError(f"scatter(reduce={reduce!r}) is not supported; reduce='add' is (or scatter_add)")
    if not isinstance(src, Tensor):
        number = value if src is None else src
        src = full(index.shape, number, dtype=input.dtype, device=input.device)
    # the deprecated reduce form: a result without a graph, as the engine has always given
    return _wrap(scatter_add(input.detach(), d, index, src.detach())._data)


def scatter_add(input, dim, index, src):
    """input with src's elements added at index along dim (repeated indices add up)."""
    d = _wrap_dim(dim, input._data.ndim)
    _check_index_dtype("scatter", index)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_index_range(index, input._data.shape[d], d)
    return ops.ScatterAddBackward0.apply(input, src, dim=d, index=index)


def _check_matrix(name, input):
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions.")


def tril(input, diagonal=0):
    _check_matrix("tril", input)
    return ops.TrilBackward0.apply(input, diagonal=diagonal)


def triu(input, diagonal=0):
    _check_matrix("triu", input)
    return ops.TriuBackward0.apply(input, diagonal=diagonal)


def diag(input, diagonal=0):
    if input._data.ndim == 1:
        n = input._data.shape[0] + builtins.abs(diagonal)
        idx = np.arange(input._data.shape[0])
        rows, cols = (idx, idx + diagonal) if diagonal >= 0 else (idx - diagonal, idx)
        lin = _wrap((rows * n + cols).astype(np.int64))
        return ops.DiagEmbedBackward0.apply(input, index=lin, shape=(n, n))
    if input._data.ndim != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{input._data.ndim}D")
    return ops.DiagonalBackward0_copy.apply(input, index=_diagonal_positions(input._data.shape, diagonal))


def diagonal_(input, offset=0, dim1=0, dim2=1):
    n = input._data.ndim
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return ops.DiagonalBackward0.apply(input, index=_diagonal_positions(input._data.shape, offset, d1, d2))


diagonal = diagonal_


def _diagonal_positions(shape, offset, dim1=0, dim2=1):
    """Flat positions of the diagonal (dims dim1, dim2 removed, the diagonal last: numpy's and PyTorch's rule)."""
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    return _wrap(np.ascontiguousarray(np.diagonal(positions, offset, dim1, dim2)))


def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim " f"{input._data.ndim}")
    return ops.TraceBackward0.apply(input, index=_diagonal_positions(input._data.shape, 0))


# --- indexing ------------------------------------------------------------------------------------
def _is_advanced(item):
    return isinstance(item, (Tensor, np.ndarray, list)) or (isinstance(item, bool))


def _index_item_to_numpy(item):
    if isinstance(item, Tensor):
        arr = item.__array__()
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(item, list):
        return np.asarray(item)
    return item


def _parse_index(index, ndim):
    """A PyTorch index as (basic, advanced): the basic items (ints, slices, None, Ellipsis, with a full slice
    standing for each dim an advanced item consumes) apply first, as in PyTorch; then the advanced items,
    (dim, numpy array) pairs, index the result. (numpy differs: x[1, :, [0, 1]] has shape (2, 4) there,
    (4, 2) in PyTorch.)"""
    if not isinstance(index, tuple):
        index = (index,)
    items = [_index_item_to_numpy(i) if _is_advanced(i) and not isinstance(i, bool) else i for i in index]
    # 0-dim index tensors act as Python scalars: an integer selects, a bool adds a dim
    items = [(bool(i) if i.dtype == np.bool_ else int(i)) if isinstance(i, np.ndarray) and i.ndim == 0 else i
             for i in items]
    consumed = 0
    for it in items:
        if isinstance(it, np.ndarray):
            consumed += it.ndim if it.dtype == np.bool_ else 1
        elif it is not None and it is not Ellipsis and not isinstance(it, (bool, np.bool_)):
            consumed += 1
    if consumed > ndim:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                             "C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, advanced, dim, rest = [], [], 0, ndim - consumed
    for position, it in enumerate(items):  # basic holds (item, its place in the index) for PyTorch's messages
        if it is Ellipsis:  # the first one covers the remaining dims; PyTorch lets any later ones cover none
            basic.extend([(slice(None), position)] * rest)
            dim += rest
            rest = 0
        elif it is None:
            basic.append((None, position))
            dim += 1
        elif isinstance(it, (bool, np.bool_)):  # a new dim of size 1, kept (True) or emptied (False)
            basic.append((None, position))
            advanced.append((dim, np.zeros(1 if it else 0, np.int64)))
            dim += 1
        elif isinstance(it, np.ndarray):
            k = it.ndim if it.dtype == np.bool_ else 1
            basic.extend([(slice(None), position)] * k)
            advanced.append((dim, it))
            dim += k
        else:
            basic.append((it, position))
            dim += isinstance(it, slice)
    return basic, advanced


def _advanced_key(advanced):
    """The numpy key of the advanced part: full slices up to each advanced item's dim."""
    key, pos = [], 0
    for d, arr in advanced:
        key += [slice(None)] * (d - pos)
        key.append(arr)
        pos = d + (arr.ndim if arr.dtype == np.bool_ else 1)
    return tuple(key)


def getitem(input, index):
    basic, advanced = _parse_index(index, input._data.ndim)
    out = _basic_index(input, basic, isinstance(index, slice))
    if advanced:
        _check_advanced(out._data.shape, advanced)
        return ops.IndexBackward0.apply(out, index=_advanced_key(advanced))
    if out is input:
        return ops.AliasBackward0.apply(input, shape=input._data.shape) if input._requires_grad else \
            _view_alias(input)
    return out


def _check_advanced(shape, advanced):
    """PyTorch's messages for masks of the wrong shape and indices out of range (numpy's differ)."""
    for k, (d, arr) in enumerate(advanced):
        if arr.dtype == np.bool_:
            for i, n in enumerate(arr.shape):
                if n != shape[d + i]:
                    raise IndexError(f"The shape of the mask [{', '.join(map(str, arr.shape))}] at index {i} does not "
                                     f"match the shape of the indexed tensor [{', '.join(map(str, shape))}] at index "
                                     f"{d + i}")
        elif arr.size:
            bad = (arr >= shape[d]) | (arr < -shape[d])
            if bad.any():
                raise IndexError(f"index {arr[bad].flat[0]} is out of bounds for dimension {k} with size {shape[d]}")


def _whole(item, size):
    """x[:, :] and x[:, 0:9] record nothing, but x[:] and x[:, -3:] record a slice, as in PyTorch."""
    return item.start in (None, 0) and (item.stop is None or item.stop >= size) and item.step in (None, 1)


def _basic_index(input, basic, record_full_slice):
    """A chain of select / slice / unsqueeze nodes, as PyTorch records basic indexing."""
    out, dim = input, 0
    for item, position in basic:
        if item is None:
            out = ops.UnsqueezeBackward0.apply(out, dim=dim)
            dim += 1
        elif isinstance(item, slice):
            size = out._data.shape[dim]
            start, stop, step = item.indices(size)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            if record_full_slice or not _whole(item, size):
                out = ops.SliceBackward0.apply(out, dim=dim, start=start, stop=builtins.max(stop, start), step=step)
            dim += 1
        else:
            i = int(item)
            size = out._data.shape[dim]
            if not -size <= i < size:  # PyTorch counts the dimension by the item's place in the index
                raise IndexError(f"index {i} is out of bounds for dimension {position} with size {size}")
            out = ops.SelectBackward0.apply(out, dim=dim, index=i + size if i < 0 else i)
    return out


def _index_error(msg, input):
    if "out of bounds" in msg and "axis" in msg:
        # numpy: "index 5 is out of bounds for axis 0 with size 2"
        return msg.replace("axis", "dimension")
    return msg


def setitem(input, index, value):
    """x[index] = value, in place; on a tensor that needs gradients it records CopySlices, as PyTorch does."""
    basic, advanced = _parse_index(index, input._data.ndim)
    key = tuple(item for item, _ in basic)
    if advanced:  # (the basic part is a view: it keeps a slice for each dim the advanced part indexes)
        _check_advanced(backend_of(input._data).getitem(input._data, key).shape, advanced)
    write = (key, _advanced_key(advanced) if advanced else None)
    if input._requires_grad and _grad_enabled[0]:
        if input.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
            value = _cast(value, input.dtype)
        # PyTorch: index_put_ on the tensor itself when only advanced indices select, else a write through a view
        direct = advanced and builtins.all(isinstance(item, slice) and _whole(item, size)
                                           for (item, _), size in zip(basic, input._data.shape))
        op = ops.IndexPutBackward0 if direct else ops.CopySlices
        input._write(op.apply(input._inplace_source(), value, write=write, index=index))
        return
    b = backend_of(input._data)
    if isinstance(value, Tensor):
        value = value._data if value._data.__class__ is input._data.__class__ else b.from_numpy(value.__array__())
    try:
        ops.write_at(b, input._data, write, value)
    except IndexError as e:
        raise IndexError(_index_error(str(e), input)) from None
    input._vc[0] += 1


# --- creation --------------------------------------------------------------------------------------
def _factory(data, dtype, device, requires_grad):
    """Wrap a numpy array as a new leaf on the requested device."""
    from ._device import backend, device as device_cls
    if device is not None:
        dev = device_cls(device)
        if dev.type != "cpu":
            data = backend(dev.type).from_numpy(data)
    t = _wrap(data)
    if requires_grad:
        if t._data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.to_dtype(dtype).np


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    from .tensor import _to_array
    if isinstance(data, Tensor):
        arr = data.__array__().copy()
    else:
        arr = _to_array(data)
        if arr.dtype == object:
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
        if dtype is None:
            if arr.dtype.kind == "f" and not isinstance(data, np.ndarray):
                arr = arr.astype(_dtype.get_default_dtype().np)
            elif arr.dtype.kind in "iu" and not isinstance(data, np.ndarray):
                arr = arr.astype(np.int64)
            elif arr.dtype.kind == "U":
                if arr.ndim:
                    raise ValueError("too many dimensions 'str'")
                raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if dtype is not None:
        arr = arr.astype(_dtype.to_dtype(dtype).np)
    else:
        _dtype.from_numpy_dtype(arr.dtype)  # rejects unsupported numpy dtypes with PyTorch's message
    # a C-ordered copy (np.ascontiguousarray would turn a 0-d array into a 1-d one)
    return _factory(np.array(arr, order="C"), None, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype) and device is None:
        return data
    if isinstance(data, np.ndarray) and dtype is None and device is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """Shares memory with the array, as in PyTorch."""
    _dtype.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray)


def _check_size(shape):
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, shape))}]")
    return shape


def _fill(size, value, dtype, device, requires_grad, default=None):
    shape = _check_size(_shape_arg(size))
    return _factory(np.full(shape, value, _np_dtype(dtype, default)), dtype, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    if builtins.any(s < 0 for s in _shape_arg(size)):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _fill(size, 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _fill(size, 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _fill(size, 0, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value)
    return _fill((size,) if isinstance(size, int) else size, fill_value, dtype, device, requires_grad)


def _like(input, value, dtype, device, requires_grad):
    return _fill(input._data.shape, value, dtype or input.dtype, device or input.device, requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, 0, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, 1, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, 0, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, fill_value, dtype, device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dtype = _dtype.get_default_dtype() if builtins.any(isinstance(v, float) for v in vals) else _dtype.int64
    n = builtins.max(0, int(np.ceil((vals[1] - vals[0]) / vals[2])))
    data = (vals[0] + np.arange(n, dtype=np.float64) * vals[2]).astype(_dtype.to_dtype(dtype).np) \
        if _dtype.to_dtype(dtype).is_floating_point else np.arange(*vals, dtype=_dtype.to_dtype(dtype).np)
    return _factory(data, dtype, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    data = np.linspace(start, end, steps, dtype=np.float64).astype(_np_dtype(dtype))
    return _factory(data, dtype, device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    data = np.logspace(start, end, steps, base=base).astype(_np_dtype(dtype))
    return _factory(data, dtype, device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _factory(np.eye(n, m, dtype=_np_dtype(dtype)), dtype, device, requires_grad)


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = [t._data.shape[0] for t in tensors]
    out = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = -1
        out.append(t.reshape(view_shape).expand(shape))
    if indexing == "xy" and len(tensors) >= 2:
        out = [o.transpose(0, 1) for o in out]
    return tuple(out)


def complex_unsupported(*args, **kwargs):
    raise TypeError("complex tensors are not supported by this engine")


def to(input, *args, **kwargs):
    """to(dtype), to(device), to(device, dtype), to(other), with keyword forms; differentiable."""
    from ._device import device as device_cls
    dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
    kwargs.pop("non_blocking", None), kwargs.pop("copy", None), kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, _dtype.dtype) or a in (float, int, bool):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif a is not None:
            device = a
    dtype = _dtype.to_dtype(dtype) if dtype is not None else None
    device = device_cls(device) if device is not None else None
    same_dtype = dtype is None or dtype.np == input._data.dtype
    same_device = device is None or device.type == input.device.type
    if same_dtype and same_device:
        return input
    if input._requires_grad and dtype is not None and not dtype.is_floating_point:
        input = input.detach()  # integer and bool results never require grad
    return ops.ToCopyBackward0.apply(input, dtype=None if same_dtype else dtype.np, device=device)


def type_as(input, other):
    return to(input, other.dtype)


def cpu(input):
    return to(input, "cpu")


def _dtype_method(d):
    def fn(input, memory_format=None):
        return to(input, d)
    return fn


float_ = _dtype_method(_dtype.float32)
double = _dtype_method(_dtype.float64)
half = _dtype_method(_dtype.float16)
long = _dtype_method(_dtype.int64)
int_ = _dtype_method(_dtype.int32)
bool_ = _dtype_method(_dtype.bool_)
byte = _dtype_method(_dtype.uint8)
short = _dtype_method(_dtype.int16)


def type_(input, dtype=None):
    if dtype is None:
        return f"torch.{input.dtype._legacy}"
    if isinstance(dtype, str):
        dtype = {f"torch.{d._legacy}": d for d in _dtype.ALL}[dtype]
    return to(input, dtype)


def numel(input):
    return input.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def broadcast_shapes(*shapes):
    return Size(np.broadcast_shapes(*shapes))


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return ops.SoftmaxBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


def log_softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return ops.LogSoftmaxBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


# --- trigonometry, more elementwise functions ------------------------------------------------------
tan = _unary_float(ops.TanBackward0)
atan = arctan = _unary_float(ops.AtanBackward0)
asin = arcsin = _unary_float(ops.AsinBackward0)
acos = arccos = _unary_float(ops.AcosBackward0)
sinh = _unary_float(ops.SinhBackward0)
cosh = _unary_float(ops.CoshBackward0)
asinh = arcsinh = _unary_float(ops.AsinhBackward0)
acosh = arccosh = _unary_float(ops.AcoshBackward0)
atanh = arctanh = _unary_float(ops.AtanhBackward0)
exp2 = _unary_float(ops.Exp2Backward0)


def _float_binary(op, fn_name, input, other, integers=True):
    """A binary function of two tensors whose result is floating (integers become the default dtype, or are
    refused, as PyTorch's CPU kernels refuse them, when not `integers`)."""
    _tensor_argument(fn_name, other, 2, "other")
    if not integers:
        for x in (input, other):
            if x._data.dtype.kind != "f":
                raise NotImplementedError(f'"{fn_name}_cpu" not implemented for \'{x.dtype._legacy[:-6]}\'')
    a, b = _promote(input, other, to_float=True)
    _check_broadcast(a, b)
    return op.apply(a, b)


def atan2(input, other):
    return _float_binary(ops.Atan2Backward0, "atan2", input, other)


arctan2 = atan2


def hypot(input, other):
    return _float_binary(ops.HypotBackward0, "hypot", input, other, integers=False)


def logaddexp(input, other):
    return _float_binary(ops.LogaddexpBackward0, "logaddexp", input, other, integers=False)


def sgn(input):
    return ops.SgnBackward0.apply(input)


def logit(input, eps=None):
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return ops.LogitBackward0.apply(input, eps=eps)


def xlogy(input, other):
    """input * log(other), 0 where input is 0: the term of an entropy or a KL divergence."""
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise TypeError(f"xlogy() received an invalid combination of arguments - got ({type(input).__name__}, "
                            f"{type(other).__name__})")
        b, number = _promote(other, input, to_float=True)
        return ops.XlogyBackward1.apply(b, number=number)
    a, b = _promote(input, other, to_float=True)
    if not isinstance(b, Tensor):
        return ops.XlogyBackward2.apply(a, b=b)
    _check_broadcast(a, b)
    return ops.XlogyBackward0.apply(a, b)


# --- cumulative products and order statistics ---------------------------------------------------------
def cumprod(input, dim, *, dtype=None):
    if dtype is not None:
        input = _cast(input, dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(_dtype.int64)  # PyTorch accumulates integers in int64
    return ops.CumprodBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))


def _order_statistic(name, op, input, dim, keepdim, **params):
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:  # a 0-dim tensor is its own statistic
        return _RETURN_TYPES[name](input.clone(), zeros((), dtype=_dtype.int64, device=input.device))
    values, indices = op.apply(input, axis=axis, keepdim=keepdim, **params)
    return _RETURN_TYPES[name](values, indices)


def median(input, dim=None, keepdim=False):
    """The middle value (the lower of the two middle ones for an even count), as PyTorch."""
    if dim is None:
        return ops.MedianBackward0.apply(input)
    return _order_statistic("median", ops.MedianBackward1, input, dim, keepdim)


def kthvalue(input, k, dim=-1, keepdim=False):
    axis = _wrap_dim(dim, input._data.ndim)
    if not 1 <= k <= (input._data.shape[axis] if input._data.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    return _order_statistic("kthvalue", ops.KthvalueBackward0, input, dim, keepdim, k=k)


def mode(input, dim=-1, keepdim=False):
    return _order_statistic("mode", ops.ModeBackward0, input, dim, keepdim)


def cummax(input, dim):
    values, indices = ops.CummaxBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))
    return _RETURN_TYPES["cummax"](values, indices)


def cummin(input, dim):
    values, indices = ops.CumminBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))
    return _RETURN_TYPES["cummin"](values, indices)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """Differences of neighbours along dim, n times (of booleans: whether they differ)."""
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, dim) if len(parts) > 1 else input
    d = _wrap_dim(dim, x._data.ndim)
    for _ in range(n):
        length = x._data.shape[d]
        later, earlier = narrow(x, d, 1, length - 1), narrow(x, d, 0, length - 1)
        x = logical_xor(later, earlier) if x._data.dtype == np.bool_ else later - earlier
    return x


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    axes = None if dim is None else _dims(dim, input._data.ndim)
    return ops.NansumBackward0.apply(input, axes=axes, keepdim=keepdim, dtype=_int_accumulate(input, dtype))


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = _cast(input, dtype)
    _reduce_float_check("nanmean", input)
    counted = sum(input.isnan().logical_not(), dim, keepdim)
    return nansum(input, dim, keepdim) / counted


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, inf and -inf replaced by numbers (by default 0 and the dtype's largest and smallest)."""
    if input._data.dtype.kind != "f":
        return input.clone()
    return ops.NanToNumBackward0.apply(input, nan=nan, posinf=posinf, neginf=neginf)


deg2rad = _unary_float(ops.Deg2RadBackward0)
rad2deg = _unary_float(ops.Rad2DegBackward0)


def float_power(input, exponent):
    """input ** exponent computed in float64."""
    to64 = (lambda x: x.to(_dtype.float64) if isinstance(x, Tensor) and x._data.dtype != np.float64 else x)
    return pow(to64(input), to64(exponent) if isinstance(exponent, Tensor) else float(exponent))


def ravel(input):
    return view(contiguous(input), -1)  # as PyTorch: a copy only when the layout needs one


def unfold_(input, dimension, size, step):
    """Tensor.unfold: the windows of `size` elements along dimension, `step` apart, in a new last dim."""
    d = _wrap_dim(dimension, input._data.ndim)
    length = input._data.shape[d] if input._data.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return ops.UnfoldBackward0.apply(input, dim=d, size=size, step=step)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    values = elements.__array__() if isinstance(elements, Tensor) else np.asarray(elements)
    tests = test_elements.__array__() if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    like = elements if isinstance(elements, Tensor) else test_elements
    return _factory(np.isin(values, tests, invert=invert), None, like.device, False)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    rows, cols = np.tril_indices(row, offset, col)
    return _factory(np.stack([rows, cols]).astype(np.int64), dtype, device, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    rows, cols = np.triu_indices(row, offset, col)
    return _factory(np.stack([rows, cols]).astype(np.int64), dtype, device, False)


# --- distances, the cross product ---------------------------------------------------------------------
def dist(input, other, p=2):
    a, b = _promote(input, other)
    _check_broadcast(a, b)
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{a.dtype._legacy[:-6]} instead.")
    return ops.DistBackward0.apply(a, b, p=float(p))


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Distances between every row of x1 (..., P, M) and every row of x2 (..., R, M): (..., P, R)."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: "
                           f"{x2._data.shape[-1]}")
    a, b = _promote(x1, x2)
    return ops.CdistBackward0.apply(a, b, p=float(p))


def cross(input, other, dim=None):
    """torch.cross: the cross product of 3-vectors along dim (by default the first dim of size 3)."""
    a, b = _promote(input, other)
    if a._data.ndim != b._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = tuple(np.broadcast_shapes(a._data.shape, b._data.shape))
    if dim is None:
        dim = next((d for d, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    d = _wrap_dim(dim, len(shape))
    if a._data.shape[d] != 3 or b._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a._data.shape[d]} and "
                           f"{b._data.shape[d]}")
    return ops.LinalgCrossBackward0.apply(a, b, dim=d)


# --- reading and writing at indices --------------------------------------------------------------------
def _check_index_dtype(fn_name, index):
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{fn_name}(): Expected dtype int32/int64 for index")


def _check_index_range(index, size, dim, error=RuntimeError):
    if index._data.size and isinstance(index._data, np.ndarray):  # (an index on a GPU is not read back to check)
        i = index._data
        bad = i[(i < 0) | (i >= size)]
        if bad.size:
            raise error(f"index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}")


def select(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at "
                         f"dimension {dim}")
    return ops.SelectBackward0.apply(input, dim=d, index=index + size if index < 0 else index)


def take(input, index):
    """input's elements at flat positions (input read as if it were 1-d), in index's shape."""
    n = input._data.size
    if isinstance(index._data, np.ndarray):  # (an index on a GPU is not read back to check)
        i = index._data
        bad = i[(i < -n) | (i >= n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements.")
        if not (i < 0).any():
            return ops.TakeBackward0.apply(input, index=index)
    return ops.TakeBackward0.apply(input, index=index % n)  # negative positions count from the end


def index_add(input, dim, index, source, *, alpha=1):
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {index.dtype._legacy[:-6]}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype._legacy[:-6]}) and source "
                           f"({source.dtype._legacy[:-6]}) must have the same scalar type")
    n_source = source._data.shape[d] if source._data.ndim else 1
    if index._data.size != n_source:
        raise RuntimeError(f"index_add_(): Number of indices ({index._data.size}) should be equal to source.size(dim): "
                           f"({n_source}), for dim: {dim}")
    _check_index_range(index, input._data.shape[d], d)
    return ops.IndexAddBackward0.apply(input, source, dim=d, index=index.reshape(-1), alpha=alpha)


def index_fill(input, dim, index, value):
    d = _wrap_dim(dim, input._data.ndim)
    _check_index_range(index, input._data.shape[d], d, IndexError)
    index = index.reshape(-1)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        return ops.IndexFillBackward1.apply(input, value, dim=d, index=index)
    return ops.IndexFillBackward0.apply(input, value=value, dim=d, index=index)


def masked_scatter(input, mask, source):
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype._legacy[:-6]}")
    if int(np.broadcast_to(mask.__array__(), input._data.shape).sum()) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return ops.MaskedScatterBackward0.apply(input, source, mask=mask)


def argwhere(input):
    return nonzero(input)


# --- in place: view changes, Python functions, torch.relu_ and friends ------------------------------------
def _restride(self, op, **params):
    """x.unsqueeze_(0) and the like: x itself becomes the view (a new shape over the same memory)."""
    if self._requires_grad and self.grad_fn is None and _grad_enabled[0]:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    view = op.apply(self, **params)
    self._data, self.grad_fn, self._output_nr = view._data, view.grad_fn, view._output_nr
    return self


def _unsqueeze_(self, dim):
    return _restride(self, ops.UnsqueezeBackward1, dim=_wrap_dim(dim, self._data.ndim + 1))


def _squeeze_(self, dim=None):
    if dim is None:
        return _restride(self, ops.SqueezeBackward3)
    op = ops.SqueezeBackward5 if isinstance(dim, (tuple, list)) else ops.SqueezeBackward4
    return _restride(self, op, dims=_dims(dim, self._data.ndim))


def _t_(self):
    if self._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
    return _restride(self, ops.TBackward1)


def _transpose_(self, dim0, dim1):
    n = self._data.ndim
    return _restride(self, ops.TransposeBackward1, dim0=_wrap_dim(dim0, n), dim1=_wrap_dim(dim1, n))


def _apply_(self, callable):
    """Replace each element x by callable(x), a Python number function (slow: for small CPU tensors)."""
    if self._requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
    values = np.vectorize(callable, otypes=[self._data.dtype])(self.numpy())
    return _copy_(self, values)


# --- new tensors like an existing one ------------------------------------------------------------------------
def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        data = data.detach().__array__()
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new_filled(value):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return _fill(_shape_arg(size), value, dtype or self.dtype, device or self.device, requires_grad)
    return method


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _fill(_shape_arg((size,)), fill_value, dtype or self.dtype, device or self.device, requires_grad)


# --- more products, rotations, bins and quantiles -------------------------------------------------------
def column_stack(tensors):
    return hstack([t.reshape(t.numel(), 1) if t._data.ndim <= 1 else t for t in tensors])


def tensordot(a, b, dims=2, out=None):
    """Sum over the dims of a and b paired by `dims` (the last n of a with the first n of b when an int),
    as one matrix product of a's and b's other dims."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a._data.ndim - dims, a._data.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    dims_a = [_wrap_dim(d, a._data.ndim) for d in dims_a]
    dims_b = [_wrap_dim(d, b._data.ndim) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a._data.shape[da] != b._data.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._data.shape[da]} in dim "
                               f"{da} and second has size {b._data.shape[db]} in dim {db}")
    free_a = [d for d in range(a._data.ndim) if d not in dims_a]
    free_b = [d for d in range(b._data.ndim) if d not in dims_b]
    k = int(np.prod([a._data.shape[d] for d in dims_a]))
    left = a.permute(free_a + dims_a).reshape(-1, k)
    right = b.permute(dims_b + free_b).reshape(k, -1)
    shape = [a._data.shape[d] for d in free_a] + [b._data.shape[d] for d in free_b]
    return mm(*_promote(left, right)).reshape(shape)


def inner(input, other):
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input._data.shape)} and {list(other._data.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def kron(input, other):
    """Every element of input times the whole of other, laid out block by block."""
    nd = builtins.max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + input._data.shape
    sb = (1,) * (nd - other._data.ndim) + other._data.shape
    a = input.reshape([s for n in sa for s in (n, 1)])
    b = other.reshape([s for n in sb for s in (1, n)])
    return (a * b).reshape([x * y for x, y in zip(sa, sb)])


def rot90(input, k=1, dims=(0, 1)):
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    n = input._data.ndim
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = (_wrap_dim(d, n) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return ops.Rot90Backward0.apply(input, k=k % 4, dims=(d0, d1))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """input's last dim as the diagonals (offset above the main one) of new (dim1, dim2) planes."""
    nd = input._data.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._data.shape[-1] + builtins.abs(offset)
    rest = iter(input._data.shape[:-1])
    shape = tuple(n if d in (d1, d2) else next(rest) for d in range(nd))
    positions = np.diagonal(np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape), offset, d1, d2)
    return ops.DiagEmbedBackward0.apply(input, index=_wrap(np.ascontiguousarray(positions)), shape=shape)


def logcumsumexp(input, dim):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{input.dtype._legacy[:-6]}\'')
    if input._data.ndim == 0:
        return ops.LogcumsumexpBackward0.apply(input.reshape(1), axis=0).reshape(())
    return ops.LogcumsumexpBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))


def copysign(input, other):
    a, b = _promote(input, other, to_float=True)
    if isinstance(b, Tensor):
        _check_broadcast(a, b)
        return ops.CopysignBackward0.apply(a, b)
    return ops.CopysignBackward1.apply(a, b=b)


def signbit(input):
    return _wrap(ops.signbit(backend_of(input._data), input._data))


def heaviside(input, values):
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    _check_broadcast(input, values)
    return ops.HeavisideNotImplemented.apply(input, values)


def _on_device_of(data, like):
    return _factory(data, None, like.device, False)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value would be inserted in the sorted innermost rows of sorted_sequence (not differentiable)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = sorted_sequence.__array__()
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter.__array__(), -1)
    values = input.__array__() if isinstance(input, Tensor) else np.asarray(input)
    if seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(values.shape)}")
    how = "right" if right else "left"
    if seq.ndim == 1:
        found = np.searchsorted(seq, values, how)
    else:
        rows = zip(seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1]))
        found = np.stack([np.searchsorted(s, v, how) for s, v in rows]).reshape(values.shape)
    return _on_device_of(np.asarray(found, np.int32 if out_int32 else np.int64), sorted_sequence)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):
    """Counts in `bins` equal bins from min to max (the data's range when both are equal); values outside
    are ignored, max itself falls in the last bin. Not differentiable."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{input.dtype._legacy[:-6]}\'')
    if bins <= 0:
        raise RuntimeError("torch.histc(): bins must be > 0, but got " f"{bins} for dimension 0")
    x = input.__array__().ravel()
    dt = x.dtype.type
    lo, hi = dt(min), dt(max)
    if lo == hi and x.size:
        lo, hi = x.min(), x.max()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    inside = x[(x >= lo) & (x <= hi)]
    pos = ((inside - lo) / (hi - lo) * dt(bins)).astype(np.int64)  # in input's precision, as PyTorch
    counts = np.bincount(np.minimum(pos, bins - 1), minlength=bins).astype(x.dtype)
    return _on_device_of(counts, input)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of input (along dim, else of all of it): sorted values, interpolated between the
    two around rank q * (n - 1); a slice holding nan gives nan. One leading dim per q when q is a tensor."""
    if input._data.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.dtype != input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if q._data.ndim > 1:
            raise RuntimeError(f"quantile() q must be a scalar or 1D tensor")
        qs = q.__array__().reshape(-1)
    else:
        qs = np.array([q], dtype=input._data.dtype)
    for value in qs:
        if not 0 <= value <= 1:
            raise RuntimeError(f"quantile() q values must be in the range [0, 1]" if isinstance(q, Tensor) else
                               f"quantile() q must be in the range [0, 1] but got {q}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if dim is None:
        ordered = input.reshape(-1).sort().values
    else:
        dim = _wrap_dim(dim, input._data.ndim)
        ordered = input.sort(dim).values.movedim(dim, -1) if input._data.ndim else input.reshape(1)
    n = ordered.shape[-1]
    if n == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    lead = ordered.shape[:-1]
    ranks = np.broadcast_to(qs * qs.dtype.type(n - 1), lead + (len(qs),)).copy()
    ranks[ordered.select(-1, -1).isnan().__array__()] = n - 1  # nan sorts last: a slice with one gives nan
    below = np.floor(ranks).astype(np.int64)
    if interpolation in ("lower", "higher", "nearest"):
        index = {"lower": below, "higher": np.ceil(ranks), "nearest": np.round(ranks)}[interpolation]
        out = ordered.gather(-1, _on_device_of(index.astype(np.int64), input))
    else:
        low = ordered.gather(-1, _on_device_of(below, input))
        high = ordered.gather(-1, _on_device_of(np.ceil(ranks).astype(np.int64), input))
        weights = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        out = low.lerp(high, _on_device_of(weights.astype(input._data.dtype), input))
    out = out.movedim(-1, 0)
    if keepdim:
        out = out.reshape((len(qs),) + tuple(1 if dim is None or d == dim else s
                                             for d, s in enumerate(input._data.shape)))
    return out if isinstance(q, Tensor) else out.squeeze(0)


# --- Tensor methods: every function above that PyTorch also offers as a method ---------------------
METHODS = """add sub subtract mul multiply div divide true_divide floor_divide remainder fmod reciprocal neg
negative pow square maximum minimum exp log log1p expm1 log2 log10 sqrt rsqrt sin cos tanh sigmoid erf abs absolute
sign floor ceil round trunc frac relu clamp clip clamp_min clamp_max masked_fill lerp addcmul addcdiv eq ne lt le
gt ge greater greater_equal less less_equal not_equal logical_and logical_or logical_xor logical_not bitwise_and
bitwise_or bitwise_xor bitwise_not isnan isinf isfinite allclose isclose equal sum mean prod max min amax amin argmax
argmin var std logsumexp norm cumsum all any count_nonzero nonzero sort argsort topk unique mm mv dot matmul bmm addmm
baddbmm outer ger view reshape view_as reshape_as flatten unflatten t transpose swapaxes swapdims permute movedim unsqueeze
squeeze expand expand_as broadcast_to sum_to_size contiguous clone split chunk unbind narrow flip fliplr flipud roll
repeat tile repeat_interleave gather take_along_dim index_select masked_select scatter scatter_add tril triu diag
trace to type_as cpu double half long byte short softmax log_softmax tan atan arctan asin arcsin acos arccos sinh cosh
asinh arcsinh acosh arccosh atanh arctanh exp2 atan2 arctan2 hypot logaddexp sgn logit xlogy cumprod median kthvalue
mode dist cross select take index_add index_fill masked_scatter argwhere cummax cummin diff nansum nanmean nan_to_num
deg2rad rad2deg float_power ravel moveaxis inner kron rot90 heaviside signbit copysign diag_embed logcumsumexp
quantile histc""".split()

for _name in METHODS:
    setattr(Tensor, _name, globals()[_name])
Tensor.float = float_
Tensor.int = int_
Tensor.bool = bool_
Tensor.type = type_
Tensor.diagonal = diagonal_
Tensor.unsqueeze_, Tensor.squeeze_, Tensor.t_, Tensor.transpose_ = _unsqueeze_, _squeeze_, _t_, _transpose_
Tensor.swapaxes_ = Tensor.swapdims_ = _transpose_
Tensor.apply_ = _apply_
Tensor.unfold = unfold_
Tensor.new_tensor, Tensor.new_full = _new_tensor, _new_full
Tensor.new_zeros, Tensor.new_ones, Tensor.new_empty = _new_filled(0), _new_filled(1), _new_filled(0)
Tensor.where = lambda self, condition, other: where(condition, self, other)  # x.where(c, y): x where c, else y
Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
Tensor.T = property(lambda self: permute(self, tuple(range(self._data.ndim - 1, -1, -1))))
Tensor.mT = property(lambda self: transpose(self, -2, -1))


def _operator(fn):
    """A binary operator: NotImplemented for foreign operands, so Python tries their reflected method."""
    def op(self, other):
        if isinstance(other, Tensor) or isinstance(other, _Scalar):
            return fn(self, other)
        return NotImplemented
    return op


def _reflected(fn):
    return _operator(lambda self, other: fn(other, self))


_OPERATORS = {
    "__add__": add, "__radd__": _operator(add), "__sub__": sub, "__rsub__": rsub,  # + and * commute
    "__mul__": mul, "__rmul__": _operator(mul), "__truediv__": div,
    "__rtruediv__": _operator(lambda self, other: reciprocal(self) * other),  # as PyTorch's __rtruediv__
    "__floordiv__": floor_divide, "__rfloordiv__": _reflected(floor_divide), "__mod__": remainder,
    "__rmod__": _reflected(remainder), "__pow__": pow, "__rpow__": _reflected(pow), "__matmul__": matmul,
    "__rmatmul__": _reflected(matmul), "__neg__": neg, "__abs__": abs, "__invert__": bitwise_not,
    "__and__": bitwise_and, "__rand__": _reflected(bitwise_and), "__or__": bitwise_or,
    "__ror__": _reflected(bitwise_or), "__xor__": bitwise_xor, "__rxor__": _reflected(bitwise_xor),
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _fn if _name in ("__neg__", "__abs__", "__invert__") or "__r" in _name
            else _operator(_fn))
Tensor.__pos__ = lambda self: self


# --- in-place methods: the out-of-place op, then written into self (engine/tensor.py: _write) --------
def _inplace(fn):
    def method(self, *args, **kwargs):
        self._check_inplace()
        return self._write(fn(self._inplace_source(), *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


_INPLACE = """add sub mul div pow clamp clamp_min clamp_max exp log sqrt abs neg sigmoid tanh relu floor ceil round
trunc sign masked_fill lerp addcmul addcdiv reciprocal remainder fmod sin cos erf square log1p expm1
logical_not tan atan asin acos sinh cosh asinh acosh atanh exp2 atan2 hypot sgn logit xlogy cumprod index_add
index_fill scatter scatter_add masked_scatter nan_to_num deg2rad rad2deg copysign""".split()
for _name in _INPLACE:
    setattr(Tensor, _name + "_", _inplace(globals()[_name]))
for _name, _fn in (("__iadd__", add), ("__isub__", sub), ("__imul__", mul), ("__itruediv__", div),
                   ("__ipow__", pow), ("__ifloordiv__", floor_divide), ("__imod__", remainder),
                   ("__iand__", bitwise_and), ("__ior__", bitwise_or), ("__ixor__", bitwise_xor)):
    setattr(Tensor, _name, _inplace(_fn))
Tensor.div_ = _inplace(div)
for _name, _op in (("asinh_", ops.AsinhBackward1), ("acosh_", ops.AcoshBackward1), ("atanh_", ops.AtanhBackward1)):
    setattr(Tensor, _name, _inplace(_unary_float(_op)))
for _name in ("arctan", "arcsin", "arccos", "arcsinh", "arccosh", "arctanh", "arctan2"):
    setattr(Tensor, _name + "_", getattr(Tensor, _name.replace("arc", "a") + "_"))
# torch.relu_(x) and the like: the in-place methods that PyTorch also offers as functions
_INPLACE_FUNCTIONS = """clamp clamp_min clamp_max exp log sqrt abs neg sigmoid tanh relu floor ceil round trunc reciprocal
sin cos erf square log1p expm1 tan atan asin acos sinh cosh asinh acosh atanh exp2 logit xlogy nan_to_num deg2rad
rad2deg""".split()
for _name in _INPLACE_FUNCTIONS:
    globals()[_name + "_"] = getattr(Tensor, _name + "_")


def _fill_(self, value):
    self._check_inplace()
    if isinstance(value, Tensor):
        value = value.item()
    b = backend_of(self._data)
    b.copy_into(self._data, b.full((), value, self._data.dtype))
    self._vc[0] += 1
    return self


def _zero_(self):
    return _fill_(self, 0)


def _copy_(self, src, non_blocking=False):
    if isinstance(src, Tensor) and (src._requires_grad and _grad_enabled[0]):
        return self._write(to(src, self.dtype).expand(self.shape) if src.shape != self.shape else to(src, self.dtype))
    self._check_inplace()
    b = backend_of(self._data)
    data = src._data if isinstance(src, Tensor) else np.asarray(src)
    if data.__class__ is not self._data.__class__:
        data = b.from_numpy(backend_of(data).to_numpy(data) if not isinstance(data, np.ndarray) else data)
    b.copy_into(self._data, data)
    self._vc[0] += 1
    return self


Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
Tensor.copy_ = _copy_


# --- random sampling (engine/random.py holds the generator) --------------------------------------------
from . import random as _random  # noqa: E402


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    data = _random.rng(generator).random(_check_size(_shape_arg(size))).astype(_np_dtype(dtype))
    return _factory(data, dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    data = _random.rng(generator).standard_normal(_check_size(_shape_arg(size))).astype(_np_dtype(dtype))
    return _factory(data, dtype, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if high is None or size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high if size is None else size
    data = _random.rng(generator).integers(low, high, tuple(size)).astype(_np_dtype(dtype, _dtype.int64))
    return _factory(data, dtype, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    data = _random.rng(generator).permutation(n).astype(_np_dtype(dtype, _dtype.int64))
    return _factory(data, dtype, device, requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, device=device or input.device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shape = np.broadcast_shapes(mean.shape if isinstance(mean, Tensor) else (), std.shape if isinstance(std, Tensor)
                                    else ())
        like = mean if isinstance(mean, Tensor) else std
        noise = _wrap(_random.rng(generator).standard_normal(shape).astype(like._data.dtype))
        return (noise * std + mean).detach()
    data = _random.rng(generator).normal(mean, std, tuple(size)).astype(_np_dtype(dtype))
    return _factory(data, dtype, device, False)


def bernoulli(input, p=None, *, generator=None):
    probs = input.__array__() if p is None else np.full(input._data.shape, p)
    data = (_random.rng(generator).random(input._data.shape) < probs).astype(input._data.dtype)
    return _factory(data, None, input.device, False)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    p = input.__array__().astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    out = [_random.rng(generator).choice(rows.shape[1], num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    data = np.array(out, dtype=np.int64).reshape(p.shape[:-1] + (num_samples,))
    return _factory(data, None, input.device, False)


def _random_fill(sample):
    """An in-place sampler: fills self with fresh numbers (nn.init uses these under no_grad)."""
    def method(self, *args, generator=None, **kwargs):
        self._check_inplace()
        data = sample(_random.rng(generator), self._data.shape, *args, **kwargs).astype(self._data.dtype)
        b = backend_of(self._data)
        b.copy_into(self._data, b.from_numpy(data))
        self._vc[0] += 1
        return self
    return method


Tensor.uniform_ = _random_fill(lambda r, shape, a=0.0, b=1.0: r.uniform(a, b, shape))
Tensor.normal_ = _random_fill(lambda r, shape, mean=0.0, std=1.0: r.normal(mean, std, shape))
Tensor.bernoulli_ = _random_fill(lambda r, shape, p=0.5: r.random(shape) < p)
Tensor.exponential_ = _random_fill(lambda r, shape, lambd=1.0: r.exponential(1 / lambd, shape))
Tensor.random_ = _random_fill(lambda r, shape, low=0, high=2 ** 24: r.integers(low, high, shape) if high is not None
                              else r.integers(0, low, shape))
Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial
