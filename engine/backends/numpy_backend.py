"""The CPU backend: the primitive kernels the op table calls, on numpy arrays.

The names and contracts are declared in engine/backends/primitives.py.
"""
import builtins
import ctypes
import math
import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided as _as_strided

name = "cpu"


def _reuse_freed_buffers():
    """glibc gives every buffer over 128 KiB fresh pages from the kernel and returns them when it is
    freed, so each step's activations page-fault their memory in again: about a fifth of a LeNet
    step. Buffers up to 32 MiB are kept in the heap for reuse instead. glibc only; elsewhere
    (Pyodide, macOS) nothing changes."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 256 << 20)


_reuse_freed_buffers()
ndarray = np.ndarray

# --- transfer and creation -------------------------------------------------------------
def from_numpy(a):
    return a


def to_numpy(a):
    return a


def full(shape, value, dtype):
    return np.full(shape, value, dtype)


def arange(start, stop, step, dtype):
    return np.arange(start, stop, step, dtype=dtype)


def astype(a, dtype):
    return a.astype(dtype)


def copy_into(dst, src):
    """dst[...] = src, broadcasting src: the one in-place write every in-place op reduces to."""
    np.copyto(dst, src, casting="unsafe")


def setitem(dst, index, src):
    dst[index] = src


# --- elementwise -----------------------------------------------------------------------
neg, exp, log, sqrt, abs, sign = np.negative, np.exp, np.log, np.sqrt, np.abs, np.sign
sin, cos, tanh, floor, ceil, round = np.sin, np.cos, np.tanh, np.floor, np.ceil, np.round
log1p, expm1, reciprocal, logical_not = np.log1p, np.expm1, np.reciprocal, np.logical_not
add, sub, mul, div, pow = np.add, np.subtract, np.multiply, np.true_divide, np.power
maximum, minimum, floor_divide, remainder = np.maximum, np.minimum, np.floor_divide, np.remainder
eq, ne, lt, le, gt, ge = np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal
logical_and, logical_or, logical_xor = np.logical_and, np.logical_or, np.logical_xor
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert  # integers
atan2 = np.arctan2  # the one trigonometric primitive beyond sin/cos: atan, asin and acos are made from it


def where(cond, a, b):
    return np.where(cond, a, b)


def sigmoid(a):
    # exp of a non-positive number only, so large |a| neither overflows nor warns.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def relu(a):
    return np.maximum(a, 0).astype(a.dtype, copy=False)


# --- activation gradients (fused: one kernel on a GPU) ---------------------------------------
def threshold_backward(g, out):
    """relu's input gradient: g where out > 0, else 0."""
    # A product with the 0/1 mask: branch-free, so 15x faster than where() on numpy's random masks.
    # (It differs from where() only for an infinite or NaN incoming gradient at a masked position.)
    return np.multiply(g, (out > 0).astype(g.dtype, copy=False))


def tanh_backward(g, y):
    """tanh's input gradient from its output y: g * (1 - y^2)."""
    return g * (1 - y * y)


def sigmoid_backward(g, y):
    """sigmoid's input gradient from its output y: g * y * (1 - y)."""
    return g * y * (1 - y)


def erf(a):
    """erf to float64 precision (numpy has none): Abramowitz-Stegun 7.1.26 is too coarse for float64."""
    return _erf(a.astype(np.float64, copy=False)).astype(a.dtype, copy=False)


_erf = np.frompyfunc(math.erf, 1, 1)


# --- reductions ------------------------------------------------------------------------
# PyTorch's reductions return contiguous tensors; numpy's keep the input's layout (a transposed input gives a
# transposed result, and a later .view() would fail where PyTorch's works).
def _c_order(out):
    return out if out.flags.c_contiguous else out.copy(order="C")


def sum(a, axes, keepdims):
    if a.dtype.kind == "f":  # the ufunc's own reduce skips np.sum's dispatch layers (a hot path)
        return _c_order(np.add.reduce(a, axis=axes, keepdims=keepdims))
    return _c_order(np.sum(a, axis=axes, keepdims=keepdims))


def prod(a, axes, keepdims):
    return _c_order(np.prod(a, axis=axes, keepdims=keepdims))


def max(a, axes, keepdims):
    return _c_order(np.max(a, axis=axes, keepdims=keepdims))


def min(a, axes, keepdims):
    return _c_order(np.min(a, axis=axes, keepdims=keepdims))


def any(a, axes, keepdims):
    return _c_order(np.any(a, axis=axes, keepdims=keepdims))


def all(a, axes, keepdims):
    return _c_order(np.all(a, axis=axes, keepdims=keepdims))


def argmax(a, axis, keepdims):
    return np.argmax(a, axis=axis, keepdims=keepdims).astype(np.int64, copy=False)  # wasm32: numpy's are int32


def argmin(a, axis, keepdims):
    return np.argmin(a, axis=axis, keepdims=keepdims).astype(np.int64, copy=False)


# --- linear algebra --------------------------------------------------------------------
matmul = np.matmul


# --- movement (views where numpy can) ---------------------------------------------------
def reshape(a, shape):
    return a.reshape(shape)


def view(a, shape):
    """Reshape without copying, or None when the strides do not allow it (torch's .view rule)."""
    v = a.view()
    try:
        v.shape = shape
    except AttributeError:
        return None
    return v


def permute(a, axes):
    return a.transpose(axes)


def broadcast_to(a, shape):
    return np.broadcast_to(a, shape)


def getitem(a, index):
    return a[index]


def contiguous(a):
    return np.ascontiguousarray(a)


def is_contiguous(a):
    return a.flags.c_contiguous


def concatenate(arrays, axis):
    """C-ordered, as PyTorch's cat (numpy's keeps the inputs' layout: transposed in, transposed out)."""
    out = np.concatenate(arrays, axis=axis)
    return out if out.flags.c_contiguous else np.ascontiguousarray(out)


def pad(a, widths, value):
    return np.pad(a, widths, constant_values=value)


def flip(a, axes):
    """A copy in the input's layout, as PyTorch's flip (numpy's view has negative strides, which torch never shows)."""
    return np.flip(a, axes).copy(order="K")


# --- gather / scatter on flat (linear) indices --------------------------------------------
def take(a, index):
    """a.ravel()[index]: every advanced-indexing read reduces to this."""
    return np.ravel(a).take(np.asarray(index).astype(np.intp, copy=False))  # wasm32: intp is int32


def scatter_add(n, index, values):
    """A length-n array holding the sum of values at each index (advanced-indexing backward)."""
    out = np.bincount(np.ravel(index).astype(np.intp, copy=False), weights=np.ravel(values), minlength=n)
    return out.astype(values.dtype, copy=False)


# --- neural-network kernels ----------------------------------------------------------------
def _windows(x, kh, kw, stride, dilation):
    """A zero-copy (N, C, OH, OW, kh, kw) view of every kernel window of x (N, C, H, W)."""
    n, c, h, w = x.shape
    sn, sc, sh, sw = x.strides
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (w - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return _as_strided(x, (n, c, oh, ow, kh, kw),
                      (sn, sc, sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1]), writeable=False)


def _pad2d(x, padding, value=0):
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _im2col(x, kh, kw, oh, ow, stride, dilation):
    """(C*kh*kw, N*OH*OW): a row per (channel, kernel tap), each one copy of a strided slice of x.
    Copying whole slices, whose rows are contiguous, is far cheaper than reshaping a window view."""
    n, c = x.shape[:2]
    cols = np.empty((c, kh, kw, n, oh, ow), x.dtype)
    channels_first = x.transpose(1, 0, 2, 3)
    for i in range(kh):
        for j in range(kw):
            r, q = i * dilation[0], j * dilation[1]
            cols[:, i, j] = channels_first[:, :, r:r + stride[0] * (oh - 1) + 1:stride[0],
                                           q:q + stride[1] * (ow - 1) + 1:stride[1]]
    return cols.reshape(c * kh * kw, n * oh * ow)


def _conv_out(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _grouped(a, groups):
    """(rows, cols) -> (groups, rows / groups, cols): matmul then runs one product per group."""
    return a.reshape(groups, a.shape[0] // groups, a.shape[1])


def _channels_rows(a):
    """(N, C, H, W) -> (C, N*H*W), the layout every convolution product below works in."""
    return a.transpose(1, 0, 2, 3).reshape(a.shape[1], -1)


def conv2d(x, w, stride, padding, dilation, groups, keep_windows=False):
    """im2col, then one BLAS product per group: (Cout, C*kh*kw) @ (C*kh*kw, N*OH*OW).

    With keep_windows, returns (out, windows): the unfolded input, which
    conv2d_backward_weight can take instead of unfolding the input again (None when a
    backend does not keep them)."""
    n, _, h, wd = x.shape
    cout, cin_g, kh, kw = w.shape
    oh = _conv_out(h, kh, stride[0], padding[0], dilation[0])
    ow = _conv_out(wd, kw, stride[1], padding[1], dilation[1])
    cols = _im2col(_pad2d(x, padding), kh, kw, oh, ow, stride, dilation)
    out = np.matmul(_grouped(w.reshape(cout, -1), groups), _grouped(cols, groups)).reshape(cout, n, oh, ow)
    out = np.ascontiguousarray(out.transpose(1, 0, 2, 3))
    return (out, cols) if keep_windows else out


def conv2d_backward_input(grad_out, w, input_shape, stride, padding, dilation, groups):
    """The transposed product gives each tap's contribution (col2im); kh*kw strided adds place them."""
    n, cin, h, wd = input_shape
    cout, cin_g, kh, kw = w.shape
    ph, pw = padding
    oh, ow = grad_out.shape[2], grad_out.shape[3]
    w_t = _grouped(w.reshape(cout, -1), groups).transpose(0, 2, 1)  # groups, cin_g*kh*kw, cout_g
    cols = np.matmul(w_t, _grouped(_channels_rows(grad_out), groups)).reshape(cin, kh, kw, n, oh, ow)
    gx = np.zeros((cin, n, h + 2 * ph, wd + 2 * pw), dtype=grad_out.dtype)
    for i in range(kh):
        for j in range(kw):
            r, q = i * dilation[0], j * dilation[1]
            gx[:, :, r:r + stride[0] * oh:stride[0], q:q + stride[1] * ow:stride[1]] += cols[:, i, j]
    return np.ascontiguousarray(gx[:, :, ph:ph + h, pw:pw + wd].transpose(1, 0, 2, 3))


def conv2d_backward_weight(x, grad_out, weight_shape, stride, padding, dilation, groups, windows=None):
    cout, cin_g, kh, kw = weight_shape
    oh, ow = grad_out.shape[2], grad_out.shape[3]
    cols = windows if windows is not None else _im2col(_pad2d(x, padding), kh, kw, oh, ow, stride, dilation)
    g = _grouped(_channels_rows(grad_out), groups)
    return np.matmul(g, _grouped(cols, groups).transpose(0, 2, 1)).reshape(weight_shape)


def _pool_out(size, k, s, p, d, ceil_mode):
    eff = d * (k - 1) + 1
    out = (size + 2 * p - eff + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


def _pool_windows(x, kernel, stride, padding, dilation, ceil_mode, fill):
    n, c, h, w = x.shape
    oh = _pool_out(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = _pool_out(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    # pad enough on the bottom/right for ceil_mode windows that overhang
    need_h = (oh - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1
    need_w = (ow - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1
    extra_h = builtins.max(0, need_h - h - padding[0])
    extra_w = builtins.max(0, need_w - w - padding[1])
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0], extra_h), (padding[1], extra_w)), constant_values=fill) \
        if (padding[0] or padding[1] or extra_h or extra_w) else x
    win = _windows(xp, kernel[0], kernel[1], stride, dilation)
    return win[:, :, :oh, :ow], xp.shape


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
    """Values and PyTorch-style indices (flat position within each input H*W plane).

    Works tap by tap (4 taps for 2x2), each a strided view of the whole batch: far cheaper
    than copying every window out for an argmax."""
    n, c, h, w = x.shape
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    win, _ = _pool_windows(x, kernel, stride, padding, dilation, ceil_mode, fill)
    taps = [win[:, :, :, :, i, j] for i in range(kernel[0]) for j in range(kernel[1])]
    best = taps[0].copy()
    for values in taps[1:]:
        np.maximum(best, values, out=best)  # propagates NaN, as PyTorch does
    # The first tap holding the maximum, without branches (np.where on random masks is slow):
    # which = the number of leading taps that are not the maximum.
    missed = taps[0] != best
    which = missed.astype(np.uint8 if len(taps) < 256 else np.int32)
    for values in taps[1:-1]:
        missed &= values != best
        which += missed
    oh, ow = best.shape[2], best.shape[3]
    tap_offset = np.array([i * dilation[0] * w + j * dilation[1] for i in range(kernel[0])
                           for j in range(kernel[1])], np.int64)
    window_start = (np.arange(oh) * stride[0] - padding[0])[:, None] * w + \
        (np.arange(ow) * stride[1] - padding[1])[None, :]
    return best, window_start + tap_offset.take(which)


def max_pool2d_backward(grad_out, indices, input_shape, overlapping=True):
    """Each output's gradient added at its argmax; without overlapping windows no position gets two,
    so a plain scatter does (much cheaper than accumulating)."""
    n, c, h, w = input_shape
    plane = (np.arange(n * c, dtype=np.int64) * (h * w)).reshape(n, c, 1, 1)
    positions = (indices + plane).ravel().astype(np.intp, copy=False)
    if not overlapping:
        gx = np.zeros(n * c * h * w, dtype=grad_out.dtype)
        gx[positions] = grad_out.ravel()
        return gx.reshape(input_shape)
    gx = np.bincount(positions, weights=grad_out.ravel(), minlength=n * c * h * w)
    return gx.astype(grad_out.dtype, copy=False).reshape(input_shape)


def _avg_divisor(input_hw, out_hw, kernel, stride, padding, count_include_pad, divisor_override):
    if divisor_override:
        return divisor_override
    (h, w), (oh, ow) = input_hw, out_hw
    rs = np.arange(oh) * stride[0] - padding[0]
    cs = np.arange(ow) * stride[1] - padding[1]
    re = np.minimum(rs + kernel[0], h + padding[0])
    ce = np.minimum(cs + kernel[1], w + padding[1])
    if not count_include_pad:
        rs, cs, re, ce = np.maximum(rs, 0), np.maximum(cs, 0), np.minimum(re, h), np.minimum(ce, w)
    return ((re - rs)[:, None] * (ce - cs)[None, :])


def avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    n, c, h, w = x.shape
    win, _ = _pool_windows(x, kernel, stride, padding, (1, 1), ceil_mode, 0)
    total = win.sum(axis=(4, 5))
    div = _avg_divisor((h, w), total.shape[2:], kernel, stride, padding, count_include_pad, divisor_override)
    return (total / div).astype(x.dtype, copy=False)


def avg_pool2d_backward(grad_out, input_shape, kernel, stride, padding, ceil_mode, count_include_pad,
                        divisor_override):
    n, c, h, w = input_shape
    oh, ow = grad_out.shape[2:]
    div = _avg_divisor((h, w), (oh, ow), kernel, stride, padding, count_include_pad, divisor_override)
    g = (grad_out / div).astype(grad_out.dtype, copy=False)
    hp = builtins.max(h + 2 * padding[0], (oh - 1) * stride[0] + kernel[0])
    wp = builtins.max(w + 2 * padding[1], (ow - 1) * stride[1] + kernel[1])
    gx = np.zeros((n, c, hp, wp), dtype=grad_out.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            gx[:, :, i:i + stride[0] * oh:stride[0], j:j + stride[1] * ow:stride[1]] += g
    return gx[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


def softmax(a, axis):
    a = _c_order(a)  # PyTorch's (log_)softmax output is contiguous whatever the input's strides
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(a, axis):
    a = _c_order(a)  # (np.ascontiguousarray would make a 0-d input 1-d)
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# --- fused optimizer updates (in place) ---------------------------------------------------
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
