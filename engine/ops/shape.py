"""Shapes and views: view, reshape, transpose, permute, squeeze, expand, cat/stack/split, flips, rolls,
repeats, triangles and diagonals; each torch.* function beside the autograd op it records.
"""

import builtins

import numpy as np

from .. import _dtype
from .._device import backend_of
from ..autograd.grad_mode import enabled as _grad_enabled
from ..autograd.node import Op, inherit_creation
from ..tensor import Size, Tensor, _wrap_dim
from ._args import _b, _cast, _dims, _shape_arg, _wrap
from .index import IndexPutAddBackward, SliceBackward0, TakeBackward, index_select

__all__ = ['reshape', 'flatten', 'unflatten', 't', 'transpose', 'swapaxes', 'swapdims', 'permute', 'movedim',
           'moveaxis', 'unsqueeze', 'squeeze', 'broadcast_to', 'clone', 'cat', 'concat', 'concatenate', 'stack',
           'hstack', 'vstack', 'split', 'chunk', 'unbind', 'narrow', 'flip', 'fliplr', 'flipud', 'roll', 'tile',
           'repeat_interleave', 'tril', 'triu', 'diag', 'diagonal', 'broadcast_shapes', 'broadcast_tensors', 'ravel',
           'column_stack', 'rot90', 'diag_embed']


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


def _reshaped_grad(g, shape):
    """g.reshape(shape) for a view's backward: where no graph of the gradient is recorded, the backend's reshape
    without the public function's checks and view bookkeeping (nothing writes in place into a gradient on its way)."""
    if _grad_enabled[0]:
        return g.reshape(shape)
    b, x = _b(g), g._data
    return _wrap(b.reshape(x if b.is_contiguous(x) else b.contiguous(x), shape))


def _permuted_grad(g, axes):
    """g's dims permuted, for a view's backward where no graph of the gradient is recorded (as _reshaped_grad)."""
    return _wrap(_b(g).permute(g._data, axes))


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
        return _reshaped_grad(g, ctx.shape)


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _wrap(input._data.view(shape[0].np))
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    return ViewBackward0.apply(input, shape=shape)


ReshapeAliasBackward0 = type("ReshapeAliasBackward0", (ViewBackward0,), {})  # reshape of a strided view


class UnsafeViewBackward0(Op):
    """reshape of a tensor whose strides do not allow a view: a copy."""

    def forward(ctx, a, shape):
        ctx.shape = a._data.shape
        b = _b(a)
        return b.reshape(b.contiguous(a._data), shape)

    def backward(ctx, g):
        return _reshaped_grad(g, ctx.shape)


def reshape(input, *shape):
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    if shape == input._data.shape and not input._requires_grad:
        return _view_alias(input)
    b = backend_of(input._data)
    if b.is_contiguous(input._data):
        return ViewBackward0.apply(input, shape=shape)
    if b.view(input._data, shape) is not None:  # a view of strided memory: PyTorch records it as _reshape_alias
        return ReshapeAliasBackward0.apply(input, shape=shape)
    return UnsafeViewBackward0.apply(clone(input) if input._requires_grad else input, shape=shape)


def _view_alias(input):
    t = _wrap(input._data)
    t._vc, t._base = input._vc, input._base if input._base is not None else input
    if not _grad_enabled[0]:
        t._creation = "no_grad"
    elif input._base is not None:
        inherit_creation(t, input)
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


class TBackward0(Op):
    is_view = True

    def forward(ctx, a):
        return _b(a).permute(a._data, (1, 0)) if a._data.ndim == 2 else a._data

    def backward(ctx, g):
        return g.t() if _grad_enabled[0] or g._data.ndim != 2 else _permuted_grad(g, (1, 0))


def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return TBackward0.apply(input)


class TransposeBackward0(Op):
    is_view = True

    def forward(ctx, a, dim0, dim1):
        ctx.dims = dim0, dim1
        if a._data.ndim == 0:  # transpose(0, -1) of a 0-d tensor: itself
            return a._data
        axes = list(range(a._data.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return _b(a).permute(a._data, tuple(axes))

    def backward(ctx, g):
        if _grad_enabled[0] or g._data.ndim == 0:
            return g.transpose(*ctx.dims)
        axes = list(range(g._data.ndim))
        axes[ctx.dims[0]], axes[ctx.dims[1]] = axes[ctx.dims[1]], axes[ctx.dims[0]]
        return _permuted_grad(g, tuple(axes))


def transpose(input, dim0, dim1):
    n = input._data.ndim
    return TransposeBackward0.apply(input, dim0=_wrap_dim(dim0, n), dim1=_wrap_dim(dim1, n))


swapaxes = swapdims = transpose


class PermuteBackward0(Op):
    is_view = True

    def forward(ctx, a, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return _b(a).permute(a._data, dims)

    def backward(ctx, g):
        return g.permute(ctx.inverse)


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
    return PermuteBackward0.apply(input, dims=dims)


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


class UnsqueezeBackward0(Op):
    is_view = True

    def forward(ctx, a, dim):
        ctx.dim = dim
        shape = list(a._data.shape)
        shape.insert(dim, 1)
        return _b(a).view(a._data, tuple(shape))

    def backward(ctx, g):
        return g.squeeze(ctx.dim)


def unsqueeze(input, dim):
    return UnsqueezeBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim + 1))


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


def squeeze(input, dim=None):
    if dim is None:
        return SqueezeBackward0.apply(input)
    op = SqueezeBackward2 if isinstance(dim, (tuple, list)) else SqueezeBackward1
    return op.apply(input, dims=_dims(dim, input._data.ndim))


class ExpandBackward0(Op):
    is_view = True

    def forward(ctx, a, shape):
        ctx.shape = a._data.shape
        return _b(a).broadcast_to(a._data, shape)

    def backward(ctx, g):
        return g.sum_to_size(ctx.shape)


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
                _refuse_expand(shape, sizes)
            s = cur
        elif cur != 1 and cur != s:
            _refuse_expand(shape, sizes)
        target.append(s)
    return ExpandBackward0.apply(input, shape=tuple(target))


def _refuse_expand(shape, sizes):
    """PyTorch's error for sizes that shape cannot be expanded to: it checks from the last dim, so it names the
    last bad one."""
    lead = len(sizes) - len(shape)
    for i in range(len(sizes) - 1, -1, -1):
        s, cur = sizes[i], shape[i - lead] if i >= lead else 1
        if s == -1 and i < lead:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                               f"dimension {i}")
        if s != -1 and cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor "
                               f"sizes: [{', '.join(map(str, shape))}]")


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


class CloneBackward0(Op):
    """clone() keeps the input's stride order (PyTorch's preserve_format); contiguous() asks for C order."""

    def forward(ctx, a, contiguous=False):
        b, x = _b(a), a._data
        if contiguous:
            return b.contiguous(x)
        return x.copy(order="K") if isinstance(x, np.ndarray) else b.astype(x, x.dtype)

    def backward(ctx, g):
        return g


def contiguous(input, memory_format=None):
    if backend_of(input._data).is_contiguous(input._data):
        return input
    return CloneBackward0.apply(input, contiguous=True)


def clone(input, *, memory_format=None):
    return CloneBackward0.apply(input)


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


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch skips legacy empty 1-D tensors of size 0 (but keeps them as inputs of the node)
    ref = next((t for t in tensors if not is_legacy_empty(t)), tensors[0])
    d = _wrap_dim(dim, ref._data.ndim)
    for i, t in enumerate(tensors):
        if is_legacy_empty(t):
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
    return CatBackward0.apply(*tensors, dim=d)


concat = concatenate = cat


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
    return StackBackward0.apply(*tensors, dim=_wrap_dim(dim, tensors[0]._data.ndim + 1))


def hstack(tensors):
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([t.unsqueeze(0) if t._data.ndim == 1 else t for t in tensors], 0)


class _MultiViewOp(Op):
    """split/unbind: several outputs, each a view of a piece of the input (PyTorch refuses in-place writes
    to them when they take part in autograd: Op._wrap_many marks them)."""
    is_view = True

    def backward(ctx, *grads):
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


def split(tensor, split_size_or_sections, dim=0):
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, (int, np.integer)) and split_size_or_sections < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size_or_sections}")
    d = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s > 0 else [n]
        if not sizes:
            sizes = [0]
        return SplitBackward0.apply(tensor, sizes=sizes, dim=d)
    sizes = [int(s) for s in split_size_or_sections]
    if builtins.sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    return SplitWithSizesBackward0.apply(tensor, sizes=sizes, dim=d)


def chunk(input, chunks, dim=0):
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    return split(input, -(-n // chunks) if n else 1, dim)


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


def unbind(input, dim=0):
    return UnbindBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


def narrow(input, dim, start, length):
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if start > n - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return SliceBackward0.apply(input, dim=d, start=start, stop=start + length, step=1)


class FlipBackward0(Op):
    def forward(ctx, a, dims):
        ctx.dims = dims
        return _b(a).flip(a._data, dims)

    def backward(ctx, g):
        return g.flip(ctx.dims)


def flip(input, dims):
    return FlipBackward0.apply(input, dims=_dims(dims if isinstance(dims, (list, tuple)) else [dims],
                                                     input._data.ndim))


def fliplr(input):
    return flip(input, [1])


def flipud(input):
    return flip(input, [0])


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


def roll(input, shifts, dims=None):
    shifts = [int(shifts)] if isinstance(shifts, (int, np.integer)) else [int(s) for s in shifts]
    if dims is None:
        return RollBackward0.apply(input, shifts=shifts[:1], dims=None)
    dims = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return RollBackward0.apply(input, shifts=shifts, dims=[_wrap_dim(d, input._data.ndim) for d in dims])


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


def repeat(input, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    return RepeatBackward0.apply(input, repeats=sizes)


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


def _check_matrix(name, input):
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions.")


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


def tril(input, diagonal=0):
    _check_matrix("tril", input)
    return TrilBackward0.apply(input, diagonal=diagonal)


TriuBackward0 = type("TriuBackward0", (TrilBackward0,), {"upper": True})


def triu(input, diagonal=0):
    _check_matrix("triu", input)
    return TriuBackward0.apply(input, diagonal=diagonal)


DiagEmbedBackward0 = type("DiagEmbedBackward0", (IndexPutAddBackward,), {})
DiagonalBackward0_copy = type("DiagonalBackward0_copy", (TakeBackward,), {})


def diag(input, diagonal=0):
    if input._data.ndim == 1:
        n = input._data.shape[0] + builtins.abs(diagonal)
        idx = np.arange(input._data.shape[0])
        rows, cols = (idx, idx + diagonal) if diagonal >= 0 else (idx - diagonal, idx)
        lin = _wrap((rows * n + cols).astype(np.int64))
        return DiagEmbedBackward0.apply(input, index=lin, shape=(n, n))
    if input._data.ndim != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{input._data.ndim}D")
    return DiagonalBackward0_copy.apply(input, index=_diagonal_positions(input._data.shape, diagonal))


# torch.diag of a matrix records the _copy variant (a gather); torch.diag of a vector scatters it into a square
# matrix.


class DiagonalBackward0(TakeBackward):
    """diagonal(): a strided view of numpy memory, as in PyTorch (a gather of its flat positions elsewhere)."""
    is_view = True

    def forward(ctx, a, index, offset, dim1, dim2):
        if a._data.__class__ is not np.ndarray:
            return TakeBackward.forward(ctx, a, index)
        ctx.index, ctx.shape = index, a._data.shape
        d = np.diagonal(a._data, offset, dim1, dim2)  # read-only by numpy's choice: rebuilt over a's memory
        if d.size == 0:
            return d.copy()
        first = [0] * a._data.ndim
        first[dim2 if offset >= 0 else dim1] = builtins.abs(offset)
        return np.lib.stride_tricks.as_strided(a._data[tuple(first) + (Ellipsis,)], d.shape, d.strides)


def diagonal_(input, offset=0, dim1=0, dim2=1):
    n = input._data.ndim
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagonalBackward0.apply(input, index=_diagonal_positions(input._data.shape, offset, d1, d2), offset=offset,
                                   dim1=d1, dim2=d2)


diagonal = diagonal_


def _diagonal_positions(shape, offset, dim1=0, dim2=1):
    """Flat positions of the diagonal (dims dim1, dim2 removed, the diagonal last: numpy's and PyTorch's rule)."""
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    return _wrap(np.ascontiguousarray(np.diagonal(positions, offset, dim1, dim2)))


def broadcast_shapes(*shapes):
    return Size(np.broadcast_shapes(*shapes))


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def ravel(input):
    return view(contiguous(input), -1)  # as PyTorch: a copy only when the layout needs one


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


def unfold_(input, dimension, size, step):
    """Tensor.unfold: the windows of `size` elements along dimension, `step` apart, in a new last dim."""
    d = _wrap_dim(dimension, input._data.ndim)
    length = input._data.shape[d] if input._data.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return UnfoldBackward0.apply(input, dim=d, size=size, step=step)


def _restride(self, op, **params):
    """x.unsqueeze_(0) and the like: x itself becomes the view (a new shape over the same memory)."""
    if self._requires_grad and self.grad_fn is None and _grad_enabled[0]:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    view = op.apply(self, **params)
    self._data, self.grad_fn, self._output_nr = view._data, view.grad_fn, view._output_nr
    return self


# In-place view changes (x.unsqueeze_(0), x.t_()): PyTorch records these names for the in-place forms.
UnsqueezeBackward1 = type("UnsqueezeBackward1", (UnsqueezeBackward0,), {})


def _unsqueeze_(self, dim):
    return _restride(self, UnsqueezeBackward1, dim=_wrap_dim(dim, self._data.ndim + 1))


SqueezeBackward3 = type("SqueezeBackward3", (SqueezeBackward0,), {})  # squeeze_()
SqueezeBackward4 = type("SqueezeBackward4", (SqueezeBackward0,), {})  # squeeze_(dim), inside matmul
SqueezeBackward5 = type("SqueezeBackward5", (SqueezeBackward0,), {})  # squeeze_(dims)


def _squeeze_(self, dim=None):
    if dim is None:
        return _restride(self, SqueezeBackward3)
    op = SqueezeBackward5 if isinstance(dim, (tuple, list)) else SqueezeBackward4
    return _restride(self, op, dims=_dims(dim, self._data.ndim))


TBackward1 = type("TBackward1", (TBackward0,), {})


def _t_(self):
    if self._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
    return _restride(self, TBackward1)


TransposeBackward1 = type("TransposeBackward1", (TransposeBackward0,), {})


def _transpose_(self, dim0, dim1):
    n = self._data.ndim
    return _restride(self, TransposeBackward1, dim0=_wrap_dim(dim0, n), dim1=_wrap_dim(dim1, n))


def column_stack(tensors):
    return hstack([t.reshape(t.numel(), 1) if t._data.ndim <= 1 else t for t in tensors])


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


def rot90(input, k=1, dims=(0, 1)):
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    n = input._data.ndim
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = (_wrap_dim(d, n) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return Rot90Backward0.apply(input, k=k % 4, dims=(d0, d1))


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
    return DiagEmbedBackward0.apply(input, index=_wrap(np.ascontiguousarray(positions)), shape=shape)


AliasBackward0 = type("AliasBackward0", (ViewBackward0,), {})  # x[...], x[()]: the same tensor, a new node
