"""Lazy modules against PyTorch: placeholders before the first forward, shapes read from the first input,
the module becoming the ordinary layer, reprs before and after, loading a state_dict, and (once shaped)
outputs and every gradient in float64 from torch's weights."""
import pytest
import torch

import engine
from tests.engine.module_oracle import compare, randn
from tests.engine.oracle import outcome

LAZY = {
    "LazyLinear": (lambda nn: nn.LazyLinear(3), (2, 5)),
    "LazyLinear-no-bias-3d": (lambda nn: nn.LazyLinear(4, bias=False), (2, 3, 5)),
    "LazyConv1d": (lambda nn: nn.LazyConv1d(4, 3, stride=2, padding=1), (2, 3, 9)),
    "LazyConv1d-unbatched": (lambda nn: nn.LazyConv1d(2, 3), (3, 7)),
    "LazyConv2d": (lambda nn: nn.LazyConv2d(4, 3, padding=1, groups=2, bias=False), (2, 6, 5, 5)),
    "LazyConvTranspose1d": (lambda nn: nn.LazyConvTranspose1d(3, 2, stride=2), (2, 4, 5)),
    "LazyConvTranspose2d": (lambda nn: nn.LazyConvTranspose2d(3, 2, stride=2), (2, 4, 3, 3)),
    "LazyBatchNorm1d": (lambda nn: nn.LazyBatchNorm1d(), (6, 4)),
    "LazyBatchNorm1d-3d-no-affine": (lambda nn: nn.LazyBatchNorm1d(affine=False, momentum=0.3), (4, 3, 5)),
    "LazyBatchNorm2d": (lambda nn: nn.LazyBatchNorm2d(eps=1e-3), (3, 2, 4, 4)),
    "LazyBatchNorm1d-no-bias": (lambda nn: nn.LazyBatchNorm1d(bias=False), (6, 4)),
    "LazyInstanceNorm1d": (lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 5)),
    "LazyInstanceNorm2d-no-affine": (lambda nn: nn.LazyInstanceNorm2d(affine=False, track_running_stats=False),
                                     (2, 3, 4, 4)),
    "LazyBatchNorm2d-no-stats": (lambda nn: nn.LazyBatchNorm2d(track_running_stats=False), (3, 2, 4, 4)),
}


def _lib(nn):
    return torch if nn is torch.nn else engine


def _shaped(make, shape):
    """The lazy module after a dry run on zeros of the input's shape."""
    def build(nn):
        m = make(nn)
        m(_lib(nn).zeros(*shape))
        return m
    return build


@pytest.mark.parametrize("name", sorted(LAZY))
def test_before_and_after_the_first_forward(name):
    make, shape = LAZY[name]
    seen = []
    for nn in (torch.nn, engine.nn):
        m = make(nn)
        before = (repr(m), type(m).__name__, m.has_uninitialized_params(),
                  {k: repr(v) for k, v in m.state_dict().items()},
                  [type(p).__name__ for p in m.parameters()])
        params = list(m.parameters())
        m(_lib(nn).zeros(*shape))
        after = (repr(m), type(m).__name__, [(n, tuple(p.shape), type(p).__name__) for n, p in m.named_parameters()],
                 [(n, tuple(b.shape)) for n, b in m.named_buffers()],
                 all(a is b for a, b in zip(params, m.parameters())))  # an optimizer built before keeps them
        seen.append((before, after))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("name", sorted(LAZY))
def test_shaped_lazy_module_computes_as_torch(name):
    make, shape = LAZY[name]
    # ConvTranspose1d is built from the 2-d op, so its graph's node names are not PyTorch's
    compare(_shaped(make, shape), randn(*shape), check_names=name != "LazyConvTranspose1d")


def test_loading_a_state_dict_shapes_the_placeholders():
    seen = []
    for nn in (torch.nn, engine.nn):
        lib = _lib(nn)
        m = nn.LazyLinear(3)
        source = nn.Linear(5, 3)
        m.load_state_dict(source.state_dict())
        state = (repr(m), type(m).__name__, tuple(m.weight.shape), bool((m.weight == source.weight).all()))
        m(lib.zeros(2, 5))
        seen.append((state, repr(m)))
    assert seen[0] == seen[1]


ERRORS = {
    "shape-of-placeholder": lambda T: T.nn.LazyLinear(3).weight.shape,
    "numel-of-placeholder": lambda T: sum(p.numel() for p in T.nn.LazyLinear(3).parameters()),
    "load-placeholder-into-shaped": lambda T: T.nn.Linear(2, 3).load_state_dict(T.nn.LazyLinear(3).state_dict()),
    "conv-wrong-rank": lambda T: T.nn.LazyConv2d(4, 3)(T.ones(2, 3)),
    "conv-groups": lambda T: T.nn.LazyConv2d(4, 3, groups=2)(T.ones(1, 3, 5, 5)),
    "linear-mismatch-after": lambda T: _second_call(T),
    "instance-norm-unbatched": lambda T: T.nn.LazyInstanceNorm2d()(T.ones(3, 4, 4)),
    "loaded-linear-wrong-input": lambda T: _loaded_then_called(T, 4),
}


def _second_call(T):
    m = T.nn.LazyLinear(3)
    m(T.ones(2, 4))
    m(T.ones(2, 5))


def _loaded_then_called(T, width):
    m = T.nn.LazyLinear(3)
    m.load_state_dict(T.nn.Linear(5, 3).state_dict())
    m(T.ones(2, width))


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    theirs = outcome(ERRORS[name], torch)
    assert theirs is not None
    assert outcome(ERRORS[name], engine) == theirs


def test_placeholder_reprs():
    for T in (engine, torch):
        assert repr(T.nn.UninitializedParameter()) == "<UninitializedParameter>"
        assert repr(T.nn.UninitializedBuffer()) == "<UninitializedBuffer>"
        assert isinstance(T.nn.UninitializedParameter(), T.nn.Parameter)
