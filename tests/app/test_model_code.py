"""A model written in the code cell, sent to the playground and trained there (app/model_code.py, Session.use_model):
the tutorial's LeNet built from the cell's text, trained as real PyTorch trains it, in every view, saved, undone."""
import asyncio
import time

import numpy as np
import pytest
import torch

from app import autosave, model_code, persist
from app.codecell import NOTHING_TO_SEND, run_cell
from app.session import Session
from app.state import PRESETS
from app.undo import Undo

# PyTorch's "Neural Networks" tutorial, as a student pastes it (num_flat_features included)
LENET = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 3x3 square convolution
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 6 * 6, 120)  # 6*6 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


net = Net()
print(net)
'''

# A residual block on 2-D points: a model the builder's palette cannot make
RESIDUAL = '''\
import torch
from torch import nn

WIDTH = 16


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return x + torch.tanh(self.fc(x))


class ResNet(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.stem = nn.Linear(2, WIDTH)
        self.blocks = nn.Sequential(*[Block(WIDTH) for _ in range(blocks)])
        self.head = nn.Linear(WIDTH, 1)

    def forward(self, x):
        return self.head(self.blocks(torch.tanh(self.stem(x))))


model = ResNet(2)
playground.use(model)
'''

# A small attention model: the two coordinates of a point are two tokens
ATTENTION = '''\
import torch
import torch.nn as nn


class Attention(nn.Module):
    """Each coordinate of a point is a token; the tokens attend to each other."""

    def __init__(self, dim=8, heads=2):
        super().__init__()
        self.embed = nn.Linear(1, dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.head = nn.Linear(dim, 1)

    def forward(self, x):
        tokens = torch.tanh(self.embed(x.unsqueeze(-1)))       # N x 2 x dim
        mixed, _weights = self.attn(tokens, tokens, tokens)
        return self.head(mixed.mean(dim=1))


playground.use(Attention())
'''

DIGITS = {"dataset": "digits", "image_mode": "upscale", "batch_size": 16, "seed": 3}


def sent(source, send=False):
    result = run_cell(source, send=send)
    assert result.error is None, result.error
    return result.use


def lenet_session(**data):
    s = Session(device_choice="cpu")
    s.configure(data={**DIGITS, **data}, hyper={"optimizer": "Adam", "lr": 0.001, "loss": "cross_entropy"})
    assert s.use_model(**sent(LENET, send=True)) is None
    return s


def weights(session):
    return {k: v.numpy().copy() for k, v in session.model.state_dict().items()}


def torch_model(session):
    """The same definitions and expression run by real PyTorch, seeded as the session seeds the engine."""
    namespace = {"__name__": "__main__"}
    exec(session.model_source, namespace)
    torch.manual_seed(session.data.seed)
    return eval(session.model_expression, namespace)


def test_the_cell_sends_its_definitions_and_the_expression_that_built_the_model():
    use = sent(LENET, send=True)                   # the button: the last nn.Module class, built as Net()
    assert use["expression"] == "Net()"
    assert use["source"].startswith("import torch\nimport torch.nn as nn\n") and "def num_flat_features" in use["source"]
    assert "print(net)" not in use["source"] and "net = Net()" not in use["source"]
    assert sent(RESIDUAL)["expression"] == "ResNet(2)"          # playground.use(model) follows `model = ...`
    assert "WIDTH = 16" in sent(RESIDUAL)["source"]
    assert sent(LENET + "playground.use(Net())\n")["expression"] == "Net()"
    assert run_cell("x = 1\n", send=True).error == f"LookupError: {NOTHING_TO_SEND}"
    needs = run_cell(RESIDUAL.replace("playground.use(model)", ""), send=True)
    assert needs.use is None and "ResNet() cannot be built without arguments" in needs.error
    wrong = run_cell("import torch\nplayground.use(torch.ones(2))\n")
    assert wrong.use is None and "playground.use takes an nn.Module" in wrong.error and "line 2" in wrong.error


def test_lenet_from_the_cell_starts_from_pytorchs_weights_and_trains_as_pytorch_does():
    s = lenet_session()
    assert s.model_expression == "Net()" and "class Net(nn.Module)" in s.model_source
    reference = torch_model(s)
    start = weights(s)
    assert start.keys() == reference.state_dict().keys()
    for name, value in reference.state_dict().items():   # same seed: PyTorch's own initial weights
        np.testing.assert_array_equal(start[name], value.numpy(), err_msg=name)
    optimizer = torch.optim.Adam(reference.parameters(), lr=0.001)
    for _ in range(3):
        s.take_step()
        assert s.error is None
        x, y = s.last["batch"]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        optimizer.step()
        assert s.last["loss"] == pytest.approx(loss.item(), rel=1e-5)
    # (Adam's step is about lr whatever the gradient's size: float32 rounding in a near-zero gradient shows)
    for name, value in reference.state_dict().items():
        np.testing.assert_allclose(weights(s)[name], value.detach().numpy(), rtol=1e-4, atol=2e-5, err_msg=name)


def test_every_view_reads_the_models_own_layers():
    s = lenet_session()
    s.forward()
    graph = s.last["graph"]
    assert {"conv1", "conv2", "fc1", "fc2", "fc3"} <= set(graph.modules())
    grouped = {n["module"] for n in graph.collapsed(set()).nodes if n["kind"] == "module"}
    assert {"conv1", "conv2", "fc1", "fc2", "fc3"} <= grouped
    # the functional relu and pooling ran in Net.forward itself: they sit between the layers, ungrouped
    assert any(n["name"] == "MaxPool2DWithIndicesBackward0" and not n["module"] for n in graph.nodes)
    conv1 = next(n for n in graph.nodes if n["module"] == "conv1" and n["name"] == "ConvolutionBackward0")
    x, _y = s.last["batch"]
    reference = torch_model(s)
    np.testing.assert_allclose(s.last["capture"].value(conv1["id"]),           # what the inspector shows
                               reference.conv1(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    s.backward_in_steps()
    assert s.error is None and [step["name"] for step in s.last["steps"]][-1] == "AccumulateGrad"
    s.train(4)
    assert s.layer_names() == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    assert list(s.history["grad_norms"]) == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    assert len(s.history["test_acc"]) == 4 and np.isfinite(s.history["test_acc"][-1])
    maps = s.feature_maps(0)
    assert list(maps) == ["conv1", "conv2"] and maps["conv1"].shape == (6, 30, 30) and maps["conv2"].shape == (16, 13, 13)
    assert s.conv_filters().shape == (6, 1, 3, 3)
    assert s.probabilities(0).shape == (10,) and s.probabilities(0).sum() == pytest.approx(1, abs=1e-5)
    # the feature map is conv1's output, as real PyTorch computes it with these weights
    reference = torch_model(s)
    reference.load_state_dict({k: torch.tensor(v) for k, v in weights(s).items()})
    image, _label = s.sample(0)
    np.testing.assert_allclose(maps["conv1"], reference.conv1(torch.tensor(image[None]))[0].detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_a_residual_model_on_2d_points_draws_its_decision_boundary_and_hidden_layers():
    s = Session(device_choice="cpu")
    s.configure(data={"dataset": "spiral", "seed": 1}, hyper={"loss": "bce", "optimizer": "Adam", "lr": 0.03})
    assert s.use_model(**sent(RESIDUAL)) is None
    s.train(30)
    assert s.error is None and s.layer_names() == ["stem", "blocks", "head"]
    points = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    decision = s.decision(points)
    reference = torch_model(s)
    reference.load_state_dict({k: torch.tensor(v) for k, v in weights(s).items()})
    np.testing.assert_allclose(decision, torch.sigmoid(reference(torch.tensor(points)))[:, 0].detach().numpy(),
                               rtol=1e-4, atol=1e-6)
    assert set(s.activations(points)) == {"stem", "blocks", "head"}
    graph = s.last["graph"]
    assert {"stem", "blocks.0.fc", "blocks.1.fc", "head"} <= set(graph.modules())
    grouped = lambda expanded: {n["module"] for n in graph.collapsed(expanded).nodes if n["kind"] == "module"}
    assert {"stem", "blocks", "head"} <= grouped(set()) and {"blocks.0", "blocks.1"} <= grouped({"blocks"})


def test_a_model_that_does_not_fit_the_data_is_explained_before_training_starts():
    s = Session(device_choice="cpu")
    s.configure(data={"dataset": "spiral"})
    problem = s.use_model(**sent(LENET, send=True))
    assert problem.startswith("Net() cannot take the Spiral data: the data gives inputs of shape 2×2")
    assert "conv1 (Conv2d, which takes images N×C×H×W with C = 1) gets 2×2" in problem
    assert s.model is None and s.error == problem
    s.take_step()
    assert s.step == 0 and s.error == problem
    # the 8x8 digits as they are: too small for two 3x3 convolutions and two poolings
    s.configure(data={"dataset": "digits", "image_mode": "none"})
    assert "the data gives inputs of shape 2×1×8×8" in s.model_problem and "Net.forward" in s.model_problem
    s.configure(data={"dataset": "digits", "image_mode": "upscale"})   # the data it fits: it trains
    assert s.model_problem is None and s.model_expression == "Net()"
    s.take_step()
    assert s.step == 1 and s.error is None
    wide = sent(LENET.replace("nn.Linear(84, 10)", "nn.Linear(84, 7)"), send=True)
    problem = s.use_model(**wide)
    assert problem.startswith("Net() gives outputs of shape 2×7 for 2 samples of the Digits") or "2×7" in problem
    assert "cross-entropy over 10 classes needs 10" in problem and s.model is None


def test_a_model_whose_forward_never_ends_is_stopped_and_the_playground_goes_on(monkeypatch):
    monkeypatch.setattr(model_code, "SECONDS", 0.3)
    stuck = RESIDUAL.replace("        return self.head(", "        while self.training and self.stuck:\n"
                                                         "            pass\n        return self.head(") \
                    .replace("        self.head = nn.Linear(WIDTH, 1)\n",
                             "        self.head = nn.Linear(WIDTH, 1)\n        self.stuck = False\n")
    s = Session(device_choice="cpu")
    assert s.use_model(**sent(stuck)) is None
    s.model.stuck = True                          # as a forward that loops only once training runs
    started = time.monotonic()
    s.train(5)
    assert time.monotonic() - started < 3
    assert s.error.startswith("ResNet(2)'s forward ran for more than 0.3 s (in ResNet.forward: `while self.training")
    assert s.step == 0 and not s.running
    s.model.stuck = False
    s.take_step()
    assert s.step == 1 and s.error is None
    never = s.use_model("class A:\n    def __init__(self):\n        while True:\n            x = 1\n", "A()")
    assert never.startswith("Building A() ran for more than 0.3 s (in A.__init__: `while True:`)")


def test_save_and_load_keep_the_code_and_the_trained_weights():
    s = lenet_session()
    s.train(3)
    data = persist.save_bytes(s)
    other = Session(device_choice="cpu")
    persist.load_bytes(other, data)
    assert other.model_source == s.model_source and other.model_expression == "Net()"
    assert other.step == 3 and all(np.array_equal(weights(other)[k], v) for k, v in weights(s).items())
    s.take_step()
    other.take_step()
    assert other.last["loss"] == s.last["loss"]
    # a share link carries the settings, not code someone else wrote
    assert "model" not in persist.decode_fragment(persist.share_fragment(s))
    # code that is not Python is refused before anything runs
    doc = persist.read_json(data, "the file", persist.MAX_FILE_BYTES)
    doc["model"]["source"] = "class Net(:\n"
    with pytest.raises(persist.PlaygroundFileError, match=r"model.source is not Python \(line 1\)"):
        persist.parse(doc)


def test_autosave_keeps_the_code_and_weights():
    s = lenet_session()
    s.train(2)
    keeper = autosave.Autosave(s)
    text = keeper.document()
    again = Session(device_choice="cpu")
    restored = autosave.restore(again, text)
    assert restored.ok and again.model_expression == "Net()" and again.step == 2
    assert all(np.array_equal(weights(again)[k], v) for k, v in weights(s).items())
    assert autosave.summary(again).startswith("Net() from the code cell · Digits")


def test_undo_goes_back_to_the_network_before_and_redo_brings_the_trained_model_back():
    s = Session(device_choice="cpu")
    s.configure(PRESETS["lenet"]["network"], DIGITS, {"loss": "cross_entropy", "lr": 0.001})
    s.train(1)
    history = Undo(s)
    before = weights(s)
    builder_layers = list(s.network.layers)
    s.use_model(**sent(LENET, send=True))
    s.train(2)
    trained = weights(s)
    history.undo()
    assert s.model_expression is None and s.network.layers == builder_layers and type(s.model).__name__ == "Sequential"
    assert s.step == 1 and all(np.array_equal(weights(s)[k], v) for k, v in before.items())
    history.redo()
    assert s.model_expression == "Net()" and s.step == 2
    assert all(np.array_equal(weights(s)[k], v) for k, v in trained.items())
    edited = [dict(spec, out_features=80) if spec.get("out_features") == 84 else spec for spec in builder_layers]
    s.network.layers = edited                     # an edit in the builder: its network trains again
    assert s.model_expression is None and type(s.model).__name__ == "Sequential" and s.step == 0
    history.undo()
    assert s.model_expression == "Net()" and s.step == 2


def test_the_cells_button_sends_the_model_through_its_own_python():
    import panel as pn

    from app.cell_runner import ProcessRunner
    from app.codecell import code_cell

    async def scenario():
        session = Session(device_choice="cpu")
        session.configure(data=DIGITS, hyper={"loss": "cross_entropy"})
        shown = []
        cell = code_cell(session, on_show=lambda: shown.append(True), source=LENET, runner=ProcessRunner())
        use = next(w for w in cell.select(pn.widgets.Button) if "pg-use-model" in w.css_classes)
        output = next(w for w in cell.select(pn.pane.HTML) if "pg-code-output" in w.css_classes)
        use.clicks += 1
        deadline = time.monotonic() + 60
        while "playground" not in output.object:
            assert time.monotonic() < deadline, output.object
            await asyncio.sleep(0.05)
        return session, output.object, shown
    session, text, shown = asyncio.run(scenario())
    assert session.model_expression == "Net()" and session.model is not None and shown
    assert "(conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))" in text
    assert "Net() is the playground&#x27;s model now: it trains on the Digits" in text


def test_a_code_cell_model_trains_on_webgpu_as_on_the_cpu():
    from app import devices
    adapter = devices.find_adapter()
    if not adapter.available:
        pytest.skip(adapter.problem)
    losses = {}
    for device in ("cpu", "webgpu"):
        s = Session(adapter=adapter, device_choice="cpu")
        s.configure(data={"dataset": "spiral", "seed": 1}, hyper={"loss": "bce", "optimizer": "Adam", "lr": 0.03})
        assert s.use_model(**sent(RESIDUAL)) is None
        s.use_device(device)
        assert s.device == device and s.error is None
        s.train(3)
        losses[device] = s.last["loss"], s.decision(np.zeros((1, 2), np.float32))[0]
    assert losses["webgpu"] == pytest.approx(losses["cpu"], rel=1e-4, abs=1e-6)


def test_a_small_attention_model_gives_pytorchs_loss_with_the_same_weights():
    s = Session(device_choice="cpu")
    s.configure(data={"dataset": "spiral", "seed": 2}, hyper={"loss": "bce", "optimizer": "Adam", "lr": 0.03})
    assert s.use_model(**sent(ATTENTION)) is None
    s.train(5)
    s.forward()
    reference = torch_model(s)
    reference.load_state_dict({k: torch.tensor(v) for k, v in weights(s).items()})
    x, y = s.last["batch"]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(reference(torch.tensor(x)),
                                                                torch.tensor(y, dtype=torch.float32)[:, None])
    assert s.last["loss"] == pytest.approx(loss.item(), rel=1e-5)
    assert {"embed", "attn", "attn.out_proj", "head"} <= set(s.last["graph"].modules())


def test_the_automatic_device_says_why_a_code_cell_model_trains_on_the_cpu():
    from app import devices
    hardware = devices.Adapter(info={"label": "NVIDIA GeForce RTX 3060", "is_fallback": False})
    s = Session(adapter=hardware)      # device_choice "auto"
    assert s.use_model(**sent(RESIDUAL)) is None
    assert s.device == "cpu" and s.device_note == ("WebGPU: NVIDIA GeForce RTX 3060 — the CPU for a code cell's "
                                                   "model (choose WebGPU to train it there)")
