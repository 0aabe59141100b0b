"""Convolution, pooling, resampling and padding: the ops torch.nn.functional records for them."""

import numpy as np

from ...autograd import grad_mode as _grad_mode
from ...autograd.node import Op
from .._args import _b, _wrap
from ..index import IndexPutAddBackward, TakeBackward


class ConstantPadNdBackward0(Op):
    def forward(ctx, a, pad, value=0.0):
        widths = [(0, 0)] * a._data.ndim
        for i in range(len(pad) // 2):
            widths[a._data.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.pad = tuple(pad)
        b = _b(a)
        x = a._data
        # negative padding crops
        crop = tuple(slice(-lo if lo < 0 else 0, x.shape[i] + hi if hi < 0 else None) for i, (lo, hi) in
                     enumerate(widths))
        x = b.getitem(x, crop)
        return b.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in widths], value)

    def backward(ctx, g):
        # padding's gradient crops, cropping's (negative padding) pads with zeros: the opposite padding
        return ConstantPadNdBackward0.apply(g, pad=tuple(-p for p in ctx.pad))


def _conv_params(ctx):
    return ctx.stride, ctx.padding, ctx.dilation, ctx.groups


def conv2d_op(x, w, bias, stride, padding, dilation, groups):
    return ConvolutionBackward0.apply(x, w, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


class ConvBackwardWeight(Op):
    """The weight gradient of conv2d, linear in both its inputs."""

    def forward(ctx, x, g, weight_shape, params, windows=None):
        ctx.save_for_backward(x, g)
        ctx.params = params
        return _b(x).conv2d_backward_weight(x._data, g._data, tuple(weight_shape), *params, windows=windows)

    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        d_x = ConvBackwardInput.apply(g, gw, input_shape=x.shape, params=ctx.params)
        d_g = conv2d_op(x, gw, None, *ctx.params)
        return d_x, d_g


class ConvBackwardInput(Op):
    """The input gradient of conv2d (a transposed convolution), linear in both its inputs."""

    def forward(ctx, g, w, input_shape, params):
        ctx.save_for_backward(g, w)
        ctx.params = params
        return _b(g).conv2d_backward_input(g._data, w._data, tuple(input_shape), *params)

    def backward(ctx, gg):
        g, w = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.params
        d_g = conv2d_op(gg, w, None, *ctx.params)
        d_w = ConvBackwardWeight.apply(gg, g, weight_shape=w.shape, params=ctx.params)
        return d_g, d_w


class ConvolutionBackward0(Op):
    def forward(ctx, x, w, bias, stride, padding, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups
        b = _b(x)
        # The unfolded input (im2col) is kept for the weight gradient rather than unfolded again:
        # a copy of the input per kernel tap, only until the first backward (which drops it).
        ctx.windows = None
        bias_data = None if bias is None else bias._data
        if w._requires_grad and _grad_mode.enabled[0]:
            out, ctx.windows = b.conv2d(x._data, w._data, stride, padding, dilation, groups, keep_windows=True,
                                        bias=bias_data)
        else:
            out = b.conv2d(x._data, w._data, stride, padding, dilation, groups, bias=bias_data)
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        p = _conv_params(ctx)
        windows, ctx.windows = ctx.windows, None
        gx = ConvBackwardInput.apply(g, w, input_shape=x.shape, params=p) if x._requires_grad else None
        gw = ConvBackwardWeight.apply(x, g, weight_shape=w.shape, params=p, windows=windows) \
            if w._requires_grad else None
        gb = g.sum(dim=(0, 2, 3)) if ctx.next_functions[2][0] is not None else None
        return gx, gw, gb


class ConvolutionTransposeBackward(Op):
    """conv_transpose2d: the input gradient of a conv2d whose weight is w, so its own gradients are that
    conv2d (for x) and conv2d's weight gradient with the roles of input and output swapped (for w).
    PyTorch records every convolution as ConvolutionBackward0, so this node carries that name too."""

    def forward(ctx, x, w, bias, stride, padding, output_padding, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.params = (stride, padding, dilation, groups)
        n, _, h, wd = x._data.shape
        _, cout_g, kh, kw = w._data.shape
        size = [(s - 1) * st - 2 * p + d * (k - 1) + op + 1
                for s, st, p, d, k, op in zip((h, wd), stride, padding, dilation, (kh, kw), output_padding)]
        b = _b(x)
        out = b.conv2d_backward_input(x._data, w._data, (n, cout_g * groups, *size), *ctx.params)
        if bias is not None:
            out = b.add(out, b.reshape(bias._data, (1, -1, 1, 1)))
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        h, wd = x.shape[2:]
        gx = None
        if x._requires_grad:
            gx = conv2d_op(g, w, None, *ctx.params)
            if gx.shape[2:] != (h, wd):  # an output_padding of a stride or more (allowed below the dilation)
                gx = gx[:, :, :h, :wd]
        gw = ConvBackwardWeight.apply(g, x, weight_shape=w.shape, params=ctx.params) if w._requires_grad else None
        gb = g.sum(dim=(0, 2, 3)) if ctx.next_functions[2][0] is not None else None
        return gx, gw, gb


ConvolutionTransposeBackward.__name__ = ConvolutionTransposeBackward.__qualname__ = "ConvolutionBackward0"


def _adaptive_windows(size, out):
    """PyTorch's adaptive window of output cell i: input cells floor(i*size/out) .. ceil((i+1)*size/out) - 1."""
    return [range((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


class MaxPoolScatter(Op):
    """The input gradient of max pooling: each output's gradient goes to its argmax."""

    def forward(ctx, g, indices, shape, overlapping=True):
        ctx.indices = indices
        return _b(g).max_pool2d_backward(g._data, indices, shape, overlapping)

    def backward(ctx, gg):
        b = _b(gg)
        n, c, h, w = gg.shape
        plane = b.mul(b.reshape(b.arange(0, n * c, 1, np.int64), (n, c, 1, 1)), h * w)
        return TakeBackward.apply(gg, index=_wrap(b.add(ctx.indices, plane)))


class AdaptiveMaxPool2DBackward0(Op):
    """Max over each adaptive window, with the flat position of the (first) maximum in its H*W plane.
    Windows may differ in size and overlap: each is gathered as a fixed number of candidate positions
    (short ones repeat their first), then reduced."""
    n_differentiable = 1

    def forward(ctx, x, output_size):
        b = _b(x)
        n, c, h, w = x._data.shape
        cells = [[r * w + q for r in rows for q in cols] for rows in _adaptive_windows(h, output_size[0])
                 for cols in _adaptive_windows(w, output_size[1])]
        k = max(len(cell) for cell in cells) if cells else 1
        candidates = np.array([cell + cell[:1] * (k - len(cell)) for cell in cells], np.int64).reshape(-1, k)
        planes = np.arange(n * c, dtype=np.int64).reshape(-1, 1, 1) * (h * w)
        gathered = b.reshape(b.take(x._data, b.from_numpy((planes + candidates).ravel())), (n * c, len(cells), k))
        which = b.argmax(gathered, 2, False)
        rows = b.from_numpy(np.arange(len(cells), dtype=np.int64) * k)
        indices = b.take(b.from_numpy(candidates), b.add(which, rows))
        out_shape = (n, c) + tuple(output_size)
        ctx.indices, ctx.shape = b.reshape(indices, out_shape), x._data.shape
        return b.reshape(b.max(gathered, (2,), False), out_shape), ctx.indices

    def backward(ctx, g):
        return MaxPoolScatter.apply(g, indices=ctx.indices, shape=ctx.shape)


class MaxPool2DWithIndicesBackward0(Op):
    n_differentiable = 1

    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        values, indices = _b(x).max_pool2d(x._data, kernel, stride, padding, dilation, ceil_mode)
        ctx.indices, ctx.shape = indices, x._data.shape
        # Windows that cannot share an element send at most one gradient to each input position.
        ctx.overlapping = any(d * (k - 1) + 1 > s for k, s, d in zip(kernel, stride, dilation))
        return values, indices

    def backward(ctx, g):
        return MaxPoolScatter.apply(g, indices=ctx.indices, shape=ctx.shape, overlapping=ctx.overlapping)


class AvgPoolScatter(Op):
    def forward(ctx, g, shape, params):
        ctx.params = params
        return _b(g).avg_pool2d_backward(g._data, shape, *params)

    def backward(ctx, gg):
        return AvgPool2DBackward0.apply(gg, *ctx.params)


class AvgPool2DBackward0(Op):
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        ctx.shape = x._data.shape
        ctx.params = (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
        return _b(x).avg_pool2d(x._data, *ctx.params)

    def backward(ctx, g):
        return AvgPoolScatter.apply(g, shape=ctx.shape, params=ctx.params)


class LinearResample(Op):
    """out = mh @ x @ mw.T over the last two dims (x @ mw.T over the last one when mh is None).

    Adaptive average pooling and nearest/(bi)linear resizing act on rows and columns
    independently, so each is two small matmuls with a fixed matrix; the gradient is the same
    map with the matrices transposed. Each subclass carries the node name PyTorch records.
    """

    def forward(ctx, x, mh, mw):
        ctx.mh, ctx.mw = mh, mw
        b, out = _b(x), x._data
        if mw is not None:
            out = b.matmul(out, b.from_numpy(np.ascontiguousarray(mw.T, dtype=out.dtype)))
        if mh is not None:
            out = b.matmul(b.from_numpy(mh.astype(out.dtype)), out)
        return out

    def backward(ctx, g):
        return LinearResample.apply(g, mh=None if ctx.mh is None else ctx.mh.T,
                                    mw=None if ctx.mw is None else ctx.mw.T)


class AdaptiveAvgPool2DBackward0(LinearResample):
    pass


class UpsampleNearest1DBackward0(LinearResample):
    pass


class UpsampleNearest2DBackward0(LinearResample):
    pass


class UpsampleNearestExact1DBackward0(LinearResample):
    pass


class UpsampleNearestExact2DBackward0(LinearResample):
    pass


class UpsampleLinear1DBackward0(LinearResample):
    pass


class UpsampleBilinear2DBackward0(LinearResample):
    pass


class CopyIndicesBackward(Op):
    """out.flat = x.flat[index]: padding modes that copy input elements (reflect, replicate, circular)."""

    def forward(ctx, x, index):
        b = _b(x)
        ctx.lin, ctx.shape = b.from_numpy(index), x._data.shape
        return b.take(x._data, ctx.lin)

    def backward(ctx, g):
        return IndexPutAddBackward.apply(g, index=_wrap(ctx.lin), shape=ctx.shape)


ReflectionPad1DBackward0 = type("ReflectionPad1DBackward0", (CopyIndicesBackward,), {})
ReflectionPad2DBackward0 = type("ReflectionPad2DBackward0", (CopyIndicesBackward,), {})
ReflectionPad3DBackward0 = type("ReflectionPad3DBackward0", (CopyIndicesBackward,), {})
ReplicationPad1DBackward0 = type("ReplicationPad1DBackward0", (CopyIndicesBackward,), {})
ReplicationPad2DBackward0 = type("ReplicationPad2DBackward0", (CopyIndicesBackward,), {})
ReplicationPad3DBackward0 = type("ReplicationPad3DBackward0", (CopyIndicesBackward,), {})


class Convolution1dBackward(Op):
    """conv1d as the 2-D kernels on (N, C, 1, L). PyTorch records every convolution as
    ConvolutionBackward0, so this node carries that name too (set below the class)."""

    def forward(ctx, x, w, bias, stride, padding, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.params = ((1, stride), (0, padding), (1, dilation), groups)
        b = _b(x)
        n, c, length = x._data.shape
        cout, cin_g, k = w._data.shape
        out = b.conv2d(b.reshape(x._data, (n, c, 1, length)), b.reshape(w._data, (cout, cin_g, 1, k)), *ctx.params)
        out = b.reshape(out, (n, cout, out.shape[3]))
        if bias is not None:
            out = b.add(out, b.reshape(bias._data, (1, -1, 1)))
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        g2 = g.unsqueeze(2)
        gx = gw = None
        if x._requires_grad:
            shape = (x.shape[0], x.shape[1], 1, x.shape[2])
            gx = ConvBackwardInput.apply(g2, w.unsqueeze(2), input_shape=shape, params=ctx.params).squeeze(2)
        if w._requires_grad:
            shape = (w.shape[0], w.shape[1], 1, w.shape[2])
            gw = ConvBackwardWeight.apply(x.unsqueeze(2), g2, weight_shape=shape, params=ctx.params).squeeze(2)
        gb = g.sum(dim=(0, 2)) if ctx.next_functions[2][0] is not None else None
        return gx, gw, gb


Convolution1dBackward.__name__ = Convolution1dBackward.__qualname__ = "ConvolutionBackward0"
