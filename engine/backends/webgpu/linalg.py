"""Batched matmul with numpy's broadcasting rules (wgsl/matmul.wgsl)."""
from . import kernels
from .array import broadcast_shapes, broadcast_strides, empty
from .elementwise import TYPE_NAMES, kind

MAX_BATCH_PER_DISPATCH = 65535
BATCH_WALK = kernels.strided_walk("batch_at", "batch_", operands=2)  # A and B batches


def matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    k_a = kind(a.dtype)
    if k_a != kind(b.dtype) or k_a == "u":
        raise TypeError(f"webgpu: matmul needs two float32 or two integer tensors, got "
                        f"{a.dtype.name} and {b.dtype.name}")
    a2 = a.view((1, *a.shape), (0, *a.steps), a.offset) if a.ndim == 1 else a
    b2 = b.view((*b.shape, 1), (*b.steps, 0), b.offset) if b.ndim == 1 else b
    m, k = a2.shape[-2:]
    k2, n = b2.shape[-2:]
    if k != k2:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with "
                         f"gufunc signature (n?,k),(k,m?)->(n?,m?) (size {k2} is different from {k})")
    batch = broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    a_steps = broadcast_strides(a2.view(a2.shape[:-2], a2.steps[:-2], 0), batch)
    b_steps = broadcast_strides(b2.view(b2.shape[:-2], b2.steps[:-2], 0), batch)
    out_shape = (*batch, m, n)
    out = empty(a.device, out_shape, a.dtype)
    n_batch = out.size // (m * n) if m * n else 0
    if out.size:
        batch_dims, (a_batch, b_batch) = kernels.collapse(batch, a_steps, b_steps)
        per_dim = [v for d in range(len(batch_dims)) for v in (a_batch[d], b_batch[d], 0, 0)]
        src = kernels.source("matmul", prelude=(BATCH_WALK,), type=TYPE_NAMES[k_a])
        for first in range(0, n_batch, MAX_BATCH_PER_DISPATCH):
            count = min(MAX_BATCH_PER_DISPATCH, n_batch - first)
            params = (kernels.u32s(m, n, k, len(batch_dims)) + kernels.i32s(a2.offset, b2.offset)
                      + kernels.u32s(first, 0)
                      + kernels.i32s(a2.steps[-2], a2.steps[-1], b2.steps[-2], b2.steps[-1])
                      + kernels.dims(batch_dims) + kernels.dims(per_dim, 4 * kernels.MAX_DIMS, "i"))
            kernels.launch(a.device, src, params, [out, a2, b2],
                           (-(-n // 32), -(-m // 32), count))
    if a.ndim == 1:
        out = out.view(out_shape[:-2] + (n,), out.steps[:-2] + (1,), 0)
    if b.ndim == 1:
        out = out.view(out.shape[:-1], out.steps[:-1], 0)
    return out
