"""conv2d and its two gradients as direct kernels (wgsl/conv2d*.wgsl), any stride, padding,
dilation and groups; inputs are read through their strides."""
import numpy as np

from . import kernels
from .array import empty
from .reduce import lanes_for

FLOAT32 = np.dtype(np.float32)


def out_size(size, k, stride, padding, dilation):
    return (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def _params(total, x_shape, w_shape, out_hw, stride, padding, dilation, groups, first, second,
            lanes=1):
    n, cin, h, w = x_shape
    cout, _, kh, kw = w_shape
    return (kernels.u32s(total, cin, h, w, cout, *out_hw, groups, kh, kw, lanes, n)
            + kernels.i32s(*stride, *padding, *dilation, first.offset, second.offset,
                           *first.steps, *second.steps))


def _check_float(*arrays):
    for a in arrays:
        if a.dtype != FLOAT32:
            raise TypeError("webgpu: convolution is implemented for float32 tensors only")


def conv2d(x, w, stride, padding, dilation, groups):
    _check_float(x, w)
    n, _, h, wd = x.shape
    cout, _, kh, kw = w.shape
    oh = out_size(h, kh, stride[0], padding[0], dilation[0])
    ow = out_size(wd, kw, stride[1], padding[1], dilation[1])
    out = empty(x.device, (n, cout, oh, ow), FLOAT32)
    if out.size:
        params = _params(out.size, x.shape, w.shape, (oh, ow), stride, padding, dilation, groups, x, w)
        kernels.launch(x.device, kernels.source("conv2d", prelude=("conv_params",)), params,
                       [out, x, w], kernels.groups_for(out.size))
    return out


def conv2d_backward_input(grad_out, w, input_shape, stride, padding, dilation, groups):
    _check_float(grad_out, w)
    out = empty(grad_out.device, input_shape, FLOAT32)
    if out.size:
        params = _params(out.size, input_shape, w.shape, grad_out.shape[2:], stride, padding,
                         dilation, groups, grad_out, w)
        kernels.launch(out.device, kernels.source("conv2d_backward_input", prelude=("conv_params",)),
                       params, [out, grad_out, w], kernels.groups_for(out.size))
    return out


def conv2d_backward_weight(x, grad_out, weight_shape, stride, padding, dilation, groups):
    _check_float(x, grad_out)
    out = empty(x.device, weight_shape, FLOAT32)
    n, _, oh, ow = grad_out.shape
    lanes = lanes_for(n * oh * ow)
    if out.size:
        params = _params(out.size, x.shape, weight_shape, (oh, ow), stride, padding, dilation,
                         groups, x, grad_out, lanes)
        kernels.launch(out.device,
                       kernels.source("conv2d_backward_weight", prelude=("conv_params",)),
                       params, [out, x, grad_out], kernels.groups_for(out.size, 256 // lanes))
    return out
