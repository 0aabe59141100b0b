"""Fused optimizer updates, in place (wgsl/sgd_step.wgsl, adam_step.wgsl).

Scalars that depend only on hyper-parameters and the step number are computed on the host in
double precision and passed as f32, exactly as the CPU backend's float32 arithmetic sees them.
"""
import math
import weakref

import numpy as np

from . import kernels
from .array import empty
from .elementwise import copy, copy_into

FLOAT32 = np.dtype(np.float32)
GRAD_WALK = kernels.strided_walk("grad_at", "grad_")  # the gradient may be any view


def _state(a):
    """An array the kernel may update as a flat buffer from element 0, and how to write it back."""
    if a.dtype != FLOAT32:
        raise TypeError("webgpu: optimizer steps are implemented for float32 parameters only")
    if a.is_contiguous and a.offset == 0:
        return a, None
    return copy(a), a


def _grad_layout(grad, shape):
    """The gradient's offset, merged shape and strides, as the kernels' Params take them."""
    if grad.shape != tuple(shape):
        raise ValueError(f"webgpu: gradient of shape {grad.shape} for a parameter of shape {tuple(shape)}")
    dims, (steps,) = kernels.collapse(grad.shape, grad.steps)
    return (kernels.i32s(grad.offset) + kernels.u32s(len(dims), 0, 0)
            + kernels.dims(dims, 8) + kernels.dims(steps, 8, "i"))


def _write_back(pairs):
    for work, original in pairs:
        if original is not None:
            copy_into(original, work)


def sgd_step(param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """One SGD update of param in place, PyTorch's formula; momentum_buf is updated in place too."""
    p, p_orig = _state(param)
    use_momentum = bool(momentum) and momentum_buf is not None
    if use_momentum:
        buf, buf_orig = _state(momentum_buf)
    else:
        buf, buf_orig = _dummy(param.device), None
    n = p.size
    if n:
        params = (kernels.u32s(n, int(use_momentum), int(bool(nesterov)), int(bool(maximize)))
                  + _grad_layout(grad, param.shape)
                  + kernels.f32s(lr, momentum, 1 - dampening, weight_decay))
        kernels.launch(param.device, kernels.source("sgd_step", prelude=(GRAD_WALK,)), params, [p, buf, grad],
                       kernels.groups_for(n))
    _write_back([(p, p_orig), (buf, buf_orig)])


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, decoupled_weight_decay, maximize):
    p, p_orig = _state(param)
    m, m_orig = _state(exp_avg)
    v, v_orig = _state(exp_avg_sq)
    if amsgrad:
        vmax, vmax_orig = _state(max_exp_avg_sq)
    else:
        vmax, vmax_orig = _dummy(param.device), None
    bias1 = 1 - beta1 ** step
    bias2 = 1 - beta2 ** step
    n = p.size
    if n:
        params = (kernels.u32s(n, int(bool(amsgrad)), int(bool(maximize)),
                               int(bool(decoupled_weight_decay)))
                  + _grad_layout(grad, param.shape)
                  + kernels.f32s(weight_decay, 1 - lr * weight_decay, beta1, 1 - beta1, beta2,
                                 1 - beta2, math.sqrt(bias2), eps, lr / bias1)
                  + kernels.u32s(0, 0, 0))
        kernels.launch(param.device, kernels.source("adam_step", prelude=(GRAD_WALK,)), params, [p, m, v, vmax, grad],
                       kernels.groups_for(n))
    _write_back([(p, p_orig), (m, m_orig), (v, v_orig), (vmax, vmax_orig)])


_PLACEHOLDERS = weakref.WeakKeyDictionary()


def _dummy(device):
    """A one-element buffer bound where a disabled optional state would go (WebGPU binds all)."""
    if device not in _PLACEHOLDERS:
        _PLACEHOLDERS[device] = empty(device, (1,), FLOAT32)
    return _PLACEHOLDERS[device]
