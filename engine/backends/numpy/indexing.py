"""Indexed writes, and gather / scatter on flat (linear) indices."""
import numpy as np


def setitem(dst, index, src):
    try:
        dst[index] = src
    except ValueError as error:
        from .elementwise import _overlap_error, overlaps_itself, writable_alias
        advanced = any(isinstance(i, np.ndarray) for i in (index if isinstance(index, tuple) else (index,)))
        if "read-only" not in str(error) or not advanced and overlaps_itself(dst[index]):
            raise _overlap_error(error) from None  # (index_put_ may write into expanded memory, as in PyTorch)
        writable_alias(dst)[index] = src


def take(a, index):
    """a.ravel()[index]: every advanced-indexing read reduces to this."""
    return np.ravel(a).take(np.asarray(index).astype(np.intp, copy=False))  # wasm32: intp is int32


def scatter_add(n, index, values):
    """A length-n array holding the sum of values at each index (advanced-indexing backward)."""
    out = np.bincount(np.ravel(index).astype(np.intp, copy=False), weights=np.ravel(values), minlength=n)
    return out.astype(values.dtype, copy=False)
