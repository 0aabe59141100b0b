"""Gather and scatter on flat (C-order) indices: what advanced indexing and its backward use."""
import numpy as np

from . import kernels
from .array import broadcast_shapes, broadcast_strides, empty
from .elementwise import TYPE_NAMES, fill, kind

FLOAT32 = np.dtype(np.float32)
PAIR_WALK = kernels.strided_walk("index_values_at", operands=2)  # index and values walked together
DST_WALK = kernels.strided_walk("dst_at", "dst_")


def take(a, index):
    """a.ravel()[index], shaped like index."""
    out = empty(a.device, index.shape, a.dtype)
    if out.size == 0:
        return out
    if a.size == 0:
        raise IndexError("cannot do a non-empty take from an empty axes.")
    index_dims, (index_steps,) = kernels.collapse(index.shape, index.steps)
    src_dims, (src_steps,) = kernels.collapse(a.shape, a.steps)
    walks = (kernels.strided_walk("index_at", "index_"), kernels.strided_walk("src_at", "src_"))
    src = kernels.source("take", prelude=walks, type=TYPE_NAMES[kind(a.dtype)])
    params = (kernels.u32s(out.size, a.size, len(index_dims), len(src_dims))
              + kernels.i32s(index.offset, a.offset) + kernels.u32s(0, 0)
              + kernels.dims(index_dims) + kernels.dims(index_steps, fmt="i")
              + kernels.dims(src_dims) + kernels.dims(src_steps, fmt="i"))
    kernels.launch(a.device, src, params, [out, index, a], kernels.groups_for(out.size))
    return out


def put(dst, index, values):
    """dst.flat[index] = values in place (values broadcast to index's shape); dst may be any view."""
    count, ndim, walk = _index_value_walk(index, values)
    if count == 0:
        return dst
    dst_dims, (dst_steps,) = kernels.collapse(dst.shape, dst.steps)
    params = (kernels.u32s(count, dst.size, ndim, len(dst_dims))
              + kernels.i32s(index.offset, values.offset, dst.offset) + kernels.u32s(0)
              + walk + kernels.dims(dst_dims) + kernels.dims(dst_steps, fmt="i"))
    src = kernels.source("put", prelude=(PAIR_WALK, DST_WALK), type=TYPE_NAMES[kind(dst.dtype)])
    kernels.launch(dst.device, src, params, [dst, index, values], kernels.groups_for(count))
    return dst


def scatter_add(n, index, values):
    """A length-n array holding the sum of `values` at each index."""
    return scatter_add_planes(fill(values.device, (n,), 0, values.dtype), index, values)


def scatter_add_planes(out, index, values, plane_elems=None, plane_size=0):
    """out.flat[index + (i // plane_elems) * plane_size] += values, in place; returns out."""
    if kind(values.dtype) != "f":
        raise TypeError("webgpu: scatter_add is implemented for float32 values only")
    count, ndim, walk = _index_value_walk(index, values)
    if count == 0:
        return out
    params = (kernels.u32s(count, out.size, ndim, plane_elems or count + 1, plane_size)
              + kernels.i32s(index.offset, values.offset) + kernels.u32s(0) + walk)
    kernels.launch(out.device, kernels.source("scatter_add", prelude=(PAIR_WALK,)), params, [out, index, values],
                   kernels.groups_for(count))
    return out


def _index_value_walk(index, values):
    """How a scatter walks index and values together (values broadcast to index's shape): the
    element count, the merged rank, and the kernels' `shape` and `steps` fields (strided.wgsl)."""
    shape = broadcast_shapes(index.shape, values.shape)
    dims, (index_steps, value_steps) = kernels.collapse(
        shape, broadcast_strides(index, shape), broadcast_strides(values, shape))
    per_dim = [v for d in range(len(dims)) for v in (index_steps[d], value_steps[d], 0, 0)]
    return (int(np.prod(shape)), len(dims),
            kernels.dims(dims) + kernels.dims(per_dim, 4 * kernels.MAX_DIMS, "i"))
