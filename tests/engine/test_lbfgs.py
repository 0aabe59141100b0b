"""optim.LBFGS against PyTorch, step by step: the loss returned, the parameters, the closure calls counted and
the state it keeps, with and without the strong-Wolfe line search."""
import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome


def _rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _regression(lib, rng, dtype):
    a = lib.tensor(rng.standard_normal((8, 3)).astype(dtype))
    b = lib.tensor(rng.standard_normal(8).astype(dtype))
    return lambda w, v: ((a @ w + v - b) ** 2).mean() + 0.1 * (w ** 4).sum() + (w * v).sin().sum()


def _run(lib, problem, steps, dtype="float64", **kwargs):
    rng = np.random.default_rng(0)
    if problem == "rosenbrock":
        params = [lib.nn.Parameter(lib.tensor(np.array([-1.5, 2.0], dtype)))]
        loss_fn = _rosenbrock
    else:
        params = [lib.nn.Parameter(lib.tensor(rng.standard_normal(3).astype(dtype))),
                  lib.nn.Parameter(lib.tensor(rng.standard_normal(1).astype(dtype)))]
        loss_fn = _regression(lib, rng, dtype)
    opt = lib.optim.LBFGS(params, **kwargs)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = loss_fn(*params)
        loss.backward()
        return loss
    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        state = opt.state[params[0]]
        history.append(dict(loss=loss.item(), params=[p.detach().numpy().copy() for p in params], calls=calls[0],
                            func_evals=state["func_evals"], n_iter=state["n_iter"],
                            history=len(state.get("old_dirs") or [])))
    return history, opt


# Rosenbrock amplifies one-ulp differences (torch fuses multiply-adds) about tenfold per iteration: the cases
# stop before that reaches the tolerance.
CASES = [
    ("rosenbrock", dict(max_iter=4)),
    ("rosenbrock", dict(max_iter=4, line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(lr=0.5, max_iter=5, history_size=2, line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(lr=0.1, max_iter=6, history_size=2)),
    ("regression", dict()),
    ("regression", dict(line_search_fn="strong_wolfe")),
    ("regression", dict(lr=0.5, max_iter=3, max_eval=4)),
    ("regression", dict(tolerance_grad=1e-3, tolerance_change=1e-4)),
]


@pytest.mark.parametrize("problem,kwargs", CASES)
def test_steps_match_torch(problem, kwargs):
    ours, _ = _run(engine, problem, 5, **kwargs)
    theirs, _ = _run(torch, problem, 5, **kwargs)
    for step, (e, t) in enumerate(zip(ours, theirs)):
        assert (e["calls"], e["func_evals"], e["n_iter"], e["history"]) == \
               (t["calls"], t["func_evals"], t["n_iter"], t["history"]), f"step {step}"
        np.testing.assert_allclose(e["loss"], t["loss"], rtol=1e-9, atol=1e-12, err_msg=f"step {step} loss")
        for a, b in zip(e["params"], t["params"]):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10, err_msg=f"step {step}")


def test_float32_steps_match_torch():
    # a few iterations per step: nearer the minimum, float32 rounding decides when the tolerances stop a step
    ours, _ = _run(engine, "regression", 3, dtype="float32", max_iter=3, line_search_fn="strong_wolfe")
    theirs, _ = _run(torch, "regression", 3, dtype="float32", max_iter=3, line_search_fn="strong_wolfe")
    for e, t in zip(ours, theirs):
        assert e["params"][0].dtype == np.float32
        assert e["calls"] == t["calls"]
        for a, b in zip(e["params"], t["params"]):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_the_rosenbrock_minimum_is_found():
    history, _ = _run(engine, "rosenbrock", 10, line_search_fn="strong_wolfe", max_iter=50)
    np.testing.assert_allclose(history[-1]["params"][0], [1.0, 1.0], atol=1e-5)


def test_state_dict_layout_matches_torch():
    _, opt_e = _run(engine, "regression", 2, max_iter=5)
    _, opt_t = _run(torch, "regression", 2, max_iter=5)
    se, st = opt_e.state_dict(), opt_t.state_dict()
    assert se["param_groups"] == st["param_groups"]
    assert list(se["state"]) == list(st["state"]) == [0]
    assert sorted(se["state"][0]) == sorted(st["state"][0])
    for key, value in st["state"][0].items():
        ours = se["state"][0][key]
        if isinstance(value, list):
            assert len(ours) == len(value), key
        elif isinstance(value, torch.Tensor):
            np.testing.assert_allclose(ours.numpy(), value.numpy(), rtol=1e-9, err_msg=key)
        else:
            np.testing.assert_allclose(float(ours), float(value), rtol=1e-9, err_msg=key)


ERRORS = {
    "lr": lambda lib: lib.optim.LBFGS([lib.nn.Parameter(lib.zeros(1))], lr=-1),
    "groups": lambda lib: lib.optim.LBFGS([{"params": [lib.nn.Parameter(lib.zeros(1))]},
                                           {"params": [lib.nn.Parameter(lib.zeros(1))]}]),
    "line-search": lambda lib: _bad_line_search(lib),
}


def _bad_line_search(lib):
    w = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.LBFGS([w], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    theirs = outcome(ERRORS[name], torch)
    assert theirs is not None
    assert outcome(ERRORS[name], engine) == theirs
