"""torch.nn.functional: layers and losses as functions, with PyTorch's argument rules, the graph
nodes PyTorch records and PyTorch's error messages. The math lives in engine/ops/ (nn ops in engine/ops/nn/)."""
import math
import warnings

import numpy as np

from .. import _dtype, ops as _f
from .. import _sampling, random as _random
from .._device import backend_of
from ..autograd import grad_mode
from ..autograd.inplace import refuse_stale
from ..ops._args import _c_type_name, _check_broadcast
from ..ops._signature import refuse_stale_views_first_in as _refuse_stale_views_first_in
from ..ops.arithmetic import DivBackward1, MulBackward1, _tensor_argument
from ..ops.linalg import AddmmBackward0, LinalgVectorNormBackward0, MmBackward0
from ..ops.nn.activation import (EluBackward0, EluBackward1, GeluBackward0, HardsigmoidBackward0, HardswishBackward0,
                                 HardtanhBackward0, LeakyReluBackward0, LeakyReluBackward1, LogSigmoidBackward0,
                                 LogSoftmaxBackward0, MishBackward0, PreluKernelBackward0, ReluBackward0,
                                 SafeSoftmaxBackward0, SiluBackward0, SoftmaxBackward0, SoftplusBackward0,
                                 ThresholdBackward0, ThresholdBackward1)
from ..ops.nn import conv as _conv_ops
from ..ops.nn.conv import (AdaptiveAvgPool2DBackward0, AdaptiveMaxPool2DBackward0, AvgPool2DBackward0,
                           ConstantPadNdBackward0, Convolution1dBackward, ConvolutionBackward0,
                           ConvolutionTransposeBackward, CopyIndicesBackward, MaxPool2DWithIndicesBackward0)
from ..ops.nn.embedding import EmbeddingBackward0
from ..ops.nn.loss import (BinaryCrossEntropyBackward0, BinaryCrossEntropyWithLogitsBackward0, HuberLossBackward0,
                           MseLossBackward0, NllLoss2DBackward0, NllLossBackward0, SmoothL1LossBackward0)
from ..ops.nn.norm import NativeBatchNormBackward0, NativeLayerNormBackward0
from ..ops.shape import TBackward0, UnsafeViewBackward0
from ..tensor import Tensor, _wrap_dim

_wrap = Tensor._wrap


def _ntuple(n):
    def parse(x):
        if isinstance(x, (list, tuple)):
            if len(x) == 1 and n > 1:
                return tuple(x) * n
            return tuple(x)
        return (x,) * n
    return parse


_single, _pair = _ntuple(1), _ntuple(2)


def _shape_list(t):
    return list(t._data.shape)


def _reduction(reduction, size_average=None, reduce=None):
    """The reduction string, from the legacy size_average/reduce flags when given (with PyTorch's warning)."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", stacklevel=3)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


# --- linear layers --------------------------------------------------------------------------------
def _mm_check(a_shape, input, weight):
    if a_shape[1] != weight._data.shape[1]:
        refuse_stale(input, weight)  # (as layer_norm)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_shape[0]}x{a_shape[1]} and "
                           f"{weight._data.shape[1]}x{weight._data.shape[0]})")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input.dtype._legacy[:-6].lower()} "
                           f"!= {weight.dtype._legacy[:-6].lower()}")


def linear(input, weight, bias=None):
    """input @ weight.T + bias, recorded as PyTorch does: AddmmBackward0 (MmBackward0 without bias)
    with the weight through TBackward0; inputs of other ranks are folded to 2-D by views."""
    shape = input._data.shape
    if len(shape) == 2:
        _mm_check(shape, input, weight)
        wt = TBackward0.apply(weight)
        if bias is None:
            return MmBackward0.apply(input, wt)
        return AddmmBackward0.apply(bias, input, wt)
    if len(shape) == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    if len(shape) == 1 and bias is None:
        return input.matmul(weight.t())
    flat = input.reshape(-1, shape[-1])
    _mm_check(flat._data.shape, input, weight)
    out_shape = shape[:-1] + (weight._data.shape[0],)
    wt = TBackward0.apply(weight)
    if bias is None:
        return UnsafeViewBackward0.apply(MmBackward0.apply(flat, wt), shape=out_shape)
    return AddmmBackward0.apply(bias, flat, wt).view(out_shape)


def bilinear(input1, input2, weight, bias=None):
    """out[..., k] = input1 @ weight[k] @ input2 + bias[k]."""
    from ..ops.linalg import einsum
    lead = input1._data.shape[:-1]
    out = einsum("ni,kij,nj->nk", input1.reshape(-1, input1._data.shape[-1]), weight,
                 input2.reshape(-1, input2._data.shape[-1]))
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (weight._data.shape[0],))


# --- convolution ------------------------------------------------------------------------------------
_warned_same = [False]


def _conv(input, weight, bias, stride, padding, dilation, groups, nd):
    name = f"conv{nd}d"
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {_shape_list(input)}")
    expand = _ntuple(nd)
    stride, dilation = expand(stride), expand(dilation)
    if weight._data.ndim != nd + 2:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {weight._data.ndim - 2} "
                           f"values to match the convolution dimensions, but got stride={list(stride)}")
    batched = input._data.ndim == nd + 2
    if not batched:
        input = input.unsqueeze(0)
    cout, cin_g = weight._data.shape[:2]
    if cout % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_shape_list(weight)}] instead")
    if input._data.shape[1] != cin_g * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape_list(weight)}, expected input"
                           f"{_shape_list(input)} to have {cin_g * groups} channels, but got {input._data.shape[1]} "
                           f"channels instead")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._legacy[:-6]} but found {weight.dtype._legacy[:-6]}")
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f"Input type ({input.dtype._legacy[:-6].lower()}) and bias type "
                           f"({bias.dtype._legacy[:-6].lower()}) should be the same")
    kernel = weight._data.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            input, padding = _same_padding(input, kernel, dilation)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    padding = expand(padding)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    sizes = [input._data.shape[2 + i] + 2 * padding[i] for i in range(nd)]
    kernels = [dilation[i] * (kernel[i] - 1) + 1 for i in range(nd)]
    if any(s < k for s, k in zip(sizes, kernels)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, sizes))}). Kernel size: "
                           f"({' x '.join(map(str, kernels))}). Kernel size can't be greater than actual input size")
    if nd == 2:
        out = ConvolutionBackward0.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                                             groups=groups)
    else:
        out = Convolution1dBackward.apply(input, weight, bias, stride=stride[0], padding=padding[0],
                                              dilation=dilation[0], groups=groups)
    return out if batched else out.squeeze(0)


def _same_padding(input, kernel, dilation):
    """PyTorch's 'same': symmetric padding, and for an odd total the extra row/column on the right,
    added by an explicit constant pad of the input."""
    nd = len(kernel)
    left = [dilation[i] * (kernel[i] - 1) // 2 for i in range(nd)]
    right = [dilation[i] * (kernel[i] - 1) - left[i] for i in range(nd)]
    if left == right:
        return input, tuple(left)
    if not _warned_same[0]:
        _warned_same[0] = True
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy "
                      "of the input be created", stacklevel=4)
    widths = [0] * (2 * nd)
    for i in range(nd):
        widths[2 * (nd - 1 - i) + 1] = right[i] - left[i]
    return pad(input, widths), tuple(left)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The input gradient of conv2d as a layer: weight (C_in, C_out / groups, kH, kW) spreads each input
    pixel over a kernel-sized patch of the output, `stride` apart."""
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of "
                           f"size: {_shape_list(input)}")
    stride, padding, output_padding, dilation = (_pair(v) for v in (stride, padding, output_padding, dilation))
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {output_padding[0]} output_padding_width: {output_padding[1]} "
                           f"stride_height: {stride[0]} stride_width: {stride[1]} dilation_height: {dilation[0]} "
                           f"dilation_width: {dilation[1]}")
    batched = input._data.ndim == 4
    if not batched:
        input = input.unsqueeze(0)
    cin = weight._data.shape[0]
    if cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_shape_list(weight)}] instead")
    if input._data.shape[1] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_list(weight)}, expected input"
                           f"{_shape_list(input)} to have {cin} channels, but got {input._data.shape[1]} channels "
                           "instead")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._legacy[:-6]} but found {weight.dtype._legacy[:-6]}")
    out = ConvolutionTransposeBackward.apply(input, weight, bias, stride=stride, padding=padding,
                                                 output_padding=output_padding, dilation=dilation, groups=groups)
    return out if batched else out.squeeze(0)


# --- pooling ------------------------------------------------------------------------------------------
def _pool_size(size, k, s, p, d, ceil_mode):
    out = (size + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode):
    if input._data.ndim not in (3, 4) or input._data.size == 0:
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    k = _pair(kernel_size)
    s = _pair(stride) if stride is not None and stride != [] and stride != () else k
    p, d = _pair(padding), _pair(dilation)
    for i in range(2):
        if p[i] > (d[i] * (k[i] - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[i]}, "
                               f"kernel_size={k[i]} and dilation={d[i]}")
    c, h, w = input._data.shape[-3:]
    oh, ow = (_pool_size(n, k[i], s[i], p[i], d[i], ceil_mode) for i, n in enumerate((h, w)))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{oh}x{ow}). Output size "
                           "is too small")
    return k, s, p, d


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    k, s, p, d = _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode)
    batched = input._data.ndim == 4
    x = input if batched else input.unsqueeze(0)
    values, indices = MaxPool2DWithIndicesBackward0.apply(x, kernel=k, stride=s, padding=p, dilation=d,
                                                              ceil_mode=ceil_mode)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


max_pool2d_with_indices = max_pool2d


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """As PyTorch: the 2-D pooling on an unsqueezed input."""
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got {_shape_list(input)}")
    s = stride if stride is not None and stride != [] and stride != () else kernel_size
    out = max_pool2d(input.unsqueeze(-2), (1, _single(kernel_size)[0]), (1, _single(s)[0]),
                     (0, _single(padding)[0]), (1, _single(dilation)[0]), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    k, s, p, _ = _pool_args(input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    batched = input._data.ndim == 4
    x = input if batched else input.unsqueeze(0)
    out = AvgPool2DBackward0.apply(x, kernel=k, stride=s, padding=p, ceil_mode=ceil_mode,
                                       count_include_pad=count_include_pad, divisor_override=divisor_override)
    return out if batched else out.squeeze(0)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    s = stride if stride is not None and stride != [] and stride != () else kernel_size
    return avg_pool2d(input.unsqueeze(-2), (1, _single(kernel_size)[0]), (1, _single(s)[0]),
                      (0, _single(padding)[0]), ceil_mode, count_include_pad).squeeze(-2)


def _adaptive_matrix(n_in, n_out):
    """Row i averages input cells floor(i*n_in/n_out) .. ceil((i+1)*n_in/n_out) - 1 (PyTorch's windows)."""
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        start = (i * n_in) // n_out
        end = -((-(i + 1) * n_in) // n_out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input, output_size):
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {_shape_list(input)}")
    h, w = input._data.shape[-2:]
    oh, ow = _pair(output_size)
    oh, ow = h if oh is None else oh, w if ow is None else ow
    if (oh, ow) == (1, 1):
        return input.mean((-1, -2), keepdim=True)  # what PyTorch records for global pooling
    return AdaptiveAvgPool2DBackward0.apply(input, mh=_adaptive_matrix(h, oh), mw=_adaptive_matrix(w, ow))


def adaptive_avg_pool1d(input, output_size):
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _single(output_size)[0])).squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    if isinstance(output_size, (list, tuple)):
        if input._data.ndim <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        output_size = [n if o is None else o for o, n in zip(output_size, input._data.shape[-len(output_size):])]
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: {_shape_list(input)}")
    size = _pair(output_size)
    if len(size) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    batched = input._data.ndim == 4
    out, indices = AdaptiveMaxPool2DBackward0.apply(input if batched else input.unsqueeze(0), output_size=size)
    if not batched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, return_indices=True)


# --- activations ----------------------------------------------------------------------------------------
def relu(input, inplace=False):
    return input.relu_() if inplace else ReluBackward0.apply(input)


def relu_(input):
    return input.relu_()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(HardtanhBackward0, input, inplace, min_val=min_val, max_val=max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def _apply(op, input, inplace, **params):
    """An elementwise op of the table, out of place or written into input."""
    if inplace:
        input._check_inplace()
        return input._write(op.apply(input._inplace_source(), **params))
    return op.apply(input, **params)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    op = LeakyReluBackward1 if inplace else LeakyReluBackward0
    return _apply(op, input, inplace, negative_slope=negative_slope)


def threshold(input, threshold, value, inplace=False):
    op = ThresholdBackward1 if inplace else ThresholdBackward0
    return _apply(op, input, inplace, threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, inplace=True)  # (the argument `threshold` hides the function)


_threshold = threshold


def glu(input, dim=-1):
    """The first half of `dim` gated by the sigmoid of the second half."""
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input._data.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def elu(input, alpha=1.0, inplace=False):
    return _apply(EluBackward1 if inplace else EluBackward0, input, inplace, alpha=alpha)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(input, inplace=False):
    out = elu(input, _SELU_ALPHA) * _SELU_SCALE
    return input._write(out) if inplace else out


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return GeluBackward0.apply(input, approximate=approximate)


def silu(input, inplace=False):
    return _apply(SiluBackward0, input, inplace)


def mish(input, inplace=False):
    return _apply(MishBackward0, input, inplace)


def hardswish(input, inplace=False):
    return _apply(HardswishBackward0, input, inplace)


def hardsigmoid(input, inplace=False):
    return _apply(HardsigmoidBackward0, input, inplace)


def logsigmoid(input):
    return LogSigmoidBackward0.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    return SoftplusBackward0.apply(input, beta=beta, threshold=threshold)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def prelu(input, weight):
    if weight._data.size != 1 and (input._data.ndim < 2 or input._data.shape[1] != weight._data.size):
        channels = input._data.shape[1] if input._data.ndim >= 2 else 1
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight._data.size} and channel size = {channels}.")
    return PreluKernelBackward0.apply(input, weight)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _float_input(input, dtype):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return input


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input._data.ndim, _stacklevel)
    input = _float_input(input, dtype)
    return SoftmaxBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input._data.ndim, _stacklevel)
    input = _float_input(input, dtype)
    return LogSoftmaxBackward0.apply(input, dim=_wrap_dim(dim, input._data.ndim))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input._data.ndim, _stacklevel)
    return softmax(-_float_input(input, dtype), dim)


# --- dropout ----------------------------------------------------------------------------------------------
def _bernoulli_noise(input, shape, keep):
    """PyTorch's dropout noise: a tensor shaped `shape` (input's own shape, laid out as input is, or the
    per-channel shape of feature dropout) filled by bernoulli_(keep) from the global generator."""
    strides = None if shape != input._data.shape or input.is_contiguous() else input.stride()
    draws = _sampling.bernoulli(_random.default_generator, int(np.prod(shape, dtype=np.int64)), keep)
    return _sampling.in_fill_order(draws, shape, strides).astype(input._data.dtype)


def _check_dropout_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input, p, training, inplace, shape):
    _check_dropout_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    dt = input._data.dtype
    if p == 1:  # PyTorch multiplies by zero without drawing
        noise = np.zeros((), dt)
    else:
        noise = _bernoulli_noise(input, shape, 1.0 - p) / dt.type(1.0 - p)
    noise = _wrap(backend_of(input._data).from_numpy(noise))
    return input.mul_(noise) if inplace else input * noise


def dropout(input, p=0.5, training=True, inplace=False):
    return _dropout(input, p, training, inplace, input._data.shape)


def _feature_dropout(input, p, training, inplace, batched_dims, name):
    nd = input._data.ndim
    if nd not in (batched_dims - 1, batched_dims):
        warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an error "
                      f"in a future release.", stacklevel=3)
    lead = 2 if nd == batched_dims else 1
    shape = input._data.shape[:lead] + (1,) * (nd - lead)
    return _dropout(input, p, training, inplace, shape)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 4, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 5, "dropout3d")


_ALPHA_DROPOUT_ALPHA = 1.7580993408473766  # SELU alpha * scale: dropped values go to -this


def _alpha_dropout(input, p, training, inplace, shape):
    """Dropout that keeps SELU's mean and variance: dropped values go to SELU's saturation value and
    an affine map (a, b) restores the statistics (PyTorch's order of operations, in input's dtype)."""
    _check_dropout_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    dt = input._data.dtype
    b = backend_of(input._data)
    if p == 1:
        zero = _wrap(b.from_numpy(np.zeros((), dt)))
        return input.mul_(zero) if inplace else input * zero
    noise = _bernoulli_noise(input, shape, 1.0 - p)
    a = 1.0 / math.sqrt((_ALPHA_DROPOUT_ALPHA ** 2 * p + 1) * (1 - p))
    shift = (noise + dt.type(-1)) * dt.type(_ALPHA_DROPOUT_ALPHA * a) + dt.type(_ALPHA_DROPOUT_ALPHA * a * p)
    scale = _wrap(b.from_numpy((noise * dt.type(a)).astype(dt)))
    shift = _wrap(b.from_numpy(shift.astype(dt)))
    return input.mul_(scale).add_(shift) if inplace else input * scale + shift


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, input._data.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    shape = input._data.shape[:2] + (1,) * (input._data.ndim - 2)
    return _alpha_dropout(input, p, training, inplace, shape)


# --- attention -------------------------------------------------------------------------------------------------
def _bool_mask_to_float(mask, dtype):
    """A boolean mask (True: attend) as the additive one: 0 where allowed, -inf elsewhere."""
    return _f.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask.logical_not(), -math.inf)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value, composed as PyTorch's reference (math) kernel: the
    scale is applied as its square root to both query and key, and a query whose keys are all masked
    out attends to nothing (zeros) instead of giving nan."""
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_c_type_name(query.dtype)} key.dtype: {_c_type_name(key.dtype)} and value.dtype: "
                           f"{_c_type_name(value.dtype)} instead.")
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if attn_mask is not None and attn_mask.dtype != _dtype.bool_ and not attn_mask.is_floating_point():
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_c_type_name(attn_mask.dtype)} and  query.dtype: "
                           f"{_c_type_name(query.dtype)} instead.")
    length, source = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1 / math.sqrt(query.shape[-1])
    if is_causal:
        attn_mask = _f.ones((length, source), dtype=_dtype.bool_, device=query.device).tril()
    if attn_mask is not None and attn_mask.dtype == _dtype.bool_:
        attn_mask = _bool_mask_to_float(attn_mask, query.dtype)
    if enable_gqa and query.dim() > 2 and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads or heads % value.shape[-3]:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
        key = key.repeat_interleave(heads // kv_heads, -3)
        value = value.repeat_interleave(heads // value.shape[-3], -3)
    root = math.sqrt(abs(scale))
    scores = (query * (root if scale >= 0 else -root)).matmul(key.transpose(-2, -1) * root)
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = SafeSoftmaxBackward0.apply(scores, dim=scores.dim() - 1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights.matmul(value)


def _canonical_mask(mask, name, other, other_name, dtype):
    """An attention mask as an additive float mask (bool: True means masked out here)."""
    if mask is None:
        return None
    if mask.dtype != _dtype.bool_ and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if other is not None and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=4)
    if mask.is_floating_point():
        return mask
    return _f.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, -math.inf)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    batched = query.dim() == 3
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                             "tensor")
    what = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {what} `query`, expected `key` and `value` to be {query.dim()}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise AssertionError(f"For {what} `query`, expected `key_padding_mask` to be `None` or {query.dim() - 1}-D "
                             f"but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {what} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
    return batched


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """nn.MultiheadAttention's computation on (L, N, E) inputs (or unbatched (L, E)), as PyTorch does it."""
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    # is_causal is only a hint that attn_mask is causal: the mask itself is applied
    attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        weights = in_proj_weight.chunk(3)
    biases = in_proj_bias.chunk(3) if in_proj_bias is not None else (None,) * 3
    q, k, v = (linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))

    if attn_mask is not None:
        correct = (tgt_len, key.shape[0]) if attn_mask.dim() == 2 else (bsz * num_heads, tgt_len, key.shape[0])
        if tuple(attn_mask.shape) != correct:
            raise RuntimeError(f"The shape of the {attn_mask.dim()}D attn_mask is {attn_mask.shape}, but should be "
                               f"{correct}.")
        if attn_mask.dim() == 2:
            attn_mask = attn_mask.unsqueeze(0)
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k is set but bias_v is None" if bias_v is None else "bias_v is set but bias_k is "
                             "None")
    if bias_k is not None:
        k = _f.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _f.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None

    # heads become batch entries: (N * heads, length, head_dim)
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k
    v = v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:
        zeros = _f.zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)
        k, v = _f.cat([k, zeros], dim=1), _f.cat([v, zeros], dim=1)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            i = 0 if key_padding_mask.shape[0] != bsz else 1
            raise AssertionError(f"Expected key_padded_mask.shape[{i}] to be {(bsz, src_len)[i]}, but got "
                                 f"{key_padding_mask.shape[i]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1) \
            .reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        if attn_mask is not None:
            scores = _f.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            scores = _f.bmm(q_scaled, k.transpose(-2, -1))
        attn = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            attn = dropout(attn, p=dropout_p)
        out = _f.bmm(attn, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
        attn = attn.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            attn = attn.mean(dim=1)
        if not batched:
            out, attn = out.squeeze(1), attn.squeeze(0)
        return out, attn
    if attn_mask is not None:
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.view(bsz, num_heads, -1, src_len)
    out = scaled_dot_product_attention(q.view(bsz, num_heads, tgt_len, head_dim),
                                       k.view(bsz, num_heads, src_len, head_dim),
                                       v.view(bsz, num_heads, src_len, head_dim), attn_mask, dropout_p)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    return (out if batched else out.squeeze(1)), None


# --- normalization ---------------------------------------------------------------------------------------------
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    shape = input._data.shape
    if training:
        n = shape[0]
        for s in shape[2:]:
            n *= s
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    channels = shape[1] if len(shape) > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t._data.size != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t._data.size}")
    if not training and running_mean is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    return NativeBatchNormBackward0.apply(input, weight, bias, running_mean=running_mean, running_var=running_var,
                                              training=training, momentum=momentum, eps=eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    ns = tuple(normalized_shape) if isinstance(normalized_shape, (list, tuple)) else (normalized_shape,)
    if input._data.shape[input._data.ndim - len(ns):] != ns or len(ns) > input._data.ndim:
        refuse_stale(input, weight, bias)  # PyTorch's autograd refuses a stale view before the op checks shapes
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{_shape_list(input)}")
    return NativeLayerNormBackward0.apply(input, weight, bias, normalized_shape=ns, eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's channels in num_groups groups (over the group's channels and positions),
    then scale and shift per channel: a layer norm of (N, groups, rest), then the affine part."""
    shape = input._data.shape
    if input._data.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input._data.ndim}")
    if shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {_shape_list(input)} and num_groups={num_groups}")
    grouped = input.reshape(shape[0], num_groups, -1)
    out = NativeLayerNormBackward0.apply(grouped, None, None, normalized_shape=(grouped.shape[-1],), eps=eps)
    out = out.view(shape)
    per_channel = (-1,) + (1,) * (len(shape) - 2)
    if weight is not None:
        out = out * weight.view(per_channel)
    if bias is not None:
        out = out + bias.view(per_channel)
    return out


def _vector_norm(input, p, dim, keepdim):
    """torch.linalg.vector_norm (what PyTorch's normalize and cosine_similarity record)."""
    axes = None if dim is None else tuple(sorted(_wrap_dim(d, input._data.ndim) for d in
                                                 (dim if isinstance(dim, (tuple, list)) else (dim,))))
    return LinalgVectorNormBackward0.apply(input, ord=float(p), axes=axes, keepdim=keepdim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = _vector_norm(input, p, dim, True).clamp_min(eps).expand_as(input)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """As PyTorch: each input divided by its (clamped) norm first, then the dot product along dim."""
    _check_broadcast(x1, x2, records=False)  # PyTorch's words (and before a stale view's refusal)
    x1, x2 = x1.broadcast_to(np.broadcast_shapes(x1.shape, x2.shape)), x2.broadcast_to(
        np.broadcast_shapes(x1.shape, x2.shape))
    n1 = _vector_norm(x1, 2, dim, True).clone()
    n2 = _vector_norm(x2, 2, dim, True).clone()
    with grad_mode.no_grad():  # the clamp only guards the division; gradients flow through the norm
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return _vector_norm(x1 - x2 + eps, p, -1, keepdim)


# --- embeddings and encodings --------------------------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
            padding_idx = n + padding_idx
    if input._data.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{input.dtype._legacy} instead (while checking arguments for "
                           "embedding)")
    idx = input.__array__()
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm(weight, np.unique(idx), max_norm, norm_type)
    return EmbeddingBackward0.apply(weight, indices=input.long(), padding_idx=padding_idx)


def _embedding_renorm(weight, rows, max_norm, norm_type):
    """Rows used by this lookup with norm above max_norm are rescaled in place (PyTorch's embedding_renorm_)."""
    with grad_mode.no_grad():
        w = weight.__array__()
        norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        if (scale != 1.0).any():
            w = w.copy()
            w[rows] = (w[rows] * scale[:, None]).astype(w.dtype)
            weight.copy_(_wrap(w))


def one_hot(tensor, num_classes=-1):
    if tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor.__array__()
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return _wrap(backend_of(tensor._data).from_numpy(out))


# --- padding and resizing -----------------------------------------------------------------------------------------
_PAD_MODES = {"reflect": ("reflect", "ReflectionPad"), "replicate": ("edge", "ReplicationPad"),
              "circular": ("wrap", None)}


def pad(input, pad, mode="constant", value=None):
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input._data.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input._data.ndim}")
    if mode == "constant":
        return ConstantPadNdBackward0.apply(input, pad=pad, value=0.0 if value is None else value)
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    np_mode, node = _PAD_MODES[mode]
    shape = input._data.shape
    nd = len(pad) // 2
    widths = [(0, 0)] * (len(shape) - nd) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(nd))]
    if mode == "reflect":
        for d, (lo, hi) in enumerate(widths):
            if lo >= shape[d] or hi >= shape[d]:
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                                   f"but got: padding ({lo}, {hi}) at dimension {d} of input {list(shape)}")
    index = np.pad(np.arange(input._data.size, dtype=np.int64).reshape(shape), widths, mode=np_mode)
    op = getattr(_conv_ops, f"{node}{nd}DBackward0") if node is not None and 1 <= nd <= 3 else CopyIndicesBackward
    return op.apply(input, index=index)


def _resize_matrix(n_in, n_out, mode, scale, align_corners, np_dtype):
    """The (n_out, n_in) matrix of one axis of interpolate, with PyTorch's source-index rules
    (computed in the input's precision, as PyTorch's CPU kernels do)."""
    t = np_dtype.type
    dst = np.arange(n_out, dtype=np_dtype)
    m = np.zeros((n_out, n_in), np_dtype)
    rows = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        s = t(1.0 / scale) if scale else t(n_in) / t(n_out)
        pos = dst + t(0.5) if mode == "nearest-exact" else dst
        src = np.minimum(np.floor(pos * s).astype(np.int64), n_in - 1)
        if mode == "nearest" and n_out == n_in:
            src = rows
        m[rows, src] = 1
        return m
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
        src = dst * s
    else:
        s = t(1.0 / scale) if scale else t(n_in) / t(n_out)
        src = np.maximum(s * (dst + t(0.5)) - t(0.5), t(0))
    i0 = src.astype(np.int64)
    lam = np.clip(src - i0.astype(np_dtype), 0, 1).astype(np_dtype)
    i1 = i0 + (i0 < n_in - 1)
    np.add.at(m, (rows, i0), t(1) - lam)
    np.add.at(m, (rows, i1), lam)
    return m


_RESIZE_NODES = {("nearest", 1): "UpsampleNearest1DBackward0", ("nearest", 2): "UpsampleNearest2DBackward0",
                 ("nearest-exact", 1): "UpsampleNearestExact1DBackward0",
                 ("nearest-exact", 2): "UpsampleNearestExact2DBackward0",
                 ("linear", 1): "UpsampleLinear1DBackward0", ("bilinear", 2): "UpsampleBilinear2DBackward0"}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    nd = input._data.ndim - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by this engine")
    if nd not in (1, 2):
        raise NotImplementedError(f"interpolate supports 3-D (N, C, L) and 4-D (N, C, H, W) inputs here; got "
                                  f"{nd + 2}-D input")
    in_sizes = input._data.shape[2:]
    if size is not None:
        out_sizes = _ntuple(nd)(size)
        scales = (None,) * nd
    else:
        scales = _ntuple(nd)(scale_factor)
        out_sizes = tuple(int(math.floor(float(n) * s)) for n, s in zip(in_sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * nd
    if mode == "area":
        return adaptive_avg_pool2d(input, out_sizes) if nd == 2 else adaptive_avg_pool1d(input, out_sizes)
    node = _RESIZE_NODES.get((mode, nd))
    if node is None:
        raise NotImplementedError(f"Input Error: Only 3D and 4D input Tensors supported (got {nd + 2}D) for the "
                                  f"modes: nearest | linear | bilinear (got {mode})")
    dt = input._data.dtype
    mats = [_resize_matrix(n_in, n_out, mode, s, align_corners, dt) for n_in, n_out, s in
            zip(in_sizes, out_sizes, scales)]
    mh, mw = (mats[0], mats[1]) if nd == 2 else (None, mats[0])
    return getattr(_conv_ops, node).apply(input, mh=mh, mw=mw)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


# --- losses ------------------------------------------------------------------------------------------------------
def _same_size_warning(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)
        _check_broadcast(input, target, records=False)  # (PyTorch checks first)


def _match_dtype(input, target):
    return target if target._data.dtype == input._data.dtype else target.to(input.dtype)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(reduction, size_average, reduce)
    _same_size_warning(input, target)
    if weight is not None:
        return _reduce_loss(weight * (input - target) ** 2, reduction)
    return MseLossBackward0.apply(input, _match_dtype(input, target), reduction=reduction)


def _reduce_loss(loss, reduction):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(reduction, size_average, reduce)
    _same_size_warning(input, target)
    loss = (input - target).abs()
    return _reduce_loss(loss * weight if weight is not None else loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _reduction(reduction, size_average, reduce)
    _same_size_warning(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    return SmoothL1LossBackward0.apply(input, _match_dtype(input, target), reduction=reduction, beta=beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    reduction = _reduction(reduction)
    _same_size_warning(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        elementwise = HuberLossBackward0.apply(input, _match_dtype(input, target), reduction="none", delta=delta)
        return _reduce_loss(elementwise * weight, reduction)
    return HuberLossBackward0.apply(input, _match_dtype(input, target), reduction=reduction, delta=delta)


def _check_targets(input, target, weight, ignore_index):
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype._legacy[:-6]}")
    if input._data.ndim >= 2 and target._data.ndim >= 1 and input._data.shape[0] != target._data.shape[0]:
        raise ValueError(f"Expected input batch_size ({input._data.shape[0]}) to match target batch_size "
                         f"({target._data.shape[0]}).")
    if input._data.ndim == 1 and target._data.ndim == 1 and target._data.shape[0] != 1:
        refuse_stale(input)  # (PyTorch checks this one in the op, after its autograd has read the inputs)
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target._data.shape[0]}")
    classes = input._data.shape[1] if input._data.ndim >= 2 else input._data.shape[0]
    if weight is not None and weight._data.size != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but got "
                           f"weight tensor of shape: {_shape_list(weight)}")
    if input._data.ndim > 2 and target._data.shape[1:] != input._data.shape[2:]:
        raise RuntimeError(f"Expected target size {[input._data.shape[0]] + list(input._data.shape[2:])}, got "
                           f"{_shape_list(target)}")
    t = target._data
    if not isinstance(t, np.ndarray) or not t.size:
        return False
    low, high = np.minimum.reduce(t, axis=None), np.maximum.reduce(t, axis=None)  # (readable for free here)
    if low < 0 or high >= classes:
        t = t[t != ignore_index]
        bad = t[(t < 0) | (t >= classes)]
        if bad.size:
            raise IndexError(f"Target {bad.flat[0]} is out of bounds.")
        return False
    return not low <= ignore_index <= high  # every target a class index, none ignored (nll's fast path)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    _tensor_argument("nll_loss_nd", target, 2, "target")
    reduction = _reduction(reduction, size_average, reduce)
    all_valid = _check_targets(input, target, weight, ignore_index)
    nd = input._data.ndim
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd <= 2:
        return NllLossBackward0.apply(input, target, weight=weight, reduction=reduction, ignore_index=ignore_index,
                                      all_valid=all_valid)
    if nd == 4:
        return NllLoss2DBackward0.apply(input, target, weight=weight, reduction=reduction,
                                            ignore_index=ignore_index)
    n, c = input._data.shape[:2]
    out = NllLoss2DBackward0.apply(input.contiguous().view(n, c, 1, -1), target.contiguous().view(n, 1, -1),
                                       weight=weight, reduction=reduction, ignore_index=ignore_index)
    return out.view((n,) + input._data.shape[2:]) if reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over the class dim, then nll_loss (class indices) or a weighted sum against class
    probabilities (a floating target of the input's shape), with optional label smoothing."""
    _tensor_argument("cross_entropy_loss", target, 2, "target")
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 1 if input._data.ndim >= 2 else 0
    classes = input._data.shape[class_dim]
    logp = LogSoftmaxBackward0.apply(_float_input(input, None), dim=class_dim)
    if target._data.dtype.kind == "f" and target._data.shape == input._data.shape:
        return _cross_entropy_probabilities(logp, target, weight, reduction, label_smoothing, class_dim, classes)
    if target._data.dtype.kind == "f":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype._legacy[:-6]}")
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    ignore = target == ignore_index
    if weight is not None:
        shape = [1] * logp._data.ndim
        shape[class_dim] = classes
        smooth = -(logp * weight.view(shape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        if weight is not None:
            ret = smooth.sum() / weight.gather(0, target[~ignore].flatten()).sum()
        else:
            ret = smooth.sum() / (~ignore).sum()
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return MulBackward1.apply(nll, 1 - label_smoothing) + MulBackward1.apply(ret, label_smoothing / classes)


def _cross_entropy_probabilities(logp, target, weight, reduction, label_smoothing, class_dim, classes):
    if weight is not None:
        shape = [1] * logp._data.ndim
        shape[class_dim] = classes
        logp = logp * weight.view(shape)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    if reduction == "mean":
        return DivBackward1.apply(-(logp * target).sum(), logp._data.size // classes)
    if reduction == "sum":
        return -(logp * target).sum()
    return -(logp * target).sum(class_dim)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if weight is not None and weight.shape != input.shape:
        weight = weight.expand(np.broadcast_shapes(weight.shape, input.shape))
    return BinaryCrossEntropyBackward0.apply(input, _match_dtype(input, target), weight, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return BinaryCrossEntropyWithLogitsBackward0.apply(input, _match_dtype(input, target), weight, pos_weight,
                                                           reduction=reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    red = "sum" if reduction == "batchmean" else _reduction(reduction, size_average, reduce)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            xlogy = (target * target.log()).where(target > 0, 0.0) if target.requires_grad else \
                _wrap(backend_of(target._data).from_numpy(_xlogy(target.__array__())))
        loss = xlogy - target * input
    loss = _reduce_loss(loss, red)
    return loss / input.shape[0] if reduction == "batchmean" and input.dim() != 0 else loss


def _xlogy(t):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0, t * np.log(t)).astype(t.dtype)


from ._composite_functional import (celu, hardshrink, softshrink, rrelu, pixel_shuffle, pixel_unshuffle,  # noqa: E402
                                    rms_norm, instance_norm, margin_ranking_loss, hinge_embedding_loss,
                                    soft_margin_loss, multilabel_soft_margin_loss, cosine_embedding_loss,
                                    triplet_margin_loss, poisson_nll_loss, gaussian_nll_loss, conv_transpose1d,
                                    adaptive_max_pool1d, adaptive_max_pool1d_with_indices, channel_shuffle,
                                    lp_pool1d, lp_pool2d, local_response_norm, triplet_margin_with_distance_loss,
                                    multi_margin_loss, unfold, fold, embedding_bag)


# the in-place forms PyTorch names with a trailing underscore
def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


# A stale view among the inputs is refused before the function's argument errors, as in PyTorch, where these call
# an op that records (most others check their arguments in Python first, and say so first, as these do with
# their ValueErrors)
_refuse_stale_views_first_in(globals(), "softmax softmin log_softmax gelu nll_loss cross_entropy embedding normalize "
                                        "glu pixel_shuffle pixel_unshuffle fold".split(), (IndexError, RuntimeError))
