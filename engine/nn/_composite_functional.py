"""torch.nn.functional functions written as compositions of tensor ops: activations (celu, hardshrink,
softshrink, rrelu), pixel shuffling, RMS and instance normalisation, and the margin/embedding/likelihood
losses. Their values and gradients are PyTorch's; the graph shows the ops they are built of, where PyTorch
records one fused node."""
import math


from ..autograd import grad_mode


def _reduce(loss, reduction):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _checked_reduction(reduction, size_average, reduce):
    from .functional import _reduction
    return _reduction(reduction, size_average, reduce)


# --- activations ---------------------------------------------------------------------------------------------------
def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    # the exponential sees only x <= 0, so a large x cannot overflow into a NaN gradient
    out = input.where(input > 0, ((input.clamp_max(0) / alpha).exp() - 1) * alpha)
    return input._write(out) if inplace else out


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    return input * (input.abs() > lambd)


def softshrink(input, lambd=0.5):
    """x moved towards 0 by lambd, and 0 within [-lambd, lambd]."""
    if lambd < 0:
        import numpy as np
        raise RuntimeError(f"lambda must be in range [0, {np.finfo(input.dtype.np).max:g}] for input dtype "
                           f"{input.dtype._legacy[:-6]}, but found {lambd:g}")
    return input - input.clamp(-lambd, lambd)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with a random negative slope per element in [lower, upper] in training, their mean in eval;
    the slopes are drawn as PyTorch draws them (ops/nn/activation.py rrelu_noise)."""
    from ..ops.nn.activation import RreluWithNoiseBackward0, RreluWithNoiseBackward1, rrelu_noise
    noise = rrelu_noise(input, lower, upper, training)
    if inplace:
        input._check_inplace()
        return input._write(RreluWithNoiseBackward1.apply(input._inplace_source(), noise=noise))
    return RreluWithNoiseBackward0.apply(input, noise=noise)


# --- pixel shuffling -----------------------------------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r): channels become finer spatial positions."""
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = upscale_factor
    *batch, c, h, w = input.shape
    if c % (r * r) != 0:
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W): the inverse of pixel_shuffle."""
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = downscale_factor
    *batch, c, h, w = input.shape
    if h % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)="
                           f"{h} is not divisible by {r}")
    if w % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)="
                           f"{w} is not divisible by {r}")
    n = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


# --- 1-d layers as 2-d ones of height 1 ----------------------------------------------------------------------------
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    from .functional import conv_transpose2d
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv_transpose1d, but got input of "
                           f"size: {list(input.shape)}")

    def one(v):
        return v[0] if isinstance(v, (list, tuple)) else v
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, one(stride)), (0, one(padding)),
                           (0, one(output_padding)), groups, (1, one(dilation)))
    return out.squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    from .functional import adaptive_max_pool2d
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for adaptive_max_pool1d)")
    size = output_size[0] if isinstance(output_size, (list, tuple)) else output_size
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def channel_shuffle(input, groups):
    """(N, g * k, *) -> (N, k * g, *): the channels of g groups interleaved (ShuffleNet)."""
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    n, c, *rest = input.shape
    if c % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(input.shape)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm of each window: (sum of x^p)^(1/p)."""
    from .functional import avg_pool1d, relu
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride if stride is not None else kernel_size, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kernel_size).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    from .functional import avg_pool2d, relu
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride if stride is not None else kernel_size, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kh * kw).pow(1.0 / norm_type)


# --- sliding blocks (im2col) as convolutions with one-hot kernels ---------------------------------------------------
def _pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def _one_hot_kernels(kernel_size, like):
    """(kh * kw, 1, kh, kw): kernel k picks the k-th position of a block, so a convolution with them copies blocks."""
    from .. import ops as _f
    kh, kw = kernel_size
    return _f.eye(kh * kw, dtype=like.dtype, device=like.device).reshape(kh * kw, 1, kh, kw)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) -> (N, C * kh * kw, L): every kh x kw block as a column (the im2col of a convolution)."""
    from .functional import conv2d
    kernel_size, dilation, padding, stride = (_pair(v) for v in (kernel_size, dilation, padding, stride))
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    n, c = x.shape[0], x.shape[1]
    cols = conv2d(x.reshape(n * c, 1, *x.shape[2:]), _one_hot_kernels(kernel_size, x), None, stride, padding,
                  dilation)
    out = cols.reshape(n, c * kernel_size[0] * kernel_size[1], -1)
    return out if batched else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C * kh * kw, L) -> (N, C, H, W): the blocks summed back into place (the adjoint of unfold)."""
    from .functional import conv_transpose2d
    output_size, kernel_size, dilation, padding, stride = (_pair(v) for v in (output_size, kernel_size, dilation,
                                                                             padding, stride))
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    kh, kw = kernel_size
    if x.shape[1] % (kh * kw) != 0:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size={kernel_size}.")
    blocks = [(output_size[d] + 2 * padding[d] - dilation[d] * (kernel_size[d] - 1) - 1) // stride[d] + 1
              for d in range(2)]
    if blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={x.shape[2]}.")
    n, c = x.shape[0], x.shape[1] // (kh * kw)
    reached = [(blocks[d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel_size[d] - 1) + 1 for d in range(2)]
    out = conv_transpose2d(x.reshape(n * c, kh * kw, *blocks), _one_hot_kernels(kernel_size, x), None, stride,
                           padding, tuple(o - r for o, r in zip(output_size, reached)), 1, dilation)
    out = out.reshape(n, c, *output_size)
    return out if batched else out.squeeze(0)


# --- bags of embeddings ---------------------------------------------------------------------------------------------
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """The sum, mean or max of the embeddings of each bag of indices: the rows of a 2-D input, or the slices of a
    1-D input that start at `offsets`. padding_idx entries are left out; an empty bag gives zeros."""
    import numpy as np
    from .. import ops as _f
    from .functional import embedding, _embedding_renorm
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed "
                             f"length sequences. However, found offsets of type {type(offsets)}".replace(
                                 "engine.tensor.Tensor", "torch.Tensor"))
        starts = list(range(0, input.numel(), input.size(1)))
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = offsets.tolist()
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if max_norm is not None:
        _embedding_renorm(weight, np.unique(input.tolist()), max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    ends = starts[1:] + [input.numel()]
    if include_last_offset:
        starts, ends = starts[:-1], ends[:-1]
    vectors = embedding(input, weight)
    if per_sample_weights is not None:
        vectors = vectors * per_sample_weights.unsqueeze(1)
    ids = input.tolist()
    bags = []
    for start, end in zip(starts, ends):
        members = [i for i in range(start, end) if padding_idx is None or ids[i] != padding_idx]
        if not members:
            bags.append(weight.new_zeros(weight.size(1)))
            continue
        rows = vectors[_f.tensor(members, device=weight.device)]
        bags.append(rows.max(0).values if mode == "max" else rows.sum(0) / len(members) if mode == "mean"
                    else rows.sum(0))
    return _f.stack(bags) if bags else weight.new_zeros((0, weight.size(1)))


# --- normalisation -------------------------------------------------------------------------------------------------
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over the trailing normalized_shape dims) + eps) * weight; eps defaults to the dtype's
    machine epsilon."""
    import numpy as np
    ns = tuple(normalized_shape) if isinstance(normalized_shape, (list, tuple)) else (normalized_shape,)
    if len(ns) > input.dim() or tuple(input.shape[input.dim() - len(ns):]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    dims = tuple(range(input.dim() - len(ns), input.dim()))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Each value divided by (k + alpha * mean of the squares of `size` neighbouring channels)^beta (AlexNet)."""
    from .functional import avg_pool2d, pad
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {input.dim()} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    n, c = input.shape[0], input.shape[1]
    squares = (input * input).reshape(n, 1, c, -1)  # channels as the height of a one-channel image
    squares = pad(squares, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(squares, (size, 1), stride=1).reshape(input.shape)
    return input / div.mul(alpha).add(k).pow(beta)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Each sample's channels normalised over their own positions: a batch norm of the input seen as one sample
    of N * C channels (running statistics, when kept, are the average over the samples)."""
    from .functional import batch_norm
    n, c = input.shape[0], input.shape[1]
    repeat = (lambda t: t.repeat(n) if t is not None else None)
    folded = input.reshape(1, n * c, *input.shape[2:])
    stats = [repeat(t) for t in (running_mean, running_var)]
    out = batch_norm(folded, stats[0], stats[1], repeat(weight), repeat(bias), use_input_stats, momentum, eps)
    with grad_mode.no_grad():
        for kept, per_instance in zip((running_mean, running_var), stats):
            if kept is not None and use_input_stats:
                kept.copy_(per_instance.view(n, c).mean(0))
    return out.view(input.shape)


# --- losses --------------------------------------------------------------------------------------------------------
def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin): target 1 wants input1 ranked higher, -1 input2."""
    reduction = _checked_reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _checked_reduction(reduction, size_average, reduce)
    zeros = input.new_zeros(())
    margin_part = (margin - input).clamp_min(0).where(target != 1, zeros)
    self_part = input.where(target != -1, zeros)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), the logistic loss for targets of +-1."""
    reduction = _checked_reduction(reduction, size_average, reduce)
    if target.requires_grad:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
                           "This input cannot have requires_grad True.")
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy with logits for every class, averaged over the classes of each sample."""
    from .functional import logsigmoid
    reduction = _checked_reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where target is -1."""
    reduction = _checked_reduction(reduction, size_average, reduce)
    dim = input1.dim() - 1
    eps = 1e-12  # PyTorch's guard against zero vectors
    dot = (input1 * input2).sum(dim)
    norms = (((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)).sqrt()
    cos = dot / norms
    zeros = cos.new_zeros(())
    loss = (1 - cos).where(target == 1, zeros) + (cos - margin).clamp_min(0).where(target == -1, zeros)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, d(anchor, positive) - d(anchor, negative) + margin), with the p-norm distance."""
    from .functional import pairwise_distance
    reduction = _checked_reduction(reduction, size_average, reduce)
    if not (anchor.dim() == positive.dim() == negative.dim()):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.dim()}D, positive {positive.dim()}D, and negative "
                           f"{negative.dim()}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """triplet_margin_loss with any distance function (pairwise_distance by default)."""
    from .functional import pairwise_distance
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not (anchor.dim() == positive.dim() == negative.dim()):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.dim()}D, positive {positive.dim()}D, and negative "
                           f"{negative.dim()}D inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge loss: the mean over classes j != y of max(0, margin - x[y] + x[j])^p."""
    reduction = _checked_reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.dim() > 1 else input.unsqueeze(0)
    y = target.reshape(-1, 1)
    hinge = (margin - x.gather(1, y) + x).clamp_min(0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[y]
    others = x.new_ones(x.shape).scatter(1, y, 0.0)  # the target's own class does not count
    loss = (hinge * others).sum(1) / x.size(1)
    return _reduce(loss if input.dim() > 1 else loss.reshape(target.shape), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Negative log-likelihood of target under a Poisson distribution of rate exp(input) (or input)."""
    reduction = _checked_reduction(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 * (log(var) + (input - target)^2 / var): the negative log-likelihood of target under a Gaussian of mean
    input and variance var (clamped to at least eps, without a gradient through the clamp)."""
    if isinstance(var, (int, float)):
        var = input.new_full((), float(var))
    if var.size() != input.size():
        if tuple(input.size())[:-1] == tuple(var.size()):
            var = var.unsqueeze(-1)
        elif not (tuple(input.size())[:-1] == tuple(var.size())[:-1] and var.size(-1) == 1) and var.dim() != 0:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with grad_mode.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


