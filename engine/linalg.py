"""torch.linalg: vector and matrix norms and the cross product, with PyTorch's argument rules.

Matrix norms that need singular values (ord 2, -2 and 'nuc') are not part of this engine.
"""
import math

from . import _dtype
from .ops._args import _cast, _dims
from .ops.linalg import LinalgVectorNormBackward0, cross as _cross
from .tensor import _wrap_dim


def _floating(fn_name, x, dtype):
    if dtype is not None:
        x = _cast(x, dtype)  # inside the op, as PyTorch: no node of its own
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{fn_name}: Expected a floating point or complex tensor as input. Got "
                           f"{_dtype._BY_NP[x._data.dtype]._legacy[:-6]}")
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(sum |x|^ord)^(1/ord) over dim (all elements by default); ord inf/-inf: the largest/smallest |x|."""
    x = _floating("linalg.vector_norm", x, dtype)
    axes = None if dim is None or (isinstance(dim, (tuple, list)) and not dim) else _dims(dim, x._data.ndim)
    return LinalgVectorNormBackward0.apply(x, ord=float(ord), axes=axes, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro': the 2-norm of the entries; 1 / -1: the largest / smallest column sum of |A|; inf / -inf: rows."""
    A = _floating("linalg.matrix_norm", A, dtype)
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    rows, cols = (_wrap_dim(d, A._data.ndim) for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)  # 1: sum each column, then across
        sums = vector_norm(A, 1, summed, keepdim)
        if not keepdim and across > summed:
            across -= 1
        return sums.amax(across, keepdim) if ord > 0 else sums.amin(across, keepdim)
    raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, which this engine does not "
                              "compute")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector norm (dim an int, or a 1-d input) or a matrix norm (dim a pair, or a 2-d input with an ord);
    with neither ord nor dim, the 2-norm of all the entries."""
    if dim is not None:
        if isinstance(dim, int) or len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A._data.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A._data.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                       f"{A._data.ndim}D.")


def cross(input, other, *, dim=-1):
    return _cross(input, other, dim=dim)
