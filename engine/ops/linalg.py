"""Linear algebra: matrix products, einsum, tensordot, norms, distances and the cross product; each torch.*
function beside the autograd op it records.
"""

import builtins
import math

import numpy as np

from ..autograd.grad_mode import enabled as _grad_enabled
from ..autograd.node import Op
from ..autograd.inplace import refuse_stale
from ..tensor import Tensor, _wrap_dim
from ._args import (_b, _c_type_name, _check_broadcast, _check_broadcast_shapes, _dims, _promote, _rg, _same_device,
                    _shape_str, _wrap)
from . import _signature
from .arithmetic import _tensor_argument
from .index import IndexPutAddBackward
from .shape import SqueezeBackward4, TBackward0, UnsafeViewBackward0, _diagonal_positions, expand
from .reduce import _expand_back

__all__ = ['norm', 'mm', 'mv', 'dot', 'matmul', 'bmm', 'addmm', 'baddbmm', 'outer', 'ger', 'einsum', 'trace', 'dist',
           'cdist', 'cross', 'tensordot', 'inner', 'kron']


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
    return LinalgVectorNormBackward0.apply(input, ord=float(p), axes=_dims(dim, input._data.ndim),
                                               keepdim=keepdim)


def _mm(a, b):
    """a @ b for the backward rules of matrix products: shapes are known to agree, so no checks."""
    return MmBackward0.apply(a, b)


def _t(a):
    return TBackward0.apply(a)


def _mm_gradients(g, b, a, b_by_columns=False):
    """The gradients of a @ b from g: g @ b.T (where b was saved) and a.T @ g (where a was). Where no graph of
    them is recorded, straight on the backend's arrays (no transpose and product nodes to make), and b's in b's
    layout, as PyTorch's mm_mat2_backward: (g.T @ a).T where b is column-major (nn.Linear's weight.T), so the
    weight's .grad comes out contiguous, as PyTorch's, and the optimizer's arithmetic on it runs unstrided."""
    if _grad_enabled[0]:
        return (_mm(g, _t(b)) if b is not None else None), (_mm(_t(a), g) if a is not None else None)
    be, g = _b(g), g._data
    if a is None:
        gb = None
    elif b_by_columns:
        gb = _wrap(be.permute(be.matmul(be.permute(g, (1, 0)), a._data), (1, 0)))
    else:
        gb = _wrap(be.matmul(be.permute(a._data, (1, 0)), g))
    return (_wrap(be.matmul(g, be.permute(b._data, (1, 0)))) if b is not None else None), gb


def _by_columns(x):
    """Whether matrix x is column-major (PyTorch's test: strides (1, rows)), as a transposed weight is."""
    a = x._data
    if a.__class__ is not np.ndarray:
        return False
    return a.strides[0] == a.itemsize and a.strides[1] == a.shape[0] * a.itemsize


class MmBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        ctx.b_by_columns = _rg(b) and _by_columns(b)
        return _b(a).matmul(a._data, b._data)

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return _mm_gradients(g, b, a, ctx.b_by_columns)


def mm(input, mat2):
    if input._data.ndim != 2 or mat2._data.ndim != 2 or input._data.shape[1] != mat2._data.shape[0]:
        refuse_stale(input, mat2)  # PyTorch's autograd refuses a stale view before mm checks the shapes
    if input._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(input._data.shape)} and "
                           f"{_shape_str(mat2._data.shape)})")
    a, b = _promote_matmul(input, mat2)
    return MmBackward0.apply(a, b)


def _promote_matmul(a, b):
    a, b = _same_device(a, b)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype._legacy[:-6].lower()} != "
                           f"{b.dtype._legacy[:-6].lower()}".replace("float != double", "float != double"))
    return a, b


class MvBackward0(Op):
    def forward(ctx, a, v):
        ctx.save_for_backward(v if _rg(a) else None, a if _rg(v) else None)
        return _b(a).matmul(a._data, v._data)

    def backward(ctx, g):
        v, a = ctx.saved_tensors
        return (g.unsqueeze(1) * v if v is not None else None), (a.t().mv(g) if a is not None else None)


def mv(input, vec):
    if input._data.ndim != 2 or vec._data.ndim != 1 or input._data.shape[1] != vec._data.shape[0]:
        refuse_stale(input, vec)  # (as mm)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat ({_shape_str(input._data.shape)}), "
                           f"vec ({vec._data.shape[0]})")
    a, b = _promote_matmul(input, vec)
    return MvBackward0.apply(a, b)


class DotBackward0(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        return _b(a).matmul(a._data, b._data)

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g * b if b is not None else None), (g * a if a is not None else None)


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1 or input._data.shape[0] != other._data.shape[0]:
        refuse_stale(input, other)  # (as mm)
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._data.shape[0] != other._data.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._data.shape[0]}] and src "
                           f"[{other._data.shape[0]}] to have the same number of elements, but got "
                           f"{input._data.shape[0]} and {other._data.shape[0]} elements respectively")
    a, b = _promote_matmul(input, other)
    return DotBackward0.apply(a, b)


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
        return SqueezeBackward4.apply(mm(input.unsqueeze(0), other), dims=(0,))
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
        return UnsafeViewBackward0.apply(mv(folded, t2), shape=lead)
    out = UnsafeViewBackward0.apply(mm(folded, t2), shape=lead + (t2._data.shape[1],))
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
    return UnsafeViewBackward0.apply(out, shape=batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ()))


class BmmBackward0(Op):
    """A batch of matrix products: 3-D operands with the same batch (matmul expands and folds to that)."""

    def forward(ctx, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        return _b(a).matmul(a._data, b._data)

    def backward(ctx, g):  # as PyTorch's: bmm with the other operand transposed
        b, a = ctx.saved_tensors
        return (BmmBackward0.apply(g, b.transpose(1, 2)) if b is not None else None), \
            (BmmBackward0.apply(a.transpose(1, 2), g) if a is not None else None)


def bmm(input, mat2):
    if input._data.ndim != 3 or mat2._data.ndim != 3 or input._data.shape[::2] != mat2._data.shape[:2]:
        refuse_stale(input, mat2)  # (as mm)
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (b1, n, m1), (b2, m2, _) = input._data.shape, mat2._data.shape
    if b1 != b2 or m1 != m2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b1}, {m1}] but got: "
                           f"[{b2}, {m2}].")
    a, b = _promote_matmul(input, mat2)
    return BmmBackward0.apply(a, b)


class AddmmBackward0(Op):
    """bias + mat1 @ mat2: what nn.Linear records for a 2-D input."""

    def forward(ctx, bias, a, b):
        ctx.save_for_backward(b if _rg(a) else None, a if _rg(b) else None)
        ctx.b_by_columns = _rg(b) and _by_columns(b)
        be = _b(a)
        return be.add(be.matmul(a._data, b._data), bias._data)

    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g,) + _mm_gradients(g, b, a, ctx.b_by_columns)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if beta == 1 and alpha == 1:
        if mat1._data.shape[1] != mat2._data.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(mat1._data.shape)} and "
                               f"{_shape_str(mat2._data.shape)})")
        return AddmmBackward0.apply(input, mat1, mat2)
    return input * beta + mm(mat1, mat2) * alpha


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
    return BaddbmmBackward0.apply(input, batch1, batch2, beta=beta, alpha=alpha)


def outer(input, vec2):
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
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
    for i, (sub, x) in enumerate(zip(subscripts, operands)):
        for letter, n in zip(sub, x.shape):
            if size.setdefault(letter, n) != n:
                refuse_stale(*operands)  # PyTorch has recorded a permute of each operand by now
                raise RuntimeError(f"einsum(): subscript {letter} has size {n} for operand {i} which does not "
                                   f"broadcast with previously seen size {size[letter]}")
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
    for i, (s, x) in enumerate(zip(subscripts, operands)):
        if len(s) != x.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                               f"number of dimensions ({x.dim()}) for operand {i} and no ellipsis was given")
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


class TraceBackward0(Op):
    def forward(ctx, a, index):
        ctx.index, ctx.shape = index, a._data.shape
        b = _b(a)
        return b.sum(b.take(a._data, index._data), None, False)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g.expand(ctx.index.shape), index=ctx.index, shape=ctx.shape)


def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim " f"{input._data.ndim}")
    return TraceBackward0.apply(input, index=_diagonal_positions(input._data.shape, 0))


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


def dist(input, other, p=2):
    a, b = _promote(input, other)
    _check_broadcast(a, b)
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{a.dtype._legacy[:-6]} instead.")
    return DistBackward0.apply(a, b, p=float(p))


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


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Distances between every row of x1 (..., P, M) and every row of x2 (..., R, M): (..., P, R)."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: "
                           f"{x2._data.shape[-1]}")
    a, b = _promote(x1, x2)
    return CdistBackward0.apply(a, b, p=float(p))


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
        a, b = ctx.saved_tensors
        return (cross(b, g, dim=ctx.dim) if b is not None else None), (cross(g, a, dim=ctx.dim) if a is not None
                                                                        else None)


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
    return LinalgCrossBackward0.apply(a, b, dim=d)


def tensordot(a, b, dims=2, out=None):
    """Sum over the dims of a and b paired by `dims` (the last n of a with the first n of b when an int),
    as one matrix product of a's and b's other dims."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))  # (as PyTorch counts them, in its errors)
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    for da, db in zip(dims_a, dims_b):
        if a._data.shape[_wrap_dim(da, a._data.ndim)] != b._data.shape[_wrap_dim(db, b._data.ndim)]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._data.shape[da]} in dim "
                               f"{da} and second has size {b._data.shape[db]} in dim {db}")
    dims_a = [_wrap_dim(d, a._data.ndim) for d in dims_a]
    dims_b = [_wrap_dim(d, b._data.ndim) for d in dims_b]
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
    _tensor_argument("kron", input, 1, "input")
    _tensor_argument("kron", other, 2, "other")
    nd = builtins.max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + input._data.shape
    sb = (1,) * (nd - other._data.ndim) + other._data.shape
    a = input.reshape([s for n in sa for s in (n, 1)])
    b = other.reshape([s for n in sb for s in (1, n)])
    return (a * b).reshape([x * y for x, y in zip(sa, sb)])


# PyTorch's argument handling (dim 0 on a 0-d tensor, out=)
norm = _signature.reduction(norm)
