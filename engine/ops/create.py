"""Creation: torch.tensor, zeros/ones/full/arange/linspace/eye, the *_like forms, conversions (to, type,
.float()), new_* methods, fill_/copy_ (the random draws are in random.py).
"""

import builtins

import numpy as np

from .. import _dtype
from .._device import backend, backend_of, device as device_cls
from .._settings import default_device
from ..autograd.grad_mode import enabled as _grad_enabled
from ..autograd.inplace import check_no_partial_overlap, count_untracked_write
from ..autograd.node import Op
from ..tensor import Tensor
from ._args import _b, _shape_arg, _wrap

__all__ = ['tensor', 'as_tensor', 'from_numpy', 'zeros', 'ones', 'empty', 'full', 'zeros_like', 'ones_like',
           'empty_like', 'full_like', 'arange', 'linspace', 'logspace', 'eye', 'meshgrid', 'cpu', 'numel', 'is_tensor',
           'is_floating_point', 'tril_indices', 'triu_indices']


def _factory(data, dtype, device, requires_grad):
    """Wrap a numpy array as a new leaf on the requested device (none given: the default device)."""
    if device is None:
        device = default_device()
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
    from ..tensor import _to_array
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
    if isinstance(data, np.ndarray) and dtype is None and device is None and default_device() in (None, "cpu"):
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
    return _factory(linspace_values(start, end, steps, _np_dtype(dtype)), dtype, device, requires_grad)


def linspace_values(start, end, steps, np_dtype):
    """PyTorch's CPU linspace: the step in the dtype; the first half counted up from start, the second half
    down from end, each value start + step * i as one fused multiply-add (float32: exact in float64, then
    rounded once; float64: the emulated fused multiply-add of _sampling)."""
    from .._sampling import _fma64
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind != "f" or np_dtype.itemsize < 4 or steps < 2:
        return np.linspace(start, end, steps, dtype=np.float64).astype(np_dtype)
    first, last = np_dtype.type(start), np_dtype.type(end)
    step = np_dtype.type((last - first) / np_dtype.type(steps - 1))
    i = np.arange(steps, dtype=np.float64)
    if np_dtype == np.float32:
        up, down = float(first) + float(step) * i, float(last) - float(step) * (steps - 1 - i)
    else:
        up, down = _fma64(i, float(step), float(first)), _fma64(steps - 1 - i, -float(step), float(last))
    return np.where(i < steps // 2, up, down).astype(np_dtype)


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


class ToCopyBackward0(Op):
    """dtype and device changes."""

    def forward(ctx, a, dtype=None, device=None):
        ctx.dtype, ctx.device = a._data.dtype, a.device
        data = a._data
        if device is not None and device != a.device:
            data = backend(device.type).from_numpy(_b(a).to_numpy(data))
        if dtype is not None and data.dtype != dtype:
            if isinstance(data, np.ndarray) and 0 in data.strides and data.size > 1:
                # expanded: PyTorch's copy orders dims by stride, a stride of 0 deciding nothing (row-major as
                # made); numpy's order K would put the expanded dim last in memory
                data = np.array(data, dtype=dtype, order="C")
            else:
                data = backend_of(data).astype(data, dtype)
        elif data is a._data:
            data = _b(a).contiguous(data).copy() if isinstance(data, np.ndarray) else _b(a).astype(data, data.dtype)
        return data

    def backward(ctx, g):
        return g.to(device=ctx.device, dtype=ctx.dtype)


def to(input, *args, **kwargs):
    """to(dtype), to(device), to(device, dtype), to(other), with keyword forms; differentiable."""
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
    return ToCopyBackward0.apply(input, dtype=None if same_dtype else dtype.np, device=device)


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


def type_(input, dtype=None, non_blocking=False, **kwargs):
    """x.type() names the legacy type; x.type(torch.FloatTensor), x.type('torch.DoubleTensor') or
    x.type(torch.int32) converts."""
    if dtype is None:
        return f"torch.{input.dtype._legacy}"
    if isinstance(dtype, str):
        named = {f"torch.{d._legacy}": d for d in _dtype.ALL}
        if dtype not in named:
            raise ValueError(f"invalid type: {dtype!r}")
        dtype = named[dtype]
    elif isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), _dtype.dtype):
        dtype = dtype.dtype  # a legacy type: torch.FloatTensor
    elif not isinstance(dtype, _dtype.dtype):
        raise TypeError("dtype must be a type, str, or dtype object")
    return to(input, dtype)


def numel(input):
    return input.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    rows, cols = np.tril_indices(row, offset, col)
    return _factory(np.stack([rows, cols]).astype(np.int64), dtype, device, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    rows, cols = np.triu_indices(row, offset, col)
    return _factory(np.stack([rows, cols]).astype(np.int64), dtype, device, False)


def _apply_(self, callable):
    """Replace each element x by callable(x), a Python number function (slow: for small CPU tensors)."""
    if self._requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
    values = np.vectorize(callable, otypes=[self._data.dtype])(self.numpy())
    return _copy_(self, values)


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


def _on_device_of(data, like):
    return _factory(data, None, like.device, False)


class FillBackward2(Op):
    """self.fill_(number): every element overwritten, so no gradient reaches the old values."""

    def forward(ctx, a, value):
        b = _b(a)
        return b.broadcast_to(b.full((), value, a._data.dtype), a._data.shape)

    def backward(ctx, g):
        return zeros_like(g)


class ZeroBackward0(FillBackward2):
    pass


class FillBackward3(Op):
    """self.fill_(0-dim tensor): the value gets the sum of the gradient."""

    def forward(ctx, a, value):
        b = _b(a)
        return b.broadcast_to(b.astype(value._data, a._data.dtype), a._data.shape)

    def backward(ctx, g):
        return zeros_like(g), g.sum()


class CopyBackwards(Op):
    """self.copy_(src): src (broadcast, cast) replaces self; its gradient is fitted back to src by backprop."""

    def forward(ctx, a, src):
        b = _b(a)
        return b.broadcast_to(b.astype(src._data, a._data.dtype), a._data.shape)

    def backward(ctx, g):
        return zeros_like(g), g


def _records_overwrite(self, value):
    return _grad_enabled[0] and (self._requires_grad or isinstance(value, Tensor) and value._requires_grad)


def _fill_(self, value, op=FillBackward2):
    if _records_overwrite(self, value):
        if isinstance(value, Tensor):
            return self._write(FillBackward3.apply(self._inplace_source(), value))
        return self._write(op.apply(self._inplace_source(), value=value))
    self._check_inplace()
    if isinstance(value, Tensor):
        value = value.item()
    b = backend_of(self._data)
    b.copy_into(self._data, b.full((), value, self._data.dtype))
    count_untracked_write(self)
    return self


def _zero_(self):
    return _fill_(self, 0, ZeroBackward0)


def _copy_(self, src, non_blocking=False):
    if isinstance(src, Tensor):
        check_no_partial_overlap(self, (src,))
    if isinstance(src, Tensor) and _records_overwrite(self, src):
        if src._data.__class__ is not self._data.__class__:
            src = src.to(self.device)
        return self._write(CopyBackwards.apply(self._inplace_source(), src))
    self._check_inplace()
    b = backend_of(self._data)
    data = src._data if isinstance(src, Tensor) else np.asarray(src)
    if data.__class__ is not self._data.__class__:
        data = b.from_numpy(backend_of(data).to_numpy(data) if not isinstance(data, np.ndarray) else data)
    b.copy_into(self._data, data)
    count_untracked_write(self)
    return self
