"""Fused optimizer updates, in place: PyTorch's formulas in its order of rounding."""
import math

import numpy as np


def sgd_step(param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """One SGD update of param in place, PyTorch's formula; momentum_buf is updated in place too."""
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    if momentum:
        momentum_buf *= momentum
        momentum_buf += (1 - dampening) * g
        g = g + momentum * momentum_buf if nesterov else momentum_buf
    param -= lr * g


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay,
              amsgrad, decoupled_weight_decay, maximize):
    g = -grad if maximize else grad
    if weight_decay:
        if decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    exp_avg *= beta1
    exp_avg += (1 - beta1) * g
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g
    bias1 = 1 - beta1 ** step
    bias2 = 1 - beta2 ** step
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    else:
        second = exp_avg_sq
    denom = np.sqrt(second) / math.sqrt(bias2) + eps
    param -= (lr / bias1) * exp_avg / denom
