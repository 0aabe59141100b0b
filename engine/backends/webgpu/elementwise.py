"""Elementwise kernels: one WGSL template (wgsl/elementwise.wgsl) and a table of expressions.

Each op is a WGSL expression in the operands `a`, `b`, `c` (already loaded through their
strides), written once per storage kind: "f" (f32), "i" (i32: int64/int32), "u" (u32: bool).
Comparisons and logical ops store bools as u32(0 or 1).
"""
import numpy as np

from . import kernels
from .array import GPUArray, broadcast_shapes, broadcast_strides, empty, storage_type

BOOL = np.dtype(np.bool_)

UNARY = {
    "neg": {"f": "-a", "i": "-a"},
    "exp": {"f": "exp_f(a)"},
    "log": {"f": "log_f(a)"},
    "sqrt": {"f": "sqrt_f(a)"},
    "abs": {"f": "abs(a)", "i": "abs(a)", "u": "a"},
    "sign": {"f": "sign_f(a)", "i": "sign(a)", "u": "a"},
    "tanh": {"f": "tanh_f(a)"},
    "sigmoid": {"f": "sigmoid_f(a)"},
    "relu": {"f": "relu_f(a)", "i": "max(a, 0)", "u": "a"},
    "sin": {"f": "sin_f(a)"},
    "cos": {"f": "cos_f(a)"},
    "floor": {"f": "floor(a)", "i": "a", "u": "a"},
    "ceil": {"f": "ceil(a)", "i": "a", "u": "a"},
    "round": {"f": "round(a)", "i": "a", "u": "a"},  # WGSL rounds half to even, like torch
    "erf": {"f": "erf_f(a)"},
    "log1p": {"f": "log1p_f(a)"},
    "expm1": {"f": "expm1_f(a)"},
    "reciprocal": {"f": "1.0 / a"},
}

BINARY = {
    "add": {"f": "a + b", "i": "a + b", "u": "a | b"},
    "sub": {"f": "a - b", "i": "a - b"},
    "mul": {"f": "a * b", "i": "a * b", "u": "a & b"},
    "div": {"f": "a / b"},
    "pow": {"f": "pow_f(a, b)", "i": "pow_i(a, b)"},
    "maximum": {"f": "max_nan(a, b)", "i": "max(a, b)", "u": "max(a, b)"},
    "minimum": {"f": "min_nan(a, b)", "i": "min(a, b)", "u": "min(a, b)"},
    "floor_divide": {"f": "floor_divide_f(a, b)", "i": "floor_divide_i(a, b)"},
    "remainder": {"f": "remainder_f(a, b)", "i": "remainder_i(a, b)"},
}

TRUTH = {"f": "truth_f({x})", "i": "({x} != 0)", "u": "({x} != 0u)"}  # WGSL bool of a value
PREDICATES = {  # binary ops whose result is bool, for any input kind
    "eq": {"f": "u32(eq_f(a, b))", "i": "u32(a == b)", "u": "u32(a == b)"},
    "ne": {"f": "u32(ne_f(a, b))", "i": "u32(a != b)", "u": "u32(a != b)"},
    "lt": {"f": "u32(lt_f(a, b))", "i": "u32(a < b)", "u": "u32(a < b)"},
    "le": {"f": "u32(le_f(a, b))", "i": "u32(a <= b)", "u": "u32(a <= b)"},
    "gt": {"f": "u32(gt_f(a, b))", "i": "u32(a > b)", "u": "u32(a > b)"},
    "ge": {"f": "u32(ge_f(a, b))", "i": "u32(a >= b)", "u": "u32(a >= b)"},
    "logical_and": {k: f"u32({t.format(x='a')} && {t.format(x='b')})" for k, t in TRUTH.items()},
    "logical_or": {k: f"u32({t.format(x='a')} || {t.format(x='b')})" for k, t in TRUTH.items()},
    "logical_xor": {k: f"u32({t.format(x='a')} != {t.format(x='b')})" for k, t in TRUTH.items()},
}

CONVERT = {  # (from kind, to kind) -> expression of `a`
    ("f", "f"): "a", ("i", "i"): "a", ("u", "u"): "a",
    ("f", "i"): "i32(a)", ("f", "u"): "u32(truth_f(a))",
    ("i", "f"): "f32(a)", ("i", "u"): "u32(a != 0)",
    ("u", "f"): "f32(a)", ("u", "i"): "i32(a)",
}

SCALAR_SLOTS = ("x", "y", "z")
TYPE_NAMES = {"f": "f32", "i": "i32", "u": "u32"}


def kind(dtype):
    return storage_type(dtype)[0]


def expression(table, op, k):
    try:
        return table[op][k]
    except KeyError:
        raise TypeError(f"webgpu: {op} is not implemented for tensors of kind {TYPE_NAMES[k]}") \
            from None


def run(expr, out_dtype, operands, out=None, fscalars=(0.0,) * 4, iscalars=(0,) * 4,
        scalar_dtype=None):
    """out = expr(operands...) elementwise; operands are GPUArrays or Python scalars (uniforms).

    With `out` given (a view, perhaps strided) the result is written through it in place.
    Scalar operands are passed as `scalar_dtype` (default: the output's dtype).
    """
    arrays = [x for x in operands if isinstance(x, GPUArray)]
    device = (out if out is not None else arrays[0]).device
    shape = out.shape if out is not None else broadcast_shapes(*(a.shape for a in arrays))
    if out is None:
        out = empty(device, shape, out_dtype)
    n = out.size
    if n == 0:
        return out
    floats, ints = list(fscalars), list(iscalars)
    scalar_kind = kind(scalar_dtype if scalar_dtype is not None else out_dtype)
    bindings, loads, strides, offsets = [], [], [], []
    for slot, (name, x) in enumerate(zip("abc", operands)):
        if isinstance(x, GPUArray):
            binding = len(bindings) + 2
            t = TYPE_NAMES[kind(x.dtype)]
            bindings.append(f"@group(0) @binding({binding}) var<storage, read> in{slot}: array<{t}>;")
            loads.append(f"let {name} = in{slot}[at[{slot}]];")
            strides.append(broadcast_strides(x, shape))
            offsets.append(x.offset)
        else:
            if scalar_kind == "f":
                floats[slot] = float(x)
                loads.append(f"let {name} = p.fscalars.{SCALAR_SLOTS[slot]};")
            else:
                ints[slot] = int(x)
                cast = "u32" if scalar_kind == "u" else ""
                loads.append(f"let {name} = {cast}(p.iscalars.{SCALAR_SLOTS[slot]});")
            strides.append([0] * len(shape))
            offsets.append(0)
    while len(strides) < 3:
        strides.append([0] * len(shape))
        offsets.append(0)
    strides.append(list(out.steps))
    offsets.append(out.offset)
    merged, merged_strides = kernels.collapse(shape, *strides)
    src = kernels.source("elementwise", prelude=("math",), out_type=TYPE_NAMES[kind(out.dtype)],
                         input_bindings="\n".join(bindings), loads="\n    ".join(loads), expr=expr)
    per_dim = [v for d in range(len(merged)) for v in (s[d] for s in merged_strides)]
    params = (kernels.u32s(n, len(merged), 0, 0) + kernels.i32s(*offsets)
              + kernels.dims(merged) + kernels.dims(per_dim, 4 * kernels.MAX_DIMS, "i")
              + kernels.f32s(*floats) + kernels.i32s(*ints))
    kernels.launch(device, src, params, [out, *arrays], kernels.groups_for(n))
    return out


def unary(op, a):
    return run(expression(UNARY, op, kind(a.dtype)), a.dtype, [a])


def binary(op, a, b):
    dtype = _operand_dtype(a, b)
    k = kind(dtype)
    if op in PREDICATES:
        return run(PREDICATES[op][k], BOOL, [a, b], scalar_dtype=dtype)
    return run(expression(BINARY, op, k), dtype, [a, b])


def _operand_dtype(*operands):
    for x in operands:
        if isinstance(x, GPUArray):
            return x.dtype
    raise TypeError("webgpu: an elementwise op needs at least one GPU array")


def logical_not(a):
    return run(f"u32(!{TRUTH[kind(a.dtype)].format(x='a')})", BOOL, [a])


def where(cond, a, b):
    dtype = _operand_dtype(a, b)
    c = cond if kind(cond.dtype) == "u" else astype(cond, BOOL)
    return run("select(c, b, a != 0u)", dtype, [c, a, b])


def astype(a, dtype):
    dtype = np.dtype(dtype)
    return run(CONVERT[kind(a.dtype), kind(dtype)], dtype, [a])


def contiguous(a):
    return a if a.is_contiguous else run("a", a.dtype, [a])


def copy(a):
    return run("a", a.dtype, [a])


def fill(device, shape, value, dtype):
    out = empty(device, shape, dtype)
    k = kind(dtype)
    if k == "f":
        return run("p.fscalars.x", dtype, [], out=out, fscalars=(float(value), 0.0, 0.0, 0.0))
    return run("u32(p.iscalars.x)" if k == "u" else "p.iscalars.x", dtype, [], out=out,
               iscalars=(int(value), 0, 0, 0))


def copy_into(dst, src):
    """dst[...] = src (broadcast, converting the dtype); dst may be any view."""
    if isinstance(src, GPUArray):
        if src.storage is dst.storage:
            src = copy(src)  # the write could overwrite elements src still has to give
        run(CONVERT[kind(src.dtype), kind(dst.dtype)], dst.dtype, [src], out=dst)
    else:
        k = kind(dst.dtype)
        if k == "f":
            run("p.fscalars.x", dst.dtype, [], out=dst, fscalars=(float(src), 0.0, 0.0, 0.0))
        else:
            run("u32(p.iscalars.x)" if k == "u" else "p.iscalars.x", dst.dtype, [], out=dst,
                iscalars=(int(src), 0, 0, 0))
    return dst
