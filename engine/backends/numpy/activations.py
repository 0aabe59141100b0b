"""Softmax and the fused activation gradients (one kernel each on a GPU)."""
import numpy as np

from .movement import c_order


def threshold_backward(g, out):
    """relu's input gradient, as PyTorch's `out <= 0 ? 0 : g`: +0.0 where masked (whatever g is there, inf and
    NaN included), g itself where the output is positive or NaN."""
    # The mask as all-zero or all-one bits, ANDed with g's bits: branch-free (where() is ~8x slower on
    # random masks), and unlike a product with a 0/1 mask it gives +0.0, not -0.0 or NaN, where masked.
    as_bits = np.dtype(f"i{g.dtype.itemsize}")
    keep = np.less_equal(out, 0, out=np.empty(out.shape, np.bool_))  # (an array even when 0-d)
    np.logical_not(keep, out=keep)
    bits = keep.view(np.int8).astype(as_bits)
    np.negative(bits, out=bits)
    np.bitwise_and(bits, g.view(as_bits), out=bits)
    return bits.view(g.dtype)


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
    shifted = a - np.maximum.reduce(a, axis=axis, keepdims=True)
    total = np.add.reduce(np.exp(shifted), axis=axis, keepdims=True)
    shifted -= np.log(total, out=total)
    return shifted
