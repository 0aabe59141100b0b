"""conv2d and its two gradients, any stride, padding, dilation and groups, as matmuls.

Windows are unfolded into "cols" ([N, G, L, K_g]: L = OH * OW output positions, K_g =
Cin/groups * kh * kw taps) by wgsl/im2col.wgsl, so the heavy lifting is the register-blocked
matmul (an order of magnitude faster than a direct convolution loop on every driver tried):

    forward:      out[n, g]   = W[g] @ cols[n, g]^T               [Cout_g, L]
    grad input:   gcols[n, g] = grad[n, g]^T @ W[g], folded back by wgsl/col2im.wgsl
    grad weight:  dW[g]       = sum over n of grad[n, g] @ cols[n, g]

Large batches are unfolded a chunk of images at a time, so cols stay well inside WebGPU's
128 MiB binding limit.
"""
import math

import numpy as np

from . import kernels
from .array import basic_index, empty, permute
from .elementwise import binary, copy_into, fill
from .linalg import matmul
from .movement import reshape
from .reduce import reduce

FLOAT32 = np.dtype(np.float32)
COLS_BUDGET = 8 * 1024 * 1024  # elements of unfolded windows per chunk (32 MiB)


def out_size(size, k, stride, padding, dilation):
    return (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


class Geometry:
    def __init__(self, x_shape, w_shape, stride, padding, dilation, groups, out_hw=None):
        self.n, self.cin, self.h, self.w = x_shape
        self.cout, self.cin_g, self.kh, self.kw = w_shape
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.oh, self.ow = out_hw or (out_size(self.h, self.kh, stride[0], padding[0], dilation[0]),
                                      out_size(self.w, self.kw, stride[1], padding[1], dilation[1]))
        self.l = self.oh * self.ow
        self.k_g = self.cin_g * self.kh * self.kw
        self.cout_g = self.cout // groups

    def chunks(self):
        """Ranges of images whose unfolded windows fit the budget together."""
        per_image = max(self.groups * self.l * self.k_g, 1)
        step = max(1, COLS_BUDGET // per_image)
        return [(first, min(self.n, first + step)) for first in range(0, self.n, step)]

    def params(self, total, first, x=None):
        return (kernels.u32s(total, self.cin, self.h, self.w, self.oh, self.ow, self.kh, self.kw,
                             self.groups, first)
                + kernels.i32s(x.offset if x is not None else 0) + kernels.u32s(0)
                + kernels.i32s(*self.stride, *self.padding, *self.dilation) + kernels.u32s(0, 0)
                + kernels.i32s(*(x.steps if x is not None else (0, 0, 0, 0))))


def _check_float(*arrays):
    for a in arrays:
        if a.dtype != FLOAT32:
            raise TypeError("webgpu: convolution is implemented for float32 tensors only")


def _im2col(x, geo, first, stop):
    cols = empty(x.device, (stop - first, geo.groups, geo.l, geo.k_g), FLOAT32)
    windows = (stop - first) * geo.groups * geo.l
    if cols.size:
        kernels.launch(x.device, kernels.source("im2col", prelude=("conv_params",)),
                       geo.params(windows, first, x), [cols, x], kernels.groups_for(windows))
    return cols


def _weight_matrices(w, geo):
    return reshape(w, (geo.groups, geo.cout_g, geo.k_g))


def _images(a, first, stop):
    return basic_index(a, (slice(first, stop),))


def conv2d(x, w, stride, padding, dilation, groups, keep_windows=False):
    """With keep_windows, returns (out, windows): the unfolded input when it fit in one chunk (for
    conv2d_backward_weight, which then need not unfold it again), else None."""
    _check_float(x, w)
    geo = Geometry(x.shape, w.shape, stride, padding, dilation, groups)
    out_shape = (geo.n, geo.cout, geo.oh, geo.ow)
    if math.prod(out_shape) == 0 or geo.k_g == 0:
        out = fill(x.device, out_shape, 0.0, FLOAT32)
        return (out, None) if keep_windows else out
    weights = _weight_matrices(w, geo)
    chunks = geo.chunks()
    out = None if len(chunks) == 1 else empty(x.device, out_shape, FLOAT32)
    for first, stop in chunks:
        cols = _im2col(x, geo, first, stop)
        y = matmul(weights, permute(cols, (0, 1, 3, 2)))  # [images, G, Cout_g, L]
        y = reshape(y, (stop - first, geo.cout, geo.oh, geo.ow))
        if out is None:
            return (y, cols) if keep_windows else y
        copy_into(_images(out, first, stop), y)
    return (out, None) if keep_windows else out


def conv2d_backward_input(grad_out, w, input_shape, stride, padding, dilation, groups):
    _check_float(grad_out, w)
    geo = Geometry(input_shape, w.shape, stride, padding, dilation, groups, grad_out.shape[2:])
    out = empty(grad_out.device, input_shape, FLOAT32)
    if out.size == 0:
        return out
    weights = _weight_matrices(w, geo)
    grad = reshape(grad_out, (geo.n, geo.groups, geo.cout_g, geo.l))
    src = kernels.source("col2im", prelude=("conv_params",))
    for first, stop in geo.chunks():
        grad_cols = matmul(permute(_images(grad, first, stop), (0, 1, 3, 2)), weights)
        total = (stop - first) * geo.cin * geo.h * geo.w
        kernels.launch(out.device, src, geo.params(total, first), [out, grad_cols],
                       kernels.groups_for(total))
    return out


def conv2d_backward_weight(x, grad_out, weight_shape, stride, padding, dilation, groups, windows=None):
    _check_float(x, grad_out)
    geo = Geometry(x.shape, weight_shape, stride, padding, dilation, groups, grad_out.shape[2:])
    if geo.n * geo.l == 0:
        return fill(x.device, weight_shape, 0.0, FLOAT32)
    grad = reshape(grad_out, (geo.n, geo.groups, geo.cout_g, geo.l))
    total = None
    for first, stop in geo.chunks():
        cols = windows if windows is not None else _im2col(x, geo, first, stop)
        per_image = matmul(_images(grad, first, stop), cols)
        part = reduce("sum", per_image, (0,), False)  # [G, Cout_g, K_g]
        total = part if total is None else binary("add", total, part)
    return reshape(total, weight_shape)
