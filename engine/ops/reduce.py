"""Reductions and scans: sum, mean, prod, max/min, var/std, logsumexp, cumulative ops, sorting, order
statistics, bins and quantiles; each torch.* function beside the autograd op it records.
"""

import builtins
import collections
import math

import numpy as np

from .. import _dtype
from .._device import backend_of
from ..autograd.node import Op
from ..tensor import Tensor, _wrap_dim
from . import _signature
from ._args import _b, _cast, _dims, _select, _shape_arg, _wrap
from .create import _on_device_of, linspace_values, zeros
from .arithmetic import logical_xor, maximum, minimum
from .pointwise import _logaddexp
from .index import IndexPutAddBackward, _gather_linear
from .shape import cat, narrow, view

__all__ = ['sum', 'mean', 'prod', 'max', 'min', 'amax', 'amin', 'argmax', 'argmin', 'var', 'std', 'var_mean',
           'std_mean', 'logsumexp', 'cumsum', 'all', 'any', 'count_nonzero', 'sort', 'argsort', 'topk', 'unique',
           'bincount', 'cumprod', 'median', 'kthvalue', 'mode', 'cummax', 'cummin', 'diff', 'nansum', 'nanmean',
           'logcumsumexp', 'searchsorted', 'bucketize', 'histc', 'histogram', 'quantile']


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


def _expand_back(g, in_shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim and axes:
        shape = list(in_shape)
        for ax in axes:
            shape[ax] = 1
        g = g.reshape(shape)
    return g.expand(in_shape)


class SumBackward1(Op):
    def forward(ctx, a, axes, keepdim=False, dtype=None):
        ctx.shape, ctx.axes, ctx.keepdim = a._data.shape, axes, keepdim
        return _sum_in(_b(a), a._data, dtype, axes, keepdim)

    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    acc = _int_accumulate(input, dtype)
    if dim is None:
        return SumBackward0.apply(input, dtype=acc)
    if isinstance(dim, (tuple, list)) and not dim:
        axes = tuple(range(input._data.ndim))  # sum(x, ()) reduces every dim, as PyTorch does
    else:
        axes = _dims(dim, input._data.ndim)
    return SumBackward1.apply(input, axes=axes, keepdim=keepdim, dtype=acc)


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


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = _cast(input, _dtype.to_dtype(dtype))  # inside the op, as PyTorch: no node of its own
    _reduce_float_check("mean", input)
    if dim is None:
        return MeanBackward0.apply(input)
    return MeanBackward1.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim)


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


def prod(input, dim=None, keepdim=False, *, dtype=None):
    acc = _int_accumulate(input, dtype)
    if acc is not None and input._data.dtype != acc:
        input = input.to(_dtype.from_numpy_dtype(acc))
    if dim is None:
        return ProdBackward0.apply(input)
    return ProdBackward1.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim)


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


def _select_along(ctx, a, axis, keepdim, arg):
    return _pick_along(ctx, a, axis, keepdim, getattr(_b(a), arg)(a._data, axis, True))


class MaxBackward0(Op):
    """max(dim) -> (values, indices): the gradient goes to the element each index names."""
    n_differentiable = 1

    def forward(ctx, a, axis, keepdim=False):
        return _select_along(ctx, a, axis, keepdim, "argmax")

    def backward(ctx, g):
        return _scatter_along(ctx, g)


class _EvenlyDistributed(Op):
    """max()/min()/amax/amin: the backend's `kernel` ("max" or "min") over axes; the gradient is shared evenly
    between tied extreme elements."""
    saves_output = True

    def forward(ctx, a, axes=None, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        _check_extreme_of_empty(ctx.fn_name, a, axes)
        return getattr(_b(a), ctx.kernel)(a._data, axes, keepdim)

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
    fn_name = kernel = "max"


def max(input, dim=None, keepdim=False, *, other=None):
    return _minmax(MaxBackward1, MaxBackward0, "max", input, dim, keepdim, other)


class MinBackward0(MaxBackward0):
    def forward(ctx, a, axis, keepdim=False):
        return _select_along(ctx, a, axis, keepdim, "argmin")


class MinBackward1(_EvenlyDistributed):
    fn_name = kernel = "min"


def min(input, dim=None, keepdim=False, *, other=None):
    return _minmax(MinBackward1, MinBackward0, "min", input, dim, keepdim, other)


AmaxBackward0 = type("AmaxBackward0", (MaxBackward1,), {"fn_name": "amax"})


def amax(input, dim=(), keepdim=False):
    axes = None if isinstance(dim, (tuple, list)) and not dim else _dims(dim, input._data.ndim)
    return AmaxBackward0.apply(input, axes=axes, keepdim=keepdim)


AminBackward0 = type("AminBackward0", (MinBackward1,), {"fn_name": "amin"})


def amin(input, dim=(), keepdim=False):
    axes = None if isinstance(dim, (tuple, list)) and not dim else _dims(dim, input._data.ndim)
    return AminBackward0.apply(input, axes=axes, keepdim=keepdim)


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


def _ratio(numerator, degrees_of_freedom):
    """numerator / (n - correction): NaN where no degrees of freedom are left, as PyTorch's gradient."""
    return numerator / degrees_of_freedom if degrees_of_freedom > 0 else math.nan


class VarBackward0(Op):
    def forward(ctx, a, axes=None, correction=1, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.correction, ctx.keepdim = axes, correction, keepdim
        b, x = _b(a), a._data
        n = x.size if axes is None else int(np.prod([x.shape[i] for i in axes]))
        ctx.n = n
        mean = b.div(b.sum(x, axes, True), n).astype(x.dtype, copy=False)
        dev = b.sub(x, mean)
        return b.div(b.sum(b.mul(dev, dev), axes, keepdim), builtins.max(n - correction, 0)).astype(x.dtype, copy=False)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        axes = ctx.axes
        mean = a.mean() if axes is None else a.mean(dim=axes, keepdim=True)
        g = _expand_back(g, a.shape, axes or (), ctx.keepdim or axes is None)
        return g * (a - mean) * _ratio(2, ctx.n - ctx.correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(unbiased) positional form
        dim, unbiased = None, dim
    _var_float_check(input)
    return VarBackward0.apply(input, axes=_dims(dim, input._data.ndim), correction=_correction(unbiased, correction),
                                  keepdim=keepdim)


class StdBackward0(Op):
    saves_output = True

    def forward(ctx, a, axes=None, correction=1, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.correction, ctx.keepdim = axes, correction, keepdim
        if a._data.dtype == np.float32 and a._data.__class__ is np.ndarray:  # (x - mean)^2 may pass float32's max
            wide = VarBackward0.forward(ctx, _wrap(a._data.astype(np.float64)), axes, correction, keepdim)
            ctx.save_for_backward(a)
            return np.sqrt(wide).astype(np.float32)
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
        return _select(zero, 0.0, g / std.masked_fill(zero, 1)) * (a - mean) * _ratio(1, ctx.n - ctx.correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _var_float_check(input)
    return StdBackward0.apply(input, axes=_dims(dim, input._data.ndim), correction=_correction(unbiased, correction),
                                  keepdim=keepdim)


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
        scale = _ratio(2, ctx.n - ctx.correction)
        if ctx.take_root:  # d std = d var / (2 std); 0 where std is 0, as in PyTorch
            std = _expand_back(a.std(axes, correction=ctx.correction, keepdim=True), a.shape, axes or (), True)
            zero = std == 0
            g_spread = _select(zero, 0.0, g_spread / (2 * std.masked_fill(zero, 1)))
        return g_spread * (a - mean) * scale + _expand_back(g_mean, a.shape, axes or (), keep) / ctx.n


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread_mean(VarMeanBackward0, input, dim, unbiased, keepdim, correction)


StdMeanBackward0 = type("StdMeanBackward0", (VarMeanBackward0,), {"take_root": True})


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread_mean(StdMeanBackward0, input, dim, unbiased, keepdim, correction)


def _spread_mean(op, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _var_float_check(input)
    return op.apply(input, axes=_dims(dim, input._data.ndim), correction=_correction(unbiased, correction),
                    keepdim=keepdim)


class LogsumexpBackward0(Op):
    saves_output = True

    def forward(ctx, a, axes, keepdim=False):
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim = axes, keepdim
        b, x = _b(a), a._data
        m = b.max(x, axes, True) if x.size else b.full(tuple(1 if i in axes else s for i, s in enumerate(x.shape)),
                                                        0, x.dtype)
        m = b.where(b.eq(b.abs(m), np.inf), b.full((), 0, m.dtype), m)  # all -inf rows stay -inf, no nan
        out = b.add(b.log(b.sum(b.exp(b.sub(x, m)), axes, True)), m)
        return out if keepdim else b.reshape(out, tuple(s for i, s in enumerate(out.shape) if i not in axes))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        out = _expand_back(ctx.output, a.shape, ctx.axes, ctx.keepdim)
        return _expand_back(g, a.shape, ctx.axes, ctx.keepdim) * (a - out).exp()


def logsumexp(input, dim, keepdim=False):
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return LogsumexpBackward0.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim)


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


class CumsumBackward0(Op):
    def forward(ctx, a, axis):
        ctx.axis = axis
        return _running_sum(_b(a), a._data, axis)

    def backward(ctx, g):
        return g.flip(ctx.axis).cumsum(ctx.axis).flip(ctx.axis)


def cumsum(input, dim):
    if input._data.dtype.kind in "biu" and input._data.dtype != np.int64:   # PyTorch sums integers in int64
        input = _cast(input, _dtype.int64)
    return CumsumBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))


def all(input, dim=None, keepdim=False):
    b = backend_of(input._data)
    return _wrap(b.all(input._data, _dims(dim, input._data.ndim), keepdim))


def any(input, dim=None, keepdim=False):
    b = backend_of(input._data)
    return _wrap(b.any(input._data, _dims(dim, input._data.ndim), keepdim))


def count_nonzero(input, dim=None):
    return sum(input != 0, dim)


def _sorted_along(ctx, a, dim, descending, k):
    b = _b(a)
    x = b.to_numpy(a._data)
    if descending and x.dtype.kind == "f":  # NaN counts as the largest value, as in PyTorch
        nan = np.isnan(x)
        idx = np.lexsort((np.where(nan, 0, -x), ~nan), axis=dim).astype(np.int64) if x.ndim else \
            np.zeros((), np.int64)
    else:
        idx = np.argsort(-x if descending else x, axis=dim, kind="stable").astype(np.int64)
    if k is not None:
        idx = idx[(slice(None),) * dim + (slice(0, k),)]
    idx = b.from_numpy(np.ascontiguousarray(idx))
    ctx.lin, ctx.shape = _gather_linear(b, a._data.shape, dim, idx), a._data.shape
    return b.take(a._data, ctx.lin), idx


class SortBackward0(Op):
    """sort along a dim -> (values, indices); each value's gradient goes back to where it came from."""
    n_differentiable = 1

    def forward(ctx, a, dim, descending=False):
        return _sorted_along(ctx, a, dim, descending, None)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


def sort(input, dim=-1, descending=False, stable=False):
    values, indices = SortBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim), descending=descending)
    return _RETURN_TYPES["sort"](values, indices)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


class TopkBackward0(SortBackward0):
    def forward(ctx, a, k, dim, largest=True):
        return _sorted_along(ctx, a, dim, largest, k)


def topk(input, k, dim=-1, largest=True, sorted=True):
    d = _wrap_dim(dim, input._data.ndim)
    if not 0 <= k <= (input._data.shape[d] if input._data.ndim else 1):
        raise RuntimeError("selected index k out of range")
    values, indices = TopkBackward0.apply(input, k=k, dim=d, largest=largest)
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
        from .create import eye
        from .index import where
        n = a.shape[d]
        diagonal = eye(n, dtype=a.dtype, device=a.device)
        others = where(diagonal == 1, 1.0, a.movedim(d, -1).unsqueeze(-2)).cumprod(-1)  # (..., i, j)
        upper = (diagonal * 0 + 1).triu()  # j >= i
        return (others * upper * g.movedim(d, -1).unsqueeze(-2)).sum(-1).movedim(-1, d)


def cumprod(input, dim, *, dtype=None):
    if dtype is not None:
        input = _cast(input, dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(_dtype.int64)  # PyTorch accumulates integers in int64
    return CumprodBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))


def _order_statistic(name, op, input, dim, keepdim, **params):
    axis = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:  # a 0-dim tensor is its own statistic
        return _RETURN_TYPES[name](input.clone(), zeros((), dtype=_dtype.int64, device=input.device))
    values, indices = op.apply(input, axis=axis, keepdim=keepdim, **params)
    return _RETURN_TYPES[name](values, indices)


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


def median(input, dim=None, keepdim=False):
    """The middle value (the lower of the two middle ones for an even count), as PyTorch."""
    if dim is None:
        return MedianBackward0.apply(input)
    return _order_statistic("median", MedianBackward1, input, dim, keepdim)


class KthvalueBackward0(_OrderStatistic):
    def forward(ctx, a, k, axis, keepdim=False):
        return ctx.pick(a, axis, keepdim, lambda x, ax: _kth_index(x, ax, k - 1))


def kthvalue(input, k, dim=-1, keepdim=False):
    axis = _wrap_dim(dim, input._data.ndim)
    if not 1 <= k <= (input._data.shape[axis] if input._data.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    return _order_statistic("kthvalue", KthvalueBackward0, input, dim, keepdim, k=k)


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


def mode(input, dim=-1, keepdim=False):
    return _order_statistic("mode", ModeBackward0, input, dim, keepdim)


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


def cummax(input, dim):
    values, indices = CummaxBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))
    return _RETURN_TYPES["cummax"](values, indices)


class CumminBackward0(CummaxBackward0):
    accumulate = np.minimum


def cummin(input, dim):
    values, indices = CumminBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))
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


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    axes = None if dim is None else _dims(dim, input._data.ndim)
    return NansumBackward0.apply(input, axes=axes, keepdim=keepdim, dtype=_int_accumulate(input, dtype))


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = _cast(input, dtype)
    _reduce_float_check("nanmean", input)
    counted = sum(input.isnan().logical_not(), dim, keepdim)
    return nansum(input, dim, keepdim) / counted


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


def logcumsumexp(input, dim):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{input.dtype._legacy[:-6]}\'')
    if input._data.ndim == 0:
        return LogcumsumexpBackward0.apply(input.reshape(1), axis=0).reshape(())
    return LogcumsumexpBackward0.apply(input, axis=_wrap_dim(dim, input._data.ndim))


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


_histogram = collections.namedtuple("histogram", ["hist", "bin_edges"])
_histogram.__repr__ = lambda self: f"torch.return_types.histogram(\nhist={self.hist!r},\nbin_edges={self.bin_edges!r})"


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half"}


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """(hist, bin_edges): counts (or summed weights) of input's elements in bins, given as a count of equal
    bins over `range` (the data's min to max when None) or as a 1-d tensor of increasing edges. Each bin holds
    [left, right), the last one also its right edge; elements outside the edges are not counted. With
    `density` the hist integrates to 1 over the edges. Not differentiable."""
    name = input.dtype._legacy[:-6]
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"histogramdd" not implemented for \'{name}\'')
    x = input.__array__().ravel()
    if isinstance(bins, Tensor):
        if bins._data.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got "
                               f"{bins._data.ndim} dimensions in the bins tensor for dimension 0")
        if bins.dtype != input.dtype:
            raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                               f"got input with dtype {_C_NAMES[input._data.dtype.name]} and bins for dimension 0 "
                               f"with dtype {_C_NAMES[bins._data.dtype.name]}")
        edges = bins.__array__().copy()
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        lo, hi = range if range is not None else (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
                               "dimension 0")
        if lo == hi:  # an empty range widens by 0.5 each way, as numpy's does
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace_values(lo, hi, bins + 1, x.dtype)
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           "input tensor excluding its innermost dimension, but got input with shape "
                           f"[{x.size}, 1] and weight with shape [{', '.join(map(str, weight.shape))}]")
    inside = (x >= edges[0]) & (x <= edges[-1]) if edges.size else np.zeros(x.shape, bool)
    position = np.minimum(np.searchsorted(edges, x[inside], side="right") - 1, edges.size - 2)
    values = np.ones(position.size, x.dtype) if weight is None else weight.__array__().ravel()[inside]
    hist = np.zeros(builtins.max(edges.size - 1, 0), x.dtype)
    np.add.at(hist, position, values.astype(x.dtype))
    if density:
        hist = (hist / (hist.sum() * np.diff(edges))).astype(x.dtype)
    return _histogram(_on_device_of(hist, input), _on_device_of(edges, input))


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


# PyTorch's argument handling (axis=/keepdims=, dim 0 on a 0-d tensor, out=) around each reduction
for _name in ('sum', 'mean', 'prod', 'max', 'min', 'amax', 'amin', 'argmax', 'argmin', 'var', 'std', 'var_mean',
              'std_mean', 'logsumexp', 'all', 'any', 'count_nonzero', 'nansum', 'nanmean', 'median', 'cumsum',
              'cumprod', 'logcumsumexp', 'cummax', 'cummin'):
    globals()[_name] = _signature.reduction(globals()[_name])
