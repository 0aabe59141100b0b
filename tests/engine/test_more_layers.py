"""GroupNorm, padding layers, AdaptiveMaxPool2d, Threshold, GLU and ConvTranspose2d against real PyTorch
(tests/engine/module_oracle.py): outputs, node names, input and parameter gradients, reprs and errors."""
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome
from engine.autograd import gradcheck, gradgradcheck
from tests.engine.module_oracle import compare, compare_fn, randn

LAYERS = {
    "groupnorm": (lambda nn: nn.GroupNorm(2, 4), [(3, 4, 5)]),
    "groupnorm-2d": (lambda nn: nn.GroupNorm(3, 6, eps=1e-3), [(2, 6, 3, 4)]),
    "groupnorm-instance": (lambda nn: nn.GroupNorm(4, 4), [(2, 4, 5, 5)]),
    "groupnorm-layer": (lambda nn: nn.GroupNorm(1, 4, affine=False), [(2, 4, 6)]),
    # groups of six: a two-element group normalises to +-1 and its float32 gradient is all rounding
    "groupnorm-no-bias": (lambda nn: nn.GroupNorm(2, 4, bias=False), [(2, 4, 3)]),
    "zeropad2d": (lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), [(2, 3, 4, 5)]),
    "zeropad2d-int-unbatched": (lambda nn: nn.ZeroPad2d(2), [(3, 4, 5)]),
    "zeropad2d-crop": (lambda nn: nn.ZeroPad2d((-1, 1, 0, -2)), [(1, 2, 4, 5)]),
    "zeropad1d": (lambda nn: nn.ZeroPad1d((2, 1)), [(2, 3, 4)]),
    "constantpad2d": (lambda nn: nn.ConstantPad2d((1, 0, 2, 1), 3.5), [(2, 3, 4, 5)]),
    "reflectionpad2d": (lambda nn: nn.ReflectionPad2d(2), [(2, 3, 4, 5)]),
    "replicationpad1d": (lambda nn: nn.ReplicationPad1d((3, 1)), [(2, 3, 4)]),
    "adaptivemaxpool2d": (lambda nn: nn.AdaptiveMaxPool2d((3, 2)), [(2, 3, 7, 5)]),
    "adaptivemaxpool2d-even": (lambda nn: nn.AdaptiveMaxPool2d(2), [(2, 3, 6, 4)]),
    "adaptivemaxpool2d-upsample": (lambda nn: nn.AdaptiveMaxPool2d((5, None)), [(1, 2, 3, 4)]),
    "adaptivemaxpool2d-indices": (lambda nn: nn.AdaptiveMaxPool2d((4, 3), return_indices=True), [(2, 2, 9, 7)]),
    "adaptivemaxpool2d-unbatched": (lambda nn: nn.AdaptiveMaxPool2d(3), [(2, 7, 6)]),
    "threshold": (lambda nn: nn.Threshold(0.1, 20.0), [(3, 5)]),
    "glu": (lambda nn: nn.GLU(), [(3, 4)]),
    "glu-dim": (lambda nn: nn.GLU(dim=1), [(2, 6, 3)]),
    "convtranspose2d": (lambda nn: nn.ConvTranspose2d(3, 4, 3), [(2, 3, 5, 5)]),
    "convtranspose2d-stride-pad-outpad": (lambda nn: nn.ConvTranspose2d(3, 2, (3, 2), stride=2, padding=1,
                                                                       output_padding=1), [(2, 3, 4, 5)]),
    "convtranspose2d-groups-dilation": (lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=(1, 2), groups=2, dilation=2,
                                                                     output_padding=(1, 0), bias=False),
                                        [(2, 4, 5, 4)]),
    "convtranspose2d-depthwise": (lambda nn: nn.ConvTranspose2d(3, 3, 2, stride=2, groups=3), [(1, 3, 3, 4)]),
    "convtranspose2d-unbatched": (lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2), [(2, 4, 4)]),
}
# PyTorch computes these with fused kernels where the engine composes smaller ops: same values and gradients,
# other node names (group norm: NativeGroupNormBackward0; glu: GluBackward0; unbatched: one node for the squeeze).
OTHER_NODES = {"groupnorm", "groupnorm-2d", "groupnorm-instance", "groupnorm-layer", "groupnorm-no-bias", "glu",
               "glu-dim", "adaptivemaxpool2d-unbatched", "convtranspose2d-unbatched"}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name, dtype):
    make, shapes = LAYERS[name]
    compare(make, *[randn(*s) for s in shapes], dtype=dtype, check_names=name not in OTHER_NODES)


def test_adaptive_max_pool_picks_the_first_of_tied_maxima():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 1:4, 1:4] = 1.0
    compare(lambda nn: nn.AdaptiveMaxPool2d(2, return_indices=True), x)


def test_conv_transpose2d_output_size():
    def forward(m, x):
        return m(x, output_size=[2, 4, 9, 10])
    compare(lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1), randn(2, 3, 5, 5), forward=forward)


@pytest.mark.parametrize("fn, shapes", [
    (lambda F, x, w: F.conv_transpose2d(x, w, stride=2, padding=(0, 1), output_padding=(1, 0)),
     [(2, 3, 4, 4), (3, 2, 3, 3)]),
    (lambda F, x, w, b: F.conv_transpose2d(x, w, b, groups=2, dilation=(1, 2)), [(1, 4, 3, 3), (4, 1, 2, 2), (2,)]),
    (lambda F, x: F.group_norm(x, 2), [(2, 4, 3)]),
    (lambda F, x, w, b: F.group_norm(x, 3, w, b, eps=0.1), [(2, 6, 2, 2), (6,), (6,)]),
    (lambda F, x: F.adaptive_max_pool2d(x, (2, 3)), [(2, 2, 5, 7)]),
    (lambda F, x: F.adaptive_max_pool2d_with_indices(x, 3), [(1, 2, 5, 7)]),
    (lambda F, x: F.threshold(x, -0.2, -5), [(4, 3)]),
    (lambda F, x: F.glu(x, 0), [(4, 3)]),
])
def test_functional_matches_torch(fn, shapes):
    compare_fn(lambda T, *xs: fn(T.nn.functional, *xs), *[randn(*s) for s in shapes],
               check_names=False)


def test_threshold_in_place_matches_torch():
    compare_fn(lambda T, x: T.nn.functional.threshold(x * 1, 0.0, 2.0, inplace=True), randn(3, 4))
    compare(lambda nn: nn.Sequential(nn.Linear(3, 4), nn.Threshold(0.0, -1.0, inplace=True)), randn(2, 3))


def test_gradcheck_of_new_layers():
    rng = np.random.default_rng(3)
    cases = [
        (lambda x, w: engine.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
         [rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 3, 3))]),
        (lambda x, w, b: engine.nn.functional.group_norm(x, 2, w, b), [rng.standard_normal((2, 4, 3)),
                                                                       rng.standard_normal(4), rng.standard_normal(4)]),
        (lambda x: engine.nn.functional.adaptive_max_pool2d(x, (2, 3)), [rng.permutation(35).reshape(1, 1, 5, 7) / 7]),
        (lambda x: engine.nn.functional.threshold(x, 0.1, 3.0), [rng.standard_normal((3, 4))]),
        (lambda x: engine.nn.functional.glu(x, 1), [rng.standard_normal((3, 4))]),
    ]
    for fn, arrays in cases:
        inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
        assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
        assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("make", [
    lambda nn: nn.GroupNorm(2, 4), lambda nn: nn.GroupNorm(2, 4, eps=1e-3, affine=False),
    lambda nn: nn.GroupNorm(1, 3, bias=False), lambda nn: nn.ZeroPad2d((1, 2, 0, 1)), lambda nn: nn.ZeroPad2d(2),
    lambda nn: nn.ZeroPad1d(1), lambda nn: nn.ConstantPad2d(1, 3.5), lambda nn: nn.ConstantPad3d((1, 2, 0, 0, 1, 1), 0),
    lambda nn: nn.ReflectionPad2d(1), lambda nn: nn.ReplicationPad3d(2), lambda nn: nn.CircularPad1d((1, 2)),
    lambda nn: nn.AdaptiveMaxPool2d((3, None)), lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True),
    lambda nn: nn.Threshold(0.1, 20), lambda nn: nn.Threshold(0, -1.5, inplace=True), lambda nn: nn.GLU(),
    lambda nn: nn.GLU(1), lambda nn: nn.ConvTranspose2d(4, 6, 3),
    lambda nn: nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2, dilation=2,
                                  bias=False),
])
def test_repr_matches_torch(make):
    assert repr(make(engine.nn)) == repr(make(torch.nn))


def test_parameters_and_init_match_torch():
    for make in (lambda nn: nn.ConvTranspose2d(4, 6, 3, groups=2), lambda nn: nn.GroupNorm(2, 4)):
        tm, em = make(torch.nn), make(engine.nn)
        assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
               [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    w = engine.nn.ConvTranspose2d(4, 6, 3, groups=2).weight.detach().numpy()
    bound = 1 / np.sqrt(3 * 3 * 3)  # kaiming_uniform(a=sqrt(5)): fan_in is weight.size(1) * kernel area
    assert np.abs(w).max() <= bound and w.std() > bound / 3




@pytest.mark.parametrize("fn", [
    lambda T: T.nn.GroupNorm(2, 5),
    lambda T: T.nn.functional.group_norm(T.zeros(2, 5, 3), 2),
    lambda T: T.nn.functional.glu(T.zeros(2, 3), 1),
    lambda T: T.nn.functional.glu(T.tensor(1.0)),
    lambda T: T.nn.functional.adaptive_max_pool2d(T.zeros(5, 5), 3),
    lambda T: T.nn.functional.adaptive_max_pool2d(T.zeros(1, 5, 5), (3, 2, 1)),
    lambda T: T.nn.CircularPad2d(1)(T.zeros(5, 5)),
    lambda T: T.nn.ConvTranspose2d(4, 3, 3, padding_mode="reflect"),
    lambda T: T.nn.ConvTranspose2d(4, 3, 3)(T.zeros(1, 5, 4, 4)),
    lambda T: T.nn.ConvTranspose2d(4, 3, 3)(T.zeros(1, 4, 4, 4), output_size=(9, 9)),
    lambda T: T.nn.ConvTranspose2d(4, 3, 3)(T.zeros(1, 4, 4, 4), output_size=(6,)),
    lambda T: T.nn.functional.conv_transpose2d(T.zeros(1, 4, 4, 4), T.zeros(4, 3, 3, 3), output_padding=1),
    lambda T: T.nn.functional.conv_transpose2d(T.zeros(1, 4, 4, 4), T.zeros(4, 3, 3, 3), groups=3),
    lambda T: T.nn.functional.conv_transpose2d(T.zeros(4, 4), T.zeros(4, 3, 3, 3)),
])
def test_errors_match_torch(fn):
    theirs = outcome(fn, torch)
    assert theirs is not None
    assert outcome(fn, engine) == theirs
