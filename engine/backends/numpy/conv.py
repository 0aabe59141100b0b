"""2-D convolution (NCHW) as im2col and one BLAS product per group."""
import numpy as np


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


def conv2d(x, w, stride, padding, dilation, groups, keep_windows=False, bias=None):
    """im2col, then one BLAS product per image and group, (Cout_g, C_g*kh*kw) @ (C_g*kh*kw, OH*OW), each
    written straight into its place in the NCHW output (no transposing copy after); bias added in place.

    With keep_windows, returns (out, windows): the unfolded input, which
    conv2d_backward_weight can take instead of unfolding the input again (None when a
    backend does not keep them)."""
    n, _, h, wd = x.shape
    cout, cin_g, kh, kw = w.shape
    oh = _conv_out(h, kh, stride[0], padding[0], dilation[0])
    ow = _conv_out(wd, kw, stride[1], padding[1], dilation[1])
    cols = _im2col(_pad2d(x, padding), kh, kw, oh, ow, stride, dilation)
    per_image = cols.reshape(groups, cols.shape[0] // groups, n, oh * ow).transpose(2, 0, 1, 3)
    out = np.empty((n, groups, cout // groups, oh * ow), np.result_type(w, cols))  # NCHW, whatever the groups
    np.matmul(_grouped(w.reshape(cout, -1), groups), per_image, out=out)
    out = out.reshape(n, cout, oh, ow)
    if bias is not None:
        if bias.dtype == out.dtype:
            out += bias.reshape(1, -1, 1, 1)
        else:
            out = out + bias.reshape(1, -1, 1, 1)
    return (out, cols) if keep_windows else out


def conv2d_backward_input(grad_out, w, input_shape, stride, padding, dilation, groups):
    """The transposed product gives each tap's contribution (col2im); kh*kw strided adds place them."""
    n, cin, h, wd = input_shape
    cout, cin_g, kh, kw = w.shape
    ph, pw = padding
    oh, ow = grad_out.shape[2], grad_out.shape[3]
    w_t = _grouped(w.reshape(cout, -1), groups).transpose(0, 2, 1)  # groups, cin_g*kh*kw, cout_g
    if tuple(stride) == (1, 1) and (oh, ow) == (h + 2 * ph - dilation[0] * (kh - 1), wd + 2 * pw - dilation[1] *
                                                  (kw - 1)) and np.isfinite(w).all():
        return _backward_input_full_width(grad_out, w_t, input_shape, padding, dilation, groups, kh, kw)
    cols = np.matmul(w_t, _grouped(_channels_rows(grad_out), groups)).reshape(cin, kh, kw, n, oh, ow)
    gx = np.zeros((cin, n, h + 2 * ph, wd + 2 * pw), dtype=grad_out.dtype)
    for i in range(kh):
        for j in range(kw):
            r, q = i * dilation[0], j * dilation[1]
            gx[:, :, r:r + stride[0] * oh:stride[0], q:q + stride[1] * ow:stride[1]] += cols[:, i, j]
    return np.ascontiguousarray(gx[:, :, ph:ph + h, pw:pw + wd].transpose(1, 0, 2, 3))


def _backward_input_full_width(grad_out, w_t, input_shape, padding, dilation, groups, kh, kw):
    """Stride 1: col2im over the padded input's full width, so that each tap adds one contiguous run per
    (channel, image) rather than OH rows of OW. Output row r, column q < Wp stands for input position
    (r + i*dh, q + j*dw) of tap (i, j), flat r*Wp + q + (i*dh*Wp + j*dw) in its plane; the columns q >= OW carry
    zero gradient (w is finite: 0 * inf would add NaN), and the last tap's run reaches dw*(kw-1) values past the
    last plane, into a zero tail."""
    n, cin, h, wd = input_shape
    ph, pw = padding
    hp, wp = h + 2 * ph, wd + 2 * pw
    _, cout, oh, ow = grad_out.shape
    g = np.zeros((cout, n, oh, wp), grad_out.dtype)
    g[..., :ow] = grad_out.transpose(1, 0, 2, 3)
    cols = np.matmul(w_t, _grouped(g.reshape(cout, -1), groups)).reshape(cin, kh, kw, n, oh * wp)
    plane, tail, run = hp * wp, dilation[1] * (kw - 1), oh * wp
    gx = np.zeros(n * cin * plane + tail, grad_out.dtype)
    item = gx.itemsize
    planes = np.ndarray((cin, n, plane + tail), gx.dtype, gx, 0, (plane * item, cin * plane * item, item))  # + tail
    for i in range(kh):
        for j in range(kw):
            start = i * dilation[0] * wp + j * dilation[1]
            planes[:, :, start:start + run] += cols[:, i, j]
    gx = gx[:n * cin * plane].reshape(n, cin, hp, wp)
    return np.ascontiguousarray(gx[:, :, ph:ph + h, pw:pw + wd]) if ph or pw else gx


def conv2d_backward_weight(x, grad_out, weight_shape, stride, padding, dilation, groups, windows=None):
    cout, cin_g, kh, kw = weight_shape
    oh, ow = grad_out.shape[2], grad_out.shape[3]
    cols = windows if windows is not None else _im2col(_pad2d(x, padding), kh, kw, oh, ow, stride, dilation)
    g = _grouped(_channels_rows(grad_out), groups)
    cols = _grouped(cols, groups)
    if cols.shape[1] >= 2 * g.shape[1]:
        # Many more unfolded rows than output channels (LeNet's second conv: 54 against 16): OpenBLAS runs
        # the product as (rows, cout) about a quarter fewer instructions (and time) than as (cout, rows).
        return np.ascontiguousarray(np.matmul(cols, g.transpose(0, 2, 1)).transpose(0, 2, 1)).reshape(weight_shape)
    return np.matmul(g, cols.transpose(0, 2, 1)).reshape(weight_shape)
