"""Argument helpers the op families share: dims, shapes, devices, type promotion, and the small
accessors the ops' forward and backward use.
"""

import builtins

import numpy as np

from .. import _dtype
from .._device import backend_of, device_of
from ..autograd.grad_mode import enabled as _grad_enabled
from ..autograd.inplace import refuse_stale
from ..autograd.node import accumulator as _accumulator
from ..tensor import Tensor, _dim_index, _type_name, _wrap_dim


_wrap = Tensor._wrap
_Scalar = (int, float, bool, np.number, np.bool_)


def _dims(dim, ndim):
    """dim (int, sequence or None) -> sorted tuple of non-negative axes; None means all."""
    if dim is None:
        return None
    if not isinstance(dim, (tuple, list)):
        return (_wrap_dim(_dim_index(dim, "tuple of ints") if dim.__class__ is not int else dim, ndim),)
    for position, d in enumerate(dim):
        if d.__class__ is not int and (d.__class__ is bool or not hasattr(d, "__index__")):
            raise TypeError(f"argument 'dim' must be tuple of ints, but found element of type {_type_name(d)} at "
                            f"pos {position}")
    axes = tuple(sorted(_wrap_dim(d, ndim) for d in dim))
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
    try:
        return tuple(s if s.__class__ is int else _size_index(s) for s in size)
    except TypeError:
        bad = [s for s in size if s.__class__ is not int and (s.__class__ is bool or not hasattr(s, "__index__"))]
        if len(size) == 1:
            raise TypeError(f"argument 'size' must be tuple of ints, not {_type_name(bad[0])}") from None
        raise TypeError(f"argument 'size' must be tuple of ints, but found element of type {_type_name(bad[0])} "
                        f"at pos {size.index(bad[0])}") from None


def _size_index(s):
    """A size given as other than a Python int: numpy's integers and one-element integer tensors are ints."""
    if s.__class__ is bool or not hasattr(s, "__index__"):
        raise TypeError
    return s.__index__()


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


def _check_broadcast(a, b, records=True):
    """records: the op records a graph, so a stale view among a, b is refused before the shapes (as in PyTorch)."""
    sa, sb = a._data.shape, b._data.shape
    if sa != sb:
        try:
            _check_broadcast_shapes(sa, sb)
        except RuntimeError:
            if records:
                refuse_stale(a, b)
            raise


def _check_broadcast_shapes(sa, sb):
    for i in range(1, builtins.min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {builtins.max(len(sa), len(sb)) - i}")


def _binary(op, input, other, **params):
    if input.__class__ is Tensor and other.__class__ is Tensor:  # the common case first: one dtype, one device
        x, y = input._data, other._data
        if x.__class__ is y.__class__ and x.dtype == y.dtype:
            if x.shape != y.shape:
                _check_broadcast_shapes(x.shape, y.shape)
            return op.apply(input, other, **params)
    a, b = _promote(input, other)
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            _check_broadcast(a, b)
        else:  # scalar op tensor: make the scalar a tensor of the tensor's dtype
            a = _as_tensor(a, b)
    return op.apply(a, b, **params)


def _shape_str(shape):
    return "x".join(map(str, shape))


def _b(x):
    return backend_of(x._data)


def _d(x):
    """Backend array of a tensor, or a Python scalar as it is."""
    return x._data if isinstance(x, Tensor) else x


def _rg(x):
    return isinstance(x, Tensor) and x._requires_grad


def _select(condition, a, b):
    """torch.where(condition, a, b) for backward rules (differentiable in a and b)."""
    from .index import where
    return where(condition, a, b)
