"""Reductions over any set of axes (wgsl/reduce.wgsl) and argmax/argmin (wgsl/argreduce.wgsl)."""
import math

import numpy as np

from . import kernels
from .array import GPUArray, empty
from .elementwise import BOOL, TRUTH, TYPE_NAMES, fill, kind

INT64 = np.dtype(np.int64)
# (combine, identity bits) per accumulator kind; identities as bits since -inf is no WGSL constant.
COMBINE = {
    "sum": {"f": ("a + b", 0), "i": ("a + b", 0)},
    "prod": {"f": ("a * b", 0x3F800000), "i": ("a * b", 1)},
    "max": {"f": ("max_nan(a, b)", 0xFF800000), "i": ("max(a, b)", 0x80000000), "u": ("max(a, b)", 0)},
    "min": {"f": ("min_nan(a, b)", 0x7F800000), "i": ("min(a, b)", 0x7FFFFFFF), "u": ("min(a, b)", 1)},
    "any": {"u": ("max(a, b)", 0)},
    "all": {"u": ("min(a, b)", 1)},
}
EMPTY_RESULT = {"sum": 0, "prod": 1, "any": False, "all": True}
MAX_CHUNKS = 64
SEGMENT = 16            # elements an invocation walks without index arithmetic (reduce.wgsl's SEG)
CHUNK_SEGMENTS = 256    # segments per chunk when a long row is split over workgroups
MAX_LANES = 64          # invocations per row: barriers cost, on software drivers most of all

ROW_WALK = kernels.strided_walk("row_at", "out_")  # the kept dims
RUN_WALK = kernels.strided_walk("run_at", "red_")  # the reduced dims besides the innermost


def accumulator_kind(op, k):
    """The kind results accumulate in: bools count as ints in sum/prod and as flags in any/all."""
    if op in ("any", "all"):
        return "u"
    if op in ("sum", "prod") and k == "u":
        return "i"
    return k


def result_dtype(op, dtype):
    if op in ("any", "all"):
        return BOOL
    if op in ("sum", "prod") and dtype == BOOL:
        return INT64
    return dtype


def lanes_for(n, per_lane=16):
    """Invocations per row: enough that each takes about `per_lane` items, at most MAX_LANES."""
    lanes = 1
    while lanes < MAX_LANES and lanes * per_lane < n:
        lanes *= 2
    return lanes


def reduce(op, a, axes, keepdims):
    axes = sorted({ax % a.ndim for ax in axes}) if a.ndim else []
    kept = [d for d in range(a.ndim) if d not in axes]
    if keepdims:
        out_shape = tuple(1 if d in axes else n for d, n in enumerate(a.shape))
    else:
        out_shape = tuple(a.shape[d] for d in kept)
    out_dtype = result_dtype(op, a.dtype)
    n_red = math.prod(a.shape[d] for d in axes)
    if n_red == 0 or a.size == 0:
        if n_red == 0 and math.prod(out_shape) and op not in EMPTY_RESULT:
            raise ValueError(f"zero-size array to reduction operation {op}imum which has no identity")
        return fill(a.device, out_shape, EMPTY_RESULT.get(op, 0), out_dtype)
    rows, (row_steps,) = kernels.collapse([a.shape[d] for d in kept], [a.steps[d] for d in kept])
    red, (red_steps,) = kernels.collapse([a.shape[d] for d in axes], [a.steps[d] for d in axes])
    n_out = math.prod(rows)
    out = _reduce_rows(op, a, kind(a.dtype), n_out, rows, row_steps, n_red, red, red_steps)
    # The accumulator already has the result's storage type (int32 sums stay i32, labelled int64
    # while accumulating): only shape and label change.
    return GPUArray(out.storage, out_shape, out_dtype)


def _reduce_rows(op, a, in_kind, n_out, rows, row_steps, n_red, red, red_steps):
    acc_kind = accumulator_kind(op, in_kind)
    combine, identity = COMBINE[op].get(acc_kind, (None, None))
    if combine is None:
        raise TypeError(f"webgpu: {op} is not implemented for tensors of kind {TYPE_NAMES[in_kind]}")
    inner, inner_step = (red[-1], red_steps[-1]) if red else (1, 0)
    row_segments = -(-inner // SEGMENT)
    n_segments = (n_red // inner) * row_segments
    n_chunks = 1
    if n_out < MAX_CHUNKS and n_segments > 4 * CHUNK_SEGMENTS:
        n_chunks = min(MAX_CHUNKS, math.ceil(n_segments / CHUNK_SEGMENTS))
    chunk = math.ceil(n_segments / n_chunks)
    lanes = lanes_for(chunk, per_lane=4)
    load = f"u32({TRUTH[in_kind].format(x='x')})" if op in ("any", "all") else \
        ("i32(x)" if acc_kind != in_kind else "x")
    src = kernels.source("reduce", prelude=("math", ROW_WALK, RUN_WALK), acc_type=TYPE_NAMES[acc_kind],
                         in_type=TYPE_NAMES[in_kind], load=load, combine=combine)
    out_dtype = {"f": np.float32, "i": np.int64, "u": np.bool_}[acc_kind]
    n_rows = n_out * n_chunks
    out = empty(a.device, (n_rows,), out_dtype)
    params = (kernels.u32s(n_rows, n_segments, chunk, n_chunks, lanes, len(rows), max(len(red) - 1, 0))
              + kernels.i32s(a.offset) + kernels.u32s(identity, inner) + kernels.i32s(inner_step)
              + kernels.u32s(row_segments)
              + kernels.dims(rows) + kernels.dims(row_steps, fmt="i")
              + kernels.dims(red[:-1]) + kernels.dims(red_steps[:-1], fmt="i"))
    kernels.launch(a.device, src, params, [out, a], kernels.groups_for(n_rows, 256 // lanes))
    if n_chunks == 1:
        return out
    # Second pass: each output combines its chunks' partial results.
    return _reduce_rows(op, out, acc_kind, n_out, [n_out], [n_chunks], n_chunks, [n_chunks], [1])


def argreduce(op, a, axis, keepdims):
    if a.ndim == 0:
        a = a.view((1,), (1,), a.offset)
        axis = 0
    axis %= a.ndim
    n_red = a.shape[axis]
    if n_red == 0:
        raise ValueError(f"attempt to get {op} of an empty sequence")
    others = [d for d in range(a.ndim) if d != axis]
    out_shape = tuple(1 if d == axis else n for d, n in enumerate(a.shape)) if keepdims else \
        tuple(a.shape[d] for d in others)
    rows, (row_steps,) = kernels.collapse([a.shape[d] for d in others], [a.steps[d] for d in others])
    n_rows = math.prod(rows)
    out = empty(a.device, out_shape, INT64)
    if n_rows == 0:
        return out
    k = kind(a.dtype)
    float_nan = k == "f"
    src = kernels.source("argreduce", prelude=("math", ROW_WALK), in_type=TYPE_NAMES[k],
                         is_nan_a="is_nan(av)" if float_nan else "false",
                         is_nan_b="is_nan(bv)" if float_nan else "false",
                         better=">" if op == "argmax" else "<")
    lanes = lanes_for(n_red)
    params = (kernels.u32s(n_rows, n_red, lanes, len(rows)) + kernels.i32s(a.offset, a.steps[axis])
              + kernels.u32s(0, 0) + kernels.dims(rows) + kernels.dims(row_steps, fmt="i"))
    kernels.launch(a.device, src, params, [out, a], kernels.groups_for(n_rows, 256 // lanes))
    return out
