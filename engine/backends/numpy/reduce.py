"""Reductions over axes; results are C-contiguous, as PyTorch's are."""
import numpy as np

from .movement import c_order


def sum(a, axes, keepdims):
    if a.dtype.kind == "f":  # the ufunc's own reduce skips np.sum's dispatch layers (a hot path)
        return c_order(np.add.reduce(a, axis=axes, keepdims=keepdims))
    return c_order(np.sum(a, axis=axes, keepdims=keepdims))


def prod(a, axes, keepdims):
    return c_order(np.prod(a, axis=axes, keepdims=keepdims))


def max(a, axes, keepdims):
    return c_order(np.max(a, axis=axes, keepdims=keepdims))


def min(a, axes, keepdims):
    return c_order(np.min(a, axis=axes, keepdims=keepdims))


def any(a, axes, keepdims):
    return c_order(np.any(a, axis=axes, keepdims=keepdims))


def all(a, axes, keepdims):
    return c_order(np.all(a, axis=axes, keepdims=keepdims))


def argmax(a, axis, keepdims):
    return np.argmax(a, axis=axis, keepdims=keepdims).astype(np.int64, copy=False)  # wasm32: numpy's are int32


def argmin(a, axis, keepdims):
    return np.argmin(a, axis=axis, keepdims=keepdims).astype(np.int64, copy=False)
