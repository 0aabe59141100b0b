"""The Session: actions, batches, histories, errors (app/session.py)."""
import math

import numpy as np
import pytest

from app.layers import new_layer
from app.session import History, Session
from app.state import PRESETS, Data, Hyper, Network


def session_for(preset, **data):
    p = PRESETS[preset]
    return Session(Network(layers=p["network"]), Data(**{**p["data"], **data}), Hyper(**p["hyper"]))


def test_forward_backward_step_one_at_a_time():
    s = session_for("mlp")
    versions = [s.version]
    s.forward()
    assert s.phase == "forward" and s.error is None and s.step == 0
    loss = s.last["loss"]
    assert math.isfinite(loss)
    names = {n["name"] for n in s.last["graph"].nodes}
    assert {"AddmmBackward0", "TanhBackward0", "BinaryCrossEntropyWithLogitsBackward0"} <= names
    assert all(n["grad_norm"] is None for n in s.last["graph"].nodes if n["is_leaf"])
    versions.append(s.version)

    s.backward()
    assert s.phase == "backward" and s.last["loss"] == loss   # the same batch
    assert all(p.grad is not None for p in s.model.parameters())
    leaves = [n for n in s.last["graph"].nodes if n["param"]]
    assert len(leaves) == 6 and all(n["grad_norm"] > 0 for n in leaves)
    versions.append(s.version)

    before = [p.detach().numpy().copy() for p in s.model.parameters()]
    s.take_step()
    assert s.phase == "step" and s.step == 1
    assert all(not np.array_equal(b, p.detach().numpy()) for b, p in zip(before, s.model.parameters()))
    versions.append(s.version)
    assert versions == sorted(set(versions))
    assert s.history["step"] == [1] and s.history["train_loss"] == [loss]
    assert set(s.history["grad_norms"]) == {"fc1", "fc2", "fc3"}
    assert math.isfinite(s.history["test_loss"][0])

    s.forward()   # the next batch
    assert s.last["loss"] != loss


def test_step_alone_is_a_full_training_step_and_the_graph_is_its_own():
    s = session_for("logistic")
    s.take_step()
    assert s.step == 1 and s.last["graph"].root is not None
    assert all(n["grad_norm"] is not None for n in s.last["graph"].nodes if n["param"])


def test_training_reduces_the_loss_and_counts_epochs():
    s = session_for("logistic")
    s.take_step()
    first = s.history["test_loss"][0]
    s.train(100)
    assert s.step == 101 and s.error is None
    assert s.epoch == 101 * 32 // 280
    tests = [v for v in s.history["test_loss"] if not math.isnan(v)]
    assert tests[-1] < 0.5 * first and s.history["test_acc"][-1] > 0.9


@pytest.mark.parametrize("preset", ["mlp", "lenet", "logistic"])
def test_presets_build_and_train(preset):
    s = session_for(preset)
    assert s.error is None and s.model is not None
    s.take_step()
    first = s.last["loss"]
    s.train(25 if preset == "lenet" else 60)
    assert s.error is None
    recent = np.mean(s.history["train_loss"][-4:])
    assert recent < first


def test_train_for_respects_its_time_budget():
    s = session_for("mlp")
    s.train_for(0.05)
    assert s.step >= 1 and s.last["graph"] is not None
    assert s.version >= 1


def test_histories_are_capped_after_1000_steps(monkeypatch):
    monkeypatch.setattr("app.session.HISTORY_POINTS", 100)
    s = session_for("mlp")
    s.train(1000)
    lengths = {len(s.history[c]) for c in History.COLUMNS} | {len(v) for v in s.history["grad_norms"].values()}
    assert len(lengths) == 1 and 50 <= lengths.pop() <= 100
    steps = s.history["step"]
    stride = steps[1] - steps[0]
    assert steps == sorted(steps) and steps[-1] == 1000 - 1000 % stride and steps[0] == stride
    assert len(set(np.diff(steps))) == 1   # evenly spaced after thinning
    assert any(math.isfinite(v) for v in s.history["test_loss"])


def test_history_thinning_keeps_the_stride():
    h = History(cap=8)
    for step in range(1, 40):
        if h.wants(step):
            h.record(step, {"train_loss": float(step)}, {"fc1": 1.0})
    # full at 9 rows: 1..9 -> 2,4,6,8 (stride 2) ... 4..36 -> 8,16,24,32 (stride 8)
    assert h.data["step"] == [8, 16, 24, 32] and h.stride == 8
    assert h.data["train_loss"] == [8.0, 16.0, 24.0, 32.0] and h.data["grad_norms"]["fc1"] == [1.0] * 4


def test_invalid_network_keeps_specs_shows_error_and_recovers():
    s = session_for("mlp")
    good = list(s.network.layers)
    bad = good[:2] + [new_layer("Conv2d")] + good[2:]
    s.network.layers = bad
    assert s.model is None and s.network.layers == bad
    assert s.error.startswith("conv1 (Conv2d): Conv2d needs a 4-D input")
    assert s.analysis["layers"][2]["error"].startswith("Conv2d needs a 4-D input")
    s.forward()
    assert s.error.startswith("conv1 (Conv2d)") and "Traceback" not in s.error
    s.network.layers = good
    assert s.error is None
    s.take_step()
    assert s.step == 1


def test_settings_changes():
    s = session_for("mlp")
    s.train(5)
    structure = s.structure_version
    s.hyper.lr = 0.001
    assert s.optimizer.param_groups[0]["lr"] == 0.001 and s.step == 5
    s.hyper.optimizer = "SGD+momentum"
    assert type(s.optimizer).__name__ == "SGD" and s.optimizer.param_groups[0]["momentum"] == 0.9 and s.step == 5
    s.data.batch_size = 8
    assert s.step == 5 and s.analysis["input"] == "8×2"
    s.take_step()
    assert len(s.last["batch"][0]) == 8
    s.data.dataset = "regression"
    assert s.hyper.loss == "mse" and s.problem == "regression" and s.step == 0
    assert s.structure_version > structure
    s.train(3)
    assert s.error is None and math.isnan(s.history["train_acc"][-1])
    s.data.dataset = "digits"
    assert s.model is None and s.error.startswith("fc1 (Linear): Linear needs a 2-D input")  # digits are images
    assert s.analysis["layers"][0]["error"].startswith("Linear needs a 2-D input")


def test_reset_draws_new_weights_and_clears_the_clock():
    s = session_for("mlp")
    s.train(10)
    weights = s.model.fc1.weight.detach().numpy().copy()
    s.reset()
    assert s.step == 0 and s.history["step"] == [] and s.last == {}
    assert not np.array_equal(weights, s.model.fc1.weight.detach().numpy())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_loss_stops_training_with_a_message():
    s = session_for("mlp")
    s.hyper.optimizer = "SGD"
    s.hyper.lr = 10.0
    s.network.layers = [new_layer("Linear", out_features=64), new_layer("ReLU")] * 3 + [new_layer("Linear", out_features=1)]
    s.data.dataset = "regression"
    s.running = True
    s.train(200)
    assert s.error is not None and "learning rate" in s.error and not s.running


def test_views_api():
    s = session_for("mlp")
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)), -1).reshape(-1, 2)
    assert s.predict(grid).shape == (25, 1)
    p = s.decision(grid)
    assert p.shape == (25,) and ((0 < p) & (p < 1)).all()
    acts = s.activations(grid)
    assert list(acts) == ["fc1", "tanh1", "fc2", "tanh2", "fc3"] and acts["tanh1"].shape == (25, 8)
    assert s.layer_names() == ["fc1", "tanh1", "fc2", "tanh2", "fc3"]
    s.train(2)
    assert s.predict(grid) is not None and s.step == 2   # predicting takes no step and builds no graph

    lenet = session_for("lenet")
    image, label = lenet.sample(3)
    assert image.shape == (1, 32, 32) and 0 <= label < 10
    maps = lenet.feature_maps(3)
    assert list(maps) == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"] and maps["pool1"].shape == (6, 15, 15)
    probs = lenet.probabilities(3)
    assert probs.shape == (10,) and np.isclose(probs.sum(), 1)


def test_show_graph_puts_a_graph_from_the_code_cell_in_last():
    from app import cell_record
    from app.codecell import run_cell
    s = session_for("mlp")
    s.error, version = "an earlier failure", s.version
    (out, *_) = cell_record.unpack(run_cell("import torch\nx = torch.ones(2, 2, requires_grad=True)\n"
                                            "out = ((x + 2) * (x + 2) * 3).mean()\nout.backward()").plain()["record"])
    s.show_graph(out)
    assert s.last["source"] == "code" and s.last["loss"] == 27.0 and s.last["name"] == "out"
    assert "MeanBackward0" in {n["name"] for n in s.last["graph"].nodes}
    assert s.error is None and s.version == version + 1


def test_memory_stays_flat_while_training(monkeypatch):
    """What the issue's 1,000-step memory check needs from the session: nothing kept per step
    beyond the capped history (one capture in `last`, histories thinned)."""
    import gc
    import tracemalloc
    monkeypatch.setattr("app.session.HISTORY_POINTS", 100)
    s = session_for("mlp")
    s.train(300)
    s.take_step()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(7):
            s.train(100)
            s.take_step()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert s.step > 1000 and grown < 100_000, f"{grown} bytes more after 700 steps"
