"""engine.optim against real PyTorch: several steps on the same parameters and gradients for every
option combination, state_dict round trips, errors, reprs and learning-rate schedulers."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome

SHAPES = [(3, 4), (5,), (2, 1, 3)]
STEPS = 4


def _run(lib, cls_name, kwargs, dtype, steps=STEPS, seed=0, groups=None):
    """Parameters and gradients drawn from one numpy stream, so both libraries see the same numbers."""
    rng = np.random.default_rng(seed)
    params = [lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(dtype))) for s in SHAPES]
    if groups is None:
        opt = getattr(lib.optim, cls_name)(params, **kwargs)
    else:
        opt = getattr(lib.optim, cls_name)([{"params": params[:1], **groups}, {"params": params[1:]}], **kwargs)
    history = []
    for step in range(steps):
        for i, p in enumerate(params):
            skip = i == 2 and step == 1  # a parameter without a gradient this step is left alone
            p.grad = None if skip else lib.tensor(rng.standard_normal(p.shape).astype(dtype))
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt, params


TOL = {"float64": dict(rtol=1e-12, atol=1e-14), "float32": dict(rtol=1e-5, atol=1e-6)}  # float32: FMA in torch's kernels


def _assert_same_history(ours, theirs, dtype):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, err_msg=f"step {step} param {i}", **TOL[dtype])


def _combos(**options):
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


CASES = (
    [("SGD", c) for c in _combos(lr=[0.1], momentum=[0, 0.9], dampening=[0, 0.3], weight_decay=[0, 0.05],
                                 maximize=[False, True])]
    + [("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=wd, maximize=m))
       for wd in (0, 0.1) for m in (False, True)]
    + [("Adam", c) for c in _combos(lr=[0.01], weight_decay=[0, 0.1], amsgrad=[False, True], maximize=[False, True])]
    + [("Adam", dict(lr=0.2, betas=(0.5, 0.9), eps=1e-3))]
    + [("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True))]
    + [("AdamW", c) for c in _combos(lr=[0.01], weight_decay=[0.01, 0.3], amsgrad=[False, True],
                                     maximize=[False, True])]
    + [("RMSprop", c) for c in _combos(lr=[0.01], momentum=[0, 0.9], centered=[False, True],
                                       weight_decay=[0, 0.1], maximize=[False, True])]
    + [("RMSprop", dict(lr=0.1, alpha=0.5, eps=1e-2))]
    + [("Adagrad", c) for c in _combos(lr=[0.1], lr_decay=[0, 0.3], weight_decay=[0, 0.1],
                                       initial_accumulator_value=[0, 0.5], maximize=[False, True])]
    + [("Adagrad", dict(eps=0.1))]
    + [("Adamax", c) for c in _combos(lr=[0.01], weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adamax", dict(lr=0.2, betas=(0.5, 0.9), eps=1e-3))]
    + [("NAdam", c) for c in _combos(lr=[0.01], weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                                     maximize=[False, True])]
    + [("NAdam", dict(lr=0.2, betas=(0.5, 0.9), eps=1e-3, momentum_decay=0.3))]
    + [("RAdam", c) for c in _combos(lr=[0.01], weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                                     maximize=[False, True])]
    + [("RAdam", dict(lr=0.2, betas=(0.5, 0.9), eps=1e-3))]
    + [("Adadelta", c) for c in _combos(lr=[1.0, 0.5], weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adadelta", dict(rho=0.5, eps=1e-2)), ("Adadelta", dict(rho=1.0)), ("Adadelta", dict(rho=0.0))]
    + [("Rprop", c) for c in _combos(lr=[0.01, 0.5], maximize=[False, True])]
    + [("Rprop", dict(etas=(0.3, 1.5), step_sizes=(0.05, 0.2)))]
    + [("ASGD", c) for c in _combos(lr=[0.01, 0.3], weight_decay=[0, 0.1], maximize=[False, True])]
    + [("ASGD", dict(lr=0.1, lambd=0.01, alpha=0.5, t0=2))]
    + [("Adafactor", c) for c in _combos(lr=[0.01, 0.5], weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adafactor", dict(beta2_decay=-0.5, eps=(1e-3, 1e-2), d=2.0))]
)
STEPS_FOR = {"RAdam": 7}  # RAdam's rectified step starts at step 6 (rho_t > 5): run past it


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls_name,kwargs", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_optimizer_steps_match_torch(cls_name, kwargs, dtype):
    steps = STEPS_FOR.get(cls_name, STEPS)
    ours, opt_e, params_e = _run(engine, cls_name, kwargs, dtype, steps)
    theirs, opt_t, params_t = _run(torch, cls_name, kwargs, dtype, steps)
    _assert_same_history(ours, theirs, dtype)
    for pe, pt in zip(params_e, params_t):
        se, st = opt_e.state[pe], opt_t.state[pt]
        assert set(se) == set(st)
        for key in st:
            assert se[key].dtype.name == str(st[key].dtype).replace("torch.", ""), key
            np.testing.assert_allclose(se[key].numpy(), st[key].numpy(), err_msg=key, **TOL[dtype])


def test_param_groups_with_their_own_options():
    for cls_name, kwargs, group in (("SGD", dict(lr=0.1, momentum=0.9), dict(lr=0.5, nesterov=True)),
                                    ("Adam", dict(lr=0.01), dict(lr=0.1, amsgrad=True)),
                                    ("RMSprop", dict(lr=0.01), dict(centered=True, momentum=0.5)),
                                    ("Adagrad", dict(lr=0.1), dict(lr_decay=0.2, initial_accumulator_value=3.0)),
                                    ("NAdam", dict(lr=0.01), dict(decoupled_weight_decay=True, weight_decay=0.2))):
        ours, opt, _ = _run(engine, cls_name, kwargs, "float64", groups=group)
        theirs, opt_t, _ = _run(torch, cls_name, kwargs, "float64", groups=group)
        _assert_same_history(ours, theirs, "float64")
        assert opt.state_dict()["param_groups"] == opt_t.state_dict()["param_groups"]


def test_state_dict_matches_torchs_layout():
    for cls_name, kwargs in (("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                             ("AdamW", {}), ("RMSprop", dict(centered=True, momentum=0.1)),
                             ("Adagrad", dict(initial_accumulator_value=0.1)), ("Adamax", {}), ("NAdam", {}),
                             ("RAdam", dict(decoupled_weight_decay=True)), ("Adadelta", dict(weight_decay=0.1)),
                             ("Rprop", {}), ("ASGD", dict(t0=1)), ("Adafactor", {})):
        _, opt_e, _ = _run(engine, cls_name, kwargs, "float32")
        _, opt_t, _ = _run(torch, cls_name, kwargs, "float32")
        se, st = opt_e.state_dict(), opt_t.state_dict()
        assert se["param_groups"] == st["param_groups"]
        assert sorted(se["state"]) == sorted(st["state"])
        for k in st["state"]:
            for key, value in st["state"][k].items():
                np.testing.assert_allclose(se["state"][k][key].numpy(), value.numpy(), **TOL["float32"])
                assert tuple(se["state"][k][key].shape) == tuple(value.shape)


@pytest.mark.parametrize("cls_name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                             ("Adam", dict(lr=0.05, amsgrad=True)),
                                             ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
                                             ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
                                             ("Adamax", dict(lr=0.05, weight_decay=0.1)),
                                             ("NAdam", dict(lr=0.05, momentum_decay=0.1)),
                                             ("RAdam", dict(lr=0.05, weight_decay=0.1)),
                                             ("Adadelta", dict(rho=0.8, weight_decay=0.1))])
def test_state_dict_round_trip_resumes_identically(cls_name, kwargs, tmp_path):
    full, _, _ = _run(engine, cls_name, kwargs, "float64", steps=6)
    # the same run, interrupted after 3 steps: parameters and optimizer state saved, reloaded into new objects
    first, opt, params = _run(engine, cls_name, kwargs, "float64", steps=3)
    engine.save({"params": [p.detach() for p in params], "optim": opt.state_dict()}, tmp_path / "ckpt.pt")
    ckpt = engine.load(tmp_path / "ckpt.pt")
    params2 = [engine.nn.Parameter(t) for t in ckpt["params"]]
    opt2 = getattr(engine.optim, cls_name)(params2, **kwargs)
    opt2.load_state_dict(ckpt["optim"])
    rng = np.random.default_rng(0)
    for s in SHAPES:  # replay the stream to where the first run stopped
        rng.standard_normal(s)
    for step in range(6):
        for i, p in enumerate(params2):
            g = None if (i == 2 and step == 1) else rng.standard_normal(p.shape)
            if step >= 3:
                p.grad = None if g is None else engine.tensor(g)
        if step >= 3:
            opt2.step()
            for x, y in zip([p.detach().numpy() for p in params2], full[step]):
                np.testing.assert_allclose(x, y, rtol=RESUMED_RTOL.get(cls_name, 1e-12))
    assert opt2.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


# NAdam's mu_product, a float32 scalar while training, is loaded in the parameters' dtype (PyTorch's rule for every
# state entry but "step"), so a resumed float64 run stops rounding it to float32.
RESUMED_RTOL = {"NAdam": 1e-6}


@pytest.mark.parametrize("cls_name", ["NAdam", "Adagrad", "RAdam"])
def test_loaded_state_dtypes_match_torch(cls_name):
    dtypes = []
    for lib in (torch, engine):
        _, opt, params = _run(lib, cls_name, {}, "float64", steps=2)
        opt2 = getattr(lib.optim, cls_name)([lib.nn.Parameter(p.detach().clone()) for p in params])
        opt2.load_state_dict(opt.state_dict())
        dtypes.append([{k: str(v.dtype).replace("torch.", "") for k, v in s.items()} for s in opt2.state.values()])
    assert dtypes[1] == dtypes[0]


def test_load_state_dict_errors_match_torch():
    for lib in (torch, engine):
        a = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1)
        b = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match the size "
                                             "of optimizer's group"):
            a.load_state_dict(b.state_dict())
        c = lib.optim.SGD([{"params": [lib.nn.Parameter(lib.zeros(2))]}, {"params": [lib.nn.Parameter(lib.zeros(2))]}],
                          lr=0.1)
        with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
            a.load_state_dict(c.state_dict())




ERRORS = {
    "lr": lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=-1),
    "momentum": lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1, momentum=-0.5),
    "nesterov": lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1, nesterov=True),
    "empty": lambda lib: lib.optim.SGD([], lr=0.1),
    "betas": lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.zeros(1))], betas=(1.0, 0.9)),
    "betas-1": lambda lib: lib.optim.AdamW([lib.nn.Parameter(lib.zeros(1))], betas=(0.9, -0.1)),
    "eps": lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.zeros(1))], eps=-1),
    "weight-decay": lambda lib: lib.optim.RMSprop([lib.nn.Parameter(lib.zeros(1))], weight_decay=-1),
    "alpha": lambda lib: lib.optim.RMSprop([lib.nn.Parameter(lib.zeros(1))], alpha=-1),
    "set": lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1).add_param_group(
        {"params": {lib.nn.Parameter(lib.zeros(1))}}),
    "non-leaf": lambda lib: lib.optim.SGD([lib.ones(1, requires_grad=True) * 2], lr=0.1),
    "not-tensor": lambda lib: lib.optim.SGD([1.0], lr=0.1),
    "duplicate-group": lambda lib: _duplicate_group(lib),
    "adagrad-lr": lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(1))], lr=-1),
    "adagrad-lr-decay": lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(1))], lr_decay=-0.5),
    "adagrad-accumulator": lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(1))],
                                                         initial_accumulator_value=-1),
    "adagrad-eps": lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(1))], eps=-1e-3),
    "adagrad-weight-decay": lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(1))], weight_decay=-2),
    "adamax-betas": lambda lib: lib.optim.Adamax([lib.nn.Parameter(lib.zeros(1))], betas=(0.9, 1.0)),
    "adamax-lr": lambda lib: lib.optim.Adamax([lib.nn.Parameter(lib.zeros(1))], lr=-0.1),
    "nadam-momentum-decay": lambda lib: lib.optim.NAdam([lib.nn.Parameter(lib.zeros(1))], momentum_decay=-1),
    "nadam-betas": lambda lib: lib.optim.NAdam([lib.nn.Parameter(lib.zeros(1))], betas=(-0.1, 0.9)),
    "radam-eps": lambda lib: lib.optim.RAdam([lib.nn.Parameter(lib.zeros(1))], eps=-1),
    "radam-weight-decay": lambda lib: lib.optim.RAdam([lib.nn.Parameter(lib.zeros(1))], weight_decay=-1),
    "adadelta-lr": lambda lib: lib.optim.Adadelta([lib.nn.Parameter(lib.zeros(1))], lr=-1),
    "adadelta-rho": lambda lib: lib.optim.Adadelta([lib.nn.Parameter(lib.zeros(1))], rho=1.5),
    "adadelta-eps": lambda lib: lib.optim.Adadelta([lib.nn.Parameter(lib.zeros(1))], eps=-1),
    "adadelta-weight-decay": lambda lib: lib.optim.Adadelta([lib.nn.Parameter(lib.zeros(1))], weight_decay=-1),
    "rprop-lr": lambda lib: lib.optim.Rprop([lib.nn.Parameter(lib.zeros(1))], lr=-1),
    "rprop-etas": lambda lib: lib.optim.Rprop([lib.nn.Parameter(lib.zeros(1))], etas=(1.2, 0.5)),
    "asgd-lr": lambda lib: lib.optim.ASGD([lib.nn.Parameter(lib.zeros(1))], lr=-1),
    "asgd-weight-decay": lambda lib: lib.optim.ASGD([lib.nn.Parameter(lib.zeros(1))], weight_decay=-1),
    "adafactor-beta2-decay": lambda lib: lib.optim.Adafactor([lib.nn.Parameter(lib.zeros(1))], beta2_decay=0.5),
    "adafactor-d": lambda lib: lib.optim.Adafactor([lib.nn.Parameter(lib.zeros(1))], d=0.5),
    "adafactor-eps": lambda lib: lib.optim.Adafactor([lib.nn.Parameter(lib.zeros(1))], eps=(-1, 1e-3)),
    "adadelta-capturable": lambda lib: lib.optim.Adadelta([lib.nn.Parameter(lib.zeros(1))], 1.0, 0.9, 1e-6, 0, None,
                                                          True),
}


def _duplicate_group(lib):
    p = lib.nn.Parameter(lib.zeros(1))
    opt = lib.optim.SGD([p], lr=0.1)
    opt.add_param_group({"params": [p]})


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    theirs, ours = outcome(ERRORS[name], torch), outcome(ERRORS[name], engine)
    assert theirs is not None
    assert ours == theirs


def test_repr_matches_torch():
    for cls_name, kwargs in (("SGD", dict(lr=0.1)), ("Adam", {}), ("AdamW", dict(weight_decay=0.1)),
                             ("RMSprop", dict(centered=True)), ("Adagrad", dict(lr_decay=0.1)), ("Adamax", {}),
                             ("NAdam", dict(decoupled_weight_decay=True)), ("RAdam", dict(weight_decay=0.1)),
                             ("Adadelta", dict(rho=0.8)), ("LBFGS", dict(line_search_fn="strong_wolfe")),
                             ("Rprop", {}), ("ASGD", dict(t0=5)), ("Adafactor", dict(d=2.0))):
        reprs = []
        for lib in (torch, engine):
            p, q = lib.nn.Parameter(lib.zeros(1)), lib.nn.Parameter(lib.zeros(1))
            opt = getattr(lib.optim, cls_name)([p], **kwargs)
            opt.add_param_group({"params": [q], "lr": 0.5})
            reprs.append(repr(opt))
        assert reprs[0] == reprs[1]


WEBGPU_CASES = {
    "Adagrad": dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.1),
    "Adamax": dict(lr=0.01, weight_decay=0.1, maximize=True),
    "NAdam": dict(lr=0.01, weight_decay=0.1),
    "NAdam-decoupled": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    "RAdam": dict(lr=0.01, weight_decay=0.1),  # 7 steps: the rectified branch too
    "RAdam-decoupled": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
}


@pytest.mark.parametrize("name", sorted(WEBGPU_CASES))
def test_optimizer_steps_on_webgpu_match_cpu(name):
    """The optimizers written with backend elementwise ops step parameters on the webgpu device as on the CPU."""
    import copy
    import engine.backends.webgpu as webgpu
    if not webgpu.is_available():
        pytest.skip(webgpu._state["error"])
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((16, 2)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    engine.manual_seed(0)
    cpu = engine.nn.Sequential(engine.nn.Linear(2, 8), engine.nn.Tanh(), engine.nn.Linear(8, 1))
    gpu = copy.deepcopy(cpu).to("webgpu")
    for net, device in ((cpu, "cpu"), (gpu, "webgpu")):
        opt = getattr(engine.optim, name.split("-")[0])(net.parameters(), **WEBGPU_CASES[name])
        for _ in range(7):
            opt.zero_grad()
            loss = engine.nn.functional.mse_loss(net(engine.tensor(x, device=device)), engine.tensor(y, device=device))
            loss.backward()
            opt.step()
    for (key, c), (_, g) in zip(cpu.named_parameters(), gpu.named_parameters()):
        assert g.device.type == "webgpu"
        np.testing.assert_allclose(g.detach().cpu().numpy(), c.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=key)


def test_zero_grad_and_closure():
    p = engine.nn.Parameter(engine.tensor([1.0, 2.0]))
    opt = engine.optim.SGD([p], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == 5.0 and p.tolist() == [0.0, 0.0]
    p.grad = engine.ones(2)
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_is_an_inplace_change_autograd_can_see():
    p = engine.nn.Parameter(engine.tensor([1.0, 2.0]))
    y = (p * p).sum()
    p.grad = engine.ones(2)
    engine.optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_training_a_model_matches_torch():
    """Three Adam steps of a small MLP with cross-entropy, from identical weights."""
    x, y = np.random.default_rng(3).standard_normal((16, 4)), np.arange(16) % 3
    results = []
    for lib in (torch, engine):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
        if lib is engine:
            src = model
            model = engine.nn.Sequential(engine.nn.Linear(4, 8), engine.nn.Tanh(), engine.nn.Linear(8, 3)).double()
            model.load_state_dict({k: engine.tensor(v.detach().numpy()) for k, v in src.state_dict().items()})
        opt = lib.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(3):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
        results.append([p.detach().numpy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# --- learning-rate schedulers --------------------------------------------------------------------------------------
SCHEDULERS = {
    "step": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "exponential": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "cosine": lambda s, o: s.CosineAnnealingLR(o, T_max=6, eta_min=0.01),
    "lambda": lambda s, o: s.LambdaLR(o, lambda epoch: 1 / (epoch + 1)),
    "linear": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4),
    "constant": lambda s, o: s.ConstantLR(o, factor=0.4, total_iters=3),
    "multiplicative": lambda s, o: s.MultiplicativeLR(o, [lambda epoch: 0.9, lambda epoch: 1 - epoch / 40]),
    "polynomial": lambda s, o: s.PolynomialLR(o, total_iters=8, power=2.0),
    "warm-restarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.01),
    "warm-restarts-mult": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3),
    "sequential": lambda s, o: s.SequentialLR(o, [s.ConstantLR(o, factor=0.5, total_iters=3), s.ExponentialLR(o, 0.8),
                                                  s.CosineAnnealingWarmRestarts(o, T_0=3)], milestones=[4, 9]),
    # nested first: torch cannot hand over *to* a SequentialLR (it has no get_lr for the hand-over step)
    "sequential-nested": lambda s, o: s.SequentialLR(
        o, [s.SequentialLR(o, [s.StepLR(o, 2), s.CosineAnnealingLR(o, 5)], [3]), s.LinearLR(o, 0.1, total_iters=3)],
        milestones=[7]),
    "onecycle": lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=21),
    "onecycle-linear-3phase": lambda s, o: s.OneCycleLR(o, max_lr=0.5, epochs=3, steps_per_epoch=8,
                                                        anneal_strategy="linear", three_phase=True, pct_start=0.25,
                                                        base_momentum=[0.8, 0.7], max_momentum=0.9, div_factor=10.0,
                                                        final_div_factor=100.0),
    "onecycle-no-momentum": lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=30, cycle_momentum=False),
}
# every scheduler with SGD (momentum), and OneCycleLR with Adam too: it cycles beta1 instead of momentum
SCHEDULER_CASES = [(name, "SGD") for name in sorted(SCHEDULERS)] + [("onecycle", "Adam"),
                                                                    ("onecycle-linear-3phase", "Adam")]


@pytest.mark.filterwarnings("ignore:Detected call of")  # a nested SequentialLR's first step warns (in both)
@pytest.mark.parametrize("name,optimizer", SCHEDULER_CASES)
def test_scheduler_matches_torch(name, optimizer):
    """The learning rates (and any other group settings a scheduler moves, momentum included) epoch by epoch."""
    lrs, states = [], []
    for lib in (torch, engine):
        kwargs = dict(momentum=0.9) if optimizer == "SGD" else {}
        opt = getattr(lib.optim, optimizer)([{"params": [lib.nn.Parameter(lib.zeros(1))]},
                                             {"params": [lib.nn.Parameter(lib.zeros(1))], "lr": 0.3}], lr=0.1, **kwargs)
        sched = SCHEDULERS[name](lib.optim.lr_scheduler, opt)
        seen = [sched.get_last_lr()]
        for _ in range(20):
            opt.step()
            sched.step()
            seen.append((sched.get_last_lr(), [{k: v for k, v in g.items() if k != "params"}
                                               for g in opt.param_groups]))
            assert seen[-1][0] == [g["lr"] for g in opt.param_groups]
        lrs.append(seen)
        states.append(_plain_state(sched.state_dict()))
    assert lrs[1] == lrs[0]  # exactly: the same recursive formulas in the same order
    assert states[1] == states[0]


def _plain_state(state):
    """A scheduler's state_dict without what cannot be compared across the libraries (lambdas)."""
    state = {k: v for k, v in state.items() if k != "lr_lambdas"}
    if "_schedulers" in state:
        state["_schedulers"] = [_plain_state(s) for s in state["_schedulers"]]
    return state


def test_scheduler_closed_form_and_initial_lr():
    opt = engine.optim.SGD([engine.nn.Parameter(engine.zeros(1))], lr=1.0)
    sched = engine.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    assert opt.param_groups[0]["initial_lr"] == 1.0
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(5)
    assert sched.get_last_lr() == [1.0 * 0.1 ** 2]


def test_scheduler_warns_when_stepped_before_the_optimizer():
    for lib in (torch, engine):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        sched = lib.optim.lr_scheduler.StepLR(opt, 1)
        with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
            sched.step()
        opt2 = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        sched2 = lib.optim.lr_scheduler.StepLR(opt2, 1)
        opt2.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sched2.step()


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.91, 0.92, 0.93, 0.89, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 0.5, 0.6, 0.7, 0.8]
    results = []
    for lib in (torch, engine):
        opt = lib.optim.Adam([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.01)
        seen = []
        for m in metrics:
            sched.step(m)
            seen.append(sched.get_last_lr())
        results.append((seen, sched.best, sched.num_bad_epochs))
    assert results[0] == results[1]


def _sgd(lib, **kwargs):
    return lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1, **kwargs)


def _past_the_last_step(lib):
    opt = _sgd(lib)
    sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(4):
        opt.step()
        sched.step()


def _foreign_scheduler(lib):
    s = lib.optim.lr_scheduler
    opt = _sgd(lib)
    s.SequentialLR(opt, [s.ConstantLR(opt), s.ConstantLR(_sgd(lib))], milestones=[2])


SCHEDULER_ERRORS = {
    "constant-factor": lambda lib: lib.optim.lr_scheduler.ConstantLR(_sgd(lib), factor=1.5),
    "multiplicative-not-callable": lambda lib: lib.optim.lr_scheduler.MultiplicativeLR(_sgd(lib), 0.5),
    "multiplicative-count": lambda lib: lib.optim.lr_scheduler.MultiplicativeLR(_sgd(lib), [abs, abs]),
    "warm-T_0": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=0),
    "warm-T_0-float": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=2.0),
    "warm-T_mult": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=2, T_mult=0),
    "warm-eta_min": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=2, eta_min="0"),
    "warm-negative-epoch": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=2).step(-1),
    "onecycle-no-steps": lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), max_lr=1.0, epochs=3),
    "onecycle-total-steps": lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), max_lr=1.0, total_steps=0),
    "onecycle-epochs": lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), 1.0, epochs=-1, steps_per_epoch=2),
    "onecycle-steps-per-epoch": lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), 1.0, epochs=1,
                                                                              steps_per_epoch=1.5),
    "onecycle-pct": lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), 1.0, total_steps=9, pct_start=1.5),
    "onecycle-anneal": lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), 1.0, 9, anneal_strategy="exp"),
    "onecycle-max-lr-list": lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), [1.0, 2.0], 9),
    "onecycle-no-momentum": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(1))]), 1.0, 9),
    "onecycle-not-optimizer": lambda lib: lib.optim.lr_scheduler.OneCycleLR(None, 1.0, 9),
    "onecycle-past-the-end": _past_the_last_step,
    "sequential-empty": lambda lib: lib.optim.lr_scheduler.SequentialLR(_sgd(lib), [], milestones=[]),
    "sequential-milestones": lambda lib: lib.optim.lr_scheduler.SequentialLR(
        (o := _sgd(lib)), [lib.optim.lr_scheduler.ConstantLR(o)], milestones=[3]),
    "sequential-plateau": lambda lib: lib.optim.lr_scheduler.SequentialLR(
        (o := _sgd(lib)), [lib.optim.lr_scheduler.ConstantLR(o), lib.optim.lr_scheduler.ReduceLROnPlateau(o)], [2]),
    "sequential-not-scheduler": lambda lib: lib.optim.lr_scheduler.SequentialLR(_sgd(lib), [object()], []),
    "sequential-other-optimizer": _foreign_scheduler,
}


@pytest.mark.parametrize("name", sorted(SCHEDULER_ERRORS))
def test_scheduler_errors_match_torch(name):
    theirs, ours = outcome(SCHEDULER_ERRORS[name], torch), outcome(SCHEDULER_ERRORS[name], engine)
    assert theirs is not None
    assert ours == theirs


def test_warm_restarts_fractional_and_explicit_epochs_match_torch():
    """Stepped per batch with fractional epochs, and jumped to explicit epochs (with T_mult > 1)."""
    epochs = [0.25, 0.5, 1.75, 2.0, 3.5, 7.0, 13.9, 2.5, 40.0, 1.0]
    results = []
    for lib in (torch, engine):
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=2, T_mult=2, eta_min=0.001)
        seen = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in epochs:
                sched.step(epoch)
                seen.append((sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch))
        results.append(seen)
    assert results[1] == results[0]


def test_sequential_lr_state_dict_round_trip():
    s = engine.optim.lr_scheduler

    def make():
        opt = _sgd(engine, momentum=0.9)
        return opt, s.SequentialLR(opt, [s.LinearLR(opt, 0.2, total_iters=4), s.CosineAnnealingWarmRestarts(opt, 3)],
                                   milestones=[5])
    opt, sched = make()
    for _ in range(7):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2, sched2 = make()
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(state)
    assert "_schedulers" in state  # loading leaves the dict whole (as PyTorch)
    for _ in range(6):
        for o, sc in ((opt, sched), (opt2, sched2)):
            o.step()
            sc.step()
        assert sched2.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize("name", ["constant", "polynomial"])
def test_closed_forms_match_torch(name):
    """step(epoch), the deprecated form, takes the closed-form formula."""
    results = []
    for lib in (torch, engine):
        sched = SCHEDULERS[name](lib.optim.lr_scheduler, _sgd(lib))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append([(sched.step(epoch), sched.get_last_lr())[1] for epoch in (2, 5, 3, 11, 0)])
    assert results[1] == results[0]
