"""L1/L2 regularisation (app/regularization.py): the training loss and every gradient against real PyTorch
computing the same penalty, the loss curve, and the exported script."""
import subprocess
import sys

import numpy as np
import pytest
import torch as real_torch

from app import export, layers, regularization, tables
from app.layers import new_layer
from app.session import Session
from tests.app.test_tables import points_csv

NETWORK = [new_layer("Features", x1_sq=True, x1_x2=True), new_layer("Linear", out_features=6),
           new_layer("BatchNorm"), new_layer("Tanh"), new_layer("Linear", out_features=1)]


def torch_twin(session):
    """The session's network in real PyTorch, with its weights."""
    net = layers.build(real_torch.nn, session.network.layers, session.dataset.input_shape)
    net.load_state_dict({k: real_torch.tensor(v.numpy()) for k, v in session.model.state_dict().items()})
    return net


def torch_penalty(net, kind, strength):
    """Written apart from the app: Linear and Conv2d weights, not biases, not BatchNorm's scale."""
    weights = [m.weight for m in net.modules() if isinstance(m, (real_torch.nn.Linear, real_torch.nn.Conv2d))]
    if kind == "l1":
        return strength * sum(w.abs().sum() for w in weights)
    return strength * sum(w.pow(2).sum() for w in weights)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_the_loss_and_every_gradient_match_pytorch_with_the_same_penalty(kind):
    s = Session()
    s.configure(NETWORK, {"dataset": "circle", "batch_size": 16},
                {"loss": "bce", "regularization": kind, "strength": 0.03})
    net = torch_twin(s)
    s.backward()
    x, y = s.last["batch"]
    data_loss = real_torch.nn.functional.binary_cross_entropy_with_logits(
        net(real_torch.tensor(x)), real_torch.tensor(y, dtype=real_torch.float32)[:, None])
    penalty = torch_penalty(net, kind, 0.03)
    loss = data_loss + penalty
    loss.backward()
    assert penalty.item() > 0.01
    assert s.last["loss"] == pytest.approx(loss.item(), rel=1e-5)
    ours = dict(s.model.named_parameters())
    for name, p in net.named_parameters():
        np.testing.assert_allclose(ours[name].grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    # the graph shows the penalty's nodes beside the data's loss
    names = {n["name"] for n in s.last["graph"].nodes}
    assert ("AbsBackward0" if kind == "l1" else "MulBackward0") in names and "AddBackward0" in names


def test_none_or_zero_strength_adds_nothing_and_the_curve_holds_the_penalised_loss():
    s = Session()
    s.configure(NETWORK, {"dataset": "circle"}, {"loss": "bce"})
    assert regularization.penalty(s.model, "none", 0.5) is None
    assert regularization.penalty(s.model, "l2", 0.0) is None
    plain = (s.forward(), s.last["loss"])[1]
    s.hyper.strength = 0.5
    s.hyper.regularization = "l2"          # another objective: training starts again (undoable)
    assert s.step == 0
    s.forward()
    net = torch_twin(s)
    assert s.last["loss"] == pytest.approx(plain + torch_penalty(net, "l2", 0.5).item(), rel=1e-5)
    s.hyper.strength = 0.25                # a new λ: the same batch, its loss computed again
    s.forward()
    assert s.last["loss"] == pytest.approx(plain + torch_penalty(net, "l2", 0.25).item(), rel=1e-5)
    s.take_step()
    assert s.history["train_loss"][-1] == pytest.approx(s.last["loss"])


def test_strong_l1_drives_weights_towards_zero():
    norms = {}
    for kind in ("none", "l1"):
        s = Session()
        s.configure(NETWORK, {"dataset": "circle"}, {"loss": "bce", "optimizer": "Adam", "lr": 0.03,
                                                     "regularization": kind, "strength": 0.05})
        s.train(200)
        norms[kind] = float(np.abs(s.model.fc1.weight.detach().numpy()).sum())
    assert norms["l1"] < 0.5 * norms["none"]


def test_the_exported_script_adds_the_same_penalty_and_runs_on_pytorch_with_the_uploaded_csv(tmp_path):
    data, _x, _label = points_csv(60)
    s = Session()
    table = tables.parse_csv(data, "points.csv")
    s.configure(NETWORK, {"dataset": "csv", "table": table}, {"loss": "bce", "regularization": "l2", "strength": 0.01})
    script = export.export_script(s.network, s.data, s.hyper, epochs=3)
    line = "        loss = loss + 0.01 * sum((p * p).sum() for p in net.parameters() if p.dim() > 1)"
    assert line in script
    net = torch_twin(s)
    expr = regularization.code("l2", 0.01).split("  #")[0]
    assert eval(expr, {"net": net}).item() == pytest.approx(torch_penalty(net, "l2", 0.01).item(), rel=1e-6)
    assert regularization.penalty(s.model, "l2", 0.01).item() == pytest.approx(eval(expr, {"net": net}).item(),
                                                                              rel=1e-5)
    # the script reads the same file and splits it as the page did
    (tmp_path / "points.csv").write_bytes(data)
    (tmp_path / "playground_net.py").write_text(script)
    run = subprocess.run([sys.executable, "playground_net.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "epoch 3: train loss" in run.stdout and "test accuracy" in run.stdout
    namespace = {}
    head = script.split("def targets(y):")[0]
    exec(head.replace('np.loadtxt(\'points.csv\'', f'np.loadtxt({str(tmp_path / "points.csv")!r}'), namespace)
    np.testing.assert_array_equal(namespace["x_test"], s.dataset.x_test)
    np.testing.assert_array_equal(namespace["y_train"], s.dataset.y_train)
