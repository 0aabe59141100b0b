"""The float32 Box-Muller block of PyTorch's x86 CPU kernel, operation for operation.

PyTorch fills contiguous float32 tensors of 16 or more normals 16 at a time: eight uniforms u1 give
the radius, the next eight u2 the angle. On x86 CPUs with AVX2 (the kernel PyTorch picks there) the
logarithm, sine and cosine are Cephes' float32 polynomials (aten/src/ATen/native/cpu/avx_mathfun.h),
compiled with fused multiply-adds where the compiler contracted a product into a sum. Each step below
rounds where the machine code rounds, so the results are PyTorch's bit for bit. (PyTorch on ARM
computes these with the C library's functions instead; its last bits can differ from x86's.)

A fused multiply-add is emulated in float64 (see fma32), which costs several times a float32 step, so
it is used only where the product is inexact in float32; where a whole sum is exact in float64 (the
range reduction of the angle) it is computed there and rounded once. The arrays a chunk is computed in
are allocated once per draw (_Workspace), so no step allocates memory.
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
_MINUS_DP123 = _F64(_MINUS_DP1) + _F64(_MINUS_DP2) + _F64(_MINUS_DP3)  # exact: bits 2**-1 to 2**-48
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


def _polynomial(x64, coefficients, y, scratch):
    """Horner's rule with every step a fused multiply-add rounded to float32, written into float32 `y`,
    for float32 x (given as float64 `x64` to spare a conversion per step)."""
    fma32(x64, coefficients[0], coefficients[1], y, scratch)
    for c in coefficients[2:]:
        fma32(y, x64, c, y, scratch)
    return y


class _Workspace:
    """The arrays a chunk of blocks is computed in, allocated once per draw and reused chunk after chunk,
    so the working set stays the same memory (in the CPU's cache) and no step allocates."""

    def __init__(self, n):
        self.ints = [np.empty(n, np.int32) for _ in range(2)]
        self.floats = [np.empty(n, _F32) for _ in range(6)]
        self.doubles = [np.empty(n, _F64) for _ in range(2)]

    def resize(self, n):
        """Views of the first n elements (the last chunk is shorter)."""
        view = _Workspace.__new__(_Workspace)
        view.ints, view.floats, view.doubles = ([a[:n] for a in arrays] for arrays in
                                                (self.ints, self.floats, self.doubles))
        return view


def _log(m, ws):
    """Natural log of float32 x = m / 2**24 for integers m in [1, 2**24] (log256_ps; x is in [2**-24, 1],
    so no zero, negative or subnormal input). Returns a float32 workspace array; uses ints and floats[:4]."""
    bits, e_int = ws.ints
    mf, e, z, y = ws.floats[:4]
    scratch = ws.doubles[1]
    np.copyto(mf, m, casting="unsafe")  # exact: m has at most 24 bits
    # log256_ps splits x into e and a mantissa in [0.5, 1), doubled (with e one less) below sqrt(1/2).
    # Offsetting the bits by 1 - sqrt(1/2) first splits at sqrt(1/2) directly: the same e and mantissa.
    # x = m * 2**-24 differs from m only in its exponent: 24 less.
    np.add(mf.view(np.int32), np.int32(_ONE_BITS - _SQRT_HALF_BITS), out=bits)
    np.right_shift(bits, 23, out=e_int)
    e_int -= np.int32(127 + 24)
    np.copyto(e, e_int, casting="unsafe")
    bits &= np.int32(0x007FFFFF)
    bits += np.int32(_SQRT_HALF_BITS)
    x = bits.view(_F32)  # in [sqrt(1/2), sqrt(2))
    x -= _F32(1)  # exact
    np.multiply(x, x, out=z)
    x64 = ws.doubles[0]
    np.copyto(x64, x)
    _polynomial(x64, _LOG_P, y, scratch)
    y *= x
    e_q1 = mf  # (mf is no longer needed)
    np.multiply(e, _LOG_Q1, out=e_q1)
    fma32(y, z, e_q1, y, scratch)
    z *= _F32(0.5)
    y -= z
    y += x
    e *= _LOG_Q2  # exact: e is a small integer
    y += e
    return y


def _sincos(angle, ws):
    """sin and cos of float32 angles >= 0 (sincos256_ps, angle being floats[0]), into two float32
    workspace arrays; uses ints, floats[:3] and floats[4:]."""
    j, scratch_bits = ws.ints
    t, z = ws.floats[1:3]
    sin, cos = ws.floats[4:]
    z64, scratch = ws.doubles
    np.multiply(angle, _FOUR_OVER_PI, out=t)
    np.copyto(j, t, casting="unsafe")  # truncation, as cvttps2dq
    j += 1
    j &= ~1
    # Range reduction: x = ((angle + j*DP1) + j*DP2) + j*DP3, the last step fused. j is in {0, 2, 4, 6, 8}, so
    # the first two steps are exact (Cody and Waite: j*DP1 and j*DP2 have few bits, the differences are
    # multiples of 2**-24 below 1), and angle + j*(DP1 + DP2 + DP3) is exact in float64 (at most 51
    # significant bits): one rounding to float32 of the exact sum, as the fused step does.
    np.multiply(j, _MINUS_DP123, out=scratch)
    x = t  # (t is no longer needed)
    np.add(scratch, angle, out=x, casting="same_kind")
    np.multiply(x, x, out=z)
    np.copyto(z64, z)
    _polynomial(z64, _COS_P, cos, scratch)
    cos *= z
    half_z = angle  # (the angle is no longer needed)
    np.multiply(z, _F32(-0.5), out=half_z)
    fma32(cos, z64, half_z, cos, scratch)
    cos += _F32(1)
    _polynomial(z64, _SIN_P, sin, scratch)
    sin *= z
    fma32(sin, x, x, sin, scratch)
    # select and flip signs on the bits, as the vector code does (numpy's where is slow)
    sin_bits, cos_bits = sin.view(np.int32), cos.view(np.int32)
    swap = scratch_bits
    np.left_shift(j, 30, out=swap)
    swap >>= 31  # j's bit 1 spread over all bits: sine and cosine trade places
    flip = z.view(np.int32)  # (z is no longer needed)
    np.bitwise_xor(sin_bits, cos_bits, out=flip)
    flip &= swap
    sin_bits ^= flip
    cos_bits ^= flip
    j <<= 29  # j's bit 2 in the sign bit: the sine's sign flips
    np.bitwise_and(j, np.int32(-2 ** 31), out=flip)
    sin_bits ^= flip
    j += np.int32(2 ** 30)  # (j + 2)'s bit 2 in the sign bit: the cosine's sign flips
    j &= np.int32(-2 ** 31)
    cos_bits ^= j
    return sin, cos


def normal_blocks(k, mean, std):
    """Box-Muller over blocks of 16 draws, shaped (blocks, 16): each value k (int32, a word's low 24 bits)
    gives the float32 uniform k / 2**24; the first eight of a block give the radii, the last eight the
    angles. (Converted here, chunk by chunk, so the data stays in the CPU's cache.)"""
    out = np.empty(k.shape, _F32)
    mean, std = _F32(mean), _F32(std)
    # each half block as one 32-byte item: numpy moves those fast, but loops over [:, :8] slices eight at a time
    halves, out_halves = np.ascontiguousarray(k).view(_HALF_BLOCK), out.view(_HALF_BLOCK)
    workspace = _Workspace(min(len(k), _CHUNK_BLOCKS) * 8)
    for start in range(0, len(k), _CHUNK_BLOCKS):
        block = slice(start, start + _CHUNK_BLOCKS)
        ws = workspace.resize(len(halves[block]) * 8)
        m = ws.ints[0]
        m.view(_HALF_BLOCK)[...] = halves[block, 0]
        np.subtract(np.int32(2 ** 24), m, out=m)  # 1 - u = (2**24 - k) / 2**24, exact
        # u = 0 gives a zero radius, and products -0.0 or 0.0; the fused output step below gives 0.0
        zero_radius = m.max() == 2 ** 24
        radius = _log(m, ws)  # floats[3]
        radius *= _F32(-2)
        np.sqrt(radius, out=radius)
        angle = ws.floats[0]
        k_angle = ws.ints[0]
        k_angle.view(_HALF_BLOCK)[...] = halves[block, 1]
        np.copyto(angle, k_angle, casting="unsafe")
        angle *= _TWO_PI * _F32(2.0 ** -24)  # 2*pi*u, rounded once as 2*pi*u is
        sin, cos = _sincos(angle, ws)
        for column, trig in ((0, cos), (1, sin)):
            trig *= radius
            if std != 1 or mean != 0:
                fma32(trig, std, mean, trig, ws.doubles[1])
            elif zero_radius:
                trig += _F32(0)  # x*1 + 0 is x, except that -0.0 + 0.0 is 0.0
            out_halves[block, column] = trig.view(_HALF_BLOCK)
    return out


_HALF_BLOCK = np.dtype((np.void, 8 * 4))
_CHUNK_BLOCKS = 16384  # 256K normals: few numpy calls per value; a 6 MiB workspace (smaller chunks: no faster)
