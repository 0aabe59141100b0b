"""Indexing and scatter: x[...] and x[...] = v, where, masked_fill, gather, index_select, take, scatter,
index_add/index_fill, masked_scatter; each torch.* function beside the autograd op it records.
"""

import builtins
import math
import warnings

import numpy as np

from .. import _dtype
from .._device import backend_of
from ..autograd.grad_mode import enabled as _grad_enabled
from ..autograd.node import Op
from ..tensor import Tensor, _wrap_dim
from ._args import _as_tensor, _b, _cast, _check_broadcast_shapes, _d, _promote, _select, _wrap
from .create import full, tensor

__all__ = ['where', 'masked_fill', 'nonzero', 'gather', 'take_along_dim', 'index_select', 'masked_select', 'scatter',
           'scatter_add', 'select', 'take', 'index_add', 'index_fill', 'masked_scatter', 'argwhere', 'index_put']


class WhereBackward0(Op):
    """where(condition, a, b); the condition is a parameter, not a differentiable input."""

    def forward(ctx, a, b, condition):
        ctx.condition = condition
        return _b(condition).where(condition._data, _d(a), _d(b))

    def backward(ctx, g):
        zero = g * 0
        c = ctx.condition
        return _select(c, g, zero), _select(c, zero, g)


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
    return WhereBackward0.apply(a, b, condition=condition)


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


def masked_fill(input, mask, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype._legacy[:-6].lower()}")
    try:
        if isinstance(value, Tensor):
            return MaskedFillBackward1.apply(input, value, mask=mask)
        if input._data.dtype.kind in "iu" and not isinstance(value, bool) and not _fits(value, input._data.dtype):
            raise RuntimeError(f"value cannot be converted to type {_FILL_C_TYPES[input.dtype.name]} without overflow")
        return MaskedFillBackward0.apply(input, mask=mask, value=value)
    except ValueError:  # numpy's words for a mask that does not broadcast: PyTorch's are these
        _check_broadcast_shapes(mask._data.shape, input._data.shape)
        raise


def _fits(value, np_dtype):
    """PyTorch's overflow check of a fill value (an unsigned type also takes values down to -max: they wrap)."""
    info = np.iinfo(np_dtype)
    return bool(np.isfinite(value)) and (-info.max if info.min == 0 else info.min) <= value <= info.max


_FILL_C_TYPES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t"}


def nonzero(input, *, as_tuple=False):
    idx = np.nonzero(input.__array__())
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in idx)
    return _wrap(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64))


class TakeBackward(Op):
    """Gather of flat positions (its backward is the scatter-add above)."""

    def forward(ctx, a, index):
        ctx.index, ctx.shape = index, a._data.shape
        return _b(a).take(a._data, index._data)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=ctx.index, shape=ctx.shape)


class IndexPutAddBackward(Op):
    """Scatter-add of values at flat positions into zeros of `shape` (the backward of every gather)."""

    def forward(ctx, values, index, shape):
        ctx.index = index
        n = 1
        for s in shape:
            n *= s
        b, v = _b(values), values._data
        if v.shape != index._data.shape:  # (numpy's broadcast_to costs more than the scatter of a small gradient)
            v = b.broadcast_to(v, index._data.shape)
        return b.reshape(b.scatter_add(n, index._data, v), shape)

    def backward(ctx, g):
        return TakeBackward.apply(g, index=ctx.index)


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


class GatherBackward0(Op):
    def forward(ctx, a, dim, index):
        b = _b(a)
        lin = _gather_linear(b, a._data.shape, dim, index._data)
        ctx.lin, ctx.shape = lin, a._data.shape
        return b.take(a._data, lin)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


def gather(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    bad = _outside(index, input._data.shape[d] if input._data.ndim else 1)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size "
                           f"{input._data.shape[d] if input._data.ndim else 1}")
    return GatherBackward0.apply(input, dim=d, index=index)


def _outside(index, size):
    """The first position in index (C order) outside [0, size), or None: PyTorch refuses it, where the flat
    positions these ops read through would wrap a negative one or reach into the next row. (Checked on the cpu.)"""
    i = index._data
    if i.__class__ is not np.ndarray or not i.size:
        return None
    if i.min() >= 0 and i.max() < size:
        return None
    return i[(i < 0) | (i >= size)].flat[0]


def take_along_dim(input, indices, dim):
    return gather(input, dim, indices)


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


def index_select(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    n = input._data.shape[d] if input._data.ndim else 1
    bad = _outside(index, n)
    if bad is not None:
        if d == 1:  # PyTorch's cpu kernel for dim 1 words it so
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
        raise IndexError("index out of range in self")
    return IndexSelectBackward0.apply(input, dim=d, index=index.reshape(-1) if index._data.ndim == 0 else index)


class IndexBackward0(Op):
    """Advanced indexing (integer tensors, bool masks), through flat positions so it is one gather."""

    def forward(ctx, a, index):
        b, ctx.shape = _b(a), a._data.shape
        if a._data.__class__ is np.ndarray and len(index) == 1 and index[0].dtype.type in _ROW_TYPES:
            # a[rows] in one numpy take; the flat positions only if backward needs them
            ctx.index, ctx.lin = index, None
            rows = index[0]
            if rows.dtype.itemsize > np.dtype(np.intp).itemsize:  # take() refuses int64 rows where intp is 32-bit
                rows = rows.astype(np.intp)                         # (Pyodide's wasm); they are in range (checked)
            return a._data.take(rows, axis=0)
        ctx.lin = b.from_numpy(_flat_positions(a._data.shape, index))
        return b.take(a._data, ctx.lin)

    def backward(ctx, g):
        lin = ctx.lin if ctx.lin is not None else _flat_positions(ctx.shape, ctx.index)
        return IndexPutAddBackward.apply(g, index=_wrap(lin), shape=ctx.shape)


def _flat_positions(shape, key):
    """The flat (C-order) positions of a[key] in an array a of shape (key: a numpy advanced-indexing key)."""
    if len(key) == 1 and key[0].dtype != np.bool_ and shape and shape[0]:  # a[rows], the common case: no
        rows = key[0] % shape[0]  # position array of a's size (indices are in range: checked before)
        inner = math.prod(shape[1:])
        return (rows.astype(np.int64)[..., None] * inner + np.arange(inner)).reshape(rows.shape + shape[1:])
    return np.arange(math.prod(shape), dtype=np.int64).reshape(shape)[key]


MaskedSelectBackward0 = type("MaskedSelectBackward0", (IndexBackward0,), {})  # x[mask] spelt masked_select


def masked_select(input, mask):
    shape = tuple(np.broadcast_shapes(input._data.shape, mask._data.shape))
    if input._data.shape != shape:
        input = input.expand(shape)
    return MaskedSelectBackward0.apply(input, index=(np.broadcast_to(mask.__array__(), shape),))


def _flat_copy(b, x):
    """A C-ordered copy of backend array x and a flat view of it, to write through at flat positions."""
    out = b.contiguous(b.astype(x, x.dtype))
    return out, b.reshape(out, (-1,))


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


def _grad_of_src(g_region, src_shape):
    """The gradient of the src[:i0, :i1, ...] region, padded with zeros to src's shape."""
    if tuple(g_region.shape) == tuple(src_shape):
        return g_region
    return BasicIndexBackward.apply(g_region, shape=src_shape, index=tuple(slice(0, s) for s in g_region.shape))


def _src_region(b, src, index_shape):
    """The part of src that index covers (PyTorch reads src[:i0, :i1, ...] for an index of shape (i0, i1, ...))."""
    return b.getitem(src, tuple(slice(0, s) for s in index_shape))


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


def scatter(input, dim, index, src=None, value=None, reduce=None):
    """input with src's elements (or a number) written at index along dim: out[i][index[i][j]] = src[i][j] (dim 1)."""
    d = _wrap_dim(dim, input._data.ndim)
    _check_index_dtype("scatter", index)
    _check_scatter_dims(input, index)
    _check_index_range(index, input._data.shape[d], d)
    if reduce is None:
        src = value if src is None else src
        if isinstance(src, Tensor):
            if src._data.dtype != input._data.dtype:
                raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
            return ScatterBackward0.apply(input, src, dim=d, index=index)
        return ScatterBackward1.apply(input, src=src, dim=d, index=index)
    if reduce != "add":
        raise NotImplementedError(f"scatter(reduce={reduce!r}) is not supported; reduce='add' is (or scatter_add)")
    if not isinstance(src, Tensor):
        number = value if src is None else src
        src = full(index.shape, number, dtype=input.dtype, device=input.device)
    # the deprecated reduce form: a result without a graph, as the engine has always given
    return _wrap(scatter_add(input.detach(), d, index, src.detach())._data)


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


def scatter_add(input, dim, index, src):
    """input with src's elements added at index along dim (repeated indices add up)."""
    d = _wrap_dim(dim, input._data.ndim)
    _check_index_dtype("scatter", index)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_scatter_dims(input, index)
    _check_index_range(index, input._data.shape[d], d)
    return ScatterAddBackward0.apply(input, src, dim=d, index=index)


def _check_scatter_dims(input, index):
    """PyTorch's check before the indices' range (numpy would broadcast the index instead; a 0-d counts as 1-d)."""
    if index._data.size and builtins.max(index._data.ndim, 1) != builtins.max(input._data.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")


def _is_advanced(item):
    return isinstance(item, (Tensor, np.ndarray, list, range, tuple)) or (isinstance(item, bool))


def _index_item_to_numpy(item):
    if isinstance(item, Tensor):
        arr = item.__array__()
        if arr.dtype.kind == "f" or arr.dtype.type in (np.int8, np.int16):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(item, (list, range, tuple)):  # a sequence inside the index: integer (or bool) positions
        arr = np.asarray([i.item() if isinstance(i, Tensor) else i for i in item])
        return arr if arr.size else arr.astype(np.int64)
    return item


def _parse_index(index, ndim):
    """A PyTorch index as (basic, advanced): the basic items (ints, slices, None, Ellipsis, with a full slice
    standing for each dim an advanced item consumes) apply first, as in PyTorch; then the advanced items,
    (dim, numpy array) pairs, index the result. (numpy differs: x[1, :, [0, 1]] has shape (2, 4) there,
    (4, 2) in PyTorch.)"""
    single = not isinstance(index, tuple)
    if single:
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
        # PyTorch's words depend on the index as written: x[0], x[0:1], or anything else (x[0, 0], x[[0]])
        if ndim == 0 and single and isinstance(items[0], int):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                             "C++ to convert a 0-dim tensor to a number")
        if ndim == 0 and single and isinstance(items[0], slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
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


_ROW_TYPES = (np.int64, np.int32)  # (PyTorch refuses int8 and int16 indices; uint8 ones are masks)


def getitem(input, index):
    if index.__class__ is Tensor and index._data.ndim and input._data.ndim and index._data.dtype.type in _ROW_TYPES:
        # x[rows] with a tensor of integer positions (C[X], X[ix]: every embedding lookup and batch draw): what
        # the general parse below makes of it, without the parse
        rows = index.__array__()
        try:
            return IndexBackward0.apply(input, index=(rows,))
        except IndexError:  # numpy's words: PyTorch's are these
            _check_advanced(input._data.shape, ((0, rows),))
            raise
    basic, advanced = _parse_index(index, input._data.ndim)
    out = _basic_index(input, basic, isinstance(index, slice))
    if advanced:
        try:
            _check_advanced(out._data.shape, advanced)
        except IndexError:
            refuse_stale(out)  # PyTorch's autograd refuses a stale view before index checks its indices
            raise
        return IndexBackward0.apply(out, index=_advanced_key(advanced))
    if out is input:
        return AliasBackward0.apply(input, shape=input._data.shape) if input._requires_grad else \
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
        elif arr.size and (arr.max() >= shape[d] or arr.min() < -shape[d]):
            bad = (arr >= shape[d]) | (arr < -shape[d])
            raise IndexError(f"index {arr[bad].flat[0]} is out of bounds for dimension {k} with size {shape[d]}")


def _whole(item, size):
    """x[:, :] and x[:, 0:9] record nothing, but x[:] and x[:, -3:] record a slice, as in PyTorch."""
    return item.start in (None, 0) and (item.stop is None or item.stop >= size) and item.step in (None, 1)


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


def _basic_index(input, basic, record_full_slice):
    """A chain of select / slice / unsqueeze nodes, as PyTorch records basic indexing."""
    out, dim = input, 0
    for item, position in basic:
        if item is None:
            out = UnsqueezeBackward0.apply(out, dim=dim)
            dim += 1
        elif isinstance(item, slice):
            size = out._data.shape[dim]
            start, stop, step = item.indices(size)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            if record_full_slice or not _whole(item, size):
                out = SliceBackward0.apply(out, dim=dim, start=start, stop=builtins.max(stop, start), step=step)
            dim += 1
        else:
            i = int(item)
            size = out._data.shape[dim]
            if not -size <= i < size:  # PyTorch counts the dimension by the item's place in the index
                raise IndexError(f"index {i} is out of bounds for dimension {position} with size {size}")
            out = SelectBackward0.apply(out, dim=dim, index=i + size if i < 0 else i)
    return out


def _index_error(msg, input):
    if "out of bounds" in msg and "axis" in msg:
        # numpy: "index 5 is out of bounds for axis 0 with size 2"
        return msg.replace("axis", "dimension")
    return msg


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


def _region_shape(input, key):
    """The shape of input[key] for a basic key."""
    return backend_of(input._data).getitem(input._data, key).shape


def _fit_setitem_value(value, target_shape):
    """The value as PyTorch's setitem records it: leading 1-dims viewed away (ViewBackward0), then expanded to
    the written region (ExpandBackward0) where a basic index writes a region of another shape."""
    shape = value._data.shape
    if target_shape is not None and (shape == target_shape or not shape):
        return value
    lead = 0
    while lead < len(shape) and shape[lead] == 1:
        lead += 1
    if target_shape is None:  # an advanced index: index_put_ takes the value as it is, less its leading 1-dims
        return value.view(shape[lead:]) if lead else value
    value = value.view(shape[lead:])
    return value if value._data.shape == target_shape else value.expand(target_shape)


_EXPANDED_INDEX_PUT = ("Use of index_put_ on expanded tensors is deprecated. Please clone() the tensor before performing "
                       "this operation. This also applies to advanced indexing e.g. tensor[indices] = tensor")


def _overlaps_itself(t):
    """Several elements share memory (expanded): PyTorch's test, a stride of 0 on a dim longer than 1."""
    return builtins.any(s == 0 and n > 1 for s, n in zip(t.stride(), t._data.shape)) and t._data.size > 0


def setitem(input, index, value):
    """x[index] = value, in place; on a tensor that needs gradients it records CopySlices, as PyTorch does."""
    try:
        basic, advanced = _parse_index(index, input._data.ndim)
    except IndexError:
        refuse_stale(input, value)  # PyTorch's autograd refuses a stale view before the index is read
        raise
    key = tuple(item for item, _ in basic)
    value_needs_grad = isinstance(value, Tensor) and value._requires_grad
    if _grad_enabled[0]:  # PyTorch checks these before the index
        if input._base is not None and (input._requires_grad or value_needs_grad or input._base._requires_grad):
            # PyTorch writes through the view input[basic] (if the basic part makes one): its refusal names that view
            target = _basic_index(input, basic, False) if basic and not advanced else input
            check_view_write(target if target._base is not None else input)
        elif input._requires_grad and input.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
    if advanced:  # (the basic part is a view: it keeps a slice for each dim the advanced part indexes)
        _check_advanced(_region_shape(input, key), advanced)
        if _overlaps_itself(input):
            warnings.warn(_EXPANDED_INDEX_PUT, UserWarning, stacklevel=3)
    write = (key, _advanced_key(advanced) if advanced else None)
    if not advanced and isinstance(value, Tensor) and value._data.ndim:
        target = Tensor._wrap(backend_of(input._data).getitem(input._data, key))
        if target._data.size == value._data.size:  # PyTorch copies such a value with copy_, which checks
            check_no_partial_overlap(target, (value,))
    if _grad_enabled[0] and (input._requires_grad or value_needs_grad):
        if value_needs_grad:
            value = _fit_setitem_value(value, None if advanced else _region_shape(input, key))
        if not advanced and builtins.all(item is Ellipsis or isinstance(item, slice) and _whole(item, size)
                                         for (item, _), size in zip(basic, input._data.shape)):
            # x[:] = v writes all of x: PyTorch's fill_ / copy_ (into expanded memory refused, as setitem's are)
            if _overlaps_itself(input):
                raise RuntimeError(_OVERLAP)
            if isinstance(value, Tensor):
                return input.copy_(value)
            return input.fill_(tensor(value, dtype=input.dtype, device=input.device))
        if input.grad_fn is None and input._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        if not advanced and _overlaps_itself(input):
            # PyTorch writes x[index] = v as x[index].copy_(v): into expanded memory that works where the
            # view x[index] has no repeated elements (x[0] of x.expand(2, 3)), and is refused where it has
            target = input[index]
            if _overlaps_itself(target):
                raise RuntimeError(_OVERLAP)
            target.copy_(value) if isinstance(value, Tensor) else target.fill_(value)
            return
        if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
            value = _cast(value, input.dtype)
        # PyTorch: index_put_ on the tensor itself when only advanced indices select, else a write through a view
        direct = advanced and builtins.all(isinstance(item, slice) and _whole(item, size)
                                           for (item, _), size in zip(basic, input._data.shape))
        op = IndexPutBackward0 if direct else CopySlices
        store = None
        if _overlaps_itself(input):  # expanded memory: write only the indexed elements, as index_put_ does
            def store():
                write_at(backend_of(input._data), input._data, write, _d(value))
        input._write(op.apply(input._inplace_source(), value, write=write, index=index), store)
        return
    b = backend_of(input._data)
    if isinstance(value, Tensor):
        value = value._data if value._data.__class__ is input._data.__class__ else b.from_numpy(value.__array__())
    try:
        write_at(b, input._data, write, value)
    except IndexError as e:
        raise IndexError(_index_error(str(e), input)) from None
    count_untracked_write(input)


class IndexPutAccumulate(Op):
    """index_put(accumulate=True): values added at the indexed positions, repeated positions adding up."""

    def forward(ctx, a, values, key):
        b = _b(a)
        lin = b.from_numpy(np.arange(a._data.size, dtype=np.int64).reshape(a._data.shape)[key])
        ctx.lin = lin
        added = b.scatter_add(a._data.size, b.reshape(lin, (-1,)),
                              b.reshape(b.broadcast_to(b.astype(values._data, a._data.dtype), lin.shape), (-1,)))
        return b.add(a._data, b.reshape(added, a._data.shape))

    def backward(ctx, g):
        return g, g.take(_wrap(ctx.lin))


IndexPutAccumulate.__name__ = "IndexPutBackward0"  # PyTorch records one node for both forms


def index_put(input, indices, values, accumulate=False):
    """input with values written (or, with accumulate=True, added) at the positions the index tensors pick."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    if not accumulate:
        out = input.clone()
        setitem(out, tuple(indices), values)
        out._vc[0] = 0  # a new tensor: the write that filled it is not a later change
        return out
    basic, advanced = _parse_index(tuple(indices), input._data.ndim)
    _check_advanced(input._data.shape, advanced)
    if not isinstance(values, Tensor):
        values = tensor(values, dtype=input.dtype, device=input.device)
    return IndexPutAccumulate.apply(input, values, key=_advanced_key(advanced))


def _index_put_(self, indices, values, accumulate=False):
    if not accumulate:
        setitem(self, tuple(indices), values)
        return self
    return self._write(index_put(self._inplace_source(), indices, values, accumulate=True))


Tensor.index_put = index_put
Tensor.index_put_ = _index_put_


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
    return SelectBackward0.apply(input, dim=d, index=index + size if index < 0 else index)


# torch.take(input, index): values at flat positions
TakeBackward0 = type("TakeBackward0", (TakeBackward,), {})


def take(input, index):
    """input's elements at flat positions (input read as if it were 1-d), in index's shape."""
    n = input._data.size
    if isinstance(index._data, np.ndarray):  # (an index on a GPU is not read back to check)
        i = index._data
        bad = i[(i < -n) | (i >= n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements.")
        if not (i < 0).any():
            return TakeBackward0.apply(input, index=index)
    return TakeBackward0.apply(input, index=index % n)  # negative positions count from the end


def _index_select_positions(b, shape, dim, index, n):
    """Flat positions in an array of `shape` of every element whose coordinate along dim is in index (n long)."""
    cut = list(shape)
    cut[dim] = n
    idx = b.broadcast_to(b.reshape(index, tuple(-1 if i == dim else 1 for i in range(len(shape)))), tuple(cut))
    return _gather_linear(b, shape, dim, idx)


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
    sliced_self, sliced_source = list(input._data.shape), list(source._data.shape)
    del sliced_self[d:d + 1], sliced_source[d:d + 1]
    if sliced_self != sliced_source:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                           f"self.shape = {list(input._data.shape)} source.shape = {list(source._data.shape)}")
    _check_index_range(index, input._data.shape[d], d)
    return IndexAddBackward0.apply(input, source, dim=d, index=index.reshape(-1), alpha=alpha)


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


def index_fill(input, dim, index, value):
    d = _wrap_dim(dim, input._data.ndim)
    _check_index_range(index, input._data.shape[d], d, IndexError)
    index = index.reshape(-1)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        return IndexFillBackward1.apply(input, value, dim=d, index=index)
    return IndexFillBackward0.apply(input, value=value, dim=d, index=index)


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
        from .shape import cat
        from .create import zeros
        picked = g.masked_select(ctx.mask)
        n = 1
        for s in ctx.source_shape:
            n *= s
        rest = zeros(n - picked.shape[0], dtype=g.dtype, device=g.device)
        return g.masked_fill(ctx.mask, 0), cat([picked, rest]).reshape(ctx.source_shape)


def masked_scatter(input, mask, source):
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype._legacy[:-6]}")
    if int(np.broadcast_to(mask.__array__(), input._data.shape).sum()) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatterBackward0.apply(input, source, mask=mask)


def argwhere(input):
    return nonzero(input)


# Imported last: these modules import this one (they are imported after it by engine/ops/__init__.py).
from .shape import AliasBackward0, UnsqueezeBackward0, _view_alias  # noqa: E402
from ..autograd.inplace import (_OVERLAP, check_no_partial_overlap, check_view_write,  # noqa: E402
                                count_untracked_write, refuse_stale)
