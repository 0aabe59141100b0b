"""More torch.nn modules courses use, against PyTorch in float64 (outputs, input and parameter gradients,
running statistics), with their reprs and argument errors. They are compositions of tensor ops, so the node
names in their graphs are those ops' (PyTorch records one fused node): names are not compared."""
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.module_oracle import compare, randn, rand
from tests.engine.oracle import outcome

_rng = np.random.default_rng(7)


def _signs(*shape):
    return np.where(_rng.random(shape) < 0.5, -1.0, 1.0)


CASES = {
    # alpha with an exact reciprocal: PyTorch's CELU backward rounds 1/alpha to float32 even for float64 tensors
    "CELU": (lambda nn: nn.CELU(0.5), [randn(3, 4)]),
    "CELU-default": (lambda nn: nn.CELU(), [randn(3, 4) * 3]),
    "Hardshrink": (lambda nn: nn.Hardshrink(0.3), [randn(3, 4)]),
    "Softshrink": (lambda nn: nn.Softshrink(0.3), [randn(3, 4)]),
    "RReLU-eval": (lambda nn: nn.RReLU(0.1, 0.3).eval(), [randn(3, 4)]),
    "Softmax2d": (lambda nn: nn.Softmax2d(), [randn(2, 3, 2, 2)]),
    "PixelShuffle": (lambda nn: nn.PixelShuffle(2), [randn(2, 8, 3, 3)]),
    "PixelShuffle-5d": (lambda nn: nn.PixelShuffle(2), [randn(2, 1, 4, 2, 3)]),
    "PixelUnshuffle": (lambda nn: nn.PixelUnshuffle(2), [randn(2, 2, 4, 6)]),
    "RMSNorm": (lambda nn: nn.RMSNorm(4), [randn(3, 4)]),
    "RMSNorm-2d-eps": (lambda nn: nn.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False), [randn(4, 2, 3)]),
    "InstanceNorm1d": (lambda nn: nn.InstanceNorm1d(3), [randn(2, 3, 5)]),
    "InstanceNorm1d-unbatched-affine": (lambda nn: nn.InstanceNorm1d(3, affine=True), [randn(3, 5)]),
    "InstanceNorm2d-running": (lambda nn: nn.InstanceNorm2d(2, affine=True, track_running_stats=True),
                               [randn(3, 2, 4, 4)]),
    "PairwiseDistance": (lambda nn: nn.PairwiseDistance(p=1.5), [randn(3, 4), randn(3, 4)]),
    "CosineSimilarity": (lambda nn: nn.CosineSimilarity(dim=0), [randn(3, 4), randn(3, 4)]),
    "MarginRankingLoss": (lambda nn: nn.MarginRankingLoss(0.2), [randn(5), randn(5), _signs(5)]),
    "HingeEmbeddingLoss": (lambda nn: nn.HingeEmbeddingLoss(0.5, reduction="sum"), [randn(3, 4), _signs(3, 4)]),
    "SoftMarginLoss": (lambda nn: nn.SoftMarginLoss(), [randn(3, 4), _signs(3, 4)]),
    "MultiLabelSoftMarginLoss": (lambda nn: nn.MultiLabelSoftMarginLoss(reduction="none"),
                                 [randn(3, 4), (rand(3, 4) > 0.5).astype(float)]),
    "CosineEmbeddingLoss": (lambda nn: nn.CosineEmbeddingLoss(0.1), [randn(4, 3), randn(4, 3), _signs(4)]),
    "TripletMarginLoss": (lambda nn: nn.TripletMarginLoss(margin=2.0, swap=True), [randn(4, 3), randn(4, 3),
                                                                                  randn(4, 3)]),
    "PoissonNLLLoss": (lambda nn: nn.PoissonNLLLoss(), [randn(3, 4), rand(3, 4, high=3)]),
    "PoissonNLLLoss-full": (lambda nn: nn.PoissonNLLLoss(log_input=False, full=True),
                            [rand(3, 4, low=0.5, high=2), rand(3, 4, high=4)]),
    "ConvTranspose1d": (lambda nn: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                                                      dilation=2), [randn(2, 4, 5)]),
    "ConvTranspose1d-unbatched-no-bias": (lambda nn: nn.ConvTranspose1d(3, 2, 2, bias=False), [randn(3, 4)]),
    "AdaptiveMaxPool1d": (lambda nn: nn.AdaptiveMaxPool1d(3), [randn(2, 3, 7)]),
    "AdaptiveMaxPool1d-indices": (lambda nn: nn.AdaptiveMaxPool1d(2, return_indices=True), [randn(3, 5)]),
    "ChannelShuffle": (lambda nn: nn.ChannelShuffle(3), [randn(2, 6, 2, 2)]),
    "LPPool1d": (lambda nn: nn.LPPool1d(2, 3, stride=2), [randn(2, 3, 9)]),
    "LPPool2d": (lambda nn: nn.LPPool2d(1.5, 2), [rand(2, 3, 4, 4, low=0.1)]),
    "LocalResponseNorm": (lambda nn: nn.LocalResponseNorm(3, alpha=0.1, beta=0.6, k=2.0), [randn(2, 5, 3, 3)]),
    "LocalResponseNorm-3d": (lambda nn: nn.LocalResponseNorm(2), [randn(2, 4, 6)]),
    "TripletMarginWithDistanceLoss": (lambda nn: nn.TripletMarginWithDistanceLoss(swap=True),
                                      [randn(4, 3), randn(4, 3), randn(4, 3)]),
    "TripletMarginWithDistanceLoss-cosine": (lambda nn: nn.TripletMarginWithDistanceLoss(
        distance_function=nn.CosineSimilarity(), margin=0.5, reduction="none"), [randn(4, 3), randn(4, 3),
                                                                                 randn(4, 3)]),
    "Unfold": (lambda nn: nn.Unfold(2), [randn(2, 3, 4, 5)]),
    "Unfold-strided-padded-dilated": (lambda nn: nn.Unfold((2, 3), dilation=(2, 1), padding=1, stride=(2, 1)),
                                      [randn(2, 2, 5, 6)]),
    "Unfold-unbatched": (lambda nn: nn.Unfold(3, stride=2), [randn(2, 7, 7)]),
    "Fold": (lambda nn: nn.Fold(4, 2), [randn(2, 12, 9)]),
    "Fold-strided-leftover": (lambda nn: nn.Fold((5, 6), 2, stride=2, padding=1), [randn(1, 8, 12)]),
    "Fold-unbatched-dilated": (lambda nn: nn.Fold(5, (2, 3), dilation=2), [randn(6, 3)]),
    "GaussianNLLLoss": (lambda nn: nn.GaussianNLLLoss(), [randn(3, 4), randn(3, 4), rand(3, 4, low=0.1)]),
    "GaussianNLLLoss-homoscedastic-full": (lambda nn: nn.GaussianNLLLoss(full=True, reduction="sum"),
                                           [randn(3, 4), randn(3, 4), rand(3, low=0.1)]),
}


NO_TARGET_GRAD = {"SoftMarginLoss"}  # PyTorch refuses a target that requires grad (tested below)


@pytest.mark.parametrize("name", sorted(CASES))
def test_module_matches_torch(name):
    make, inputs = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(make, *inputs, check_names=False, train=not name.endswith("-eval"),
                grad=[True] + [name not in NO_TARGET_GRAD] * (len(inputs) - 1))


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_matches_torch(name):
    make, _ = CASES[name]
    assert repr(make(engine.nn)) == repr(make(torch.nn))


def test_rrelu_in_training_draws_slopes_within_bounds():
    x = engine.tensor(-np.ones((1000,)), requires_grad=True)
    y = engine.nn.RReLU(0.1, 0.3)(x)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.01
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)


ERRORS = {
    "softshrink-negative": lambda T: T.nn.functional.softshrink(T.ones(2), -1.0),
    "softshrink-negative-double": lambda T: T.nn.functional.softshrink(T.ones(2, dtype=T.float64), -0.5),
    "soft-margin-target-grad": lambda T: T.nn.functional.soft_margin_loss(T.ones(2), T.ones(2, requires_grad=True)),
    "rms-norm-shape-2d": lambda T: T.nn.functional.rms_norm(T.ones(2, 3), [2, 2]),
    "pixel-shuffle-channels": lambda T: T.nn.functional.pixel_shuffle(T.ones(1, 5, 2, 2), 2),
    "pixel-shuffle-rank": lambda T: T.nn.functional.pixel_shuffle(T.ones(4, 2), 2),
    "pixel-unshuffle-height": lambda T: T.nn.functional.pixel_unshuffle(T.ones(1, 1, 3, 4), 2),
    "softmax2d-rank": lambda T: T.nn.Softmax2d()(T.ones(2, 2)),
    "rms-norm-shape": lambda T: T.nn.RMSNorm(4)(T.ones(2, 3)),
    "instance-norm-rank": lambda T: T.nn.InstanceNorm1d(3)(T.ones(1, 3, 2, 2)),
    "instance-norm-affine-features": lambda T: T.nn.InstanceNorm1d(3, affine=True)(T.ones(2, 4, 5)),
    "margin-ranking-dims": lambda T: T.nn.functional.margin_ranking_loss(T.ones(2), T.ones(2), T.ones(1, 2)),
    "triplet-margin": lambda T: T.nn.TripletMarginLoss(margin=0),
    "gaussian-negative-var": lambda T: T.nn.GaussianNLLLoss()(T.ones(2), T.ones(2), -T.ones(2)),
    "conv-transpose1d-rank": lambda T: T.nn.functional.conv_transpose1d(T.ones(1, 2, 2, 2), T.ones(2, 1, 3)),
    "conv-transpose1d-output-size": lambda T: T.nn.ConvTranspose1d(2, 2, 3)(T.ones(1, 2, 4), output_size=[9]),
    "conv-transpose1d-padding-mode": lambda T: T.nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect"),
    "adaptive-max-pool1d-rank": lambda T: T.nn.functional.adaptive_max_pool1d(T.ones(2, 2, 2, 2), 2),
    "channel-shuffle-groups": lambda T: T.nn.functional.channel_shuffle(T.ones(1, 5, 2, 2), 2),
    "channel-shuffle-rank": lambda T: T.nn.ChannelShuffle(2)(T.ones(5, 2)),
    "local-response-norm-rank": lambda T: T.nn.functional.local_response_norm(T.ones(2, 3), 2),
    "multi-margin-p": lambda T: T.nn.MultiMarginLoss(p=3),
    "triplet-distance-margin": lambda T: T.nn.TripletMarginWithDistanceLoss(margin=0),
    "fold-channels": lambda T: T.nn.functional.fold(T.ones(1, 5, 9), 4, 2),
    "fold-blocks": lambda T: T.nn.functional.fold(T.ones(1, 4, 8), 4, 2),
    "fold-rank": lambda T: T.nn.functional.fold(T.ones(1, 2, 3, 4), 4, 2),
    "gaussian-var-size": lambda T: T.nn.GaussianNLLLoss()(T.ones(2, 3), T.ones(2, 3), T.ones(3, 3)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    theirs = outcome(ERRORS[name], torch)
    assert theirs is not None
    assert outcome(ERRORS[name], engine) == theirs


def _buffer_module(T):
    class Net(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = T.nn.Buffer(T.tensor([2.0, 3.0]))
            self.cache = T.nn.Buffer(T.zeros(2), persistent=False)
            self.lin = T.nn.Linear(2, 1)

        def forward(self, x):
            return self.lin(x * self.scale)
    return Net()


def test_nn_buffer_registers_as_torch():
    seen = []
    for T in (engine, torch):
        m = _buffer_module(T)
        seen.append((sorted(m.state_dict()), [n for n, _ in m.named_buffers()], [n for n, _ in m.named_parameters()],
                     isinstance(m.scale, T.Tensor), m.scale.tolist(), repr(T.nn.Buffer(T.ones(1)))))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("case", ["over-parameter", "before-init", "not-tensor-data"])
def test_nn_buffer_errors_match_torch(case):
    def run(T):
        if case == "over-parameter":
            m = T.nn.Linear(2, 2)
            m.weight = T.nn.Buffer(T.ones(2, 2))
        if case == "before-init":
            class Early(T.nn.Module):
                def __init__(self):
                    self.b = T.nn.Buffer(T.ones(1))
            Early()
        if case == "not-tensor-data":
            T.nn.Buffer([1.0])
    theirs = outcome(run, torch)
    assert theirs is not None
    assert outcome(run, engine) == theirs


@pytest.mark.parametrize("p,weighted,reduction,shape", [(1, False, "mean", (4, 5)), (2, True, "sum", (4, 5)),
                                                        (1, True, "none", (4, 5)), (2, False, "mean", (5,))])
def test_multi_margin_loss_matches_torch(p, weighted, reduction, shape):
    target = _rng.integers(0, shape[-1], shape[:-1]).astype(np.int64)
    weight = rand(shape[-1], low=0.5, high=2.0) if weighted else None

    def make(nn):
        lib = torch if nn is torch.nn else engine
        w = lib.tensor(weight) if weighted else None
        return nn.MultiMarginLoss(p=p, margin=0.7, weight=w, reduction=reduction)
    compare(make, randn(*shape), target, check_names=False)


BAGS = {
    "2d-mean": (dict(mode="mean"), np.array([[1, 2, 4], [4, 3, 9]]), None, None),
    "2d-max": (dict(mode="max"), np.array([[1, 2, 4], [4, 3, 9]]), None, None),
    "offsets-sum-weights": (dict(mode="sum"), np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4]),
                            rand(8)),
    "offsets-empty-bag": (dict(mode="mean"), np.array([1, 2, 4, 5]), np.array([0, 2, 2]), None),
    "include-last-offset": (dict(mode="sum", include_last_offset=True), np.array([1, 2, 4, 5, 7]),
                            np.array([0, 3, 5]), None),
    "padding-idx": (dict(mode="mean", padding_idx=2), np.array([[1, 2, 2], [2, 3, 9]]), None, None),
}


@pytest.mark.parametrize("name", sorted(BAGS))
def test_embedding_bag_matches_torch(name):
    kwargs, indices, offsets, weights = BAGS[name]

    def forward(m, x, *rest):
        lib = torch if isinstance(x, torch.Tensor) else engine
        extra = [lib.tensor(offsets) if offsets is not None else None] + list(rest)
        return m(x, *extra)
    inputs = [indices] + ([weights] if weights is not None else [])
    compare(lambda nn: nn.EmbeddingBag(10, 3, **kwargs), *inputs, forward=forward, check_names=False)
    assert repr(engine.nn.EmbeddingBag(10, 3, **kwargs)) == repr(torch.nn.EmbeddingBag(10, 3, **kwargs))


@pytest.mark.parametrize("case", ["2d-with-offsets", "1d-without-offsets", "mode", "weights-with-mean", "3d"])
def test_embedding_bag_errors_match_torch(case):
    def run(T):
        m = T.nn.EmbeddingBag(10, 3, mode="bad" if case == "mode" else "mean")
        if case == "2d-with-offsets":
            m(T.tensor([[1, 2]]), T.tensor([0]))
        if case == "1d-without-offsets":
            m(T.tensor([1, 2]))
        if case == "weights-with-mean":
            m(T.tensor([[1, 2]]), per_sample_weights=T.ones(1, 2))
        if case == "3d":
            m(T.zeros(1, 1, 1, dtype=T.long))
        m(T.tensor([[1, 2]]))
    theirs = outcome(run, torch)
    assert theirs is not None
    assert outcome(run, engine) == theirs
