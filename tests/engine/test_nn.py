"""engine.nn against real PyTorch: every layer's forward, gradients and graph nodes (float64 and
float32), functional ops and their errors, reprs, the Module API, hooks, init and memory."""
import gc
import math
import warnings
import weakref
from collections import OrderedDict

import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome
from engine.nn import _module_stack
from tests.engine.module_oracle import assert_close, compare, compare_fn, copy_state, rand, randint, randn

# --- layers: forward value, node name, input and parameter gradients ------------------------------------
LAYERS = {
    "linear": (lambda nn: nn.Linear(5, 3), [(4, 5)]),
    "linear-3d": (lambda nn: nn.Linear(5, 3), [(2, 4, 5)]),
    "linear-1d": (lambda nn: nn.Linear(5, 3), [(5,)]),
    "linear-nobias": (lambda nn: nn.Linear(5, 3, bias=False), [(4, 5)]),
    "linear-nobias-3d": (lambda nn: nn.Linear(5, 3, bias=False), [(2, 4, 5)]),
    "conv2d": (lambda nn: nn.Conv2d(3, 4, 3), [(2, 3, 8, 8)]),
    "conv2d-stride-pad": (lambda nn: nn.Conv2d(3, 4, 3, stride=2, padding=1), [(2, 3, 9, 7)]),
    "conv2d-dilation": (lambda nn: nn.Conv2d(2, 3, 3, dilation=2, padding=(2, 1)), [(1, 2, 9, 9)]),
    "conv2d-groups": (lambda nn: nn.Conv2d(4, 6, 3, groups=2, bias=False), [(2, 4, 6, 6)]),
    "conv2d-depthwise": (lambda nn: nn.Conv2d(3, 3, (3, 2), groups=3, stride=(1, 2)), [(2, 3, 6, 7)]),
    "conv2d-same-odd": (lambda nn: nn.Conv2d(2, 3, 3, padding="same"), [(1, 2, 5, 6)]),
    "conv2d-same-even": (lambda nn: nn.Conv2d(2, 3, 4, padding="same"), [(1, 2, 5, 6)]),
    "conv2d-valid": (lambda nn: nn.Conv2d(2, 3, 2, padding="valid"), [(1, 2, 5, 6)]),
    "conv2d-unbatched": (lambda nn: nn.Conv2d(3, 4, 3), [(3, 6, 6)]),
    "conv2d-reflect": (lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), [(1, 2, 5, 5)]),
    "conv2d-replicate": (lambda nn: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="replicate"), [(1, 2, 5, 5)]),
    "conv1d": (lambda nn: nn.Conv1d(3, 4, 3), [(2, 3, 10)]),
    "conv1d-options": (lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), [(2, 4, 11)]),
    "maxpool2d": (lambda nn: nn.MaxPool2d(2), [(2, 3, 8, 8)]),
    "maxpool2d-stride-pad": (lambda nn: nn.MaxPool2d(3, stride=2, padding=1), [(2, 3, 7, 9)]),
    "maxpool2d-ceil": (lambda nn: nn.MaxPool2d(2, ceil_mode=True), [(1, 2, 7, 5)]),
    "maxpool2d-dilation": (lambda nn: nn.MaxPool2d((2, 3), stride=1, dilation=2), [(1, 2, 7, 8)]),
    "maxpool2d-unbatched": (lambda nn: nn.MaxPool2d(2), [(3, 6, 6)]),
    "maxpool1d": (lambda nn: nn.MaxPool1d(3, stride=2), [(2, 3, 9)]),
    "avgpool2d": (lambda nn: nn.AvgPool2d(2), [(2, 3, 8, 8)]),
    "avgpool2d-pad": (lambda nn: nn.AvgPool2d(3, stride=2, padding=1), [(2, 3, 7, 9)]),
    "avgpool2d-no-pad-count": (lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [(1, 2, 7, 6)]),
    "avgpool2d-ceil": (lambda nn: nn.AvgPool2d(2, ceil_mode=True), [(1, 2, 7, 5)]),
    "avgpool2d-divisor": (lambda nn: nn.AvgPool2d(2, divisor_override=3), [(1, 2, 6, 6)]),
    "avgpool1d": (lambda nn: nn.AvgPool1d(3, stride=2, padding=1), [(2, 3, 9)]),
    "adaptive-1": (lambda nn: nn.AdaptiveAvgPool2d(1), [(2, 3, 5, 7)]),
    "adaptive-even": (lambda nn: nn.AdaptiveAvgPool2d((4, 2)), [(2, 3, 8, 8)]),
    "adaptive-uneven": (lambda nn: nn.AdaptiveAvgPool2d((3, 4)), [(2, 3, 7, 5)]),
    "adaptive-none": (lambda nn: nn.AdaptiveAvgPool2d((2, None)), [(1, 2, 5, 3)]),
    "adaptive1d": (lambda nn: nn.AdaptiveAvgPool1d(3), [(2, 3, 7)]),
    "flatten": (lambda nn: nn.Flatten(), [(2, 3, 4, 5)]),
    "flatten-range": (lambda nn: nn.Flatten(0, 2), [(2, 3, 4, 5)]),
    "unflatten": (lambda nn: nn.Unflatten(1, (2, 3)), [(4, 6, 2)]),
    "identity": (lambda nn: nn.Identity(3, unused=True), [(2, 3)]),
    "relu": (lambda nn: nn.ReLU(), [(3, 5)]),
    "relu6": (lambda nn: nn.ReLU6(), [(3, 5)]),
    "leaky-relu": (lambda nn: nn.LeakyReLU(0.2), [(3, 5)]),
    "elu": (lambda nn: nn.ELU(0.5), [(3, 5)]),
    "tanh": (lambda nn: nn.Tanh(), [(3, 5)]),
    "sigmoid": (lambda nn: nn.Sigmoid(), [(3, 5)]),
    "gelu": (lambda nn: nn.GELU(), [(3, 5)]),
    "gelu-tanh": (lambda nn: nn.GELU("tanh"), [(3, 5)]),
    "silu": (lambda nn: nn.SiLU(), [(3, 5)]),
    "mish": (lambda nn: nn.Mish(), [(3, 5)]),
    "softplus": (lambda nn: nn.Softplus(), [(3, 5)]),
    "softplus-beta": (lambda nn: nn.Softplus(2.0, 1.0), [(3, 5)]),
    "hardtanh": (lambda nn: nn.Hardtanh(-0.5, 0.7), [(3, 5)]),
    "hardswish": (lambda nn: nn.Hardswish(), [(3, 5)]),
    "hardsigmoid": (lambda nn: nn.Hardsigmoid(), [(3, 5)]),
    "logsigmoid": (lambda nn: nn.LogSigmoid(), [(3, 5)]),
    "softsign": (lambda nn: nn.Softsign(), [(3, 5)]),
    "tanhshrink": (lambda nn: nn.Tanhshrink(), [(3, 5)]),
    "softmax": (lambda nn: nn.Softmax(dim=1), [(3, 5)]),
    "log-softmax": (lambda nn: nn.LogSoftmax(dim=-1), [(2, 3, 5)]),
    "softmin": (lambda nn: nn.Softmin(dim=0), [(3, 5)]),
    "prelu": (lambda nn: nn.PReLU(), [(3, 5)]),
    "prelu-channels": (lambda nn: nn.PReLU(3), [(2, 3, 4)]),
    "layernorm": (lambda nn: nn.LayerNorm(5), [(3, 5)]),
    "layernorm-2d": (lambda nn: nn.LayerNorm((3, 5)), [(2, 3, 5)]),
    "layernorm-no-affine": (lambda nn: nn.LayerNorm(5, elementwise_affine=False), [(3, 5)]),
    "layernorm-no-bias": (lambda nn: nn.LayerNorm(5, bias=False), [(3, 5)]),
    "upsample-nearest": (lambda nn: nn.Upsample(scale_factor=2), [(1, 2, 4, 4)]),
    "upsample-nearest-size": (lambda nn: nn.Upsample(size=(7, 5)), [(1, 2, 4, 3)]),
    "upsample-bilinear": (lambda nn: nn.Upsample(size=(7, 5), mode="bilinear"), [(1, 2, 4, 3)]),
    "upsample-bilinear-scale": (lambda nn: nn.Upsample(scale_factor=1.7, mode="bilinear"), [(1, 2, 5, 4)]),
    "upsample-bilinear-corners": (lambda nn: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
                                  [(1, 2, 4, 3)]),
    "upsample-linear-1d": (lambda nn: nn.Upsample(scale_factor=1.5, mode="linear"), [(2, 2, 4)]),
    "upsample-nearest-1d": (lambda nn: nn.Upsample(size=7, mode="nearest"), [(2, 2, 4)]),
    "upsample-nearest-exact": (lambda nn: nn.Upsample(size=(5, 7), mode="nearest-exact"), [(1, 1, 3, 4)]),
}
# Layers PyTorch computes with fused kernels that the engine composes from smaller ops: same values,
# other node names inside (the output node may differ too).
OTHER_NODES = {"conv2d-unbatched", "maxpool2d-unbatched"}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name, dtype):
    make, shapes = LAYERS[name]
    compare(make, *[randn(*s) for s in shapes], dtype=dtype, check_names=name not in OTHER_NODES)


def test_circular_padding_conv_matches_torch_values():
    # PyTorch builds circular padding from slices and copies (CopySlices nodes); the values agree.
    compare(lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), randn(1, 2, 5, 6), check_names=False)


def test_selu_and_bilinear_match_torch_values():
    compare(lambda nn: nn.SELU(), randn(3, 5), check_names=False)
    compare(lambda nn: nn.Bilinear(3, 4, 2), randn(5, 3), randn(5, 4), check_names=False)


def test_maxpool_return_indices_matches_torch():
    compare(lambda nn: nn.MaxPool2d(2, return_indices=True), randn(2, 3, 6, 6))


def test_conv2d_float32_lenet_layer_tolerance():
    compare(lambda nn: nn.Conv2d(1, 6, 3), randn(4, 1, 32, 32), dtype="float32")


# --- normalization with running statistics -------------------------------------------------------------------
BATCHNORM = {
    "bn1d": (lambda nn: nn.BatchNorm1d(3), (4, 3)),
    "bn1d-3d": (lambda nn: nn.BatchNorm1d(3), (4, 3, 5)),
    "bn1d-no-affine": (lambda nn: nn.BatchNorm1d(3, affine=False), (4, 3)),
    "bn1d-cumulative": (lambda nn: nn.BatchNorm1d(3, momentum=None), (4, 3)),
    "bn1d-untracked": (lambda nn: nn.BatchNorm1d(3, track_running_stats=False), (4, 3)),
    "bn2d": (lambda nn: nn.BatchNorm2d(3), (2, 3, 4, 5)),
    "bn2d-eps-momentum": (lambda nn: nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), (2, 3, 4, 5)),
    "bn2d-no-bias": (lambda nn: nn.BatchNorm2d(3, bias=False), (2, 3, 4, 5)),
}


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", sorted(BATCHNORM))
def test_batchnorm_matches_torch(name, train):
    make, shape = BATCHNORM[name]

    def make_trained(nn):
        m = make(nn)
        if m.running_mean is not None:  # non-trivial running statistics for the eval case
            with (torch.no_grad() if nn is torch.nn else engine.no_grad()):
                m.running_mean.copy_(m.running_mean + 0.3)
                m.running_var.copy_(m.running_var * 1.7)
        return m
    em, tm = compare(make_trained, randn(*shape), train=train)
    if tm.num_batches_tracked is not None:
        assert int(em.num_batches_tracked) == int(tm.num_batches_tracked)


def test_batchnorm_running_stats_over_several_steps():
    tm, em = torch.nn.BatchNorm2d(2, momentum=None), engine.nn.BatchNorm2d(2, momentum=None)
    for _ in range(3):
        x = (randn(4, 2, 3, 3) * 2 + 1).astype(np.float32)
        tm(torch.tensor(x))
        em(engine.tensor(x))
    assert_close(em.running_mean, tm.running_mean, "float32")
    assert_close(em.running_var, tm.running_var, "float32")
    assert int(em.num_batches_tracked) == 3


def test_batchnorm_errors_match_torch():
    for lib in (torch, engine):
        with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
            lib.nn.BatchNorm2d(3)(lib.zeros(2, 3))
        with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                             r"torch.Size\(\[1, 3\]\)"):
            lib.nn.BatchNorm1d(3)(lib.zeros(1, 3))
    lib_msgs = [outcome(lambda lib: lib.nn.BatchNorm1d(3)(lib.zeros(2, 4)), lib) for lib in (torch, engine)]
    assert lib_msgs[0] == lib_msgs[1]


# --- embedding ---------------------------------------------------------------------------------------------------
def test_embedding_matches_torch():
    idx = randint(0, 10, 4, 5)
    compare(lambda nn: nn.Embedding(10, 3), idx)
    idx[0, :2] = 0
    compare(lambda nn: nn.Embedding(10, 3, padding_idx=0), idx)


def test_embedding_padding_row_is_zero_and_gets_no_gradient():
    e = engine.nn.Embedding(5, 3, padding_idx=-1)
    assert e.padding_idx == 4 and e.weight[4].abs().sum().item() == 0
    e(engine.tensor([4, 4, 1])).sum().backward()
    assert e.weight.grad[4].abs().sum().item() == 0 and e.weight.grad[1].sum().item() == 3


def test_embedding_max_norm_renormalizes_like_torch():
    idx = randint(0, 6, 3, 2)
    tm = torch.nn.Embedding(6, 4, max_norm=1.0)
    em = engine.nn.Embedding(6, 4, max_norm=1.0)
    with torch.no_grad():
        tm.weight.mul_(3)
    copy_state(tm, em)
    assert_close(em(engine.tensor(idx)), tm(torch.tensor(idx)), "float32")
    assert_close(em.weight, tm.weight, "float32")


def test_embedding_errors():
    e = engine.nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        e(engine.tensor([4]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        engine.nn.Embedding(4, 2, padding_idx=5)


# --- losses ------------------------------------------------------------------------------------------------------
def _loss_cases():
    logits, probs = randn(4, 5), rand(4, 5, low=0.05, high=0.95)
    classes = np.array([1, 0, 4, 2])
    prob_target = np.exp(randn(4, 5))
    prob_target /= prob_target.sum(1, keepdims=True)
    weight = rand(5, low=0.5, high=2.0)
    cases = {}
    for red in ("mean", "sum", "none"):
        cases[f"mse-{red}"] = (lambda nn, r=red: nn.MSELoss(reduction=r), [randn(3, 4), randn(3, 4)], True)
        cases[f"l1-{red}"] = (lambda nn, r=red: nn.L1Loss(reduction=r), [randn(3, 4), randn(3, 4)], True)
        cases[f"smoothl1-{red}"] = (lambda nn, r=red: nn.SmoothL1Loss(reduction=r, beta=0.5),
                                    [randn(3, 4), randn(3, 4)], True)
        cases[f"huber-{red}"] = (lambda nn, r=red: nn.HuberLoss(reduction=r, delta=0.7), [randn(3, 4), randn(3, 4)],
                                 True)
        cases[f"ce-{red}"] = (lambda nn, r=red: nn.CrossEntropyLoss(reduction=r), [logits, classes], False)
        cases[f"ce-weight-ignore-{red}"] = (
            lambda nn, r=red, w=weight: nn.CrossEntropyLoss(weight=_lib_tensor(nn, w), ignore_index=2, reduction=r),
            [logits, classes], False)
        cases[f"ce-smoothing-{red}"] = (lambda nn, r=red: nn.CrossEntropyLoss(label_smoothing=0.2, reduction=r),
                                        [logits, classes], False)
        cases[f"ce-smoothing-weight-ignore-{red}"] = (
            lambda nn, r=red, w=weight: nn.CrossEntropyLoss(weight=_lib_tensor(nn, w), ignore_index=0,
                                                            label_smoothing=0.1, reduction=r),
            [logits, classes], False)
        cases[f"ce-probabilities-{red}"] = (lambda nn, r=red: nn.CrossEntropyLoss(reduction=r),
                                            [logits, prob_target], False)
        cases[f"ce-probabilities-smoothing-weight-{red}"] = (
            lambda nn, r=red, w=weight: nn.CrossEntropyLoss(weight=_lib_tensor(nn, w), label_smoothing=0.3,
                                                            reduction=r),
            [logits, prob_target], False)
        cases[f"nll-{red}"] = (lambda nn, r=red: nn.NLLLoss(reduction=r), [np.log(probs), classes], False)
        cases[f"bce-{red}"] = (lambda nn, r=red: nn.BCELoss(reduction=r), [probs, rand(4, 5)], False)
        cases[f"bce-weight-{red}"] = (lambda nn, r=red, w=weight: nn.BCELoss(weight=_lib_tensor(nn, w), reduction=r),
                                      [probs, rand(4, 5)], False)
        cases[f"bce-logits-{red}"] = (lambda nn, r=red: nn.BCEWithLogitsLoss(reduction=r), [logits, rand(4, 5)],
                                      False)
        cases[f"bce-logits-pos-weight-{red}"] = (
            lambda nn, r=red, w=weight: nn.BCEWithLogitsLoss(pos_weight=_lib_tensor(nn, w), reduction=r,
                                                             weight=_lib_tensor(nn, w[::-1].copy())),
            [logits, rand(4, 5)], False)
    cases["ce-4d"] = (lambda nn: nn.CrossEntropyLoss(), [randn(2, 5, 3, 4), randint(0, 5, 2, 3, 4)], False)
    cases["ce-3d-none"] = (lambda nn: nn.CrossEntropyLoss(reduction="none"), [randn(2, 5, 3), randint(0, 5, 2, 3)],
                           False)
    cases["ce-unbatched"] = (lambda nn: nn.CrossEntropyLoss(), [randn(5), np.array(3)], False)
    cases["ce-unbatched-smoothing"] = (lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), [randn(5), np.array(3)],
                                       False)
    cases["nll-4d-ignore"] = (lambda nn: nn.NLLLoss(ignore_index=1), [randn(2, 3, 2, 2), randint(0, 3, 2, 2, 2)],
                              False)
    cases["kl-batchmean"] = (lambda nn: nn.KLDivLoss(reduction="batchmean"),
                             [np.log(probs), prob_target], False)
    cases["kl-log-target-sum"] = (lambda nn: nn.KLDivLoss(reduction="sum", log_target=True),
                                  [np.log(probs), np.log(prob_target)], False)
    return cases


def _lib_tensor(nn, array):
    """A loss weight as float32 (the module's buffers become float64 with it in the float64 runs)."""
    return (torch if nn is torch.nn else engine).tensor(array.astype(np.float32))


LOSSES = _loss_cases()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_torch(name, dtype):
    make, inputs, target_grad = LOSSES[name]
    compare(make, *inputs, dtype=dtype, grad=[True, target_grad])


def test_loss_gradient_nodes_match_torch():
    """The chains a learner inspects: cross_entropy = NllLoss <- LogSoftmax, and friends."""
    def chain(t, depth):
        names, fn = [], t.grad_fn
        while fn is not None and len(names) < depth:
            names.append(fn.name().replace("torch::autograd::", ""))
            fn = next((f for f, _ in fn.next_functions if f is not None), None)
        return names

    x, target, probs = randn(4, 5), np.array([1, 0, 4, 2]), rand(4, 5)
    calls = [
        lambda lib, a: lib.nn.functional.cross_entropy(a, lib.tensor(target)),
        lambda lib, a: lib.nn.functional.cross_entropy(a, lib.tensor(target), label_smoothing=0.1),
        lambda lib, a: lib.nn.functional.cross_entropy(a, lib.tensor(probs)),
        lambda lib, a: lib.nn.functional.l1_loss(a, lib.tensor(probs)),
        lambda lib, a: lib.nn.functional.smooth_l1_loss(a, lib.tensor(probs), beta=0.0),
        lambda lib, a: lib.nn.functional.kl_div(a, lib.tensor(probs), reduction="batchmean"),
        lambda lib, a: lib.nn.functional.cross_entropy(a.view(2, 2, 5).transpose(1, 2), lib.tensor([[1, 0], [2, 2]])),
    ]
    for call in calls:
        t = call(torch, torch.tensor(x, requires_grad=True))
        e = call(engine, engine.tensor(x, requires_grad=True))
        assert chain(e, 5) == chain(t, 5)


def test_mse_loss_size_mismatch_warns_like_torch():
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3\]\)\) that is different to the "
                                         r"input size \(torch.Size\(\[2, 3\]\)\)"):
        engine.nn.functional.mse_loss(engine.zeros(2, 3), engine.zeros(3))


# --- functional ops ----------------------------------------------------------------------------------------------
FUNCTIONAL = {
    "linear": (lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), [(3, 4), (2, 4), (2,)]),
    "linear-4d": (lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), [(2, 1, 3, 4), (2, 4), (2,)]),
    "conv2d-fn": (lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=(2, 1), padding=(0, 1)),
                  [(2, 2, 5, 5), (3, 2, 2, 2)]),
    "max-pool-indices": (lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True), [(1, 2, 4, 6)]),
    "relu": (lambda lib, x: lib.nn.functional.relu(x), [(3, 4)]),
    "relu6": (lambda lib, x: lib.nn.functional.relu6(x * 4), [(3, 4)]),
    "elu": (lambda lib, x: lib.nn.functional.elu(x, 0.3), [(3, 4)]),
    "leaky_relu": (lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1), [(3, 4)]),
    "gelu": (lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), [(3, 4)]),
    "silu": (lambda lib, x: lib.nn.functional.silu(x), [(3, 4)]),
    "softplus": (lambda lib, x: lib.nn.functional.softplus(x * 10, beta=0.5, threshold=3), [(3, 4)]),
    "hardtanh": (lambda lib, x: lib.nn.functional.hardtanh(x, -0.2, 0.4), [(3, 4)]),
    "softmax-dim0": (lambda lib, x: lib.nn.functional.softmax(x, 0), [(3, 4)]),
    "log-softmax-dtype": (lambda lib, x: lib.nn.functional.log_softmax(x, -1, dtype=lib.float64), [(3, 4)]),
    "normalize": (lambda lib, x: lib.nn.functional.normalize(x, dim=0), [(3, 4)]),
    "normalize-zero-row": (lambda lib, x: lib.nn.functional.normalize(x * (lib.arange(3) > 0).view(3, 1)), [(3, 4)]),
    "normalize-p1": (lambda lib, x: lib.nn.functional.normalize(x, p=1), [(3, 4)]),
    "normalize-p3": (lambda lib, x: lib.nn.functional.normalize(x, p=3, dim=-1), [(2, 3, 4)]),
    "normalize-pinf": (lambda lib, x: lib.nn.functional.normalize(x, p=float("inf")), [(3, 4)]),
    "cosine-similarity": (lambda lib, x, y: lib.nn.functional.cosine_similarity(x, y, dim=1), [(3, 4), (3, 4)]),
    "pad-constant": (lambda lib, x: lib.nn.functional.pad(x, (1, 2, 0, 1), value=0.5), [(2, 3, 4)]),
    "pad-negative": (lambda lib, x: lib.nn.functional.pad(x, (-1, 2)), [(2, 3, 4)]),
    "pad-reflect": (lambda lib, x: lib.nn.functional.pad(x, (1, 2, 2, 1), mode="reflect"), [(1, 2, 4, 5)]),
    "pad-replicate": (lambda lib, x: lib.nn.functional.pad(x, (2, 1), mode="replicate"), [(1, 2, 4)]),
    "interpolate-nearest": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=4), [(1, 1, 8, 8)]),
    "interpolate-bilinear-32": (lambda lib, x: lib.nn.functional.interpolate(x, size=(32, 32), mode="bilinear"),
                                [(2, 1, 8, 8)]),
    "interpolate-bilinear-down": (lambda lib, x: lib.nn.functional.interpolate(x, size=(3, 2), mode="bilinear"),
                                  [(1, 2, 7, 5)]),
    "interpolate-area": (lambda lib, x: lib.nn.functional.interpolate(x, size=(3, 2), mode="area"), [(1, 2, 7, 5)]),
    "adaptive-avg-pool": (lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (5, 3)), [(1, 2, 7, 5)]),
    "batch-norm-fn": (lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True),
                      [(4, 3), (3,), (3,)]),
    "layer-norm-fn-bias-only": (lambda lib, x, b: lib.nn.functional.layer_norm(x, (4,), None, b), [(3, 4), (4,)]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_matches_torch(name, dtype):
    fn, shapes = FUNCTIONAL[name]
    compare_fn(fn, *[randn(*s) for s in shapes], dtype=dtype)



@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_gradients_to_the_third_order_match_torch(approximate, dtype):
    """GELU's gradient is one GeluBackwardBackward0 node (the forward's erf reused when no graph is recorded),
    and its own gradients follow PyTorch's gelu_double_backward."""
    rng = np.random.default_rng(3)
    x, upstream = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5))
    results = {}
    for lib in (torch, engine):
        a = lib.tensor(x.astype(dtype), requires_grad=True)
        g = lib.tensor(upstream.astype(dtype), requires_grad=True)
        y = lib.nn.functional.gelu(a, approximate=approximate)
        plain = lib.autograd.grad(y, a, g, retain_graph=True)[0]
        first, = lib.autograd.grad(y, a, g, create_graph=True)
        second_a, second_g = lib.autograd.grad(first.pow(2).sum(), (a, g), create_graph=True)
        third, = lib.autograd.grad((second_a * second_g).sum(), a)
        results[lib.__name__] = [plain, first, second_a, second_g, third], first.grad_fn.name()
    (ours, our_name), (theirs, their_name) = results["engine"], results["torch"]
    assert our_name == their_name == "GeluBackwardBackward0"
    scale = 1e-4 if dtype == "float32" else 1e-12  # (float32's cancellations near gelu''s zeros, as in torch)
    for o, t in zip(ours, theirs):
        t = t.detach().numpy()
        np.testing.assert_allclose(o.detach().numpy(), t, rtol=0, atol=scale * np.abs(t).max())

INPLACE = {
    "relu": lambda F, y: F.relu(y, inplace=True), "leaky_relu": lambda F, y: F.leaky_relu(y, 0.2, inplace=True),
    "elu": lambda F, y: F.elu(y, 0.7, inplace=True), "relu6": lambda F, y: F.relu6(y * 4, inplace=True),
    "hardtanh": lambda F, y: F.hardtanh(y, -0.3, 0.2, inplace=True), "silu": lambda F, y: F.silu(y, inplace=True),
    "hardswish": lambda F, y: F.hardswish(y * 4, inplace=True),
    "module": lambda F, y: (torch.nn if F is torch.nn.functional else engine.nn).LeakyReLU(0.1, inplace=True)(y),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_activations_match_torch(name):
    def fn(lib, x):
        y = x * 1
        out = INPLACE[name](lib.nn.functional, y)
        assert out is y or name in ("relu6", "hardswish")  # those two act on a fresh product
        return out
    compare_fn(fn, randn(3, 5))


def test_pairwise_distance_matches_torch_values():
    # PyTorch records NormBackward1 <- AddBackward1 here; the engine's nodes differ, the numbers agree.
    compare_fn(lambda lib, x, y: lib.nn.functional.pairwise_distance(x, y), randn(3, 4), randn(3, 4),
               check_names=False)


def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    for args in ((), (5,)):
        e, t = engine.nn.functional.one_hot(engine.tensor(idx), *args), torch.nn.functional.one_hot(
            torch.tensor(idx), *args)
        assert e.dtype == engine.int64 and e.tolist() == t.tolist()


def test_dropout_zeroes_and_scales_in_training():
    engine.manual_seed(0)
    x = engine.ones(200, 500, requires_grad=True)
    y = engine.nn.functional.dropout(x, 0.3)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.01
    assert np.allclose(y[kept].detach().numpy(), 1 / 0.7)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), y.detach().numpy())  # gradient is the same scaled mask


def test_dropout_eval_p0_and_p1_like_torch():
    for lib in (torch, engine):
        x = lib.ones(3, 4, requires_grad=True)
        assert lib.nn.functional.dropout(x, 0.5, training=False) is x
        assert lib.nn.functional.dropout(x, 0.0) is x
        assert lib.nn.functional.dropout(x, 1.0).abs().sum().item() == 0
        d = lib.nn.Dropout(0.4).eval()
        assert d(x) is x
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            lib.nn.functional.dropout(x, 1.5)


def test_dropout2d_drops_whole_channels():
    engine.manual_seed(1)
    y = engine.nn.Dropout2d(0.5)(engine.ones(8, 16, 3, 3))
    per_channel = y.view(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all().item()


def test_dropout_inplace():
    engine.manual_seed(2)
    x = engine.ones(100, 100)
    y = engine.nn.Dropout(0.5, inplace=True)(x)
    assert y is x and 0.4 < (x == 0).float().mean().item() < 0.6


def test_softmax_implicit_dim_warns_like_torch():
    for lib, mod in ((torch, "torch"), (engine, "engine")):
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
            out = lib.nn.functional.softmax(lib.ones(2, 3))
        assert out.shape == (2, 3) and abs(out.sum().item() - 2) < 1e-6




ERRORS = {
    "conv2d-2d-input": lambda lib: lib.nn.functional.conv2d(lib.zeros(64, 10), lib.zeros(6, 1, 3, 3)),
    "conv2d-channels": lambda lib: lib.nn.Conv2d(1, 6, 3)(lib.zeros(1, 3, 32, 32)),
    "conv2d-groups": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 4, 8, 8), lib.zeros(6, 1, 3, 3), groups=4),
    "conv2d-too-small": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 1, 2, 2), lib.zeros(6, 1, 3, 3)),
    "conv2d-dtype": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 1, 5, 5).double(), lib.zeros(6, 1, 3, 3)),
    "conv2d-bias-dtype": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 1, 5, 5), lib.zeros(6, 1, 3, 3),
                                                              lib.zeros(6).double()),
    "conv2d-same-strided": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 1, 5, 5), lib.zeros(6, 1, 3, 3),
                                                                padding="same", stride=2),
    "conv-module-same-strided": lambda lib: lib.nn.Conv2d(1, 1, 3, stride=2, padding="same"),
    "conv-module-groups": lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    "linear-shapes": lambda lib: lib.nn.functional.linear(lib.zeros(64, 576), lib.zeros(120, 400)),
    "linear-shapes-3d": lambda lib: lib.nn.functional.linear(lib.zeros(2, 64, 576), lib.zeros(120, 400)),
    "linear-module": lambda lib: lib.nn.Linear(3, 4)(lib.zeros(2, 5)),
    "linear-dtype": lambda lib: lib.nn.functional.linear(lib.zeros(4, 3).double(), lib.zeros(2, 3)),
    "maxpool-pad": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 1, 3, 3), 2, padding=2),
    "maxpool-small": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 1, 1, 1), 2),
    "maxpool-2d-input": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(3, 3), 2),
    "avgpool-small": lambda lib: lib.nn.functional.avg_pool2d(lib.zeros(1, 1, 1, 1), 2),
    "ce-target-bounds": lambda lib: lib.nn.functional.cross_entropy(lib.zeros(3, 5), lib.tensor([1, 2, 7])),
    "ce-batch": lambda lib: lib.nn.functional.cross_entropy(lib.zeros(3, 5), lib.tensor([1, 2])),
    "ce-float-target": lambda lib: lib.nn.functional.cross_entropy(lib.zeros(3, 5), lib.tensor([1.0, 2, 3])),
    "ce-smoothing-range": lambda lib: lib.nn.functional.cross_entropy(lib.zeros(3, 5), lib.tensor([1, 2, 3]),
                                                                      label_smoothing=1.5),
    "nll-int-target": lambda lib: lib.nn.functional.nll_loss(lib.zeros(3, 5), lib.tensor([1, 2, 3]).int()),
    "nll-weight": lambda lib: lib.nn.functional.nll_loss(lib.zeros(3, 5), lib.tensor([1, 2, 3]),
                                                         weight=lib.ones(3)),
    "mse-broadcast": lambda lib: lib.nn.functional.mse_loss(lib.zeros(3, 5), lib.zeros(3)),
    "bce-size": lambda lib: lib.nn.functional.binary_cross_entropy(lib.zeros(3, 5), lib.zeros(3)),
    "bce-range": lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])),
    "bce-logits-size": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(lib.zeros(3, 5), lib.zeros(3)),
    "layer-norm-shape": lambda lib: lib.nn.LayerNorm(3)(lib.zeros(2, 4)),
    "hardtanh-range": lambda lib: lib.nn.functional.hardtanh(lib.zeros(2), 2.0, 1.0),
    "reduction": lambda lib: lib.nn.functional.mse_loss(lib.zeros(2), lib.zeros(2), reduction="avg"),
    "one-hot-range": lambda lib: lib.nn.functional.one_hot(lib.tensor([1, 5]), 3),
    "one-hot-negative": lambda lib: lib.nn.functional.one_hot(lib.tensor([-1, 2]), 3),
    "one-hot-dtype": lambda lib: lib.nn.functional.one_hot(lib.tensor([1.0]), 3),
    "pad-odd": lambda lib: lib.nn.functional.pad(lib.zeros(2, 3), (1,)),
    "pad-long": lambda lib: lib.nn.functional.pad(lib.zeros(2, 3), (1, 1, 1, 1, 1, 1)),
    "pad-reflect-size": lambda lib: lib.nn.functional.pad(lib.zeros(1, 2, 3), (3, 3), mode="reflect"),
    "interpolate-corners": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 2, 3), scale_factor=2,
                                                                     align_corners=True),
    "interpolate-none": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 2, 3)),
    "interpolate-both": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 2, 3), size=3, scale_factor=2),
    "dropout-module-p": lambda lib: lib.nn.Dropout(2.0),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = outcome(ERRORS[name], torch)
        ours = outcome(ERRORS[name], engine)
    assert theirs is not None
    assert ours == theirs


# --- repr ---------------------------------------------------------------------------------------------------------
REPRS = [
    lambda nn: nn.Linear(3, 4), lambda nn: nn.Linear(3, 4, bias=False), lambda nn: nn.Bilinear(2, 3, 4),
    lambda nn: nn.Conv2d(1, 6, 3),
    lambda nn: nn.Conv2d(3, 4, (3, 5), stride=2, padding=(1, 2), dilation=2, bias=False, padding_mode="reflect"),
    lambda nn: nn.Conv2d(4, 4, 3, padding="same", groups=2), lambda nn: nn.Conv2d(4, 4, 3, padding="valid"),
    lambda nn: nn.Conv1d(3, 4, 3), lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1),
    lambda nn: nn.MaxPool2d(2), lambda nn: nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, ceil_mode=True),
    lambda nn: nn.MaxPool1d(3), lambda nn: nn.AvgPool2d(2), lambda nn: nn.AvgPool2d(3, 1, 1, True, False, 2),
    lambda nn: nn.AvgPool1d(3), lambda nn: nn.AdaptiveAvgPool2d((1, None)), lambda nn: nn.AdaptiveAvgPool2d(1),
    lambda nn: nn.AdaptiveAvgPool1d(4),
    lambda nn: nn.Flatten(), lambda nn: nn.Flatten(0, 2), lambda nn: nn.Unflatten(1, (2, 3)),
    lambda nn: nn.ReLU(), lambda nn: nn.ReLU(inplace=True), lambda nn: nn.ReLU6(), lambda nn: nn.LeakyReLU(),
    lambda nn: nn.LeakyReLU(0.2, True), lambda nn: nn.ELU(), lambda nn: nn.ELU(0.5, True), lambda nn: nn.SELU(),
    lambda nn: nn.Tanh(), lambda nn: nn.Sigmoid(), lambda nn: nn.GELU(), lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(), lambda nn: nn.Mish(), lambda nn: nn.Softplus(), lambda nn: nn.Softplus(2, 10),
    lambda nn: nn.Softmax(), lambda nn: nn.Softmax(1), lambda nn: nn.LogSoftmax(dim=1), lambda nn: nn.Softmin(0),
    lambda nn: nn.Hardtanh(), lambda nn: nn.Hardtanh(-2.0, 3.0), lambda nn: nn.Hardswish(),
    lambda nn: nn.Hardsigmoid(), lambda nn: nn.LogSigmoid(), lambda nn: nn.Softsign(), lambda nn: nn.Tanhshrink(),
    lambda nn: nn.PReLU(), lambda nn: nn.PReLU(3),
    lambda nn: nn.Dropout(), lambda nn: nn.Dropout(0.2, True), lambda nn: nn.Dropout2d(0.1),
    lambda nn: nn.BatchNorm1d(3), lambda nn: nn.BatchNorm2d(4, eps=1e-3, momentum=None, affine=False,
                                                           track_running_stats=False),
    lambda nn: nn.BatchNorm2d(4, bias=False),
    lambda nn: nn.LayerNorm(4), lambda nn: nn.LayerNorm((2, 3), elementwise_affine=False),
    lambda nn: nn.LayerNorm(3, bias=False), lambda nn: nn.LayerNorm(3, eps=1e-6),
    lambda nn: nn.Embedding(10, 3), lambda nn: nn.Embedding(10, 3, padding_idx=0, max_norm=1.0),
    lambda nn: nn.Identity(),
    lambda nn: nn.Upsample(scale_factor=2), lambda nn: nn.Upsample(size=(4, 4), mode="bilinear"),
    lambda nn: nn.Upsample(scale_factor=2.0, mode="bilinear", align_corners=True),
    lambda nn: nn.MSELoss(), lambda nn: nn.L1Loss(), lambda nn: nn.SmoothL1Loss(), lambda nn: nn.HuberLoss(),
    lambda nn: nn.CrossEntropyLoss(), lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), lambda nn: nn.NLLLoss(),
    lambda nn: nn.BCELoss(), lambda nn: nn.BCEWithLogitsLoss(), lambda nn: nn.KLDivLoss(),
    lambda nn: nn.Sequential(), lambda nn: nn.ModuleList(), lambda nn: nn.ModuleDict(),
    lambda nn: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Sequential(nn.Linear(2, 3), nn.Tanh())),
    lambda nn: nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 2, 3)), ("act", nn.ReLU())])),
    lambda nn: nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU(), nn.Linear(2, 3)]),
    lambda nn: nn.ModuleList([nn.Sequential(nn.Linear(2, 2), nn.ReLU()), nn.Sequential(nn.Linear(2, 2), nn.ReLU())]),
    lambda nn: nn.ModuleDict({"a": nn.ReLU(), "b": nn.Sequential(nn.Linear(1, 1)), "c": nn.Sequential()}),
    lambda nn: nn.ParameterList([nn.Parameter(nn.Linear(3, 2).weight.detach()),
                                 nn.Parameter(nn.Linear(1, 4).bias.detach().double())]),
    lambda nn: nn.ParameterDict({"a": nn.Parameter(nn.Linear(3, 2).weight.detach())}),
]


@pytest.mark.parametrize("index", range(len(REPRS)))
def test_repr_matches_torch(index):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(REPRS[index](engine.nn)) == repr(REPRS[index](torch.nn))


def _nested_model(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(c)
            self.act = nn.ReLU(inplace=True)

        def forward(self, x):
            return self.act(self.bn(self.conv(x))) + x

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
            self.blocks = nn.ModuleList([Block(4), Block(4)])
            self.head = nn.ModuleDict({"pool": nn.AdaptiveAvgPool2d(1), "fc": nn.Linear(4, 3)})
            self.register_buffer("scale", lib.ones(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x)
            return self.head["fc"](self.head["pool"](x).flatten(1)) * self.scale

    return Model()


def test_nested_model_repr_and_state_dict_keys_match_torch():
    t, e = _nested_model(torch), _nested_model(engine)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]


def test_nested_model_forward_backward_matches_torch():
    compare(lambda nn: _nested_model(torch if nn is torch.nn else engine), randn(2, 1, 6, 6))


def test_parameter_repr_matches_torch():
    for args in ((), (False,)):
        e = engine.nn.Parameter(engine.tensor([1.0, 2.5]), *args)
        t = torch.nn.Parameter(torch.tensor([1.0, 2.5]), *args)
        assert repr(e) == repr(t) and str(e) == str(t)
    p = engine.nn.Parameter(engine.ones(2))
    assert isinstance(p, engine.Tensor) and p.is_leaf and p.requires_grad


def test_parameter_shares_memory_with_its_data():
    t = engine.zeros(3)
    p = engine.nn.Parameter(t)
    with engine.no_grad():
        p.add_(1)
    assert t.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        engine.nn.Parameter(engine.tensor([1, 2]))


# --- the Module API -----------------------------------------------------------------------------------------------
def test_parameters_are_deduplicated_and_prefixed():
    for lib in (torch, engine):
        shared = lib.nn.Linear(2, 2)
        seq = lib.nn.Sequential(shared, lib.nn.ReLU(), shared)
        assert len(list(seq.parameters())) == 2
        assert [n for n, _ in seq.named_parameters(prefix="model")] == ["model.0.weight", "model.0.bias"]
        assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
        assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
        assert len(list(seq.named_modules(remove_duplicate=False))) == 4
        assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
        assert len(list(seq.parameters(recurse=False))) == 0


def test_register_buffer_and_parameter():
    m = engine.nn.Module()
    m.register_buffer("a", engine.ones(2))
    m.register_buffer("b", engine.zeros(1), persistent=False)
    m.register_parameter("w", engine.nn.Parameter(engine.ones(3)))
    m.register_parameter("none", None)
    assert list(m.state_dict()) == ["w", "a"]
    assert [n for n, _ in m.named_buffers()] == ["a", "b"]
    assert m.none is None and "none" in m._parameters
    assert m.a.tolist() == [1.0, 1.0]
    with pytest.raises(KeyError, match="attribute 'a' already exists"):
        m.register_parameter("a", engine.nn.Parameter(engine.ones(1)))
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("x.y", engine.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' object to parameter 'q'"):
        m.register_parameter("q", engine.ones(1))


SETATTR_ERRORS = {
    "param-type": lambda lib, m: setattr(m, "weight", lib.zeros(2)),
    "module-type": lambda lib, m: setattr(m, "child", 3),
    "buffer-type": lambda lib, m: setattr(m, "buf", "text"),
    "getattr": lambda lib, m: m.missing,
    "before-init": lambda lib, m: setattr(_uninitialised(lib), "w", lib.nn.Parameter(lib.zeros(1))),
    "module-before-init": lambda lib, m: setattr(_uninitialised(lib), "c", lib.nn.ReLU()),
    "add-module-type": lambda lib, m: m.add_module("x", 3),
}


def _uninitialised(lib):
    class Early(lib.nn.Module):
        def __init__(self):
            pass
    return Early()


@pytest.mark.parametrize("name", sorted(SETATTR_ERRORS))
def test_attribute_errors_match_torch(name):
    results = []
    for lib in (torch, engine):
        m = lib.nn.Linear(2, 2)
        m.child = lib.nn.ReLU()
        m.register_buffer("buf", lib.zeros(1))
        results.append(outcome(lambda l, m=m: SETATTR_ERRORS[name](l, m), lib))
    assert results[0] is not None and results[1] == results[0]


def test_setattr_moves_names_between_kinds_like_torch():
    for lib in (torch, engine):
        m = lib.nn.Module()
        m.x = lib.nn.Parameter(lib.ones(1))
        with pytest.raises(TypeError, match="cannot assign 'torch.nn.modules.linear.Linear' as parameter 'x'|"
                                            "cannot assign 'engine.nn.modules.linear.Linear' as parameter 'x'"):
            m.x = lib.nn.Linear(1, 1)
        del m.x
        m.x = lib.nn.Linear(1, 1)
        assert "x" not in m._parameters and "x" in m._modules
        m.x = None
        assert m.x is None and "x" in m._modules
        m.y = 5
        assert m.y == 5 and "y" in m.__dict__
        del m.y
        assert not hasattr(m, "y")
        m.register_buffer("b", lib.ones(1))
        m.b = lib.zeros(2)
        assert m._buffers["b"].shape == (2,)
        del m.b
        assert "b" not in m._buffers


def test_load_state_dict_strict_errors_match_torch():
    messages = []
    for lib in (torch, engine):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        sd = OrderedDict((k, v.clone()) for k, v in model.state_dict().items())
        del sd["0.bias"]
        sd["extra"] = lib.zeros(1)
        sd["1.nothing.weight"] = lib.zeros(1)
        sd["1.weight"] = lib.zeros(4)
        with pytest.raises(RuntimeError) as info:
            model.load_state_dict(sd)
        messages.append(str(info.value))
        result = model.load_state_dict(OrderedDict((k, v) for k, v in sd.items() if k != "1.weight"), strict=False)
        messages.append((result.missing_keys, result.unexpected_keys))
        messages.append(repr(model.load_state_dict(model.state_dict())))
    assert messages[:3] == messages[3:]


def test_load_state_dict_copies_values_and_keeps_parameter_objects():
    src, dst = engine.nn.Linear(3, 2), engine.nn.Linear(3, 2)
    weight = dst.weight
    dst.load_state_dict(src.state_dict())
    assert dst.weight is weight and engine.equal(dst.weight, src.weight)
    with engine.no_grad():
        src.weight.add_(1)
    assert not engine.equal(dst.weight, src.weight)  # a copy, not an alias
    dst.load_state_dict(src.state_dict(), assign=True)
    assert dst.weight is not weight and isinstance(dst.weight, engine.nn.Parameter)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        dst.load_state_dict([1, 2])


def test_batchnorm_loads_checkpoints_without_num_batches_tracked():
    bn = engine.nn.BatchNorm1d(2)
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    assert repr(bn.load_state_dict(sd)) == "<All keys matched successfully>"


def test_train_eval_zero_grad_apply_requires_grad():
    m = _nested_model(engine)
    assert m.training and all(c.training for c in m.modules())
    assert m.eval() is m and not any(c.training for c in m.modules())
    m.train()
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")
    m(engine.randn(2, 1, 5, 5)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen[-1] == "Model" and seen[0] == "Conv2d"
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_double_float_keeps_parameter_objects_and_converts_buffers():
    m = engine.nn.Sequential(engine.nn.Linear(2, 2), engine.nn.BatchNorm1d(2))
    params = list(m.parameters())
    m(engine.randn(4, 2)).sum().backward()
    assert m.double() is m
    assert all(p is q for p, q in zip(m.parameters(), params))
    assert all(p.dtype == engine.float64 and p.grad.dtype == engine.float64 for p in m.parameters())
    assert m[1].running_mean.dtype == engine.float64 and m[1].num_batches_tracked.dtype == engine.int64
    m.to(engine.float32)
    assert m[0].weight.dtype == engine.float32
    m.to("cpu", dtype=engine.float64)
    assert m[0].weight.dtype == engine.float64 and m.cpu() is m
    m.float()
    assert m[1].running_var.dtype == engine.float32
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex dtypes, but got desired "
                                        "dtype=torch.int64"):
        m.to(engine.int64)


def test_module_to_moves_parameters_and_buffers_through_tensor_to(monkeypatch):
    moved = []
    original = engine.Tensor.to

    def spy(self, *args, **kwargs):
        moved.append(tuple(self.shape))
        return original(self, *args, **kwargs)
    monkeypatch.setattr(engine.Tensor, "to", spy)
    import engine.ops.create as creation
    monkeypatch.setattr(creation, "to", spy)
    m = engine.nn.BatchNorm1d(3)
    m.to("cpu")
    assert sorted(moved) == sorted([(3,), (3,), (3,), (3,), ()])  # weight, bias, running mean/var, counter


def test_sequential_container_api():
    nn = engine.nn
    a, b, c = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)
    s = nn.Sequential(a, b)
    assert len(s) == 2 and s[0] is a and s[-1] is b and list(s) == [a, b]
    s.append(c)
    assert s[2] is c and isinstance(s[1:], nn.Sequential) and list(s[1:]) == [b, c]
    s.insert(0, nn.Identity())
    assert [type(m).__name__ for m in s] == ["Identity", "Linear", "ReLU", "Linear"]
    del s[0]
    assert list(s._modules) == ["0", "1", "2"] and s[0] is a
    s[1] = nn.Tanh()
    assert isinstance(s[1], nn.Tanh)
    with pytest.raises(IndexError, match="index 5 is out of range"):
        s[5]
    named = nn.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert named.first is a and list(named._modules) == ["first", "second"]
    assert s(engine.ones(3, 1)).shape == (3, 1)
    assert len(s + named) == 5


def test_modulelist_and_moduledict_api():
    nn = engine.nn
    ml = nn.ModuleList([nn.ReLU()])
    ml.append(nn.Tanh())
    ml.extend([nn.Sigmoid()])
    ml.insert(1, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["ReLU", "Identity", "Tanh", "Sigmoid"]
    del ml[1]
    assert list(ml._modules) == ["0", "1", "2"] and isinstance(ml[-1], nn.Sigmoid)
    assert len(ml[:2]) == 2
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    md.update([("c", nn.Sigmoid())])
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert isinstance(md.pop("a"), nn.ReLU) and list(md) == ["b", "c"]


def test_forward_hooks_match_torch():
    calls = {}
    for lib in (torch, engine):
        log = calls[lib.__name__] = []
        lin = lib.nn.Linear(2, 2)
        h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        h2 = lin.register_forward_hook(lambda m, args, out: out + 1)
        h3 = lin.register_forward_hook(lambda m, args, out: log.append("first"), prepend=True)
        h4 = lin.register_forward_pre_hook(lambda m, args, kwargs: log.append(sorted(kwargs)) or None,
                                           with_kwargs=True)
        x = lib.ones(1, 2)
        with lib.no_grad():
            out = lin(x)
            for h in (h1, h2, h3, h4):
                h.remove()
            plain = lin(x * 2) + 1
        log.append(bool((out == plain).all()))
    assert calls["torch"] == calls["engine"] == [[], "first", True]


def test_full_backward_hook_matches_torch():
    seen = {}
    for lib in (torch, engine):
        log = seen[lib.__name__] = []
        lin = lib.nn.Linear(3, 2).double()
        copy_from = torch.nn.Linear(3, 2).double()
        torch.manual_seed(0)
        if lib is engine:
            copy_state(copy_from, lin)

        def hook(m, grad_input, grad_output):
            log.append([None if g is None else g.detach().numpy().round(8).tolist() for g in grad_input + grad_output])
            return None if grad_input[0] is None else (grad_input[0] * 10,)
        pre = []
        lin.register_full_backward_pre_hook(lambda m, go: pre.append(len(go)))
        lin.register_full_backward_hook(hook)
        x = lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([[0.5, -1.0]], dtype=lib.float64)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[0.1, 0.2, 0.3], [-0.4, 0.5, 0.6]], dtype=lib.float64))
        (lin(x) * w).sum().backward()
        log.append(x.grad.numpy().round(8).tolist())
        log.append(pre)
        out = lin(lib.ones(1, 3, dtype=lib.float64))  # no input needs grad: hook sees None for it
        out.sum().backward()
        assert log[-1] == [None, [[1.0, 1.0]]]
        assert out.grad_fn.name() == "BackwardHookFunctionBackward"
    assert seen["engine"][:3] == seen["torch"][:3]


def test_module_stack_tracks_nested_forwards():
    seen = []

    class Probe(engine.nn.Module):
        def forward(self, x):
            seen.append(_module_stack.current())
            return x

    inner = Probe()
    outer = engine.nn.Sequential(engine.nn.Identity(), inner)
    assert _module_stack.current() is None
    outer(engine.ones(1))
    assert seen == [inner] and _module_stack.stack == []

    class Boom(engine.nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    with pytest.raises(ValueError):
        engine.nn.Sequential(Boom())(engine.ones(1))
    assert _module_stack.stack == []


def test_graph_capture_tags_nodes_with_module_paths():
    from engine import graph as G
    model = engine.nn.Sequential(OrderedDict([("fc1", engine.nn.Linear(2, 3)), ("act", engine.nn.ReLU()),
                                              ("fc2", engine.nn.Linear(3, 1))]))
    with G.capture(model) as cap:
        loss = model(engine.randn(4, 2)).sum()
    modules = {n["name"]: n["module"] for n in cap.graph(loss).nodes if n["module"]}
    assert modules.get("ReluBackward0") == "act" and modules.get("AddmmBackward0") in ("fc1", "fc2")


def test_extra_repr_and_get_submodule():
    class Scaled(engine.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = engine.nn.Linear(1, 1)

        def extra_repr(self):
            return "factor=2\nsecond line"
    assert repr(Scaled()) == ("Scaled(\n  factor=2\n  second line\n  (inner): Linear(in_features=1, out_features=1, "
                              "bias=True)\n)")
    m = _nested_model(engine)
    assert m.get_submodule("blocks.1.bn") is m.blocks[1].bn
    assert m.get_parameter("head.fc.bias") is m.head["fc"].bias
    with pytest.raises(AttributeError):
        m.get_submodule("blocks.7")


# --- init ------------------------------------------------------------------------------------------------------------
def test_calculate_gain_and_fans_match_torch():
    for args in (("linear",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2), ("selu",),
                 ("conv2d",)):
        assert engine.nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    for shape in ((3, 4), (6, 2, 3, 3), (5, 4, 7)):
        assert engine.nn.init._calculate_fan_in_and_fan_out(engine.empty(shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    for lib in (torch, engine):
        with pytest.raises(ValueError, match="Unsupported nonlinearity bogus"):
            lib.nn.init.calculate_gain("bogus")
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            lib.nn.init.xavier_uniform_(lib.empty(3))


def test_deterministic_inits_match_torch():
    init_e, init_t = engine.nn.init, torch.nn.init
    for name, args, shape in (("zeros_", (), (2, 3)), ("ones_", (), (2, 3)), ("constant_", (0.7,), (2, 3)),
                              ("eye_", (), (3, 4)), ("dirac_", (), (4, 2, 3, 3)), ("dirac_", (2,), (4, 2, 3))):
        e, t = engine.empty(shape), torch.empty(shape)
        getattr(init_e, name)(e, *args)
        getattr(init_t, name)(t, *args)
        assert np.array_equal(e.numpy(), t.numpy()), name


@pytest.mark.parametrize("name,kwargs,expected_std", [
    ("kaiming_uniform_", {}, lambda fi, fo: np.sqrt(2.0 / (1 + 0.01 ** 2)) / np.sqrt(fi)),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, lambda fi, fo: np.sqrt(2.0) / np.sqrt(fo)),
    ("xavier_uniform_", {"gain": 2.0}, lambda fi, fo: 2.0 * np.sqrt(2.0 / (fi + fo))),
    ("xavier_normal_", {}, lambda fi, fo: np.sqrt(2.0 / (fi + fo))),
    ("normal_", {"std": 0.3}, lambda fi, fo: 0.3),
    ("uniform_", {"a": -0.5, "b": 0.5}, lambda fi, fo: 1 / np.sqrt(12)),
])
def test_random_inits_have_torchs_distribution(name, kwargs, expected_std):
    t = engine.empty(400, 300)
    getattr(engine.nn.init, name)(t, **kwargs)
    assert abs(t.std().item() / expected_std(300, 400) - 1) < 0.02
    assert abs(t.mean().item()) < 0.01 * expected_std(300, 400) * 10


def test_trunc_normal_and_orthogonal():
    t = engine.nn.init.trunc_normal_(engine.empty(100, 100), std=1.0, a=-0.5, b=1.0)
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    expected_mean = (pdf(-0.5) - pdf(1.0)) / (cdf(1.0) - cdf(-0.5))
    assert t.min().item() >= -0.5 and t.max().item() <= 1.0 and abs(t.mean().item() - expected_mean) < 0.02
    q = engine.nn.init.orthogonal_(engine.empty(4, 7), gain=2.0)
    np.testing.assert_allclose((q @ q.t()).numpy(), 4 * np.eye(4), atol=1e-5)


def test_default_initialisation_matches_torchs_values():
    for make in (lambda nn: nn.Linear(200, 150), lambda nn: nn.Conv2d(8, 30, 5), lambda nn: nn.BatchNorm2d(3),
                 lambda nn: nn.LayerNorm(3), lambda nn: nn.Embedding(1000, 20)):
        torch.manual_seed(7)
        engine.manual_seed(7)
        theirs, ours = make(torch.nn), make(engine.nn)
        for (name, t), (_, e) in zip(theirs.state_dict().items(), ours.state_dict().items()):
            np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=name)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    grads = [randn(3, 4), randn(5)]
    results = []
    for lib in (torch, engine):
        params = [lib.nn.Parameter(lib.zeros(*g.shape, dtype=lib.float64)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        norm = lib.nn.utils.clip_grad_norm_(params, 1.5, norm_type=norm_type)
        results.append((norm.item(), [p.grad.numpy() for p in params]))
    assert abs(results[0][0] - results[1][0]) < 1e-12
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# --- memory -----------------------------------------------------------------------------------------------------------
def test_saved_tensors_are_released_after_backward():
    model = engine.nn.Sequential(engine.nn.Conv2d(1, 2, 3), engine.nn.ReLU(), engine.nn.Flatten(),
                                 engine.nn.Linear(8, 3))
    x = engine.randn(2, 1, 4, 4)
    loss = model(x).pow(2).sum()
    saved = []
    stack, seen = [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for t in getattr(node, "_saved", ()) or ():
            if isinstance(t, engine.Tensor) and t is not x:
                saved.append(weakref.ref(t._data))
        out = getattr(node, "_saved_output", None)
        if isinstance(out, tuple):
            saved.append(weakref.ref(out[0]))
        stack.extend(f for f, _ in node.next_functions)
    assert saved, "the graph saved intermediate arrays"
    loss.backward()
    del loss, node, stack, seen
    gc.collect()
    alive = [r for r in saved if r() is not None and r() is not x._data]
    param_arrays = {id(p._data) for p in model.parameters()}
    assert [r for r in alive if id(r()) not in param_arrays] == []


def _live_tensors():
    gc.collect()
    kinds = (engine.Tensor, engine.nn.Parameter)
    return sum(1 for o in gc.get_objects() if type(o) in kinds)  # type(): no lazy attributes of other objects


def test_training_steps_do_not_grow_live_tensors():
    model = engine.nn.Sequential(engine.nn.Conv2d(1, 4, 3), engine.nn.BatchNorm2d(4), engine.nn.ReLU(),
                                 engine.nn.MaxPool2d(2), engine.nn.Flatten(), engine.nn.Linear(36, 10))
    opt = engine.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = engine.nn.CrossEntropyLoss()
    x, y = engine.randn(8, 1, 8, 8), engine.randint(0, 10, (8,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    before = _live_tensors()
    for _ in range(20):
        step()
    assert _live_tensors() <= before


# --- devices ---------------------------------------------------------------------------------------------------------
def test_module_to_webgpu_moves_everything_and_trains_like_cpu():
    import engine.backends.webgpu as webgpu
    if not webgpu.is_available():
        pytest.skip(webgpu._state["error"])
    x, y = randn(16, 2).astype(np.float32), randn(16, 1).astype(np.float32)
    results = []
    for device in ("cpu", "webgpu"):
        engine.manual_seed(0)
        # (batch norm after the activation: right after a Linear it would make that bias's gradient pure
        # rounding noise, which Adam's normalisation amplifies differently on each device)
        model = engine.nn.Sequential(engine.nn.Linear(2, 8), engine.nn.Tanh(), engine.nn.BatchNorm1d(8),
                                     engine.nn.Linear(8, 1))
        params = list(model.parameters())
        assert model.to(device) is model and all(p is q for p, q in zip(model.parameters(), params))
        assert all(t.device == device for t in list(model.parameters()) + list(model.buffers()))
        for opt in (engine.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), engine.optim.Adam(params, lr=0.05)):
            for _ in range(2):
                opt.zero_grad()
                engine.nn.functional.mse_loss(model(engine.tensor(x).to(device)), engine.tensor(y).to(device)).backward()
                opt.step()
        model.cpu()
        results.append([t.detach().numpy().copy() for t in model.state_dict().values()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("batch", [(5,), (2, 3)])
def test_linear_weight_grad_has_torchs_strides(batch):
    """nn.Linear records weight.T; its gradient is made in that layout (PyTorch's mm_mat2_backward), so
    weight.grad is contiguous, as PyTorch's, not a transposed view."""
    strides = {}
    for lib in (torch, engine):
        lib.manual_seed(0)
        layer = lib.nn.Linear(4, 3)
        layer(lib.randn(*batch, 4)).sum().backward()
        strides[lib.__name__] = layer.weight.grad.stride()
    assert strides["engine"] == strides["torch"] == (4, 1)
