"""Export carries the training: the page's trained weights as a .safetensors file (app/weights_file.py)
that the exported script loads on real PyTorch (torch 2.13 in .venv, in a subprocess without our code)
to reproduce the page's test accuracy and predictions; and the page's seed gives PyTorch the page's
initial weights (app/export.py)."""
import builtins
import json
import re

import numpy as np
import pytest
import torch

import engine
from app import datasets
from app.codecell import _cell_import
from app.export import MNIST_FILE, export_script, export_weights, network_class, page_metadata, session_script
from app.layers import new_layer
from app.session import Session
from app.site.mnist import mnist_package
from app.state import PRESETS, Data, Hyper, Network
from app.weights_file import read_safetensors, safetensors_bytes
from tests.app.test_device_session import adapter  # noqa: F401  (the WebGPU adapter fixture)
from tests.app.test_export import fake_sklearn, run_on_torch

NUMPY_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8,
                "BOOL": np.bool_}


def read_with_numpy(blob):
    """A reader of our own, written from the format's description: checks what readers rely on."""
    size = int.from_bytes(blob[:8], "little")
    assert (8 + size) % 8 == 0 and blob[8:9] == b"{"
    header = json.loads(blob[8:8 + size].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = blob[8 + size:]
    spans = sorted(tuple(info["data_offsets"]) for info in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(data)   # the buffer is covered ...
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))   # ... without holes or overlaps
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(NUMPY_DTYPES[info["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(data[begin:end], dtype).reshape(info["shape"])
    return tensors, metadata


def test_the_file_follows_the_safetensors_format(tmp_path):
    tensors = {"fc1.weight": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5,
               "bn1.num_batches_tracked": np.array(7, dtype=np.int64),
               "mask": np.array([True, False, True]), "empty": np.zeros((0, 4), np.float32),
               "strided": np.arange(12, dtype=np.float64).reshape(3, 4)[:, ::2]}
    blob = safetensors_bytes(tensors, {"format": "pt", "step": 12})
    for read in (lambda: read_with_numpy(blob), lambda: read_safetensors(tmp_path / "w.safetensors")):
        (tmp_path / "w.safetensors").write_bytes(blob)
        got, metadata = read()
        assert metadata == {"format": "pt", "step": "12"}
        assert list(got) == list(tensors)
        for name, expected in tensors.items():
            value = got[name].numpy() if isinstance(got[name], torch.Tensor) else got[name]
            assert value.dtype == expected.dtype and value.shape == expected.shape, name
            np.testing.assert_array_equal(value, expected)
    with pytest.raises(TypeError, match="'c'.*complex64"):
        safetensors_bytes({"c": np.zeros(2, np.complex64)})


def trained(network, data, hyper, steps):
    page = Session(Network(layers=network), Data(**data), Hyper(**hyper))
    page.train(steps)
    assert page.history["step"][-1] == page.step   # the curve's last point is the weights now
    return page


def reproduce(page, tmp_path, extra_path=None):
    """Run the exported script with the exported weights on real PyTorch; returns (the test accuracy it
    printed, its class predictions for the first 100 test samples, its output)."""
    return run_exported(session_script(page), export_weights(page), tmp_path, extra_path)


def run_exported(code, weights, tmp_path, extra_path=None):
    code += ("out = net.eval()(torch.tensor(x_test[:100]))\n"
             "print('classes', (out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0).long()).tolist())\n")
    _, printed = run_on_torch(code, tmp_path, extra_path, weights=weights)
    assert "epoch" not in printed   # it loaded the weights, it did not train
    accuracy = float(re.search(r"tested here: .* test accuracy ([0-9.]+)%", printed).group(1)) / 100
    return accuracy, json.loads(re.search(r"classes (\[.*\])", printed).group(1)), printed


def page_classes(page):
    out = page.predict(page.dataset.x_test[:100])
    return (out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0)).astype(np.int64).tolist()


def test_an_mlp_trained_on_the_page_scores_the_same_on_pytorch(tmp_path):
    # the preset's MLP on the circle, with a BatchNorm (its running statistics are weights too) and a
    # Dropout (off in eval mode)
    p = PRESETS["mlp"]
    network = [p["network"][0], new_layer("BatchNorm"), *p["network"][1:3], new_layer("Dropout", p=0.1),
               *p["network"][3:]]
    page = trained(network, {**p["data"], "dataset": "circle", "noise": 0.1}, p["hyper"], 400)
    shown = page.history["test_acc"][-1]
    assert shown > 0.8   # the network has learnt: the comparison means something
    accuracy, classes, printed = reproduce(page, tmp_path)
    assert abs(accuracy - shown) <= 0.005 and classes == page_classes(page)
    assert f"the page's weights after {page.step} steps" in printed
    assert f"the page showed: test loss {page.history['test_loss'][-1]:.4f}, test accuracy {shown:.1%}" in printed



def test_train_follows_the_pages_path_from_scratch_on_pytorch(tmp_path):
    """--train: the page's seed and number of steps give PyTorch the page's path, to float32 rounding.
    (Not with a BatchNorm after a biased layer: that bias has no true gradient, Adam scales its rounding
    noise up to whole steps, and the running mean follows it.)"""
    p = PRESETS["mlp"]
    network = [*p["network"][:2], new_layer("Dropout", p=0.2), *p["network"][2:]]
    page = trained(network, {**p["data"], "dataset": "circle", "noise": 0.1}, p["hyper"], 400)
    _, printed = run_on_torch(session_script(page), tmp_path, weights=export_weights(page), args=["--train"])
    assert f"trained from scratch for the page's {page.step} steps" in printed
    loss, accuracy = re.search(r"tested here: +test loss ([0-9.]+), test accuracy ([0-9.]+)%", printed).groups()
    assert float(accuracy) == round(page.history["test_acc"][-1] * 100, 1)
    assert float(loss) == pytest.approx(page.history["test_loss"][-1], abs=2e-4)


def test_regression_weights_give_the_pages_test_loss_under_any_file_name(tmp_path):
    network = [new_layer("Linear", out_features=16), new_layer("Tanh"), new_layer("Linear", out_features=1)]
    page = trained(network, {"dataset": "regression"}, {"optimizer": "Adam", "lr": 0.01, "loss": "mse"}, 100)
    (tmp_path / "renamed by the browser (1).safetensors").write_bytes(export_weights(page))
    _, printed = run_on_torch(session_script(page), tmp_path, args=["renamed by the browser (1).safetensors"])
    here, shown = re.findall(r"test loss ([0-9.]+)\n", printed)
    assert "accuracy" not in printed and here == shown == f"{page.history['test_loss'][-1]:.4f}"


def test_lenet_trained_on_the_digits_scores_the_same_on_pytorch(tmp_path):
    p = PRESETS["lenet"]
    page = trained(p["network"], p["data"], p["hyper"], 60)
    shown = page.history["test_acc"][-1]
    assert shown > 0.8
    accuracy, classes, _ = reproduce(page, tmp_path, fake_sklearn(tmp_path))
    assert abs(accuracy - shown) <= 0.005 and classes == page_classes(page)


RESIDUAL_NET = '''import torch
import torch.nn as nn

HIDDEN = 16


class Residual(nn.Module):
    """x + tanh(W x): a block that keeps its input."""

    def __init__(self, width):
        super().__init__()
        self.inner = nn.Linear(width, width)

    def forward(self, x):
        return x + torch.tanh(self.inner(x))


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, HIDDEN)
        self.block = Residual(HIDDEN)
        self.out = nn.Linear(HIDDEN, 2)

    def forward(self, x):
        return self.out(self.block(torch.relu(self.fc1(x))))'''


def test_a_code_cell_model_is_exported_verbatim_and_scores_the_same_on_pytorch(tmp_path):
    data, hyper = Data(dataset="circle", noise=0.1, seed=3), Hyper(optimizer="Adam", lr=0.03, loss="cross_entropy")
    # The model as the playground builds a code cell's (own-model branch, app/model_code.py): its source
    # run with `import torch` as the engine, then the expression, after the seed.
    namespace = {"__builtins__": dict(vars(builtins), __import__=_cell_import)}
    exec(RESIDUAL_NET, namespace)
    engine.manual_seed(data.seed)
    model = eval("Net()", namespace)
    initial = {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}
    on_torch = {}
    exec(RESIDUAL_NET, on_torch)
    torch.manual_seed(data.seed)
    for name, value in on_torch["Net"]().state_dict().items():
        np.testing.assert_array_equal(value.numpy(), initial[name], err_msg=name)   # the seed's weights

    d = datasets.make(data.dataset, data.samples, data.noise, data.test_fraction, data.seed)
    optimizer = engine.optim.Adam(model.parameters(), lr=hyper.lr)
    inputs, labels = engine.tensor(d.x_train), engine.tensor(d.y_train)
    for _ in range(150):
        optimizer.zero_grad()
        engine.nn.functional.cross_entropy(model(inputs), labels).backward()
        optimizer.step()
    with engine.no_grad():
        out = model(engine.tensor(d.x_test))
        metrics = {"test_loss": engine.nn.functional.cross_entropy(out, engine.tensor(d.y_test)).item(),
                   "test_acc": float((out.numpy().argmax(1) == d.y_test).mean())}
    assert metrics["test_acc"] > 0.9
    weights = safetensors_bytes({k: v.detach().numpy() for k, v in model.state_dict().items()},
                                page_metadata(150, data.seed, metrics))

    code = export_script(Network(), data, hyper, code={"source": RESIDUAL_NET, "expression": "Net()"}, outputs=2)
    assert RESIDUAL_NET in code and "\nnet = Net()\n" in code
    accuracy, classes, _ = run_exported(code, weights, tmp_path)
    assert abs(accuracy - metrics["test_acc"]) <= 0.005
    assert classes == out.numpy()[:100].argmax(1).tolist()


@pytest.mark.parametrize("preset", ["mlp", "lenet"])
@pytest.mark.parametrize("seed", [0, 2**31 - 1])
def test_the_seed_gives_pytorch_the_pages_initial_weights(preset, seed):
    p = PRESETS[preset]
    page = Session(Network(layers=p["network"]), Data(**{**p["data"], "seed": seed}), Hyper(**p["hyper"]))
    namespace = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional}
    exec(network_class(p["network"], page.dataset.input_shape), namespace)
    torch.manual_seed(seed)   # what the exported script does before Net()
    fresh = namespace["Net"]().state_dict()
    weights = page.training_state().weights
    assert list(fresh) == list(weights)
    for name, value in fresh.items():
        np.testing.assert_array_equal(value.numpy(), weights[name], err_msg=name)   # bit for bit


def test_weights_trained_on_webgpu_export_as_they_are(adapter, tmp_path):
    """On the GPU the file is the host copy of the device's weights, and the test numbers are measured there."""
    p = PRESETS["mlp"]
    page = Session(Network(layers=p["network"]), Data(**{**p["data"], "dataset": "circle"}), Hyper(**p["hyper"]),
                   adapter=adapter)
    page.use_device("webgpu")
    page.train(20)
    assert page.device == "webgpu"
    (tmp_path / "w.safetensors").write_bytes(export_weights(page))
    state_dict, metadata = read_safetensors(tmp_path / "w.safetensors")
    assert metadata["step"] == "20" and float(metadata["test_accuracy"]) == page.history["test_acc"][-1]
    for name, value in page.model.state_dict().items():
        np.testing.assert_array_equal(state_dict[name].numpy(), value.detach().cpu().numpy(), err_msg=name)


def test_lenet_trained_on_mnist_scores_the_same_on_pytorch(tmp_path):
    """The MNIST preset, trained briefly, exported with its weights; the script reads MNIST from the pinned
    tarball beside it (the site build's cached download: app/site/mnist.py), not from the network."""
    p = PRESETS["mnist"]
    page = trained(p["network"], p["data"], p["hyper"], 60)
    shown = page.history["test_acc"][-1]
    assert shown > 0.8   # 60 steps of 32 real digits (85 %): the comparison means something
    (tmp_path / MNIST_FILE).symlink_to(mnist_package())
    accuracy, classes, printed = reproduce(page, tmp_path)
    assert f"MNIST from {MNIST_FILE}\n" in printed
    assert abs(accuracy - shown) <= 0.005 and classes == page_classes(page)
    assert len(set(classes)) >= 5   # the 100 predictions are not one class
