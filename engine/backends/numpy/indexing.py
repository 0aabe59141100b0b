"""Indexed writes, and gather / scatter on flat (linear) indices."""
import numpy as np


def setitem(dst, index, src):
    dst[index] = src


def take(a, index):
    """a.ravel()[index]: every advanced-indexing read reduces to this."""
    return np.ravel(a).take(np.asarray(index).astype(np.intp, copy=False))  # wasm32: intp is int32


def scatter_add(n, index, values):
    """A length-n array holding the sum of values at each index (advanced-indexing backward)."""
    out = np.bincount(np.ravel(index).astype(np.intp, copy=False), weights=np.ravel(values), minlength=n)
    return out.astype(values.dtype, copy=False)
