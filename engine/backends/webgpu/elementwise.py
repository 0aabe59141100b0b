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
    "erfc": {"f": "erfc_f(a)"},
    "log1p": {"f": "log1p_f(a)"},
    "expm1": {"f": "expm1_f(a)"},
    "reciprocal": {"f": "1.0 / a"},
    "bitwise_not": {"i": "~a"},   # (int64 is stored in 32 bits, whose two's complement it inverts)
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
    "atan2": {"f": "atan2_f(a, b)"},
    "bitwise_and": {"i": "a & b", "u": "a & b"},
    "bitwise_or": {"i": "a | b", "u": "a | b"},
    "bitwise_xor": {"i": "a ^ b", "u": "a ^ b"},
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
OPERANDS_WALK = kernels.strided_walk("operands_at", operands=4)  # in0, in1, in2 and out together
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
    operand_strides = [broadcast_strides(x, shape) for x in arrays]
    fresh = out is None
    if fresh:
        out = empty_like_layout(device, shape, out_dtype, operand_strides)
    n = out.size
    if n == 0:
        return out
    floats, ints = list(fscalars), list(iscalars)
    scalar_kind = kind(scalar_dtype if scalar_dtype is not None else out_dtype)
    for slot, x in enumerate(operands):
        if isinstance(x, GPUArray):
            continue
        if scalar_kind == "f":
            floats[slot] = float(x)
        else:
            ints[slot] = int(x)
    flat = _flat_layouts(out, operands, operand_strides, fresh)
    if flat is not None:
        src, offsets = _flat_kernel(expr, out, operands, flat, scalar_kind)
        dims, per_dim, workgroups = [], [], kernels.groups_for(-(-n // 4))
    else:
        src = _strided_kernel(expr, out, operands, scalar_kind)
        offsets = [x.offset if isinstance(x, GPUArray) else 0 for x in operands]
        offsets += [0] * (3 - len(offsets)) + [out.offset]
        dims, merged = kernels.collapse(shape, *_padded(operand_strides, operands, len(shape)),
                                        list(out.steps))
        per_dim = [v for d in range(len(dims)) for v in (s[d] for s in merged)]
        inner = dims[-1] if dims else 1
        workgroups = kernels.groups_for((n // inner) * -(-inner // STRIDED_SEGMENT))
    params = (kernels.u32s(n, len(dims), 0, 0) + kernels.i32s(*offsets)
              + kernels.dims(dims) + kernels.dims(per_dim, 4 * kernels.MAX_DIMS, "i")
              + kernels.f32s(*floats) + kernels.i32s(*ints))
    kernels.launch(device, src, params, [out, *arrays], workgroups)
    return out


STRIDED_SEGMENT = 8  # elements per invocation in wgsl/elementwise.wgsl (its SEG)


def _padded(operand_strides, operands, ndim):
    """Strides of the three input slots in order (zeros for scalar and missing operands)."""
    strides, arrays = [], iter(operand_strides)
    for x in operands:
        strides.append(next(arrays) if isinstance(x, GPUArray) else [0] * ndim)
    return strides + [[0] * ndim] * (3 - len(strides))


def memory_order(shape, operand_strides):
    """Dims from outermost to innermost as the operands lay them out (numpy's order="K", which
    torch's elementwise results follow too): the first operand with a say on a pair of dims,
    i.e. nonzero strides on both, orders them; otherwise C order stands."""
    def outer(d1, d2):
        for steps in operand_strides:
            a, b = abs(steps[d1]), abs(steps[d2])
            if a and b and a != b:
                return a > b
        return False
    order = []
    for d in range(len(shape)):
        at = len(order)
        while at > 0 and outer(d, order[at - 1]) and shape[d] != 1 and shape[order[at - 1]] != 1:
            at -= 1
        order.insert(at, d)
    return order


def empty_like_layout(device, shape, dtype, operand_strides):
    """A new dense array of `shape` laid out in the operands' memory order."""
    order = memory_order(shape, operand_strides)
    if order == sorted(order):
        return empty(device, shape, dtype)
    dense = empty(device, [shape[d] for d in order], dtype)
    steps = [0] * len(shape)
    for position, d in enumerate(order):
        steps[d] = dense.steps[position]
    return dense.view(shape, steps, 0)


def _flat_layouts(out, operands, operand_strides, fresh):
    """Per operand "vector" (laid out like out, aligned) or "single" (one element broadcast),
    when every operand is one of those and out is dense and takes vec4 stores; else None."""
    if not (fresh or out.is_contiguous) or out.offset % 4 or not (fresh or out.size % 4 == 0):
        return None
    layouts, arrays = [], iter(operand_strides)
    for x in operands:
        if not isinstance(x, GPUArray):
            layouts.append("scalar")
            continue
        steps = next(arrays)
        if not any(steps):
            layouts.append("single")
        elif x.offset % 4 == 0 and all(s == o for s, o, n in zip(steps, out.steps, out.shape) if n > 1):
            layouts.append("vector")
        else:
            return None
    return layouts


def _flat_kernel(expr, out, operands, layouts, scalar_kind):
    bindings, vector_loads, loads, offsets = [], [], [], []
    for slot, (name, x, layout) in enumerate(zip("abc", operands, layouts)):
        if layout == "scalar":
            loads.append(_scalar_load(name, slot, scalar_kind))
            offsets.append(0)
            continue
        t = TYPE_NAMES[kind(x.dtype)]
        binding = len(bindings) + 2
        if layout == "vector":
            bindings.append(f"@group(0) @binding({binding}) var<storage, read> in{slot}: array<vec4<{t}>>;")
            vector_loads.append(f"let v{slot} = in{slot}[p.offsets[{slot}] + iq];")
            loads.append(f"let {name} = v{slot}[k];")
            offsets.append(x.offset // 4)
        else:
            bindings.append(f"@group(0) @binding({binding}) var<storage, read> in{slot}: array<{t}>;")
            vector_loads.append(f"let v{slot} = in{slot}[p.offsets[{slot}]];")
            loads.append(f"let {name} = v{slot};")
            offsets.append(x.offset)
    offsets += [0] * (3 - len(offsets)) + [out.offset // 4]
    src = kernels.source("elementwise_flat", prelude=("math",), out_type=TYPE_NAMES[kind(out.dtype)],
                         input_bindings="\n".join(bindings), vector_loads="\n    ".join(vector_loads),
                         loads="\n        ".join(loads), expr=expr)
    return src, offsets


def _strided_kernel(expr, out, operands, scalar_kind):
    bindings, loads = [], []
    for slot, (name, x) in enumerate(zip("abc", operands)):
        if isinstance(x, GPUArray):
            t = TYPE_NAMES[kind(x.dtype)]
            bindings.append(f"@group(0) @binding({len(bindings) + 2}) var<storage, read> in{slot}: array<{t}>;")
            loads.append(f"let {name} = in{slot}[at[{slot}]];")
        else:
            loads.append(_scalar_load(name, slot, scalar_kind))
    return kernels.source("elementwise", prelude=("math", OPERANDS_WALK), out_type=TYPE_NAMES[kind(out.dtype)],
                          input_bindings="\n".join(bindings), loads="\n        ".join(loads), expr=expr)


def _scalar_load(name, slot, scalar_kind):
    if scalar_kind == "f":
        return f"let {name} = p.fscalars.{SCALAR_SLOTS[slot]};"
    cast = "u32" if scalar_kind == "u" else ""
    return f"let {name} = {cast}(p.iscalars.{SCALAR_SLOTS[slot]});"


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
    return a if a.is_contiguous else copy(a)


def copy(a):
    """A C-ordered copy (as numpy's ndarray.copy)."""
    return run("a", a.dtype, [a], out=empty(a.device, a.shape, a.dtype))


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
