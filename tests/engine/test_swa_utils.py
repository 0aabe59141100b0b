"""optim.swa_utils against PyTorch: AveragedModel (SWA, EMA, custom and multi averaging functions, buffers),
update_bn and the SWALR schedule."""
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome


def _net(T):
    return T.nn.Sequential(T.nn.Linear(3, 4), T.nn.BatchNorm1d(4), T.nn.ReLU(), T.nn.Linear(4, 2)).double()


def _average(T, steps=4, **kwargs):
    """Average a model whose weights are set from one numpy stream at every step; BatchNorm sees batches too."""
    rng = np.random.default_rng(0)
    model = _net(T)
    averaged = T.optim.swa_utils.AveragedModel(model, **kwargs)
    for _ in range(steps):
        with T.no_grad():
            for p in model.parameters():
                p.copy_(T.tensor(rng.standard_normal(tuple(p.shape))))
        model.train()
        model(T.tensor(rng.standard_normal((5, 3))))
        averaged.update_parameters(model)
    return averaged


def _state(m):
    return {k: v.detach().numpy().astype(float) if v.dtype.is_floating_point else v.tolist()
            for k, v in m.state_dict().items()}


AVERAGING = {
    "swa": lambda T: {},
    "ema": lambda T: dict(multi_avg_fn=T.optim.swa_utils.get_ema_multi_avg_fn(0.9)),
    "ema-avg-fn": lambda T: dict(avg_fn=T.optim.swa_utils.get_ema_avg_fn(0.8)),
    "swa-avg-fn": lambda T: dict(avg_fn=T.optim.swa_utils.get_swa_avg_fn()),
    "ema-with-buffers": lambda T: dict(multi_avg_fn=T.optim.swa_utils.get_ema_multi_avg_fn(0.5), use_buffers=True),
    "custom": lambda T: dict(avg_fn=lambda avg, cur, n: avg * 0.5 + cur * 0.5),
}


@pytest.mark.parametrize("name", sorted(AVERAGING))
def test_averaged_model_matches_torch(name):
    ours = _state(_average(engine, **AVERAGING[name](engine)))
    theirs = _state(_average(torch, **AVERAGING[name](torch)))
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_update_bn_matches_torch():
    def run(T):
        rng = np.random.default_rng(1)
        averaged = _average(T)
        data = T.utils.data.TensorDataset(T.tensor(rng.standard_normal((12, 3))), T.zeros(12))
        T.optim.swa_utils.update_bn(T.utils.data.DataLoader(data, batch_size=5), averaged)
        return _state(averaged), averaged.training
    (ours, train_e), (theirs, train_t) = run(engine), run(torch)
    assert train_e == train_t
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.05), dict(swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear"),
                                    dict(swa_lr=[0.01, 0.2], anneal_epochs=0)])
def test_swalr_schedule_matches_torch(kwargs):
    def run(T):
        p, q = T.nn.Parameter(T.zeros(1)), T.nn.Parameter(T.zeros(1))
        opt = T.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.3}], lr=0.5)
        sched = T.optim.swa_utils.SWALR(opt, **kwargs)
        lrs = []
        for _ in range(6):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        return lrs, sorted(sched.state_dict())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = run(engine), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1]


ERRORS = {
    "both-fns": lambda T: T.optim.swa_utils.AveragedModel(T.nn.Linear(1, 1), avg_fn=lambda *a: a[0],
                                                          multi_avg_fn=lambda *a: None),
    "decay": lambda T: T.optim.swa_utils.get_ema_avg_fn(1.5),
    "strategy": lambda T: T.optim.swa_utils.SWALR(T.optim.SGD([T.nn.Parameter(T.zeros(1))], lr=0.1), 0.1,
                                                  anneal_strategy="exp"),
    "epochs": lambda T: T.optim.swa_utils.SWALR(T.optim.SGD([T.nn.Parameter(T.zeros(1))], lr=0.1), 0.1,
                                                anneal_epochs=-1),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    theirs = outcome(ERRORS[name], torch)
    assert theirs is not None
    assert outcome(ERRORS[name], engine) == theirs
