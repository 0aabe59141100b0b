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
    """erf (numpy has none): float64 element by element with C's erf; narrower floats (GELU's erf in float32
    models) from a vectorised float64 Taylor table, far more exact than their rounding."""
    if a.dtype == np.float64:
        return np.asarray(_erf(a)).astype(a.dtype, copy=False)  # (0-d: a Python float)
    x = a.astype(np.float64).reshape(-1)
    out = _taylor(_table("erf"), np.abs(x))
    np.copysign(out, x, out=out)  # erf is odd (-0.0 stays -0.0)
    return out.astype(a.dtype).reshape(a.shape)


def erfc(a):
    if a.dtype == np.float64:
        return np.asarray(_erfc(a)).astype(a.dtype, copy=False)
    x = a.astype(np.float64).reshape(-1)
    out = _taylor(_table("erfc"), np.abs(x))
    negative = x < 0
    out[negative] = 2 - out[negative]  # erfc(-a) = 2 - erfc(a)
    return out.astype(a.dtype).reshape(a.shape)


_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)
_TAYLOR_STEP, _TAYLOR_DEGREE = 1 / 128, 6
# Where the tables end: beyond 6 erf is 1 in float64; beyond 11 erfc is 0 in float32 (and float16).
_TAYLOR_LIMIT = {"erf": 6.0, "erfc": 11.0}
_TABLES = {}  # made from math.erf/erfc on first use


def _table(name):
    """Rows of Taylor coefficients of erf or erfc at 0, 1/128, 2/128, ... up to the name's limit: the value,
    then f^(n)(x0) / n!, from erf's derivatives (2/sqrt(pi)) (-1)^(n-1) H_(n-1)(x0) exp(-x0^2), H Hermite's."""
    if name not in _TABLES:
        value, sign = (math.erf, 1) if name == "erf" else (math.erfc, -1)
        rows = []
        for k in range(int(_TAYLOR_LIMIT[name] / _TAYLOR_STEP) + 1):
            x0 = k * _TAYLOR_STEP
            hermite = [1.0, 2 * x0]
            for n in range(1, _TAYLOR_DEGREE - 1):
                hermite.append(2 * x0 * hermite[n] - 2 * n * hermite[n - 1])
            slope = sign * 2 / math.sqrt(math.pi) * math.exp(-x0 * x0)
            rows.append([value(x0)] + [slope * (-1) ** n * hermite[n] / math.factorial(n + 1)
                                       for n in range(_TAYLOR_DEGREE)])
        _TABLES[name] = np.array(rows)
    return _TABLES[name]


def _taylor(table, a):
    """The tabled function at a >= 0 (float64, flat; consumed): the nearest row's polynomial in the distance
    to it (at most 1/256: the first term left out is below 1e-16 of the value). Past the table's end the last
    row's value (the function's limit, already exact there); NaN stays NaN."""
    limit = (len(table) - 1) * _TAYLOR_STEP
    h = np.minimum(a, limit, out=a)  # NaN stays NaN
    row = np.fmin(h, limit)  # NaN reads the last row (its result is NaN all the same)
    row *= 1 / _TAYLOR_STEP
    row += 0.5
    row = row.astype(np.intp)
    with np.errstate(invalid="ignore"):  # a signalling NaN (a float16 NaN's payload) stays a quiet NaN
        h -= row * _TAYLOR_STEP
    coefficients = table.take(row, axis=0)  # one gather of whole rows: far faster than one per column
    out = coefficients[:, -1].copy()
    for n in range(_TAYLOR_DEGREE - 1, -1, -1):
        out *= h
        out += coefficients[:, n]
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
    alias.flags.writeable = True
    return alias


def _overlap_error(error):
    """numpy refuses writes into broadcast (expanded) memory: PyTorch's words for it."""
    if "read-only" not in str(error):
        return error
    return RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                        "memory location. Please clone() the tensor before performing the operation.")
