"""F.scaled_dot_product_attention and nn.MultiheadAttention against real PyTorch: values, node
names and gradients of inputs, masks and (after copying torch's state_dict) every parameter."""
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome
from tests.engine.module_oracle import compare, compare_fn, randn


def _sdpa(**kwargs):
    return lambda T, q, k, v, *mask: T.nn.functional.scaled_dot_product_attention(
        q, k, v, *mask, **kwargs)


def _causal_bool(L, S):
    return np.tril(np.ones((L, S), dtype=bool))


SDPA = {
    "4d": (_sdpa(), [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)]),
    "3d": (_sdpa(), [(3, 4, 5), (3, 6, 5), (3, 6, 2)]),
    "2d": (_sdpa(), [(4, 5), (6, 5), (6, 3)]),
    "scale": (_sdpa(scale=0.3), [(2, 4, 5), (2, 6, 5), (2, 6, 3)]),
    "negative-scale": (_sdpa(scale=-0.5), [(2, 4, 5), (2, 6, 5), (2, 6, 3)]),
    "causal": (_sdpa(is_causal=True), [(2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 3)]),
    "causal-rectangular": (_sdpa(is_causal=True), [(2, 4, 4), (2, 6, 4), (2, 6, 3)]),
    "float-mask": (_sdpa(), [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), (4, 6)]),
    "float-mask-per-batch": (_sdpa(), [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), (2, 1, 4, 6)]),
    "gqa": (_sdpa(enable_gqa=True), [(2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 3)]),
    "dropout-1": (_sdpa(dropout_p=1.0), [(2, 4, 5), (2, 6, 5), (2, 6, 3)]),
}


@pytest.mark.parametrize("name", sorted(SDPA))
def test_sdpa_matches_torch(name):
    fn, shapes = SDPA[name]
    compare_fn(fn, *[randn(*s) for s in shapes])


def test_sdpa_bool_masks_match_torch():
    q, k, v = randn(2, 2, 4, 3), randn(2, 2, 5, 3), randn(2, 2, 5, 6)
    compare_fn(_sdpa(), q, k, v, _causal_bool(4, 5))
    mask = np.random.default_rng(0).random((2, 1, 4, 5)) > 0.4
    mask[0, 0, 1] = False  # a query that may attend to nothing: zeros, and finite gradients
    e_out, _ = compare_fn(_sdpa(), q, k, v, mask)
    assert float(e_out[0][0, :, 1].abs().sum()) == 0.0


def test_sdpa_float32_and_no_grad_values():
    compare_fn(_sdpa(is_causal=True), randn(2, 4, 5), randn(2, 4, 5), randn(2, 4, 3), dtype="float32",
               check_names=False)
    compare_fn(_sdpa(), randn(2, 4, 5), randn(2, 6, 5), randn(2, 6, 3), grad=False, check_names=False)


def test_sdpa_dropout_zeroes_weights_at_random():
    q = engine.ones(1, 50, 4)
    out = engine.nn.functional.scaled_dot_product_attention(q, q, engine.ones(1, 50, 1), dropout_p=0.5)
    values = out.flatten().numpy()
    assert 0.5 < values.mean() < 1.5 and values.std() > 0.05  # each row: kept weights scaled by 2




SDPA_ERRORS = [
    lambda T: T.nn.functional.scaled_dot_product_attention(T.zeros(2, 3), T.zeros(2, 3), T.zeros(2, 3),
                                                           T.ones(2, 2, dtype=T.bool), is_causal=True),
    lambda T: T.nn.functional.scaled_dot_product_attention(T.zeros(2, 3), T.zeros(2, 3), T.zeros(2, 3,
                                                                                                 dtype=T.float64)),
    lambda T: T.nn.functional.scaled_dot_product_attention(T.zeros(3), T.zeros(2, 3), T.zeros(2, 3)),
    lambda T: T.nn.functional.scaled_dot_product_attention(T.zeros(2, 3), T.zeros(2, 3), T.zeros(2, 3),
                                                           T.zeros(2, 2, dtype=T.int64)),
    lambda T: T.nn.functional.scaled_dot_product_attention(T.zeros(2, 3), T.zeros(2, 4), T.zeros(2, 3)),
]


def _mha(**options):
    return lambda nn: nn.MultiheadAttention(8, 2, **options)


def _with(masks=("key_padding_mask", "attn_mask"), **kwargs):
    """forward(m, q, k, v, *masks) passing the masks by these names, with keyword options; drops a None weight."""
    def call(m, q, k, v, *values):
        out, weights = m(q, k, v, **dict(zip(masks, values)), **kwargs)
        return [out] if weights is None else [out, weights]
    return call


def _padding(n, s):
    mask = np.zeros((n, s), dtype=bool)
    mask[-1, -2:] = True  # the last sequence is padded at its end
    return mask


# name: (make, forward, inputs)
MHA = {
    "self": (_mha(), lambda m, x: m(x, x, x), [randn(5, 2, 8)]),
    "cross": (_mha(), _with(), [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8)]),
    "batch-first": (_mha(batch_first=True), _with(), [randn(2, 4, 8), randn(2, 6, 8), randn(2, 6, 8)]),
    "no-weights": (_mha(), _with(need_weights=False), [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8)]),
    "per-head-weights": (_mha(), _with(average_attn_weights=False), [randn(4, 2, 8), randn(6, 2, 8),
                                                                     randn(6, 2, 8)]),
    "key-padding": (_mha(), _with(), [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8), _padding(2, 6)]),
    "key-padding-no-weights": (_mha(), _with(need_weights=False), [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8),
                                                                   _padding(2, 6)]),
    "causal-bool-mask": (_mha(), _with(masks=("attn_mask",)), [randn(5, 2, 8), randn(5, 2, 8), randn(5, 2, 8),
                                                                ~_causal_bool(5, 5)]),
    "causal-hint": (_mha(), _with(masks=("attn_mask",), is_causal=True, need_weights=False),
                    [randn(5, 2, 8), randn(5, 2, 8), randn(5, 2, 8), ~_causal_bool(5, 5)]),
    "float-mask": (_mha(), _with(masks=("attn_mask",)), [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8),
                                                          randn(4, 6)]),
    "3d-mask-no-weights": (_mha(), _with(masks=("attn_mask",), need_weights=False),
                           [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8), randn(4, 4, 6)]),
    "both-masks": (_mha(), _with(), [randn(5, 2, 8), randn(5, 2, 8), randn(5, 2, 8), _padding(2, 5),
                                     ~_causal_bool(5, 5)]),
    "kdim-vdim": (_mha(kdim=3, vdim=5), _with(), [randn(4, 2, 8), randn(6, 2, 3), randn(6, 2, 5)]),
    "bias-kv-zero-attn": (_mha(add_bias_kv=True, add_zero_attn=True), _with(),
                          [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8), _padding(2, 6)]),
    "no-bias": (_mha(bias=False), _with(), [randn(4, 2, 8), randn(6, 2, 8), randn(6, 2, 8)]),
    "unbatched": (_mha(), _with(), [randn(4, 8), randn(6, 8), randn(6, 8), np.array([False] * 5 + [True])]),
    "unbatched-no-weights": (_mha(batch_first=True), _with(need_weights=False), [randn(4, 8), randn(6, 8),
                                                                                  randn(6, 8)]),
}


@pytest.mark.parametrize("name", sorted(MHA))
def test_multihead_attention_matches_torch(name):
    make, forward, inputs = MHA[name]
    compare(make, *inputs, forward=forward)


def test_multihead_attention_eval_and_float32():
    make, forward, inputs = MHA["key-padding"]
    compare(lambda nn: nn.MultiheadAttention(8, 2, dropout=0.3), *inputs, forward=forward, train=False)
    compare(make, *inputs, forward=forward, dtype="float32")


def test_multihead_attention_parameters_and_repr():
    for options in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        tm, em = torch.nn.MultiheadAttention(8, 4, **options), engine.nn.MultiheadAttention(8, 4, **options)
        assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
               [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
        assert repr(em) == repr(tm)
    m = engine.nn.MultiheadAttention(6, 3)
    bound = (6 / (6 + 18)) ** 0.5  # xavier_uniform over the packed (3E, E) weight
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and w.std() > bound / 3
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()


MHA_ERRORS = [
    lambda T: T.nn.MultiheadAttention(8, 3),
    lambda T: T.nn.MultiheadAttention(0, 2),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 6), T.zeros(4, 2, 6), T.zeros(4, 2, 6)),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(4, 8), T.zeros(4, 2, 8)),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(5, 2, 8), T.zeros(4, 2, 8)),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(4, 2, 8), T.zeros(4, 2, 8),
                                            attn_mask=T.zeros(4, 5)),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(4, 2, 8), T.zeros(4, 2, 8),
                                            attn_mask=T.zeros(2, 4, 4)),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(4, 2, 8), T.zeros(4, 2, 8),
                                            key_padding_mask=T.zeros(3, 4, dtype=T.bool)),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(4, 2, 8), T.zeros(4, 2, 8),
                                            key_padding_mask=T.zeros(2, 4, dtype=T.int64)),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(4, 2, 8), T.zeros(4, 2, 8), is_causal=True),
    lambda T: T.nn.MultiheadAttention(8, 2)(T.zeros(4, 2, 8), T.zeros(4, 2, 8), T.zeros(4, 2, 8),
                                            key_padding_mask=T.zeros(2)),
]


@pytest.mark.parametrize("fn", SDPA_ERRORS + MHA_ERRORS)
def test_errors_match_torch(fn):
    theirs = outcome(fn, torch)
    assert theirs is not None
    assert outcome(fn, engine) == theirs


def test_mismatched_mask_types_warn_as_torch():
    for lib in (torch, engine):
        m = lib.nn.MultiheadAttention(4, 2)
        x = lib.zeros(3, 1, 4)
        with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
            m(x, x, x, key_padding_mask=lib.zeros(1, 3, dtype=lib.bool), attn_mask=lib.zeros(3, 3))
