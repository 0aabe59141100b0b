"""The Tensor methods and operators: every torch.* function PyTorch also offers as a method, the
in-place forms (x.add_(y)), and torch.relu_ and friends.
"""

import numpy as np

from ..autograd.grad_mode import enabled as _grad_enabled
from ..autograd.inplace import check_no_partial_overlap, count_untracked_write, refuse_stale_views_first
from ..tensor import Tensor
from . import arithmetic, composite, create, index, linalg, pointwise, reduce, shape
from ._args import _Scalar
from .create import _apply_, _copy_, _fill_, _new_filled, _new_full, _new_tensor, _zero_, bool_, float_, int_, type_
from .arithmetic import (add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, div, eq, floor_divide, ge, gt, le, lt,
                         mul, ne, neg, pow, reciprocal, remainder, rsub, sub)
from .pointwise import AcoshBackward1, AsinhBackward1, AtanhBackward1, _unary_float, abs
from .index import getitem, setitem, where
from .shape import _squeeze_, _t_, _transpose_, _unsqueeze_, diagonal_, permute, transpose, unfold_
from .linalg import matmul
from .nn import activation

# every function a method below is made from, by name, from the module that defines it
_FUNCTIONS = {name: fn for module in (create, arithmetic, pointwise, index, shape, reduce, linalg, activation)
              for name, fn in vars(module).items() if getattr(fn, "__module__", None) == module.__name__}


METHODS = """add sub subtract mul multiply div divide true_divide floor_divide remainder fmod reciprocal neg
negative pow square maximum minimum exp log log1p expm1 log2 log10 sqrt rsqrt sin cos tanh sigmoid erf erfc abs absolute
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
quantile histc histogram""".split()

for _name in METHODS:
    setattr(Tensor, _name, _FUNCTIONS[_name])
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


def _writes_in_place(self, other):
    """Whether self op= other may be computed straight into self's memory: no graph to record, a float numpy
    array, and an operand of its dtype and shape or a Python number (the result is then what the op returns)."""
    a = self._data
    if a.__class__ is not np.ndarray or a.dtype.kind != "f" or _grad_enabled[0] and self._requires_grad \
            or not a.flags.writeable:  # (expanded memory: the usual path gives PyTorch's error)
        return False
    if other.__class__ is float or other.__class__ is int:
        return True
    if other.__class__ is not Tensor or _grad_enabled[0] and other._requires_grad:
        return False
    b = other._data
    return b.__class__ is np.ndarray and b.dtype == a.dtype and b.shape == a.shape


def _inplace(fn, elementwise=True):
    ufunc = _UFUNCS.get(fn)

    def method(self, *args, **kwargs):
        self._check_inplace()
        if elementwise and args:
            check_no_partial_overlap(self, args)
        if ufunc is not None and len(args) == 1 and not kwargs and _writes_in_place(self, args[0]):
            other = args[0]
            ufunc(self._data, other._data if other.__class__ is Tensor else other, out=self._data)
            count_untracked_write(self)
            return self
        try:
            return self._write(fn(self._inplace_source(), *args, **kwargs))
        except TypeError as error:  # PyTorch's argument errors name the method: "add_(): argument 'alpha' ..."
            prefix = f"{fn.__name__}(): "
            if str(error).startswith(prefix):
                raise TypeError(f"{method.__name__}(): {str(error)[len(prefix):]}") from None
            raise
    method.__name__ = fn.__name__ + "_"
    return method


# the ops whose in-place form, without a graph, is one numpy ufunc writing into self (an optimizer's update)
_UFUNCS = {add: np.add, sub: np.subtract, mul: np.multiply, div: np.true_divide}
_INPLACE = """add sub mul div pow clamp clamp_min clamp_max exp log sqrt abs neg sigmoid tanh relu floor ceil round
trunc sign masked_fill lerp addcmul addcdiv reciprocal remainder fmod sin cos erf erfc square log1p expm1
logical_not tan atan asin acos sinh cosh asinh acosh atanh exp2 atan2 hypot sgn logit xlogy cumprod index_add
index_fill scatter scatter_add masked_scatter nan_to_num deg2rad rad2deg copysign""".split()
_NOT_ELEMENTWISE = {"masked_fill", "index_add", "index_fill", "scatter", "scatter_add", "masked_scatter", "cumprod"}
for _name in _INPLACE:
    setattr(Tensor, _name + "_", _inplace(_FUNCTIONS[_name], _name not in _NOT_ELEMENTWISE))
for _name, _fn in (("__iadd__", add), ("__isub__", sub), ("__imul__", mul), ("__itruediv__", div),
                   ("__ipow__", pow), ("__ifloordiv__", floor_divide), ("__imod__", remainder),
                   ("__iand__", bitwise_and), ("__ior__", bitwise_or), ("__ixor__", bitwise_xor)):
    setattr(Tensor, _name, _inplace(_fn))
Tensor.div_ = _inplace(div)
for _name, _op in (("asinh_", AsinhBackward1), ("acosh_", AcoshBackward1), ("atanh_", AtanhBackward1)):
    setattr(Tensor, _name, _inplace(_unary_float(_op)))
for _name in ("arctan", "arcsin", "arccos", "arcsinh", "arccosh", "arctanh", "arctan2"):
    setattr(Tensor, _name + "_", getattr(Tensor, _name.replace("arc", "a") + "_"))
# torch.relu_(x) and the like: the in-place methods that PyTorch also offers as functions
_INPLACE_FUNCTIONS = """clamp clamp_min clamp_max exp log sqrt abs neg sigmoid tanh relu floor ceil round trunc reciprocal
sin cos erf erfc square log1p expm1 tan atan asin acos sinh cosh asinh acosh atanh exp2 logit xlogy nan_to_num deg2rad
rad2deg""".split()
for _name in _INPLACE_FUNCTIONS:
    globals()[_name + "_"] = getattr(Tensor, _name + "_")
__all__ = [name + "_" for name in _INPLACE_FUNCTIONS]

Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
Tensor.copy_ = _copy_

# A stale view (autograd/inplace) raises its refusal before these check their arguments, as in PyTorch; in-place
# methods refuse it first already (_check_inplace), and indexing records its ops in PyTorch's order.
refuse_stale_views_first(METHODS + ["diagonal", "unfold", "where"] + """__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__
__truediv__ __rtruediv__ __floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__ __neg__
__abs__""".split())

# the composites PyTorch also offers as methods
for _name in """fmax fmin logaddexp2 fix positive isneginf isposinf isreal is_complex is_nonzero is_same_size is_signed
is_inference is_conj is_neg tensor_split hsplit vsplit dsplit msort vdot addmv addr matrix_power diagflat
aminmax""".split():
    setattr(Tensor, _name, getattr(composite, _name))
for _name in ("log10", "log2", "rsqrt", "frac"):
    setattr(Tensor, _name + "_", _inplace(_FUNCTIONS[_name]))
Tensor.fix_ = Tensor.trunc_
Tensor.negative_ = Tensor.neg_
Tensor.clip_ = Tensor.clamp_
for _name in "arccos arccosh arcsin arcsinh arctan arctanh clip log10 log2 rsqrt frac negative fix zero fill".split():
    globals()[_name + "_"] = getattr(Tensor, _name + "_")
    __all__.append(_name + "_")
