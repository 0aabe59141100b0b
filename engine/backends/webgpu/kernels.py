"""WGSL sources (the `.wgsl` files beside this module) and what every kernel launch shares."""
import functools
import struct
from pathlib import Path
from string import Template

from .device import grid_1d

WGSL_DIR = Path(__file__).parent / "wgsl"
MAX_DIMS = 8          # rank a kernel's index arithmetic handles (after merging dims)
WORKGROUP = 256       # invocations per workgroup for 1-D kernels (the WebGPU default maximum)


@functools.cache
def wgsl(name):
    return (WGSL_DIR / f"{name}.wgsl").read_text()


@functools.cache
def source(name, prelude=(), **fields):
    """The text of kernel `name` with its `$fields` filled in, after the `prelude` files (a name, or
    (name, fields) for a prelude that is itself a template, as strided_walk gives)."""
    text = Template(wgsl(name)).substitute(fields)
    return "\n".join([*(wgsl(p) if isinstance(p, str) else Template(wgsl(p[0])).substitute(dict(p[1]))
                         for p in prelude), text])


def strided_walk(walk, of="", operands=1):
    """The wgsl/strided.wgsl prelude as the function `walk(flat, ndim, offsets)` over the kernel's
    Params fields `{of}shape` and `{of}steps`: one operand's steps packed four to a vec4 (offsets
    an i32), or up to four operands walked together, one vec4 of their steps per dim (offsets a
    vec4<i32>)."""
    at, step = ("i32", "[d / 4][d % 4]") if operands == 1 else ("vec4<i32>", "[d]")
    return "strided", (("walk", walk), ("of", of), ("at", at), ("step", step))


def launch(device, src, params, arrays, workgroups):
    """Dispatch the kernel `src` over `workgroups` (an int spread by grid_1d, or an x/y/z tuple)."""
    grid = grid_1d(workgroups) if isinstance(workgroups, int) else workgroups
    device.dispatch(device.pipeline(src), params, [a.storage for a in arrays], grid)


def groups_for(n, per_group=WORKGROUP):
    return -(-n // per_group)


def u32s(*values):
    return struct.pack(f"<{len(values)}I", *values)


def i32s(*values):
    return struct.pack(f"<{len(values)}i", *values)


def f32s(*values):
    return struct.pack(f"<{len(values)}f", *values)


def dims(values, count=MAX_DIMS, fmt="I"):
    """A fixed-size array<vec4<..>> of dims (zero padded), as the kernels' Params expect."""
    values = list(values)
    if len(values) > count:
        raise NotImplementedError(
            f"webgpu: kernels index at most {count} dims after merging, got {len(values)}")
    return struct.pack(f"<{count}{fmt}", *values, *([0] * (count - len(values))))


def collapse(shape, *strides):
    """Merge neighbouring dims that every operand lays out as one, and drop size-1 dims.

    Returns the merged shape and, per operand, its merged strides. A contiguous elementwise
    op thus indexes one flat dim, whatever the rank of its tensors.
    """
    merged_shape, merged = [], []
    for d, n in enumerate(shape):
        if n == 1:
            continue
        st = [s[d] for s in strides]
        if merged_shape and all(prev == cur * n for prev, cur in zip(merged[-1], st)):
            merged_shape[-1] *= n
            merged[-1] = st
        else:
            merged_shape.append(n)
            merged.append(st)
    return merged_shape, [list(col) for col in zip(*merged)] if merged else [[] for _ in strides]
