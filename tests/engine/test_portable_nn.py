"""engine.nn, engine.optim, engine.utils.data and engine.save/load without PyTorch, so that they run
natively and inside Pyodide (tests/browser): modules and losses against numpy formulas, their
gradients against finite differences (float64 gradcheck), optimizer steps against the update
rules in closed form, serialization round trips, a small training run, and the classic tutorial,
whose printed text must be the one PyTorch 2.13 prints (recorded below; test_recorded_texts_are_pytorchs
re-derives every recorded text from torch natively).
"""
import builtins
import contextlib
import io
import math
import re

import numpy as np
import pytest

import engine
import engine as torch  # the tests read as PyTorch code, as a learner writes it
import engine.nn as nn
import engine.nn.functional as F
from tests.engine.portable import (assert_gradients, assert_recorded_from_torch, assert_values, leaf, text_of,
                                   without_addresses)

rng = np.random.default_rng(7)
_erf = np.vectorize(math.erf)


def f64(module):
    """The module in float64, so gradcheck's finite differences are exact enough."""
    return module.double()


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def log_softmax(x, axis=-1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


# --- layers against numpy -----------------------------------------------------------------------------
def test_linear_is_x_times_w_transposed_plus_b():
    layer = f64(nn.Linear(3, 2))
    x = rng.standard_normal((4, 3))
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert_values(layer(torch.tensor(x)), x @ w.T + b)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    bound = 1 / math.sqrt(3)  # kaiming_uniform(a=sqrt(5)) and the bias: U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert nn.Linear(3, 2, bias=False).bias is None
    assert_values(layer(torch.tensor(x[0])), x[0] @ w.T + b)  # no batch dim
    assert_gradients(lambda x: layer(x), x)
    assert_gradients(lambda w, b: F.linear(torch.tensor(x), w, b), w, b)


def conv2d_reference(x, w, b, stride=1, padding=0, dilation=1, groups=1):
    n, _, h, wd = x.shape
    out_channels, per_group, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, out_channels, oh, ow))
    for o in range(out_channels):
        g = o // (out_channels // groups)
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * per_group:(g + 1) * per_group, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                           j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
                out[:, o, i, j] = (patch * w[o]).sum((1, 2, 3)) + (b[o] if b is not None else 0)
    return out


@pytest.mark.parametrize("options", [{}, {"stride": 2}, {"padding": 1}, {"dilation": 2}, {"groups": 2},
                                     {"stride": 2, "padding": 2, "bias": False}],
                         ids=["plain", "stride", "padding", "dilation", "groups", "stride-padding-no-bias"])
def test_conv2d_against_a_direct_loop(options):
    layer = f64(nn.Conv2d(2, 4, 3, **options))
    x = rng.standard_normal((2, 2, 7, 6))
    b = layer.bias.detach().numpy() if layer.bias is not None else None
    expected = conv2d_reference(x, layer.weight.detach().numpy(), b, **{k: v for k, v in options.items() if k != "bias"})
    assert_values(layer(torch.tensor(x)), expected)


def test_conv_gradients():
    x = rng.standard_normal((1, 2, 5, 4))
    w = rng.standard_normal((4, 1, 2, 3))
    assert_gradients(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, groups=2), x, w,
                     rng.standard_normal(4))
    assert_gradients(lambda x, w: F.conv1d(x, w, padding=1), rng.standard_normal((2, 2, 5)),
                     rng.standard_normal((3, 2, 2)))


def test_conv1d_and_padding_same():
    x = rng.standard_normal((2, 3, 8))
    layer = f64(nn.Conv1d(3, 2, 3, padding="same"))
    assert layer(torch.tensor(x)).shape == (2, 2, 8)
    expected = conv2d_reference(x[:, :, None, :], layer.weight.detach().numpy()[:, :, None, :],
                                layer.bias.detach().numpy(), padding=0)
    assert_values(layer(torch.tensor(x))[:, :, 1:-1], expected[:, :, 0])


def test_pooling():
    x = rng.standard_normal((2, 3, 4, 6))
    windows = x.reshape(2, 3, 2, 2, 3, 2)  # 2x2 windows of the 4x6 plane
    assert_values(F.max_pool2d(torch.tensor(x), 2), windows.max((3, 5)))
    assert_values(nn.AvgPool2d(2)(torch.tensor(x)), windows.mean((3, 5)))
    assert_values(nn.AdaptiveAvgPool2d(1)(torch.tensor(x)), x.mean((2, 3), keepdims=True))
    assert_values(nn.AdaptiveAvgPool2d((2, 3))(torch.tensor(x)), windows.mean((3, 5)))
    values, indices = F.max_pool2d(torch.tensor(x), 2, return_indices=True)
    flat = x.reshape(2, 3, -1)
    assert_values(torch.tensor(flat).gather(2, indices.reshape(2, 3, -1)), values.reshape(2, 3, -1).numpy())
    assert nn.MaxPool2d(3, stride=2, padding=1)(torch.tensor(x)).shape == (2, 3, 2, 3)
    assert nn.MaxPool2d(2, ceil_mode=True)(torch.tensor(x[..., :5, :5])).shape == (2, 3, 2, 3)
    assert_values(nn.MaxPool1d(2)(torch.tensor(x[:, :, 0])), x[:, :, 0].reshape(2, 3, 3, 2).max(-1))
    distinct = (rng.permutation(48) * 0.1).reshape(1, 3, 4, 4)
    assert_gradients(lambda x: F.max_pool2d(x, 2), distinct)
    assert_gradients(lambda x: F.avg_pool2d(x, 3, stride=1, padding=1), x[:1, :1])
    assert_gradients(lambda x: F.adaptive_avg_pool2d(x, (3, 2)), x[:1, :1])


def test_batch_norm_in_training_and_in_eval():
    bn = f64(nn.BatchNorm1d(3, momentum=0.2))
    x = rng.standard_normal((8, 3)) * 2 + 1
    y = bn(torch.tensor(x))
    mean, var = x.mean(0), x.var(0)
    assert_values(y, (x - mean) / np.sqrt(var + 1e-5))
    assert_values(bn.running_mean, 0.2 * mean)
    assert_values(bn.running_var, 0.8 + 0.2 * x.var(0, ddof=1))  # running variance is unbiased
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    assert_values(bn(torch.tensor(x)), (x - 0.2 * mean) / np.sqrt(0.8 + 0.2 * x.var(0, ddof=1) + 1e-5))
    images = rng.standard_normal((4, 2, 3, 3))
    bn2 = f64(nn.BatchNorm2d(2, affine=True))
    with torch.no_grad():
        bn2.weight.copy_(torch.tensor([2.0, 0.5]))
        bn2.bias.copy_(torch.tensor([1.0, -1.0]))
    m, v = images.mean((0, 2, 3), keepdims=True), images.var((0, 2, 3), keepdims=True)
    expected = (images - m) / np.sqrt(v + 1e-5) * np.array([2.0, 0.5])[:, None, None] + np.array([1.0, -1.0])[:, None,
                                                                                                            None]
    assert_values(bn2(torch.tensor(images)), expected)
    assert_gradients(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x[:4], rng.random(3),
                     rng.random(3))


def test_layer_norm():
    x = rng.standard_normal((2, 3, 4))
    ln = f64(nn.LayerNorm(4))
    m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    assert_values(ln(torch.tensor(x)), (x - m) / np.sqrt(v + 1e-5))
    ln2 = f64(nn.LayerNorm((3, 4), elementwise_affine=False))
    m2, v2 = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    assert_values(ln2(torch.tensor(x)), (x - m2) / np.sqrt(v2 + 1e-5))
    assert_gradients(lambda x, w, b: F.layer_norm(x, (4,), w, b), x[0], rng.random(4), rng.random(4))


def test_embedding():
    emb = nn.Embedding(5, 3, padding_idx=0)
    w = emb.weight.detach().numpy().copy()
    assert np.all(w[0] == 0)
    idx = torch.tensor([[1, 0, 4], [4, 4, 2]])
    out = emb(idx)
    assert_values(out, w[idx.numpy()])
    out.sum().backward()
    counts = np.bincount(idx.numpy().ravel().astype(np.intp), minlength=5)[:, None] * np.ones(3)
    counts[0] = 0  # the padding row gets no gradient
    assert_values(emb.weight.grad, counts)
    assert_gradients(lambda w: F.embedding(torch.tensor([2, 0, 2]), w), rng.standard_normal((3, 2)))


def test_dropout():
    torch.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = torch.ones(4000)
    y = drop(x)
    kept = y != 0
    assert_values(y[kept], np.full(int(kept.sum()), 1 / 0.75))
    assert abs(kept.float().mean().item() - 0.75) < 0.03
    drop.eval()
    assert torch.equal(drop(x), x)
    assert torch.equal(F.dropout(x, 0.5, training=False), x)
    assert nn.Dropout(0.0)(x).equal(x) and (nn.Dropout(1.0)(x) == 0).all()
    maps = nn.Dropout2d(0.5)(torch.ones(2, 8, 3, 3))
    per_channel = maps.view(2, 8, 9)
    assert ((per_channel == per_channel[:, :, :1]).all())  # whole channels are kept or dropped


# name: (module, numpy reference)
ACTIVATIONS = {
    "ReLU": (nn.ReLU(), lambda x: np.maximum(x, 0)),
    "LeakyReLU": (nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "ELU": (nn.ELU(0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    "SELU": (nn.SELU(), lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    "GELU": (nn.GELU(), lambda x: x * 0.5 * (1 + _erf(x / math.sqrt(2)))),
    "GELU-tanh": (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    "SiLU": (nn.SiLU(), lambda x: x * sigmoid(x)),
    "Mish": (nn.Mish(), lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "Softplus": (nn.Softplus(beta=2), lambda x: np.log1p(np.exp(2 * x)) / 2),
    "Tanh": (nn.Tanh(), np.tanh),
    "Sigmoid": (nn.Sigmoid(), sigmoid),
    "LogSigmoid": (nn.LogSigmoid(), lambda x: np.log(sigmoid(x))),
    "Hardtanh": (nn.Hardtanh(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5)),
    "ReLU6": (nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    "Hardsigmoid": (nn.Hardsigmoid(), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "Hardswish": (nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "Softsign": (nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    "Tanhshrink": (nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    "Softmax": (nn.Softmax(dim=1), lambda x: np.exp(log_softmax(x, 1))),
    "LogSoftmax": (nn.LogSoftmax(dim=0), lambda x: log_softmax(x, 0)),
    "Softmin": (nn.Softmin(dim=1), lambda x: np.exp(log_softmax(-x, 1))),
    "PReLU": (nn.PReLU(), lambda x: np.where(x > 0, x, 0.25 * x)),
}
ACTIVATION_INPUT = (rng.permutation(24) * 0.35 - 4.13).reshape(4, 6)  # no zeros, no kinks hit by finite differences


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values_and_gradients(name):
    module, reference = ACTIVATIONS[name]
    module = f64(module)
    assert_values(module(torch.tensor(ACTIVATION_INPUT)), reference(ACTIVATION_INPUT))
    assert_values(module.float()(torch.tensor(ACTIVATION_INPUT, dtype=torch.float32)), reference(ACTIVATION_INPUT),
                  rtol=1e-5, atol=1e-6)
    module.double()
    assert_gradients(lambda x: module(x), ACTIVATION_INPUT / 4)


def test_in_place_activations_write_into_their_input():
    x = torch.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 2.0]
    y = torch.tensor([-1.0, 2.0])
    F.leaky_relu(y, 0.5, inplace=True)
    assert y.tolist() == [-0.5, 2.0]


def test_containers_and_shape_modules():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 2))
    x = torch.randn(3, 3, 4)
    assert model(x).shape == (3, 2) and len(model) == 4 and isinstance(model[1], nn.Linear)
    assert isinstance(model[1:], nn.Sequential) and len(model[1:]) == 3
    assert nn.Unflatten(1, (3, 4))(torch.ones(2, 12)).shape == (2, 3, 4)
    assert nn.Flatten(0)(torch.ones(2, 3)).shape == (6,)
    assert nn.Identity()(x) is x
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    blocks.append(nn.Tanh())
    assert len(blocks) == 4 and len(list(blocks.parameters())) == 6
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    assert sorted(heads.keys()) == ["a", "b"] and heads["b"](torch.ones(2)).shape == (3,)
    named = nn.Sequential()
    named.add_module("hidden", nn.Linear(2, 2))
    assert named.hidden is named[0]


def test_upsample():
    x = rng.standard_normal((1, 1, 2, 3))
    assert_values(nn.Upsample(scale_factor=2)(torch.tensor(x)), x.repeat(2, 2).repeat(2, 3))
    assert F.interpolate(torch.tensor(x), size=(4, 5), mode="bilinear", align_corners=False).shape == (1, 1, 4, 5)
    assert_gradients(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True), x)


# --- losses against numpy -------------------------------------------------------------------------------
LOGITS = rng.standard_normal((5, 4))
CLASSES = np.array([0, 3, 1, 1, 2], dtype=np.int64)  # (numpy's default int is int32 in Pyodide)
P = sigmoid(rng.standard_normal((5, 4)))
Y = (rng.random((5, 4)) > 0.5).astype(np.float64)
PRED, TARGET = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
WEIGHTS = np.array([1.0, 2.0, 0.5, 1.5])


def _ce(logits, classes, weight=None):
    w = np.ones(logits.shape[1]) if weight is None else weight
    picked = -log_softmax(logits)[np.arange(len(classes)), classes] * w[classes]
    return picked.sum() / w[classes].sum()


def _smooth_l1(d, beta):
    return np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)


# name: (engine loss of its float64 inputs, numpy value, inputs that get gradients)
LOSSES = {
    "mse": (lambda p, t: F.mse_loss(p, t), lambda: ((PRED - TARGET) ** 2).mean(), (PRED, TARGET)),
    "mse-sum": (lambda p, t: nn.MSELoss(reduction="sum")(p, t), lambda: ((PRED - TARGET) ** 2).sum(), (PRED, TARGET)),
    "mse-none": (lambda p, t: F.mse_loss(p, t, reduction="none"), lambda: (PRED - TARGET) ** 2, (PRED, TARGET)),
    "l1": (lambda p, t: nn.L1Loss()(p, t), lambda: np.abs(PRED - TARGET).mean(), (PRED, TARGET)),
    "smooth_l1": (lambda p, t: F.smooth_l1_loss(p, t, beta=0.5), lambda: _smooth_l1(PRED - TARGET, 0.5).mean(),
                  (PRED, TARGET)),
    "huber": (lambda p, t: nn.HuberLoss(delta=0.7)(p, t), lambda: (0.7 * _smooth_l1(PRED - TARGET, 0.7)).mean(),
              (PRED, TARGET)),
    "cross_entropy": (lambda x: F.cross_entropy(x, torch.tensor(CLASSES)), lambda: _ce(LOGITS, CLASSES), (LOGITS,)),
    "cross_entropy-weight": (lambda x: nn.CrossEntropyLoss(weight=torch.tensor(WEIGHTS))(x, torch.tensor(CLASSES)),
                             lambda: _ce(LOGITS, CLASSES, WEIGHTS), (LOGITS,)),
    "cross_entropy-ignore": (lambda x: F.cross_entropy(x, torch.tensor([0, -100, 1, -100, 2])),
                             lambda: _ce(LOGITS[[0, 2, 4]], np.array([0, 1, 2])), (LOGITS,)),
    "cross_entropy-smoothing": (lambda x: F.cross_entropy(x, torch.tensor(CLASSES), label_smoothing=0.2),
                                lambda: 0.8 * _ce(LOGITS, CLASSES) - 0.2 * log_softmax(LOGITS).mean(1).mean(),
                                (LOGITS,)),
    "cross_entropy-probabilities": (lambda x: F.cross_entropy(x, torch.tensor(P / P.sum(1, keepdims=True))),
                                    lambda: -(P / P.sum(1, keepdims=True) * log_softmax(LOGITS)).sum(1).mean(),
                                    (LOGITS,)),
    "cross_entropy-images": (lambda x: F.cross_entropy(x.reshape(1, 4, 5), torch.tensor(CLASSES[None])),
                             lambda: _ce(LOGITS.reshape(4, 5).T, CLASSES), (LOGITS,)),
    "nll": (lambda x: F.nll_loss(x, torch.tensor(CLASSES), reduction="sum"),
            lambda: -LOGITS[np.arange(5), CLASSES].sum(), (LOGITS,)),
    "bce": (lambda p: F.binary_cross_entropy(p, torch.tensor(Y)),
            lambda: -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).mean(), (P,)),
    "bce-weight": (lambda p: nn.BCELoss(weight=torch.tensor(WEIGHTS))(p, torch.tensor(Y)),
                   lambda: -(WEIGHTS * (Y * np.log(P) + (1 - Y) * np.log(1 - P))).mean(), (P,)),
    "bce_with_logits": (lambda x: F.binary_cross_entropy_with_logits(x, torch.tensor(Y)),
                        lambda: -(Y * np.log(sigmoid(LOGITS)) + (1 - Y) * np.log(1 - sigmoid(LOGITS))).mean(),
                        (LOGITS,)),
    "bce_with_logits-pos_weight": (lambda x: nn.BCEWithLogitsLoss(pos_weight=torch.tensor(WEIGHTS))(x, torch.tensor(Y)),
                                   lambda: -(WEIGHTS * Y * np.log(sigmoid(LOGITS))
                                             + (1 - Y) * np.log(1 - sigmoid(LOGITS))).mean(), (LOGITS,)),
    "kl_div": (lambda x: F.kl_div(x, torch.tensor(P), reduction="batchmean"),
               lambda: (P * (np.log(P) - LOGITS)).sum() / 5, (LOGITS,)),
    "kl_div-log_target": (lambda x: nn.KLDivLoss(reduction="sum", log_target=True)(x, torch.tensor(np.log(P))),
                          lambda: (P * (np.log(P) - LOGITS)).sum(), (LOGITS,)),
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_values_and_gradients(name):
    fn, expected, arrays = LOSSES[name]
    assert_values(fn(*[leaf(a) for a in arrays]), expected())
    assert_gradients(fn, *arrays)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    x = leaf(LOGITS)
    F.cross_entropy(x, torch.tensor(CLASSES)).backward()
    assert_values(x.grad, (np.exp(log_softmax(LOGITS)) - np.eye(4)[CLASSES]) / 5)


def test_functional_helpers():
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    norms = np.sqrt((a * a).sum(1)) * np.sqrt((b * b).sum(1))
    assert_values(F.cosine_similarity(torch.tensor(a), torch.tensor(b)), (a * b).sum(1) / norms)
    assert_values(F.normalize(torch.tensor(a), dim=1), a / np.sqrt((a * a).sum(1, keepdims=True)))
    assert_values(F.pairwise_distance(torch.tensor(a), torch.tensor(b)), np.sqrt(((a - b + 1e-6) ** 2).sum(1)))
    assert_values(F.one_hot(torch.tensor([2, 0]), 4), np.eye(4, dtype=np.int64)[[2, 0]], dtype=torch.int64)
    assert_values(F.pad(torch.tensor(a), (1, 2)), np.pad(a, ((0, 0), (1, 2))))
    assert_values(F.pad(torch.tensor(a), (1, 0, 0, 1), value=9.0), np.pad(a, ((0, 1), (1, 0)), constant_values=9.0))
    assert_gradients(lambda x, y: F.cosine_similarity(x, y), a, b)


# --- the Module API ------------------------------------------------------------------------------------------
class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.out = nn.Linear(4, 2)
        self.register_buffer("scale", torch.tensor(2.0))

    def forward(self, x):
        return self.out(self.norm(self.hidden(x)).relu()) * self.scale


def test_parameters_buffers_and_submodules():
    model = TwoLayer()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["hidden.weight", "hidden.bias", "norm.weight", "norm.bias", "out.weight", "out.bias"]
    assert sum(p.numel() for p in model.parameters()) == 12 + 4 + 4 + 4 + 8 + 2
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert [n for n, _ in model.named_buffers()] == ["scale", "norm.running_mean", "norm.running_var",
                                                    "norm.num_batches_tracked"]
    assert [n for n, _ in model.named_children()] == ["hidden", "norm", "out"]
    assert [n for n, _ in model.named_modules()] == ["", "hidden", "norm", "out"]
    assert list(model.state_dict()) == ["scale", "hidden.weight", "hidden.bias", "norm.weight", "norm.bias",
                                        "norm.running_mean", "norm.running_var", "norm.num_batches_tracked",
                                        "out.weight", "out.bias"]
    assert model.get_submodule("norm") is model.norm and model.get_parameter("out.bias") is model.out.bias


def test_train_eval_zero_grad_and_freezing():
    model = TwoLayer()
    assert model.training and model.norm.training
    model.eval()
    assert not model.training and not model.norm.training
    model.train()
    model(torch.randn(5, 3)).sum().backward()
    assert model.out.weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.hidden.requires_grad_(False)
    model(torch.randn(5, 3)).sum().backward()
    assert model.hidden.weight.grad is None and model.out.weight.grad is not None


def test_load_state_dict_and_its_errors():
    a, b = TwoLayer(), TwoLayer()
    x = torch.randn(5, 3)
    a.eval(), b.eval()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert torch.allclose(a(x), b(x))
    state = a.state_dict()
    del state["out.bias"]
    state["extra"] = torch.ones(1)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "out.bias"'):
        b.load_state_dict(state)
    result = b.load_state_dict(state, strict=False)
    assert result.missing_keys == ["out.bias"] and result.unexpected_keys == ["extra"]


def test_apply_to_and_hooks():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
            nn.init.zeros_(m.bias)
    model.apply(init)
    assert model[0].weight.tolist() == [[0.5, 0.5]] * 3
    model.double()
    assert model[2].bias.dtype == torch.float64
    seen = []
    handle = model[1].register_forward_hook(lambda m, inputs, output: seen.append(output.shape))
    model[0].register_forward_pre_hook(lambda m, inputs: (inputs[0] * 2,))
    out = model(torch.ones(4, 2, dtype=torch.float64))
    assert seen == [(4, 3)]
    assert_values(out, np.full((4, 1), 1.5 * np.tanh(2.0)))
    handle.remove()
    model(torch.ones(1, 2, dtype=torch.float64))
    assert len(seen) == 1
    grads = []
    model[2].register_full_backward_hook(lambda m, grad_input, grad_output: grads.append(grad_output[0].shape))
    model(torch.ones(4, 2, dtype=torch.float64)).sum().backward()
    assert grads == [(4, 1)]


def test_init_functions():
    torch.manual_seed(0)
    w = torch.empty(200, 300)
    nn.init.xavier_uniform_(w)
    bound = math.sqrt(6 / 500)
    assert w.abs().max().item() <= bound and w.abs().max().item() > 0.95 * bound
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.std().item() - math.sqrt(2 / 300)) < 0.01 * math.sqrt(2 / 300) * 10
    nn.init.normal_(w, 1.0, 0.5)
    assert abs(w.mean().item() - 1.0) < 0.01 and abs(w.std().item() - 0.5) < 0.01
    nn.init.uniform_(w, -2, -1)
    assert -2 <= w.min().item() and w.max().item() <= -1
    nn.init.ones_(w)
    assert w.sum().item() == 60000
    assert nn.init.calculate_gain("relu") == math.sqrt(2) and nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    eye = torch.empty(2, 3)
    nn.init.eye_(eye)
    assert eye.tolist() == [[1, 0, 0], [0, 1, 0]]


# --- optimizers: one step against the update rule ------------------------------------------------------------
W0 = np.array([1.0, -2.0, 0.5])
G = np.array([0.3, 0.1, -0.4])


def _stepped(optimizer_class, steps=1, **options):
    """The parameter after `steps` steps with the fixed gradient G (plus each step's number as an offset)."""
    w = nn.Parameter(torch.tensor(W0))
    opt = optimizer_class([w], **options)
    for k in range(steps):
        opt.zero_grad()
        (w * torch.tensor(G + k)).sum().backward()
        opt.step()
    return w.detach().numpy(), opt


def test_sgd():
    w, _ = _stepped(torch.optim.SGD, lr=0.1)
    assert_values(torch.tensor(w), W0 - 0.1 * G)
    w, _ = _stepped(torch.optim.SGD, lr=0.1, weight_decay=0.01)
    assert_values(torch.tensor(w), W0 - 0.1 * (G + 0.01 * W0))
    w, _ = _stepped(torch.optim.SGD, steps=2, lr=0.1, momentum=0.9)
    w1 = W0 - 0.1 * G
    assert_values(torch.tensor(w), w1 - 0.1 * (0.9 * G + (G + 1)))
    w, _ = _stepped(torch.optim.SGD, steps=2, lr=0.1, momentum=0.9, nesterov=True)
    b1 = G
    w1 = W0 - 0.1 * (G + 0.9 * b1)
    b2 = 0.9 * b1 + (G + 1)
    assert_values(torch.tensor(w), w1 - 0.1 * ((G + 1) + 0.9 * b2))
    w, _ = _stepped(torch.optim.SGD, steps=2, lr=0.1, momentum=0.5, dampening=0.5)
    assert_values(torch.tensor(w), W0 - 0.1 * G - 0.1 * (0.5 * G + 0.5 * (G + 1)))
    w, _ = _stepped(torch.optim.SGD, lr=0.1, maximize=True)
    assert_values(torch.tensor(w), W0 + 0.1 * G)


def _adam_reference(steps, lr, b1, b2, eps, weight_decay=0.0, decoupled=False, amsgrad=False):
    w, m, v, v_max = W0.copy(), 0.0, 0.0, 0.0
    for k in range(steps):
        g = G + k
        if decoupled:
            w = w * (1 - lr * weight_decay)
        elif weight_decay:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v) if amsgrad else v
        m_hat, v_hat = m / (1 - b1 ** (k + 1)), v_max / (1 - b2 ** (k + 1))
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1}, {"amsgrad": True}, {"betas": (0.5, 0.9), "eps": 1e-3}],
                         ids=["plain", "weight_decay", "amsgrad", "betas"])
def test_adam(options):
    w, _ = _stepped(torch.optim.Adam, steps=3, lr=0.01, **options)
    b1, b2 = options.get("betas", (0.9, 0.999))
    expected = _adam_reference(3, 0.01, b1, b2, options.get("eps", 1e-8), options.get("weight_decay", 0.0),
                               amsgrad=options.get("amsgrad", False))
    assert_values(torch.tensor(w), expected)


def test_adamw_decays_the_weights_apart_from_the_gradient():
    w, _ = _stepped(torch.optim.AdamW, steps=3, lr=0.01, weight_decay=0.1)
    assert_values(torch.tensor(w), _adam_reference(3, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled=True))


def test_rmsprop():
    w, _ = _stepped(torch.optim.RMSprop, steps=2, lr=0.01, alpha=0.9)
    v1 = 0.1 * G * G
    w1 = W0 - 0.01 * G / (np.sqrt(v1) + 1e-8)
    v2 = 0.9 * v1 + 0.1 * (G + 1) ** 2
    assert_values(torch.tensor(w), w1 - 0.01 * (G + 1) / (np.sqrt(v2) + 1e-8))
    w, _ = _stepped(torch.optim.RMSprop, steps=1, lr=0.01, momentum=0.5, centered=True)
    v, mean = 0.01 * G * G, 0.01 * G
    assert_values(torch.tensor(w), W0 - 0.01 * G / (np.sqrt(v - mean * mean) + 1e-8))


def test_optimizer_state_param_groups_and_zero_grad():
    a, b = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5] and opt.param_groups[1]["momentum"] == 0.9
    (a.sum() + b.sum()).backward()
    opt.step()
    assert_values(a, [0.9, 0.9], dtype=torch.float32)
    assert_values(b, [0.5, 0.5, 0.5], dtype=torch.float32)
    state = opt.state_dict()
    assert sorted(state) == ["param_groups", "state"] and state["param_groups"][1]["params"] == [1]
    assert_values(state["state"][0]["momentum_buffer"], [1.0, 1.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    with pytest.raises(ValueError, match="different number of parameter groups"):
        torch.optim.SGD([a, b], lr=1.0).load_state_dict(state)
    fresh = torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=1.0, momentum=0.9)
    fresh.load_state_dict(state)
    assert fresh.param_groups[1]["lr"] == 0.5
    assert_values(fresh.state[b]["momentum_buffer"], [1.0, 1.0, 1.0])
    c = nn.Parameter(torch.ones(1))
    opt.add_param_group({"params": [c], "lr": 0.01})
    assert opt.param_groups[2]["momentum"] == 0.9


def _lrs(scheduler_class, epochs, **options):
    opt = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=1.0)
    scheduler = scheduler_class(opt, **options)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


def test_learning_rate_schedules():
    S = torch.optim.lr_scheduler
    np.testing.assert_allclose(_lrs(S.StepLR, 5, step_size=2, gamma=0.5), [1, 1, 0.5, 0.5, 0.25])
    np.testing.assert_allclose(_lrs(S.MultiStepLR, 5, milestones=[1, 3], gamma=0.1), [1, 0.1, 0.1, 0.01, 0.01])
    np.testing.assert_allclose(_lrs(S.ExponentialLR, 3, gamma=0.9), [1, 0.9, 0.81])
    np.testing.assert_allclose(_lrs(S.CosineAnnealingLR, 5, T_max=4, eta_min=0.2),
                               [0.2 + 0.8 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(5)], atol=1e-12)
    np.testing.assert_allclose(_lrs(S.LambdaLR, 4, lr_lambda=lambda e: 1 / (e + 1)), [1, 1 / 2, 1 / 3, 1 / 4])
    np.testing.assert_allclose(_lrs(S.LinearLR, 4, start_factor=0.5, total_iters=2), [0.5, 0.75, 1, 1])
    opt = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=1.0)
    plateau = S.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for loss in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95]:
        plateau.step(loss)
    assert opt.param_groups[0]["lr"] == 0.25


# --- saving and loading (in Pyodide: its in-memory file system) --------------------------------------------------
def test_save_and_load_a_state_dict(tmp_path):
    model = TwoLayer()
    model(torch.randn(6, 3))  # batch statistics move the running buffers
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    loaded = torch.load(path)
    assert list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype and torch.equal(loaded[key], value), key
    other = TwoLayer()
    other.load_state_dict(loaded)
    model.eval(), other.eval()
    x = torch.randn(4, 3)
    assert torch.equal(model(x), other(x))


def test_save_and_load_containers_through_a_file_object():
    checkpoint = {"epoch": 3, "loss": 0.25, "name": "mlp", "none": None, "dtype": torch.float64,
                  "tensors": [torch.arange(3), torch.tensor([[1.5]], dtype=torch.float64)], "pair": (1, "a"),
                  "int": torch.tensor([1, 2], dtype=torch.int32), "flag": torch.tensor(True)}
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)
    assert {k: loaded[k] for k in ("epoch", "loss", "name", "none", "pair")} == \
        {"epoch": 3, "loss": 0.25, "name": "mlp", "none": None, "pair": (1, "a")}
    assert loaded["dtype"] == torch.float64 and loaded["tensors"][1].dtype == torch.float64
    assert torch.equal(loaded["tensors"][0], torch.arange(3)) and loaded["int"].dtype == torch.int32
    assert loaded["flag"].item() is True


def test_optimizer_checkpoint_round_trip(tmp_path):
    w = nn.Parameter(torch.tensor(W0))
    opt = torch.optim.Adam([w], lr=0.1)
    (w * torch.tensor(G)).sum().backward()
    opt.step()
    torch.save({"model": {"w": w}, "optimizer": opt.state_dict()}, tmp_path / "checkpoint.pt")
    checkpoint = torch.load(tmp_path / "checkpoint.pt")
    w2 = nn.Parameter(checkpoint["model"]["w"].detach().clone())
    opt2 = torch.optim.Adam([w2], lr=0.1)
    opt2.load_state_dict(checkpoint["optimizer"])
    for p, o in ((w, opt), (w2, opt2)):
        o.zero_grad()
        (p * torch.tensor(G)).sum().backward()
        o.step()
    assert torch.equal(w, w2)


# --- data -----------------------------------------------------------------------------------------------------
def test_dataloader_batches_and_shuffles():
    x, y = torch.arange(10.0).view(5, 2), torch.arange(5)
    data = torch.utils.data.TensorDataset(x, y)
    assert len(data) == 5 and [t.tolist() for t in data[1]] == [[2.0, 3.0], 1]
    batches = list(torch.utils.data.DataLoader(data, batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]] and batches[0][0].shape == (2, 2)
    assert len(list(torch.utils.data.DataLoader(data, batch_size=2, drop_last=True))) == 2
    g = torch.Generator().manual_seed(1)
    shuffled = [b[1].tolist() for b in torch.utils.data.DataLoader(data, batch_size=5, shuffle=True, generator=g)]
    assert sorted(shuffled[0]) == [0, 1, 2, 3, 4]
    first, second = torch.utils.data.random_split(data, [3, 2], generator=torch.Generator().manual_seed(0))
    assert len(first) == 3 and len(second) == 2
    assert sorted(first.indices + second.indices) == [0, 1, 2, 3, 4]


def test_dataloader_collates_dicts_and_custom_datasets():
    class Squares(torch.utils.data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": torch.tensor([float(i)]), "y": i * i}
    batch = next(iter(torch.utils.data.DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 1) and batch["y"].tolist() == [0, 1, 4] and batch["y"].dtype == torch.int64


# --- training end to end -------------------------------------------------------------------------------------------
def test_an_mlp_learns_xor():
    torch.manual_seed(0)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(300):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert ((model(x) > 0).float() == y).all()


def test_linear_regression_recovers_its_coefficients():
    torch.manual_seed(1)
    x = torch.randn(200, 3)
    y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.3
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(200):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    assert_values(model.weight, [[2.0, -1.0, 0.5]], rtol=1e-3, atol=1e-3)
    assert_values(model.bias, [0.3], rtol=1e-3, atol=1e-3)


# --- PyTorch's classic tutorial: what it prints ---------------------------------------------------------------
TUTORIAL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
a = torch.randn(2, 2)
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)
out.backward()
print(x.grad)


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


net = Net()
print(net)
params = list(net.parameters())
print(len(params))
print(params[0].size())
input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)
net.zero_grad()
out.backward(torch.randn(1, 10))
output = net(input)
target = torch.randn(10)
target = target.view(1, -1)
criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss)
print(loss.grad_fn)
print(loss.grad_fn.next_functions[0][0])
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])
net.zero_grad()
print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
loss.backward()
print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
import torch.optim as optim
optimizer = optim.SGD(net.parameters(), lr=0.01)
optimizer.zero_grad()
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()
print(net(input))
'''


@contextlib.contextmanager
def _numpy_random(lib, seed):
    """randn and uniform_ (what nn.init draws with) take numbers from one numpy stream, the same in any library."""
    stream = np.random.default_rng(seed)
    original_randn, original_uniform = lib.randn, lib.Tensor.uniform_

    def randn(*size, **kwargs):
        shape = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        return lib.tensor(stream.standard_normal(shape).astype(np.float32), **kwargs)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        with lib.no_grad():
            return self.copy_(lib.tensor(stream.uniform(a, b, tuple(self.shape)).astype(np.float32)))

    lib.randn, lib.Tensor.uniform_ = randn, uniform_
    try:
        yield
    finally:
        lib.randn, lib.Tensor.uniform_ = original_randn, original_uniform


def run_tutorial(lib):
    """What the tutorial prints with `import torch` resolving to lib."""
    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "torch" or name.startswith("torch."):
            name = lib.__name__ + name[len("torch"):]
        return builtins.__import__(name, globals, locals, fromlist, level)
    namespace = {"__builtins__": {**vars(builtins), "__import__": import_}, "__name__": "tutorial"}
    printed = io.StringIO()
    with _numpy_random(lib, 0), contextlib.redirect_stdout(printed):
        exec(compile(TUTORIAL, "tutorial.py", "exec"), namespace)
    return without_addresses(printed.getvalue())


TUTORIAL_PRINTS = """\
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)
<AddBackward0 object at 0x...>
tensor([[27., 27.],
        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)
False
True
<SumBackward0 object at 0x...>
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])
Net(
  (conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(3, 3), stride=(1, 1))
  (fc1): Linear(in_features=576, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
10
torch.Size([6, 1, 3, 3])
tensor([[ 0.0562,  0.0791, -0.0239, -0.0435, -0.0592, -0.1669,  0.0096,  0.0588,
         -0.0088,  0.0557]], grad_fn=<AddmmBackward0>)
tensor(1.0085, grad_fn=<MseLossBackward0>)
<MseLossBackward0 object at 0x...>
<AddmmBackward0 object at 0x...>
<AccumulateGrad object at 0x...>
conv1.bias.grad before backward
None
conv1.bias.grad after backward
tensor([-0.0132, -0.0098,  0.0118,  0.0046, -0.0109,  0.0203])
tensor([[ 0.0592,  0.0562, -0.0132, -0.0391, -0.0598, -0.1411, -0.0067,  0.0549,
         -0.0307,  0.0602]], grad_fn=<AddmmBackward0>)
"""


def test_the_tutorial_prints_what_pytorch_prints():
    assert run_tutorial(engine).splitlines() == TUTORIAL_PRINTS.splitlines()


# module and parameter texts, as PyTorch 2.13 prints them
SEQUENTIAL = """\
Sequential(
  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  (2): ReLU()
  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (4): Dropout(p=0.25, inplace=False)
  (5): Flatten(start_dim=1, end_dim=-1)
  (6): Linear(in_features=1568, out_features=10, bias=False)
)"""
MODULES = ("[LeakyReLU(negative_slope=0.2), ELU(alpha=1.0), GELU(approximate='tanh'), Softmax(dim=1), Embedding(10, 3), "
           "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True), Conv1d(2, 4, kernel_size=(3,), stride=(2,)), "
           "AvgPool2d(kernel_size=2, stride=2, padding=0), Upsample(scale_factor=2.0, mode='nearest'), CrossEntropyLoss(), "
           "AdaptiveAvgPool2d(output_size=(1, 1)), Hardtanh(min_val=-1.0, max_val=1.0), PReLU(num_parameters=1)]")
MODULE_DICT = """\
ModuleDict(
  (a): Linear(in_features=2, out_features=2, bias=True)
  (b): ModuleList(
    (0): Tanh()
  )
)"""
SGD = """\
SGD (
Parameter Group 0
    dampening: 0
    differentiable: False
    foreach: None
    fused: None
    lr: 0.1
    maximize: False
    momentum: 0.9
    nesterov: False
    weight_decay: 0
)"""
ADAM = """\
Adam (
Parameter Group 0
    amsgrad: False
    betas: (0.9, 0.999)
    capturable: False
    decoupled_weight_decay: False
    differentiable: False
    eps: 1e-08
    foreach: None
    fused: None
    lr: 0.001
    maximize: False
    weight_decay: 0
)"""
TEXTS = {
    "sequential": (lambda T: T.nn.Sequential(T.nn.Conv2d(1, 8, 3, padding=1), T.nn.BatchNorm2d(8), T.nn.ReLU(),
                                             T.nn.MaxPool2d(2), T.nn.Dropout(0.25), T.nn.Flatten(),
                                             T.nn.Linear(8 * 14 * 14, 10, bias=False)), SEQUENTIAL),
    "modules": (lambda T: [T.nn.LeakyReLU(0.2), T.nn.ELU(), T.nn.GELU("tanh"), T.nn.Softmax(dim=1), T.nn.Embedding(10, 3),
                           T.nn.LayerNorm(4), T.nn.Conv1d(2, 4, 3, stride=2), T.nn.AvgPool2d(2), T.nn.Upsample(scale_factor=2),
                           T.nn.CrossEntropyLoss(), T.nn.AdaptiveAvgPool2d((1, 1)), T.nn.Hardtanh(), T.nn.PReLU()],
                MODULES),
    "module-dict": (lambda T: T.nn.ModuleDict({"a": T.nn.Linear(2, 2), "b": T.nn.ModuleList([T.nn.Tanh()])}),
                    MODULE_DICT),
    "parameter": (lambda T: T.nn.Parameter(T.tensor([1.0, -0.5])),
                  "Parameter containing:\ntensor([ 1.0000, -0.5000], requires_grad=True)"),
    "optimizer": (lambda T: T.optim.SGD([T.nn.Parameter(T.ones(1))], lr=0.1, momentum=0.9), SGD),
    "adam": (lambda T: T.optim.Adam([T.nn.Parameter(T.ones(1))]), ADAM),
    "loss-grad-fn": (lambda T: T.nn.functional.cross_entropy(T.ones(2, 3, requires_grad=True), T.tensor([0, 1])).grad_fn,
                     "<NllLossBackward0 object at 0x...>"),
    "state-dict-keys": (lambda T: list(T.nn.BatchNorm1d(2).state_dict()),
                        "['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']"),
}


@pytest.mark.parametrize("name", TEXTS)
def test_texts_are_what_pytorch_prints(name):
    fn, expected = TEXTS[name]
    assert text_of(fn, engine) == expected


def test_recorded_texts_are_pytorchs():
    """The recorded texts above, re-derived from PyTorch where it is installed (skipped in Pyodide)."""
    assert_recorded_from_torch({**TEXTS, "tutorial": (run_tutorial, TUTORIAL_PRINTS)})
