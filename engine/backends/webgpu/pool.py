"""Max and average pooling (wgsl/max_pool2d.wgsl, avg_pool2d*.wgsl) and their gradients."""
import numpy as np

from . import kernels
from .array import empty
from .elementwise import fill
from .indexing import scatter_add_planes

FLOAT32 = np.dtype(np.float32)
INT64 = np.dtype(np.int64)


def out_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size (a last window must start inside the input or left padding)."""
    eff = d * (k - 1) + 1
    out = (size + 2 * p - eff + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _params(total, shape, out_hw, kernel, stride, padding, dilation, steps, offset,
            divisor_override=0, count_include_pad=True):
    _, c, h, w = shape
    return (kernels.u32s(total, c, h, w, *out_hw, *kernel)
            + kernels.i32s(*stride, *padding, *dilation, divisor_override or 0)
            + kernels.u32s(int(bool(count_include_pad))) + kernels.i32s(*steps, offset)
            + kernels.u32s(0, 0, 0))


def _check_float(a):
    if a.dtype != FLOAT32:
        raise TypeError("webgpu: pooling is implemented for float32 tensors only")


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
    """Values and PyTorch-style indices (flat position within each input H*W plane)."""
    _check_float(x)
    n, c, h, w = x.shape
    oh = out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    values = empty(x.device, (n, c, oh, ow), FLOAT32)
    indices = empty(x.device, (n, c, oh, ow), INT64)
    if values.size:
        params = _params(values.size, x.shape, (oh, ow), kernel, stride, padding, dilation,
                         x.steps, x.offset)
        kernels.launch(x.device, kernels.source("max_pool2d", prelude=("math", "pool_params")),
                       params, [values, indices, x], kernels.groups_for(values.size))
    return values, indices


def max_pool2d_backward(grad_out, indices, input_shape):
    n, c, h, w = input_shape
    out = fill(grad_out.device, input_shape, 0, FLOAT32)
    oh, ow = grad_out.shape[2:]
    return scatter_add_planes(out, indices, grad_out, plane_elems=oh * ow, plane_size=h * w)


def avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    _check_float(x)
    n, c, h, w = x.shape
    oh = out_size(h, kernel[0], stride[0], padding[0], 1, ceil_mode)
    ow = out_size(w, kernel[1], stride[1], padding[1], 1, ceil_mode)
    out = empty(x.device, (n, c, oh, ow), FLOAT32)
    if out.size:
        params = _params(out.size, x.shape, (oh, ow), kernel, stride, padding, (1, 1), x.steps,
                         x.offset, divisor_override, count_include_pad)
        kernels.launch(x.device, kernels.source("avg_pool2d", prelude=("pool_params",)),
                       params, [out, x], kernels.groups_for(out.size))
    return out


def avg_pool2d_backward(grad_out, input_shape, kernel, stride, padding, ceil_mode,
                        count_include_pad, divisor_override):
    _check_float(grad_out)
    out = empty(grad_out.device, input_shape, FLOAT32)
    if out.size:
        params = _params(out.size, input_shape, grad_out.shape[2:], kernel, stride, padding,
                         (1, 1), grad_out.steps, grad_out.offset, divisor_override,
                         count_include_pad)
        kernels.launch(out.device, kernels.source("avg_pool2d_backward", prelude=("pool_params",)),
                       params, [out, grad_out], kernels.groups_for(out.size))
    return out
