"""softmax and log_softmax along one axis, fused into one kernel (wgsl/softmax.wgsl)."""
import numpy as np

from . import kernels
from .array import contiguous_strides, empty
from .reduce import lanes_for

ROW_WALK = kernels.strided_walk("row_at", "row_", operands=2)  # input and output rows
RESULTS = {"softmax": "exp(shifted) / total", "log_softmax": "shifted - log(total)"}


def softmax(a, axis, op="softmax"):
    if a.dtype != np.float32:
        raise TypeError(f"webgpu: {op} is implemented for float32 tensors only")
    out = empty(a.device, a.shape, a.dtype)
    if a.ndim == 0:
        a, out_view, axis = a.view((1,), (1,), a.offset), out.view((1,), (1,), 0), 0
    else:
        out_view = out
    axis %= a.ndim
    n = a.shape[axis]
    if out.size == 0:
        return out
    others = [d for d in range(a.ndim) if d != axis]
    out_steps = contiguous_strides(out_view.shape)
    rows, (in_steps, row_out_steps) = kernels.collapse(
        [a.shape[d] for d in others], [a.steps[d] for d in others], [out_steps[d] for d in others])
    n_rows = out.size // n
    lanes = lanes_for(n)
    per_dim = [v for d in range(len(rows)) for v in (in_steps[d], row_out_steps[d], 0, 0)]
    params = (kernels.u32s(n_rows, n, lanes, len(rows))
              + kernels.i32s(a.offset, a.steps[axis], out_steps[axis]) + kernels.u32s(0)
              + kernels.dims(rows) + kernels.dims(per_dim, 4 * kernels.MAX_DIMS, "i"))
    src = kernels.source("softmax", prelude=("math", ROW_WALK), result=RESULTS[op])
    kernels.launch(a.device, src, params, [out, a], kernels.groups_for(n_rows, 256 // lanes))
    return out


def log_softmax(a, axis):
    return softmax(a, axis, "log_softmax")
