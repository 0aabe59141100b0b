"""nn.RNN / LSTM / GRU and their cells against real PyTorch: torch's weights are copied into the
engine's module, then outputs, final states, input and every parameter gradient are compared
(float64, tight tolerance), for many configurations; also parameter names, init, repr and errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome
from tests.engine.module_oracle import compare, randn


def _flat(out):
    """(output, h_n) or (output, (h_n, c_n)) as a flat list, for the oracle."""
    flat = []
    for o in out if isinstance(out, tuple) else (out,):
        flat.extend(_flat(o) if isinstance(o, tuple) else [o])
    return flat


def _call(m, x, *state):
    if not state:
        return _flat(m(x))
    return _flat(m(x, state[0] if len(state) == 1 else tuple(state)))


# name: (make, shapes of input and initial states). Shapes are (seq, batch, feature) unless batch_first.
LAYERS = {
    "rnn": (lambda nn: nn.RNN(3, 4), [(5, 2, 3)]),
    "rnn-h0": (lambda nn: nn.RNN(3, 4), [(5, 2, 3), (1, 2, 4)]),
    "rnn-relu-2layer-bidir": (lambda nn: nn.RNN(3, 4, 2, "relu", bidirectional=True), [(4, 3, 3), (4, 3, 4)]),
    "rnn-nobias": (lambda nn: nn.RNN(3, 4, bias=False), [(5, 2, 3)]),
    "rnn-batch-first": (lambda nn: nn.RNN(3, 4, num_layers=2, batch_first=True), [(2, 5, 3)]),
    "rnn-unbatched": (lambda nn: nn.RNN(3, 4), [(5, 3), (1, 4)]),
    "lstm": (lambda nn: nn.LSTM(3, 4), [(5, 2, 3)]),
    "lstm-h0-c0": (lambda nn: nn.LSTM(3, 4), [(5, 2, 3), (1, 2, 4), (1, 2, 4)]),
    "lstm-2layer-bidir": (lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True), [(4, 2, 3), (4, 2, 4),
                                                                                      (4, 2, 4)]),
    "lstm-batch-first-nobias": (lambda nn: nn.LSTM(3, 5, bias=False, batch_first=True), [(2, 4, 3)]),
    "lstm-proj": (lambda nn: nn.LSTM(3, 5, proj_size=2, num_layers=2, bidirectional=True), [(4, 2, 3)]),
    "lstm-unbatched": (lambda nn: nn.LSTM(3, 4, num_layers=2), [(5, 3), (2, 4), (2, 4)]),
    "gru": (lambda nn: nn.GRU(3, 4), [(5, 2, 3)]),
    "gru-2layer-bidir-h0": (lambda nn: nn.GRU(3, 4, num_layers=2, bidirectional=True), [(4, 2, 3), (4, 2, 4)]),
    "gru-batch-first": (lambda nn: nn.GRU(3, 4, batch_first=True, bias=False), [(2, 4, 3)]),
    "gru-unbatched-batch-first": (lambda nn: nn.GRU(3, 4, batch_first=True), [(5, 3)]),
    "rnncell": (lambda nn: nn.RNNCell(3, 4), [(2, 3)]),
    "rnncell-relu-hx": (lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"), [(2, 3), (2, 4)]),
    "rnncell-unbatched": (lambda nn: nn.RNNCell(3, 4, bias=False), [(3,), (4,)]),
    "lstmcell": (lambda nn: nn.LSTMCell(3, 4), [(2, 3)]),
    "lstmcell-hx": (lambda nn: nn.LSTMCell(3, 4), [(2, 3), (2, 4), (2, 4)]),
    "lstmcell-unbatched": (lambda nn: nn.LSTMCell(3, 4, bias=False), [(3,), (4,), (4,)]),
    "grucell": (lambda nn: nn.GRUCell(3, 4), [(2, 3)]),
    "grucell-hx": (lambda nn: nn.GRUCell(3, 4), [(2, 3), (2, 4)]),
    "grucell-unbatched": (lambda nn: nn.GRUCell(3, 4), [(3,), (4,)]),
}
# PyTorch moves batch_first output back with an in-place transpose (TransposeBackward1): same values.
OTHER_NODES = {"rnn-batch-first", "lstm-batch-first-nobias", "gru-batch-first"}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_recurrent_layer_matches_torch(name):
    make, shapes = LAYERS[name]
    compare(make, *[randn(*s) for s in shapes], forward=_call, check_names=name not in OTHER_NODES)


def test_recurrent_layer_float32_matches_torch():
    # in float32 PyTorch runs oneDNN's fused layer (MkldnnRnnLayerBackward0): same values
    for make in (lambda nn: nn.LSTM(3, 4, num_layers=2), lambda nn: nn.GRU(3, 4, bidirectional=True)):
        compare(make, randn(6, 2, 3), dtype="float32", forward=_call, check_names=False)


def test_dropout_between_layers():
    # p=1 zeroes the first layer's output in training (deterministic, so comparable); eval ignores dropout
    make = lambda nn: nn.GRU(3, 4, num_layers=2, dropout=1.0)  # noqa: E731
    compare(make, randn(4, 2, 3), forward=_call, train=True)
    compare(make, randn(4, 2, 3), forward=_call, train=False)
    m = engine.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = engine.randn(4, 2, 3)
    assert not engine.equal(m(x)[0], m(x)[0])  # training: a fresh mask each call
    m.eval()
    assert engine.equal(m(x)[0], m(x)[0])


def test_gradcheck_through_time():
    engine.manual_seed(0)
    for m in (engine.nn.GRU(2, 3, bidirectional=True), engine.nn.LSTM(2, 3, proj_size=1)):
        m.double()
        x = engine.randn(3, 2, 2, dtype=engine.float64, requires_grad=True)
        assert engine.autograd.gradcheck(lambda x: m(x)[0], (x,))


@pytest.mark.parametrize("make", [
    lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2, bias=False),
    lambda nn: nn.GRU(3, 4, 3), lambda nn: nn.RNN(2, 3, bidirectional=True), lambda nn: nn.LSTMCell(3, 2),
    lambda nn: nn.GRUCell(3, 2, bias=False)])
def test_parameter_names_shapes_and_init(make):
    tm, em = make(torch.nn), make(engine.nn)
    assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    bound = 1 / math.sqrt(em.hidden_size)
    values = np.concatenate([p.detach().numpy().ravel() for p in em.parameters()])
    assert np.abs(values).max() <= bound and values.std() > bound / 3  # uniform(-bound, bound)
    if hasattr(tm, "all_weights"):
        assert [[tuple(p.shape) for p in ws] for ws in em.all_weights] == \
               [[tuple(p.shape) for p in ws] for ws in tm.all_weights]


@pytest.mark.parametrize("make", [
    lambda nn: nn.LSTM(3, 4, num_layers=2, dropout=0.5, bidirectional=True, batch_first=True),
    lambda nn: nn.LSTM(3, 4, proj_size=2, bias=False), lambda nn: nn.RNN(3, 4, 2, "relu"), lambda nn: nn.GRU(3, 4),
    lambda nn: nn.RNNCell(3, 4, False, "relu"), lambda nn: nn.LSTMCell(3, 4), lambda nn: nn.GRUCell(3, 4, bias=False),
    lambda nn: nn.Sequential(nn.Embedding(10, 3), nn.LSTM(3, 4, batch_first=True))])
def test_repr_matches_torch(make):
    assert repr(make(engine.nn)) == repr(make(torch.nn))




@pytest.mark.parametrize("fn", [
    lambda T: T.nn.RNN(3, 4, nonlinearity="sigmoid"),
    lambda T: T.nn.GRU(3, 4, proj_size=2),
    lambda T: T.nn.LSTM(3, 4, proj_size=4),
    lambda T: T.nn.LSTM(3, 4, dropout=1.5),
    lambda T: T.nn.LSTM(3, 0),
    lambda T: T.nn.LSTM(3, 4, num_layers=0),
    lambda T: T.nn.LSTM(3.0, 4),
    lambda T: T.nn.GRU(3, 4, batch_first=1),
    lambda T: T.nn.LSTM(3, 4)(T.zeros(2, 2, 2, 3)),
    lambda T: T.nn.RNN(3, 4)(T.zeros(2)),
    lambda T: T.nn.GRU(3, 4)(T.zeros(5, 2, 5)),
    lambda T: T.nn.GRU(3, 4)(T.zeros(5, 2, 3, dtype=T.float64)),
    lambda T: T.nn.GRU(3, 4)(T.zeros(5, 2, 3), T.zeros(2, 2, 4)),
    lambda T: T.nn.RNN(3, 4)(T.zeros(5, 2, 3), T.zeros(2, 4)),
    lambda T: T.nn.RNN(3, 4)(T.zeros(5, 3), T.zeros(1, 1, 4)),
    lambda T: T.nn.LSTM(3, 4)(T.zeros(5, 2, 3), (T.zeros(1, 3, 4), T.zeros(1, 2, 4))),
    lambda T: T.nn.LSTM(3, 4)(T.zeros(5, 2, 3), (T.zeros(1, 2, 4), T.zeros(1, 2, 5))),
    lambda T: T.nn.LSTM(3, 4)(T.zeros(5, 2, 3), (T.zeros(2, 4), T.zeros(2, 4))),
    lambda T: T.nn.LSTM(3, 4)(T.zeros(5, 3), (T.zeros(1, 1, 4), T.zeros(1, 4))),
    lambda T: T.nn.LSTM(3, 4)(T.zeros(0, 2, 3)),
    lambda T: T.nn.RNNCell(3, 4)(T.zeros(2, 5)),
    lambda T: T.nn.RNNCell(3, 4)(T.zeros(1, 2, 3)),
    lambda T: T.nn.GRUCell(3, 4)(T.zeros(2, 3), T.zeros(3, 4)),
    lambda T: T.nn.GRUCell(3, 4)(T.zeros(2, 3), T.zeros(1, 2, 4)),
    lambda T: T.nn.LSTMCell(3, 4)(T.zeros(2, 3), (T.zeros(2, 4), T.zeros(2, 5))),
    lambda T: T.nn.LSTMCell(3, 4)(T.zeros(2, 3), (T.zeros(2, 4), T.zeros(1, 2, 4))),
])
def test_errors_match_torch(fn):
    theirs = outcome(fn, torch)
    assert theirs is not None
    assert outcome(fn, engine) == theirs


def test_dropout_with_one_layer_warns_as_torch():
    for lib in (torch, engine):
        with pytest.warns(UserWarning, match=r"non-zero dropout expects num_layers greater than 1, but got "
                                             r"dropout=0.2 and num_layers=1"):
            lib.nn.LSTM(3, 4, dropout=0.2)
