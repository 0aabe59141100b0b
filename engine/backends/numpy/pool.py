"""2-D max and average pooling (NCHW) over zero-copy window views."""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def _windows(x, kh, kw, stride, dilation):
    """A zero-copy (N, C, OH, OW, kh, kw) view of every kernel window of x (N, C, H, W)."""
    n, c, h, w = x.shape
    sn, sc, sh, sw = x.strides
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (w - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return as_strided(x, (n, c, oh, ow, kh, kw),
                      (sn, sc, sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1]), writeable=False)


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
    extra_h = max(0, need_h - h - padding[0])
    extra_w = max(0, need_w - w - padding[1])
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0], extra_h), (padding[1], extra_w)), constant_values=fill) \
        if (padding[0] or padding[1] or extra_h or extra_w) else x
    win = _windows(xp, kernel[0], kernel[1], stride, dilation)
    return win[:, :, :oh, :ow], xp.shape


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
    """Values and PyTorch-style indices (flat position within each input H*W plane).

    One strided copy puts each kernel tap of every window into a contiguous plane; the max and the
    comparisons then run over contiguous memory, several times faster than on strided views."""
    n, c, h, w = x.shape
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    win, _ = _pool_windows(x, kernel, stride, padding, dilation, ceil_mode, fill)
    oh, ow = win.shape[2], win.shape[3]
    taps = np.empty((kernel[0], kernel[1], n, c, oh, ow), x.dtype)
    np.copyto(taps, win.transpose(4, 5, 0, 1, 2, 3))
    taps = taps.reshape(kernel[0] * kernel[1], n, c, oh, ow)
    best = np.maximum.reduce(taps, axis=0)  # propagates NaN, as PyTorch does
    # The first tap holding the maximum, without branches (np.where on random masks is slow):
    # which = the number of leading taps that are not the maximum.
    missed = taps[0] != best
    which = missed.astype(np.uint8 if len(taps) < 256 else np.int32)
    differs = np.empty_like(missed)
    for values in taps[1:-1]:
        missed &= np.not_equal(values, best, out=differs)
        which += missed
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
    hp = max(h + 2 * padding[0], (oh - 1) * stride[0] + kernel[0])
    wp = max(w + 2 * padding[1], (ow - 1) * stride[1] + kernel[1])
    gx = np.zeros((n, c, hp, wp), dtype=grad_out.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            gx[:, :, i:i + stride[0] * oh:stride[0], j:j + stride[1] * ow:stride[1]] += g
    return gx[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]
