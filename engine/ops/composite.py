"""torch.* functions that PyTorch itself composes of other ops (its CompositeImplicitAutograd functions): written
here with the engine's ops, so their nodes and gradients are those ops', as in PyTorch."""
import builtins
import collections
import functools

from .. import _dtype
from ..tensor import Tensor, _wrap_dim
from . import arithmetic, create, index, linalg, pointwise, reduce, shape

__all__ = """fmax fmin logaddexp2 fix positive isneginf isposinf isreal is_complex is_nonzero is_same_size is_signed
is_inference is_conj is_neg atleast_1d atleast_2d atleast_3d dstack row_stack column_stack hsplit vsplit dsplit
tensor_split msort vdot chain_matmul addmv addr matrix_power diagflat block_diag cartesian_prod aminmax trapezoid trapz
promote_types can_cast scalar_tensor""".split()


def fmax(input, other):
    """The larger of each pair, a NaN losing to a number (maximum lets NaN win); ties go to input, as PyTorch's."""
    return index.where((input >= other) | other.isnan(), input, other)


def fmin(input, other):
    return index.where((input <= other) | other.isnan(), input, other)


def logaddexp2(input, other):
    ln2 = 0.6931471805599453
    return pointwise.logaddexp(input * ln2, other * ln2) / ln2


def fix(input):
    return pointwise.trunc(input)


def positive(input):
    if input._data.dtype.kind == "b":
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def isneginf(input):
    return input.isinf() & (input < 0)


def isposinf(input):
    return input.isinf() & (input > 0)


def isreal(input):
    return create.ones_like(input, dtype=_dtype.bool_)


def is_complex(input):
    return False  # (the engine has no complex dtypes)


def is_nonzero(input):
    if input._data.size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input._data.size > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return builtins.bool(input.item())


def is_same_size(input, other):
    return input.shape == other.shape


def is_signed(input):
    return input.dtype not in (_dtype.uint8, _dtype.bool_)


def is_inference(input):
    return False  # (tensors made under inference_mode are ordinary tensors here)


def is_conj(input):
    return False


def is_neg(input):
    return False


def _atleast(n, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    out = []
    for t in tensors:
        if t.dim() == 0:
            t = t.reshape((1,) * n)
        elif t.dim() == 1 and n >= 2:
            t = t.unsqueeze(0) if n == 2 else t.reshape(1, -1, 1)
        elif t.dim() == 2 and n == 3:
            t = t.unsqueeze(-1)
        out.append(t)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*tensors):
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    return _atleast(3, tensors)


def dstack(tensors):
    return shape.cat([t if t.dim() >= 3 else atleast_3d(t) for t in tensors], 2)


def row_stack(tensors):
    return shape.vstack(tensors)


def column_stack(tensors):
    return shape.hstack([t.reshape(-1, 1) if t.dim() <= 1 else t for t in tensors])


def tensor_split(input, indices_or_sections, dim=0):
    """Pieces of nearly equal size (an int: the first size % n pieces one longer) or cut at the given indices."""
    d = _wrap_dim(dim, input.dim())
    n = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        size, extra = divmod(n, sections)
        cuts, at = [], 0
        for i in range(sections - 1):
            at += size + (i < extra)
            cuts.append(at)
    else:
        cuts = list(indices_or_sections)
    pieces, start = [], 0
    for cut in cuts + [n]:
        stop = builtins.max(builtins.min(cut, n), start)
        pieces.append(input.narrow(d, builtins.min(start, n), stop - builtins.min(start, n)))
        start = builtins.max(start, stop)
    return tuple(pieces)


def _split_along(name, input, sections, dim, min_dims):
    if input.dim() < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {input.dim()} dimensions!")
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, sections):
    return _split_along("hsplit", input, sections, 1 if input.dim() > 1 else 0, 1)


def vsplit(input, sections):
    return _split_along("vsplit", input, sections, 0, 2)


def dsplit(input, sections):
    return _split_along("dsplit", input, sections, 2, 3)


def msort(input):
    return reduce.sort(input, 0).values


def vdot(input, other):
    return linalg.dot(input, other)  # (real tensors: no conjugate to take)


def chain_matmul(*matrices):
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = matrices[0]
    return functools.reduce(linalg.mm, matrices)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _scaled_sum(input, linalg.mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    return _scaled_sum(input, linalg.outer(vec1, vec2), beta, alpha)


def _scaled_sum(input, product, beta, alpha):
    """beta * input + alpha * product, where beta = 0 ignores input (NaNs included), as PyTorch's addmm does."""
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product + (input * 0).nan_to_num(0., 0., 0.)
    return product + (input if beta == 1 else input * beta)


def matrix_power(input, n):
    if input.dim() < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{input.shape[-2] if input.dim() >= 2 else 1} by {input.shape[-1]} matrices")
    if n < 0:
        raise NotImplementedError("matrix_power with a negative power (a matrix inverse) is not supported")
    if n == 0:  # (as PyTorch: the identity copied over the input, so its gradient is zeros)
        return input.clone().copy_(create.eye(input.shape[-1], dtype=input.dtype).expand(input.shape))
    result = input
    for _ in range(n - 1):
        result = linalg.matmul(result, input)
    return result


def diagflat(input, offset=0):
    return shape.diag(input.reshape(-1), offset)


def block_diag(*tensors):
    tensors = [t.reshape(1, -1) if t.dim() < 2 else t for t in (t.reshape(1, 1) if t.dim() == 0 else t
                                                                   for t in tensors)]
    rows = builtins.sum(t.shape[0] for t in tensors)
    cols = builtins.sum(t.shape[1] for t in tensors)
    dtype = _dtype.result_type(*tensors) if tensors else _dtype.get_default_dtype()
    out = create.zeros(rows, cols, dtype=dtype)
    r = c = 0
    for t in tensors:
        out = index.index_put(out, (create.arange(r, r + t.shape[0]).reshape(-1, 1),
                                     create.arange(c, c + t.shape[1])), t.to(dtype))
        r, c = r + t.shape[0], c + t.shape[1]
    return out


def cartesian_prod(*tensors):
    if len(tensors) == 1:
        return tensors[0]
    grids = create.meshgrid(*tensors, indexing="ij")
    return shape.stack([g.reshape(-1) for g in grids], 1)


_aminmax = collections.namedtuple("aminmax", ["min", "max"])


def aminmax(input, *, dim=None, keepdim=False):
    result = _aminmax
    if dim is None:
        return result(reduce.amin(input), reduce.amax(input))
    return result(reduce.amin(input, dim, keepdim), reduce.amax(input, dim, keepdim))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y by the trapezoid rule along dim, at spacing dx (default 1) or at the points x."""
    d = _wrap_dim(dim, y.dim())
    n = y.shape[d]
    if n == 0:
        return reduce.sum(y, d) * 0
    mids = (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) / 2
    if x is None:
        return reduce.sum(mids, d) * (1 if dx is None else dx)
    spacing = x.diff(dim=-1 if x.dim() == 1 else d)
    if x.dim() == 1:
        spacing = spacing.reshape((-1,) + (1,) * (y.dim() - 1 - d))
    return reduce.sum(mids * spacing, d)


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def promote_types(type1, type2):
    return _dtype._promote_pair(type1, type2)


def can_cast(from_, to):
    """Whether PyTorch's type promotion allows an in-place op of a `from_` value into a `to` tensor."""
    order = lambda t: 0 if t is _dtype.bool_ else 1 if not t.is_floating_point else 2  # noqa: E731
    return order(from_) <= order(to)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return create.tensor(s, dtype=dtype or _dtype.get_default_dtype(), device=device, requires_grad=requires_grad)
