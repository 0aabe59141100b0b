"""The float32 Box-Muller block of PyTorch's x86 CPU kernel, operation for operation.

PyTorch fills contiguous float32 tensors of 16 or more normals 16 at a time: eight uniforms u1 give
the radius, the next eight u2 the angle. On x86 CPUs with AVX2 (the kernel PyTorch picks there) the
logarithm, sine and cosine are Cephes' float32 polynomials (aten/src/ATen/native/cpu/avx_mathfun.h),
compiled with fused multiply-adds where the compiler contracted a product into a sum. Each step below
rounds where the machine code rounds, so the results are PyTorch's bit for bit. (PyTorch on ARM
computes these with the C library's functions instead; its last bits can differ from x86's.)
"""
import math

import numpy as np

_F32 = np.float32
_F64 = np.float64

_SQRT_HALF = _F32(0.707106781186547524)
_LOG_P = [_F32(c) for c in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                            1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                            3.3333331174E-1)]
_LOG_Q1, _LOG_Q2 = _F32(-2.12194440e-4), _F32(0.693359375)
_FOUR_OVER_PI = _F32(1.27323954473516)
_MINUS_DP = [_F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8)]
_SIN_P = [_F32(-1.9515295891E-4), _F32(8.3321608736E-3), _F32(-1.6666654611E-1)]
_COS_P = [_F32(2.443315711809948E-005), _F32(-1.388731625493765E-003), _F32(4.166664568298827E-002)]
_TWO_PI = _F32(2.0 * math.pi)


def fma32(a, b, c):
    """a*b + c rounded to float32 as a fused multiply-add does: the product of two float32 is exact in
    float64. (The float64 sum is itself rounded; the result can then differ from the single rounding
    only when that sum lands exactly halfway between two float32, about once in 2**29 operations.)"""
    product = np.multiply(a, b, dtype=_F64)
    product += c
    return product.astype(_F32)


def _log(x):
    """Natural log of float32 x in [2**-24, 1] (log256_ps; no zero, negative or subnormal input here)."""
    bits = x.view(np.uint32)
    exponent = (bits >> 23).astype(np.int32) - 127
    x = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(_F32)  # mantissa in [0.5, 1)
    small = x < _SQRT_HALF
    e = (exponent.astype(_F32) + _F32(1)) - small
    x = (x + _F32(-1)) + x * small
    z = x * x
    y = fma32(_LOG_P[0], x, _LOG_P[1])
    for p in _LOG_P[2:]:
        y = fma32(y, x, p)
    y = y * x
    y = fma32(y, z, e * _LOG_Q1)
    y = y - z * _F32(0.5)
    return fma32(e, _LOG_Q2, x + y)


def _sincos(x):
    """sin and cos of float32 x >= 0 (sincos256_ps)."""
    j = ((x * _FOUR_OVER_PI).astype(np.int32) + 1) & ~1
    y = j.astype(_F32)
    for dp in _MINUS_DP:
        x = fma32(y, dp, x)
    z = x * x
    cos_poly = fma32(_COS_P[0], z, _COS_P[1])
    cos_poly = fma32(cos_poly, z, _COS_P[2]) * z
    cos_poly = fma32(z, cos_poly, -(z * _F32(0.5))) + _F32(1)
    sin_poly = fma32(_SIN_P[0], z, _SIN_P[1])
    sin_poly = fma32(x, fma32(sin_poly, z, _SIN_P[2]) * z, x)
    # bit masks and sign flips as the vector code does them (numpy's where is slow on large arrays)
    near_zero = ((j & 2) == 0).astype(np.uint32) * np.uint32(0xFFFFFFFF)
    sin_bits, cos_bits = sin_poly.view(np.uint32), cos_poly.view(np.uint32)
    sin = (sin_bits & near_zero) | (cos_bits & ~near_zero)
    cos = (cos_bits & near_zero) | (sin_bits & ~near_zero)
    sin ^= (j & 4).astype(np.uint32) << np.uint32(29)
    cos ^= (~(j - 2) & 4).astype(np.uint32) << np.uint32(29)
    return sin.view(_F32), cos.view(_F32)


def normal_blocks(uniforms, mean, std):
    """Box-Muller over blocks of 16 float32 uniforms in [0, 1), shaped (blocks, 16): the first eight of
    a block give the radii, the last eight the angles."""
    out = np.empty(uniforms.shape, _F32)
    mean, std = _F32(mean), _F32(std)
    for start in range(0, len(uniforms), _CHUNK_BLOCKS):
        chunk = uniforms[start:start + _CHUNK_BLOCKS]
        radius = np.sqrt(_log(_F32(1) - np.ascontiguousarray(chunk[:, :8])) * _F32(-2))
        sin, cos = _sincos(_TWO_PI * np.ascontiguousarray(chunk[:, 8:]))
        out[start:start + _CHUNK_BLOCKS, :8] = fma32(radius * cos, std, mean)
        out[start:start + _CHUNK_BLOCKS, 8:] = fma32(radius * sin, std, mean)
    return out


_CHUNK_BLOCKS = 4096  # 64K normals: each temporary stays in the CPU's cache
