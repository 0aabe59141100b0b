"""Playground files keep the optimizer's state (momentum buffers, Adam's moments and step counts)
and where the batches are, so training resumes exactly after a reload; that part of a file is
validated as strictly as the rest (app/persist.py)."""
import json

import numpy as np
import pytest

from app import persist
from app.persist import PlaygroundFileError
from app.session import Session
from app.state import PRESETS


def session(preset="mlp", optimizer="Adam"):
    s = Session(device_choice="cpu")
    p = PRESETS[preset]
    s.configure(p["network"], p["data"], {**p["hyper"], "optimizer": optimizer})
    return s


def weights(s):
    return {k: v.detach().numpy().copy() for k, v in s.model.state_dict().items()}


def optimizer_state(s):
    names = {id(p): n for n, p in s.model.named_parameters()}
    return {(names[id(p)], key): np.asarray(value.detach().numpy()).copy()
            for p, state in s.optimizer.state.items() for key, value in state.items()}


@pytest.mark.parametrize("optimizer", ["Adam", "SGD+momentum", "SGD"])
def test_training_resumes_exactly_after_a_reload(optimizer):
    s = session(optimizer=optimizer)
    s.train(13)       # 13 x 32 samples: into the second pass over the 280 training points (a reshuffle)
    s.forward()       # a batch drawn, not stepped: the reloaded playground draws it again
    saved = persist.save_bytes(s)
    loaded = session("logistic", optimizer)
    persist.load_bytes(loaded, saved)
    assert loaded.step == 13 and loaded.epoch == s.epoch and loaded.error is None
    a, b = optimizer_state(s), optimizer_state(loaded)
    assert a.keys() == b.keys() and len(a) == {"Adam": 18, "SGD+momentum": 6, "SGD": 0}[optimizer]
    assert all(np.array_equal(a[k], b[k]) for k in a)
    for x in (s, loaded):
        x.train(20)
    assert loaded.step == s.step == 33
    wa, wb = weights(s), weights(loaded)
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert loaded.history["train_loss"][-20:] == s.history["train_loss"][-20:]


def test_the_file_names_each_parameter_state():
    doc = persist.snapshot(session())
    assert doc["optimizer"] == {"kind": "Adam", "state": {}}   # no step yet: no state
    s = session()
    s.take_step()
    doc = json.loads(persist.save_bytes(s))
    state = doc["optimizer"]["state"]
    assert set(state) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"}
    assert set(state["fc1.weight"]) == {"step", "exp_avg", "exp_avg_sq"}
    assert state["fc1.weight"]["exp_avg"]["shape"] == [8, 2] and state["fc1.weight"]["step"]["shape"] == []
    assert set(doc["progress"]) == {"step", "epoch", "seen", "resets", "shuffled_at", "cursor"}


def test_files_without_optimizer_state_still_load():
    s = session()
    s.train(3)
    doc = persist.snapshot(s)
    del doc["optimizer"]
    doc["progress"] = {"step": 3, "epoch": 0}
    loaded = session("logistic")
    persist.load_bytes(loaded, json.dumps(doc).encode())
    assert loaded.step == 3 and not loaded.optimizer.state
    wa, wb = weights(s), weights(loaded)
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)


def trained_doc(optimizer="Adam"):
    s = session(optimizer=optimizer)
    s.train(2)
    return persist.snapshot(s)


TENSOR = {"shape": [], "dtype": "float32", "data": "AACAPw=="}   # 1.0


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["optimizer"].update(kind="SGD"), "optimizer.kind is 'SGD' but the settings train with 'Adam'"),
    (lambda d: d["optimizer"].update(lr=0.1), "optimizer has an unknown field 'lr'"),
    (lambda d: d["optimizer"].update(state=[]), "optimizer.state must be an object of parameter names"),
    (lambda d: d["optimizer"]["state"]["fc1.weight"].pop("exp_avg_sq"),
     "optimizer.state['fc1.weight'] is missing 'exp_avg_sq'"),
    (lambda d: d["optimizer"]["state"]["fc1.weight"].update(momentum_buffer=TENSOR),
     "optimizer.state['fc1.weight'] has an unknown field 'momentum_buffer'"),
    (lambda d: d["optimizer"]["state"].update(evil={"step": TENSOR, "exp_avg": TENSOR, "exp_avg_sq": TENSOR}),
     "optimizer.state names 'evil', which is not a parameter of the network"),
    (lambda d: d["optimizer"]["state"]["fc1.weight"].update(exp_avg=TENSOR),
     "optimizer.state['fc1.weight']['exp_avg'] is float32 []; it must be float32 [8, 2]"),
    (lambda d: d["optimizer"]["state"]["fc1.weight"]["step"].update(data="!!"),
     "optimizer.state['fc1.weight']['step'] holds 2 characters of data"),
    (lambda d: d.pop("weights"), "optimizer state without weights"),
    (lambda d: d["progress"].pop("cursor"), "progress has 'seen' but not 'cursor'"),
    (lambda d: d["progress"].update(cursor=10_000), "progress.cursor is 10000, past the 280 training samples"),
    (lambda d: d["progress"].update(shuffled_at=10_000), "progress.shuffled_at cannot be after progress.seen"),
    (lambda d: d["progress"].update(resets=-1), "progress.resets must be a whole number from 0 to"),
    (lambda d: d["progress"].update(seed=1), "progress has an unknown field 'seed'"),
])
def test_malformed_optimizer_state_and_progress_are_rejected_and_nothing_changes(mutate, message):
    doc = trained_doc()
    mutate(doc)
    s = session("logistic", "SGD+momentum")
    s.train(2)
    before = (s.step, weights(s), optimizer_state(s))
    with pytest.raises(PlaygroundFileError) as info:
        persist.load_bytes(s, json.dumps(doc).encode())
    assert str(info.value).startswith(message)
    assert s.step == before[0] and s.hyper.optimizer == "SGD+momentum" and s.data.dataset == "gaussians"
    assert all(np.array_equal(before[1][k], v) for k, v in weights(s).items())
    after = optimizer_state(s)
    assert after.keys() == before[2].keys() == {("fc1.weight", "momentum_buffer"), ("fc1.bias", "momentum_buffer")}
    assert all(np.array_equal(before[2][k], after[k]) for k in after)
