"""nn.Transformer and its parts against PyTorch: torch's weights copied in, outputs and every parameter's
gradient compared in float64, for each placement of the norms, activation, layout and mask."""
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.module_oracle import compare, randn
from tests.engine.oracle import outcome

D, H, FF = 8, 2, 16


def _quiet(make):
    """Build without the nested-tensor warning (its words are tested on their own below)."""
    def build(nn):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return make(nn)
    return build


def _square_mask(lib, n):
    return lib.nn.Transformer.generate_square_subsequent_mask(n, dtype=lib.float64)


def _padding(lib, n, s):
    mask = np.zeros((n, s), bool)
    mask[0, -2:] = True
    return lib.tensor(mask)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(norm_first, activation, batch_first):
    def make(nn):
        act = (lambda x: x.tanh()) if activation == "callable" else activation
        return nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation=act, batch_first=batch_first,
                                          norm_first=norm_first)
    compare(make, randn(3, 5, D))


@pytest.mark.parametrize("mask", ["causal", "bool-causal", "padding", "both", "causal-hint"])
def test_encoder_with_masks(mask):
    def run(m, x):
        s = x.shape[0]
        lib = engine if isinstance(x, engine.Tensor) else torch
        kwargs = {}
        if mask in ("causal", "both", "causal-hint"):
            kwargs["mask"] = _square_mask(lib, s)
        if mask == "bool-causal":
            kwargs["mask"] = lib.ones(s, s, dtype=lib.bool).triu(1)
        if mask in ("padding", "both"):
            kwargs["src_key_padding_mask"] = _padding(lib, x.shape[1], s)
        if mask == "causal-hint":
            kwargs["is_causal"] = True
        return m(x, **kwargs)
    make = _quiet(lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF, dropout=0.0), 2,
                                                   norm=nn.LayerNorm(D)))
    compare(make, randn(6, 3, D), forward=run)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_and_stack(norm_first, batch_first):
    def run(m, tgt, memory):
        lib = engine if isinstance(tgt, engine.Tensor) else torch
        t = tgt.shape[1 if batch_first else 0]
        return m(tgt, memory, tgt_mask=_square_mask(lib, t), memory_key_padding_mask=_padding(lib, 3, 4))
    make = lambda nn: nn.TransformerDecoder(  # noqa: E731
        nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, batch_first=batch_first, norm_first=norm_first), 2)
    shape_t, shape_m = ((3, 5, D), (3, 4, D)) if batch_first else ((5, 3, D), (4, 3, D))
    compare(make, randn(*shape_t), randn(*shape_m), forward=run)


@pytest.mark.parametrize("batch_first", [False, True])
def test_full_transformer_in_training_with_every_mask(batch_first):
    def run(m, src, tgt):
        lib = engine if isinstance(src, engine.Tensor) else torch
        return m(src, tgt, tgt_mask=_square_mask(lib, 5), src_key_padding_mask=_padding(lib, 2, 4),
                 memory_key_padding_mask=_padding(lib, 2, 4), tgt_key_padding_mask=_padding(lib, 2, 5))
    make = _quiet(lambda nn: nn.Transformer(D, H, 2, 1, FF, dropout=0.0, batch_first=batch_first))
    src, tgt = ((2, 4, D), (2, 5, D)) if batch_first else ((4, 2, D), (5, 2, D))
    compare(make, randn(*src), randn(*tgt), forward=run)


def test_unbatched_input_and_eval_mode_with_dropout():
    make = _quiet(lambda nn: nn.Transformer(D, H, 1, 1, FF, dropout=0.3))
    compare(make, randn(4, D), randn(3, D), train=False)


def test_eval_without_grad_zeroes_padded_positions_as_torchs_nested_tensor_path():
    src = randn(2, 5, D)
    pad = np.array([[False] * 5, [False, False, False, True, True]])
    outs = []
    for lib in (torch, engine):
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tm = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, H, FF, batch_first=True), 2)
        m = tm if lib is torch else engine.nn.TransformerEncoder(
            engine.nn.TransformerEncoderLayer(D, H, FF, batch_first=True), 2)
        if lib is engine:
            m.load_state_dict({k: engine.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        m.double().eval()
        with lib.no_grad():
            outs.append(m(lib.tensor(src), src_key_padding_mask=lib.tensor(pad)).numpy())
    assert not outs[0][1, 3:].any()
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-10, atol=1e-12)


def test_generate_square_subsequent_mask():
    ours, theirs = engine.nn.Transformer.generate_square_subsequent_mask(4), \
        torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == engine.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_parameters_init_and_repr_match_torch():
    make = lambda nn: nn.Transformer(D, H, 2, 1, FF)  # noqa: E731
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        e, t = make(engine.nn), make(torch.nn)
    assert repr(e) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    # Xavier-uniform on every matrix, zero in-projection biases, LayerNorm ones
    w = e.encoder.layers[0].linear1.weight
    bound = (6 / (D + FF)) ** 0.5
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > bound / 2
    assert not e.encoder.layers[0].self_attn.in_proj_bias.any()


def test_nested_tensor_warning_words():
    for layer_kwargs in (dict(), dict(batch_first=True, norm_first=True), dict(batch_first=True, activation=torch.tanh),
                         dict(batch_first=True, bias=False)):
        got = []
        for lib in (engine, torch):
            kwargs = dict(layer_kwargs)
            if kwargs.get("activation") is torch.tanh:
                kwargs["activation"] = lib.tanh
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, H, FF, **kwargs), 1)
            got.append([str(x.message) for x in w])
        assert got[0] == got[1]
        assert got[0]


@pytest.mark.parametrize("case", ["bad-activation", "batch-mismatch", "feature-mismatch", "causal-without-mask"])
def test_errors_match_torch(case):
    def run(lib):
        if case == "bad-activation":
            lib.nn.TransformerEncoderLayer(D, H, activation="tanh")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = lib.nn.Transformer(D, H, 1, 1, FF)
        src, tgt = lib.zeros(4, 2, D), lib.zeros(3, 2, D)
        if case == "batch-mismatch":
            tgt = lib.zeros(3, 1, D)
        if case == "feature-mismatch":
            tgt = lib.zeros(3, 2, D + 1)
        if case == "causal-without-mask":
            m.encoder(src, is_causal=True)
        m(src, tgt)
    theirs = outcome(run, torch)
    assert theirs is not None
    assert outcome(run, engine) == theirs
