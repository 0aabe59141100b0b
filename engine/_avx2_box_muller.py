"""The float32 Box-Muller block of PyTorch's x86 CPU kernel, operation for operation.

PyTorch fills contiguous float32 tensors of 16 or more normals 16 at a time: eight uniforms u1 give
the radius, the next eight u2 the angle. On x86 CPUs with AVX2 (the kernel PyTorch picks there) the
logarithm, sine and cosine are Cephes' float32 polynomials (aten/src/ATen/native/cpu/avx_mathfun.h),
compiled with fused multiply-adds where the compiler contracted a product into a sum. Each step below
rounds where the machine code rounds, so the results are PyTorch's bit for bit. (PyTorch on ARM
computes these with the C library's functions instead; its last bits can differ from x86's.)

A fused multiply-add is emulated in float64 (see fma32), which costs several times a float32 step, so
it is used only where the product is inexact in float32; where it is exact (a small integer times a
constant with few significant bits) the fused step is a plain float32 add of the rounded product.
A float32 uniform is one of 2**24 values, so tests/engine/test_random.py feeds every one of them, as
radius and as angle, to PyTorch's own kernel and compares the normals bit for bit.
"""
import math

import numpy as np

_F32 = np.float32
_F64 = np.float64

_SQRT_HALF_BITS = int(_F32(0.707106781186547524).view(np.int32))
_ONE_BITS = int(_F32(1).view(np.int32))
_LOG_P = [_F32(c) for c in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                            1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                            3.3333331174E-1)]
_LOG_Q1, _LOG_Q2 = _F32(-2.12194440e-4), _F32(0.693359375)  # Q2 has 9 significant bits
_FOUR_OVER_PI = _F32(1.27323954473516)
# -pi/4 in three parts; the first two have 8 and 11 significant bits, the third all 24
_MINUS_DP1, _MINUS_DP2, _MINUS_DP3 = _F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8)
_SIN_P = [_F32(-1.9515295891E-4), _F32(8.3321608736E-3), _F32(-1.6666654611E-1)]
_COS_P = [_F32(2.443315711809948E-005), _F32(-1.388731625493765E-003), _F32(4.166664568298827E-002)]
_TWO_PI = _F32(2.0 * math.pi)


def fma32(a, b, c, out=None, scratch=None):
    """a*b + c rounded to float32 as a fused multiply-add does: the product of two float32 is exact in
    float64. (The float64 sum is itself rounded; the result can then differ from the single rounding
    only when that sum lands exactly halfway between two float32, about once in 2**29 operations.)
    Written into `out` if given, through a float64 `scratch` array of its shape if given."""
    if out is None:
        out = np.empty(np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c)), _F32)
    if np.ndim(b) == 0 and b == 1:  # a*1 is exact: the fused step is a float32 add
        return np.add(a, c, out=out, dtype=_F32)
    if scratch is None:
        scratch = np.empty(out.shape, _F64)
    np.multiply(a, b, out=scratch, dtype=_F64)
    np.add(scratch, c, out=out, casting="same_kind")
    return out


def _polynomial(x, coefficients, scratch):
    """Horner's rule with every step a fused multiply-add rounded to float32, for float32 x (given as
    float64 to spare a conversion per step)."""
    y = np.empty(x.shape, _F32)
    fma32(x, coefficients[0], coefficients[1], y, scratch)
    for c in coefficients[2:]:
        fma32(y, x, c, y, scratch)
    return y


def _log(x, scratch):
    """Natural log of float32 x in [2**-24, 1] (log256_ps; no zero, negative or subnormal input here)."""
    # log256_ps splits x into e and a mantissa in [0.5, 1), doubled (with e one less) below sqrt(1/2).
    # Offsetting the bits by 1 - sqrt(1/2) first splits at sqrt(1/2) directly: the same e and mantissa.
    bits = x.view(np.int32) + np.int32(_ONE_BITS - _SQRT_HALF_BITS)
    e = np.subtract(bits >> 23, _F32(127), dtype=_F32)
    bits &= np.int32(0x007FFFFF)
    bits += np.int32(_SQRT_HALF_BITS)
    x = bits.view(_F32)  # in [sqrt(1/2), sqrt(2))
    x -= _F32(1)  # exact
    z = x * x
    y = _polynomial(x.astype(_F64), _LOG_P, scratch)
    y *= x
    fma32(y, z, e * _LOG_Q1, y, scratch)
    z *= _F32(0.5)
    y -= z
    y += x
    e *= _LOG_Q2  # exact: e is a small integer
    y += e
    return y


def _sincos(x, scratch):
    """sin and cos of float32 x >= 0 (sincos256_ps)."""
    j = (x * _FOUR_OVER_PI).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(_F32)
    # the first two parts of the range reduction are exact products (j has at most 4 significant bits)
    x = x + y * _MINUS_DP1
    x += y * _MINUS_DP2
    fma32(y, _MINUS_DP3, x, x, scratch)
    z = x * x
    z64 = z.astype(_F64)
    cos = _polynomial(z64, _COS_P, scratch)
    cos *= z
    fma32(cos, z64, z * _F32(-0.5), cos, scratch)
    cos += _F32(1)
    sin = _polynomial(z64, _SIN_P, scratch)
    sin *= z
    fma32(sin, x, x, sin, scratch)
    # select and flip signs on the bits, as the vector code does (numpy's where is slow)
    sin_bits, cos_bits = sin.view(np.int32), cos.view(np.int32)
    swap = (j << 30) >> 31  # j's bit 1 spread over all bits: sine and cosine trade places
    swapped = (sin_bits ^ cos_bits) & swap
    sin_bits ^= swapped
    cos_bits ^= swapped
    sin_bits ^= (j & 4) << 29
    j += 2
    cos_bits ^= (j & 4) << 29
    return sin, cos


def normal_blocks(words, mean, std):
    """Box-Muller over blocks of 16 draws, shaped (blocks, 16), each word's low 24 bits k giving the
    float32 uniform k / 2**24: the first eight of a block give the radii, the last eight the angles.
    (Converted here, chunk by chunk, so the data stays in the CPU's cache.)"""
    out = np.empty(words.shape, _F32)
    mean, std = _F32(mean), _F32(std)
    # each half block as one 32-byte item: numpy moves those fast, but loops over [:, :8] slices eight at a time
    halves, out_halves = np.ascontiguousarray(words).view(_HALF_BLOCK), out.view(_HALF_BLOCK)
    for start in range(0, len(words), _CHUNK_BLOCKS):
        block = slice(start, start + _CHUNK_BLOCKS)
        scratch = np.empty(len(halves[block]) * 8, _F64)
        k = halves[block, 0].copy().view(np.int32)
        k &= np.int32(2 ** 24 - 1)
        np.subtract(np.int32(2 ** 24), k, out=k)
        radius = k.astype(_F32)
        radius *= _F32(2.0 ** -24)  # 1 - u, exact
        radius = _log(radius, scratch)
        radius *= _F32(-2)
        np.sqrt(radius, out=radius)
        k = halves[block, 1].copy().view(np.int32)
        k &= np.int32(2 ** 24 - 1)
        angle = k.astype(_F32)
        angle *= _TWO_PI * _F32(2.0 ** -24)  # 2*pi*u, rounded once as 2*pi*u is
        sin, cos = _sincos(angle, scratch)
        for column, trig in ((0, cos), (1, sin)):
            trig *= radius
            out_halves[block, column] = fma32(trig, std, mean, trig, scratch).view(_HALF_BLOCK)
    return out


_HALF_BLOCK = np.dtype((np.void, 8 * 4))
_CHUNK_BLOCKS = 16384  # 256K normals: few numpy calls per value, temporaries mostly in the CPU's cache
