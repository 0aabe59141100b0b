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
    """erf (numpy has none): float64 element by element with C's erf; narrower floats from a vectorised
    float64 approximation good to ~1e-14, far below their rounding (GELU's erf in float32 models)."""
    if a.dtype == np.float64:
        return np.asarray(_erf(a)).astype(a.dtype, copy=False)  # (0-d: a Python float)
    x, out, near = _split_at_one(a)
    out[near] = _erf_near_zero(x[near])
    far = x[~near]
    out[~near] = np.sign(far) * (1 - _erfc_tail(np.abs(far)))
    return out.astype(a.dtype).reshape(a.shape)


def erfc(a):
    if a.dtype == np.float64:
        return np.asarray(_erfc(a)).astype(a.dtype, copy=False)
    x, out, near = _split_at_one(a)
    out[near] = 1 - _erf_near_zero(x[near])
    far = x[~near]
    tail = _erfc_tail(np.abs(far))
    out[~near] = np.where(far < 0, 2 - tail, tail)
    return out.astype(a.dtype).reshape(a.shape)


def _split_at_one(a):
    """a's values as a flat float64 array, an output for them, and where |a| < 1 (the two formulas' border)."""
    x = a.astype(np.float64).reshape(-1)
    return x, np.empty_like(x), np.abs(x) < 1


_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)
_CHEBYSHEV = {}  # Chebyshev interpolants of smooth factors of erf, made from math.erf/erfc on first use


def _interpolant(name, fn, degree):
    if name not in _CHEBYSHEV:
        _CHEBYSHEV[name] = np.polynomial.chebyshev.chebinterpolate(np.vectorize(fn), degree)
    return _CHEBYSHEV[name]


def _erf_near_zero(x):
    """erf(x) for |x| < 1: x times erf(sqrt(u)) / sqrt(u), smooth in u = x^2, interpolated on [0, 1]
    (degree 10: 2e-15 relative)."""
    def factor(t):
        u = (t + 1) / 2
        return math.erf(math.sqrt(u)) / math.sqrt(u) if u else 2 / math.sqrt(math.pi)
    return x * np.polynomial.chebyshev.chebval(2 * x * x - 1, _interpolant("near zero", factor, 10))


def _erfc_tail(a):
    """erfc(a) for a >= 1 (or NaN): exp(-a^2) times erfc(a) exp(a^2) (smooth, slowly falling) interpolated on
    [1, 6] (degree 24: 3e-14 relative); beyond 6, where float64's erf is 1 but erfc still counts, C's erfc
    element by element."""
    coefficients = _interpolant("tail", lambda t: math.erfc(1 + (t + 1) * 2.5) * math.exp((1 + (t + 1) * 2.5) ** 2),
                                24)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.exp(-a * a) * np.polynomial.chebyshev.chebval((a - 1) / 2.5 - 1, coefficients)
    far = ~(a < 6) & ~np.isnan(a)
    if far.any():
        out[far] = np.asarray(_erfc(a[far]), np.float64)
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
