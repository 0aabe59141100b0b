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
    if not a.flags.c_contiguous:  # (the output keeps the input's layout; zero first, so -0.0 stays -0.0)
        return np.maximum(a.dtype.type(0), a)
    # max(zeros, a) into the zeros: numpy's loop against a whole array is several times faster than against the
    # scalar 0; zeros() gets memory the system already zeroed. In this order -0.0 stays -0.0, as in PyTorch.
    zeros = np.zeros(a.shape, a.dtype)
    return np.maximum(zeros, a, out=zeros)


def erf(a):
    """erf (numpy has none): float64 element by element with C's erf; narrower floats (GELU's erf in float32
    models) as |a| times erf(a)/a from a float64 Taylor table, far more exact than their rounding."""
    if a.dtype == np.float64:
        return np.asarray(_erf(a)).astype(a.dtype, copy=False)  # (0-d: a Python float)
    x = a.reshape(-1)
    size = np.abs(x)
    end = _TAYLOR["erf/x"][1]
    if (size > end).any():  # past the table's end a is capped: end * erf(end)/end is +-1 in the dtype
        x = np.clip(x, -end, end).astype(x.dtype, copy=False)  # (NaN stays NaN)
        size = np.abs(x)
    out = _taylor("erf/x", size)
    with np.errstate(invalid="ignore"):  # (a signalling NaN of float16's)
        out *= x.astype(np.float64)  # erf/x is even: times the signed a (-0.0 stays -0.0)
    return out.astype(a.dtype).reshape(a.shape)


def erfc(a):
    if a.dtype == np.float64:
        return np.asarray(_erfc(a)).astype(a.dtype, copy=False)
    x = a.reshape(-1)
    out = _taylor("erfc", _capped_abs(x, "erfc"))
    negative = x < 0
    out[negative] = 2 - out[negative]  # erfc(-a) = 2 - erfc(a)
    return out.astype(a.dtype).reshape(a.shape)


_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _erf_over_x(n, x0, erf_coefficients):
    """Taylor coefficients of erf(x)/x at x0 from erf's (division of the series by x0 + h)."""
    if x0 == 0:
        return erf_coefficients[1:n + 1]
    out, previous = [], 0.0
    for c in erf_coefficients[:n]:
        previous = (c - previous) / x0
        out.append(previous)
    return out


# name: (row spacing, last row, degree). erf/x is smooth and far from 0 everywhere, so a relative error of its
# rows is one of erf's; beyond 6 erf is 1 in float64. erfc keeps its relative precision in the tail, where it
# falls fast (its rows closer, with more terms); beyond 11 it is 0 in float32 (and float16).
_TAYLOR = {"erf/x": (1 / 2048, 6.0, 3), "erfc": (1 / 512, 11.0, 6)}
_TABLES = {}  # made from math.erf/erfc on first use


def _table(name):
    """Rows of Taylor coefficients (the value, then f^(n)(x0) / n!) at x0 = 0, step, 2 step, ... up to the end,
    from erf's derivatives (2/sqrt(pi)) (-1)^(n-1) H_(n-1)(x0) exp(-x0^2), H Hermite's polynomials."""
    if name not in _TABLES:
        step, end, degree = _TAYLOR[name]
        rows = []
        for k in range(int(end / step) + 1):
            x0 = k * step
            hermite = [1.0, 2 * x0]
            for n in range(1, degree + 1):
                hermite.append(2 * x0 * hermite[n] - 2 * n * hermite[n - 1])
            slope = 2 / math.sqrt(math.pi) * math.exp(-x0 * x0)
            derivatives = [slope * (-1) ** n * hermite[n] / math.factorial(n + 1) for n in range(degree + 1)]
            if name == "erfc":
                rows.append([math.erfc(x0)] + [-d for d in derivatives[:degree]])
            else:
                rows.append(_erf_over_x(degree + 1, x0, [math.erf(x0)] + derivatives))
        _TABLES[name] = np.array(rows).T.copy()  # a row per coefficient: the gather below gives each contiguous
    return _TABLES[name]


def _capped_abs(x, name):
    """|x| (a new array of x's dtype), capped at the end of the name's table; NaN stays NaN."""
    capped = np.abs(x)
    return np.minimum(capped, _TAYLOR[name][1], out=capped)


_ROUNDER = np.float32(2 ** 23)  # a float32 in [0, 2^22) plus this is rounded to an integer (half to even, as rint)


def _taylor(name, a):
    """The tabled function at a (>= 0, capped at the table's end, float32 or float16, flat) in float64: the
    nearest row's polynomial in the distance h to it (at most half a step; the first term left out is below
    1e-16 of the value). The row and h are exact in float32 (a multiple of a power of two near a)."""
    step, _, degree = _TAYLOR[name]
    with np.errstate(invalid="ignore"):  # NaN (float16's signalling ones too) reads some row; its result is NaN
        nearest = a * np.float32(1 / step)  # (float16 widens to float32 exactly)
        nearest += _ROUNDER
        row = (nearest.view(np.int32) - np.int32(0x4B000000)).astype(np.intp)  # the rounded integer, from
        nearest -= _ROUNDER                                                      # the float's bits
        nearest *= np.float32(step)
        h = np.subtract(a, nearest, out=nearest).astype(np.float64)
    coefficients = _table(name)  # a gather per coefficient from its own contiguous table: contiguous results
    out = coefficients[-1].take(row, mode="clip")  # keep the products below SIMD (a gather of whole rows is
    for n in range(degree - 1, -1, -1):            # faster, but leaves each coefficient strided)
        out *= h
        out += coefficients[n].take(row, mode="clip")
    return out


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
    try:
        alias.flags.writeable = True
    except ValueError:  # a view of a view of broadcast memory (expand(...).diagonal()): numpy only lets the
        root = a  # memory's owner say so; the same elements as an array over the owner's buffer
        while root.base is not None:  # (as_strided's views hang from a holder whose .base is the array)
            owner = root.base if isinstance(root.base, np.ndarray) else getattr(root.base, "base", None)
            if not isinstance(owner, np.ndarray):
                break
            root = owner
        if not root.flags.writeable:
            raise
        offset = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        alias = np.ndarray(a.shape, a.dtype, buffer=root, offset=offset, strides=a.strides)
    return alias


def _overlap_error(error):
    """numpy refuses writes into broadcast (expanded) memory: PyTorch's words for it."""
    if "read-only" not in str(error):
        return error
    return RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                        "memory location. Please clone() the tensor before performing the operation.")
