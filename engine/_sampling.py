"""PyTorch's CPU transforms from the generator's words to each distribution.

Each function draws from a Generator (engine/random.py) exactly the words PyTorch's CPU kernel draws,
in the same order, and transforms them with the same arithmetic (ATen's TransformationHelper.h,
DistributionsHelper.h and the CPU distribution templates). Values come back flat, in draw order;
`in_fill_order` places them into a tensor's elements in the order PyTorch's TensorIterator visits
them (memory order, so `x.t().normal_()` fills x's storage as `x.normal_()` would).
"""
import math

import numpy as np

from . import _avx2_box_muller

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_TWO_PI = 2.0 * math.pi


# --- placing values -----------------------------------------------------------------------------------------
def in_fill_order(values, shape, strides=None):
    """An array of `shape` holding `values` in TensorIterator's order for a tensor with these element
    strides: the dimension with the smallest stride varies fastest."""
    values = np.asarray(values).reshape(-1)
    if strides is None or len(shape) < 2:
        return values.reshape(shape)
    order = sorted(range(len(shape)), key=lambda d: (abs(strides[d]), shape[d]), reverse=True)
    out = np.empty(shape, values.dtype)
    out.transpose(order)[...] = values.reshape([shape[d] for d in order])
    return out


# --- uniform ------------------------------------------------------------------------------------------------
def _unit_uniform(generator, n, dtype):
    """uniform_real_distribution(0, 1): 24 random bits for float32, 53 (from a 64-bit draw) for float64."""
    if dtype == _F64:
        x = generator.random53(n).astype(_F64)
        x *= 2.0 ** -53
        return x
    x = generator.random24(n).astype(_F32)
    x *= np.float32(2.0 ** -24)
    return x


def poisson(generator, rates):
    """One Poisson count per rate, in order, as PyTorch's sample_poisson draws it: rates of 10 or more by
    Hoermann's transformed rejection (1993), smaller ones by multiplying uniforms until the product falls
    to exp(-rate). Each element draws as many uniforms as it needs, so this walks the elements one by one."""
    def unit():
        return float(_unit_uniform(generator, 1, _F64)[0])

    out = np.empty(len(rates))
    for i, rate in enumerate(map(float, rates)):
        out[i] = _poisson_rejection(rate, unit) if rate >= 10 else _poisson_product(rate, unit) if rate else 0
    return out


def _poisson_product(rate, unit):
    floor, count, product = math.exp(-rate), 0, 1.0
    while True:
        product *= unit()
        if product <= floor:
            return count
        count += 1


def _poisson_rejection(rate, unit):
    root, log_rate = math.sqrt(rate), math.log(rate)
    b = 0.931 + 2.53 * root
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = unit() - 0.5
        v = unit()
        u_s = 0.5 - abs(u)
        if u_s == 0:  # (C's k would be -inf, refused below as k < 0)
            continue
        k = math.floor((2 * a / u_s + b) * u + rate + 0.43)
        if u_s >= 0.07 and v <= v_r:
            return k
        if k < 0 or (u_s < 0.013 and v > u_s):
            continue
        if (math.log(v) + math.log(inv_alpha) - math.log(a / (u_s * u_s) + b)
                <= -rate + k * log_rate - math.lgamma(k + 1)):
            return k


def uniform_doubles(generator, n, low, high):
    """n draws of uniform_real_distribution<double>(low, high), as PyTorch's kernels that sample one
    element at a time (rrelu) use it: x * (high - low) + low, rounded twice."""
    return _unit_uniform(generator, n, _F64) * (high - low) + low


def uniform(generator, n, dtype, low=0.0, high=1.0):
    """uniform_(low, high): x * (high - low) + low in the tensor's precision, as one fused multiply-add
    (PyTorch's compiled kernel fuses it); a value that rounds up to `high` becomes `low`, as in PyTorch."""
    dtype = _compute_dtype(dtype)
    lo, hi = dtype.type(low), dtype.type(high)
    x = _unit_uniform(generator, n, dtype)
    if lo == 0 and hi == 1:  # x * 1 + 0 is x, and x is below 1
        return x
    if dtype == _F64:
        value = _fma64(x, hi - lo, lo)
    else:
        value = _avx2_box_muller.fma32(x, hi - lo, lo)
    value[value == hi] = lo
    return value


def _compute_dtype(dtype):
    return _F64 if np.dtype(dtype) == _F64 else _F32


# --- normal -------------------------------------------------------------------------------------------------
def normal(generator, n, dtype, mean=0.0, std=1.0, contiguous=True):
    """normal_(mean, std): 16-wide Box-Muller blocks for contiguous tensors of 16 or more elements,
    otherwise one sample at a time from the double-precision sampler with its cached second value."""
    dtype = np.dtype(dtype)
    if n >= 16 and contiguous:
        return _normal_blocks(generator, n, _compute_dtype(dtype), mean, std).astype(dtype, copy=False)
    return _normal_doubles(generator, n, mean, std).astype(dtype)


def _normal_blocks(generator, n, dtype, mean, std):
    """normal_fill: n uniforms transformed 16 at a time; when n is not a multiple of 16 the last 16
    values are drawn again and transformed as one more block. (Float32 blocks take the words' low 24
    bits and make their uniforms themselves.)"""
    def draw(count):
        return generator.random24(count) if dtype == _F32 else _unit_uniform(generator, count, dtype)
    full = n // 16 * 16
    draws = draw(n)
    if n == full:
        return _box_muller(draws.reshape(-1, 16), mean, std).reshape(-1)
    out = np.empty(n, dtype)
    out[:full] = _box_muller(draws[:full].reshape(-1, 16), mean, std).reshape(-1)
    out[n - 16:] = _box_muller(draw(16).reshape(1, 16), mean, std).reshape(-1)
    return out


def _box_muller(draws, mean, std):
    if draws.dtype == np.int32:
        return _avx2_box_muller.normal_blocks(draws, mean, std)
    # each half block as one 64-byte item: numpy moves those fast, but loops over [:, :8] slices eight at a time
    half_block = np.dtype((np.void, 8 * 8))
    out = np.empty(draws.shape)
    halves, out_halves = np.ascontiguousarray(draws).view(half_block), out.view(half_block)
    radius = halves[:, 0].copy().view(_F64)
    radius = np.log(np.subtract(1.0, radius, out=radius), out=radius)
    radius *= -2.0
    np.sqrt(radius, out=radius)
    theta = halves[:, 1].copy().view(_F64)
    theta *= _TWO_PI
    for column, trig in ((0, np.cos), (1, np.sin)):
        value = trig(theta)
        value *= radius
        out_halves[:, column] = _fma64(value, std, mean).view(half_block)
    return out


def _fma64(a, b, c):
    """a*b + c with one rounding, as std::fma: the exact product (Dekker's split) added to c."""
    if c == 0:
        return a * b
    product = a * b
    split = 134217729.0 * a  # 2**27 + 1
    a_hi = split - (split - a)
    a_lo = a - a_hi
    b_split = 134217729.0 * b
    b_hi = b_split - (b_split - b)
    b_lo = b - b_hi
    product_error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    total = product + c
    virtual = total - product
    sum_error = (product - (total - virtual)) + (c - virtual)
    return total + (sum_error + product_error)


def _normal_doubles(generator, n, mean, std):
    """normal_distribution<double>: each pair of uniforms gives r*cos(theta), returned, and
    r*sin(theta), kept in the generator for the next call."""
    out = np.empty(n)
    start = 0
    if n and generator.next_double_normal is not None:
        out[0], generator.next_double_normal, start = generator.next_double_normal, None, 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = _unit_uniform(generator, 2 * pairs, _F64).reshape(pairs, 2)
        radius = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
        theta = _TWO_PI * u[:, 0]
        both = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).reshape(-1)
        out[start:] = both[:n - start]
        if (n - start) % 2:
            generator.next_double_normal = float(both[-1])
    return _fma64(out, std, mean)


def log_normal(generator, n, dtype, mean=1.0, std=2.0):
    return np.exp(_normal_doubles(generator, n, mean, std)).astype(dtype)


# --- other continuous distributions (each a double uniform per value) ---------------------------------------
def exponential(generator, n, dtype, lambd=1.0):
    return ((-1.0 / lambd) * np.log1p(-_unit_uniform(generator, n, _F64))).astype(dtype)


def cauchy(generator, n, dtype, median=0.0, sigma=1.0):
    return (median + sigma * np.tan(math.pi * (_unit_uniform(generator, n, _F64) - 0.5))).astype(dtype)


def geometric(generator, n, dtype, p):
    return np.ceil(np.log(_unit_uniform(generator, n, _F64)) / math.log1p(-p)).astype(dtype)


def bernoulli(generator, n, p):
    """bernoulli_(p) with a float p: a double uniform per value, 1 where it is below p."""
    return _unit_uniform(generator, n, _F64) < p


def bernoulli_probs(generator, probs):
    """bernoulli_(probs) with a tensor of probabilities (flat, in fill order): uniforms in the
    probabilities' precision (one 32-bit word each for float32)."""
    dtype = _compute_dtype(probs.dtype)
    return _unit_uniform(generator, probs.size, dtype) < probs.astype(dtype)


# --- integers -----------------------------------------------------------------------------------------------
def random_from_to(generator, n, low, high):
    """random_(low, high) and randint: a word modulo the range, 64-bit words for ranges of 2**28 and up
    (PyTorch accepts the small skew of %), as int64."""
    span = high - low
    words = generator.random64(n) if span >= 2 ** 28 else generator.random(n)
    values = words % np.uint64(span)
    if low:
        values += np.uint64(low % 2 ** 64)
    return values.view(np.int64)


def random_full(generator, n, dtype):
    """random_() without bounds: [0, 2**mantissa] for floating types, [0, max] for integers."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return (generator.random(n) & np.uint64(1)).astype(np.bool_)
    if dtype.kind == "f":
        digits = np.finfo(dtype).nmant + 1
        words = generator.random64(n) if dtype == _F64 else generator.random(n)
        return (words % np.uint64(2 ** digits + 1)).astype(dtype)
    top = np.iinfo(dtype).max
    words = generator.random64(n) if dtype == np.int64 else generator.random(n)
    return (words % np.uint64(top + 1)).astype(dtype)


def randperm(generator, n):
    """randperm(n): for n below 2**32/20, a Fisher-Yates shuffle of 0..n-1 swapping i with
    i + word % (n - i); for larger n the inside-out variant with 64-bit words."""
    if n < (2 ** 32 - 1) // 20:
        picks = (generator.random(max(n - 1, 0)).astype(np.int64) % np.arange(n, 1, -1)).tolist()
        perm = list(range(n))
        for i, z in enumerate(picks):
            perm[i], perm[i + z] = perm[i + z], perm[i]
        return np.array(perm, np.int64)
    picks = (generator.random64(n) % np.arange(1, n + 1, dtype=np.uint64)).astype(np.int64).tolist()
    perm = [0] * n
    for i, z in enumerate(picks):
        perm[i] = perm[z]
        perm[z] = i
    return np.array(perm, np.int64)


def multinomial(generator, probs, num_samples, replacement):
    """multinomial over the rows of a 2-D array. Without replacement (or for one sample): the
    exponential-race (Gumbel) trick, top num_samples of p / Exp(1). With replacement: a double uniform
    per sample, searched in the row's normalised cumulative sum."""
    rows, categories = probs.shape
    if not replacement or num_samples == 1:
        q = exponential(generator, probs.size, probs.dtype).reshape(probs.shape)
        keys = probs / q
        if num_samples == 1:
            return np.argmax(keys, axis=1)[:, None]
        return np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    cumulative = np.cumsum(probs, axis=1, dtype=probs.dtype)
    total = cumulative[:, -1:]
    cumulative = np.where(total > 0, cumulative / total, cumulative)
    cumulative[:, -1] = 1
    u = _unit_uniform(generator, rows * num_samples, _F64).reshape(rows, num_samples)
    return np.stack([np.searchsorted(cumulative[r].astype(_F64), u[r], side="left") for r in range(rows)])
