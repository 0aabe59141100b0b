"""Elementwise primitives: numpy's ufuncs, where one computes the contract exactly."""
import math

import numpy as np

neg, exp, log, sqrt, abs, sign = np.negative, np.exp, np.log, np.sqrt, np.abs, np.sign
sin, cos, tanh, floor, ceil, round = np.sin, np.cos, np.tanh, np.floor, np.ceil, np.round
log1p, expm1, reciprocal, logical_not = np.log1p, np.expm1, np.reciprocal, np.logical_not
add, sub, mul, div, pow = np.add, np.subtract, np.multiply, np.true_divide, np.power
maximum, minimum, floor_divide, remainder = np.maximum, np.minimum, np.floor_divide, np.remainder
eq, ne, lt, le, gt, ge = np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal
logical_and, logical_or, logical_xor = np.logical_and, np.logical_or, np.logical_xor
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert  # integers
atan2 = np.arctan2  # the one trigonometric primitive beyond sin/cos: atan, asin and acos are made from it


def where(cond, a, b):
    return np.where(cond, a, b)


def sigmoid(a):
    # exp of a non-positive number only, so large |a| neither overflows nor warns.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def relu(a):
    return np.maximum(a, 0).astype(a.dtype, copy=False)


def erf(a):
    """erf to float64 precision (numpy has none): Abramowitz-Stegun 7.1.26 is too coarse for float64."""
    return np.asarray(_erf(a.astype(np.float64, copy=False))).astype(a.dtype, copy=False)  # (0-d: a Python float)


_erf = np.frompyfunc(math.erf, 1, 1)


def erfc(a):
    return np.asarray(_erfc(a.astype(np.float64, copy=False))).astype(a.dtype, copy=False)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def copy_into(dst, src):
    """dst[...] = src, broadcasting src: the one in-place write every in-place op reduces to."""
    try:
        np.copyto(dst, src, casting="unsafe")
    except ValueError as error:
        fill = not np.ndim(src) or not any(src.strides)  # one value (maybe broadcast) may, as PyTorch's fill_
        if "read-only" not in str(error) or not fill and overlaps_itself(dst):
            raise _overlap_error(error) from None
        np.copyto(writable_alias(dst), src, casting="unsafe")


def overlaps_itself(a):
    """Whether several elements of a share memory (PyTorch's check: a stride of 0 on a dim longer than 1)."""
    return a.size > 0 and any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape))


def writable_alias(a):
    """a over the same memory, writable: numpy marks expanded (broadcast) views read-only, PyTorch lets
    fill_ and index_put_ write through them."""
    alias = a.view()
    alias.flags.writeable = True
    return alias


def _overlap_error(error):
    """numpy refuses writes into broadcast (expanded) memory: PyTorch's words for it."""
    if "read-only" not in str(error):
        return error
    return RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                        "memory location. Please clone() the tensor before performing the operation.")
