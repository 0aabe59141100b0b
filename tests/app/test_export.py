"""The exported PyTorch script runs on real PyTorch (torch 2.13 in .venv) and trains (app/export.py)."""
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from app import datasets
from app.codecell import run_cell
from app.export import WEIGHTS_NAME, export_script, export_weights, network_class
from app.layers import new_layer
from app.state import LENET, PRESETS, Data, Hyper, Network


def script(preset, epochs, **data):
    p = PRESETS[preset]
    return export_script(Network(layers=p["network"]), Data(**{**p["data"], **data}), Hyper(**p["hyper"]), epochs)


def run_on_torch(code, tmp_path, extra_path=None, weights=None, args=()):
    """Run `code` on real PyTorch in tmp_path, with `weights` (bytes) as the weights file beside it."""
    path = tmp_path / "exported.py"
    path.write_text(code)
    if weights is not None:
        (tmp_path / WEIGHTS_NAME).write_bytes(weights)
    env_path = [str(extra_path)] if extra_path else []
    done = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={"PYTHONPATH": ":".join(env_path), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "engine" not in done.stdout
    return [float(v) for v in re.findall(r"train loss ([0-9.]+)", done.stdout)], done.stdout


def test_the_mlp_script_trains_on_pytorch(tmp_path):
    losses, out = run_on_torch(script("mlp", 6), tmp_path)
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert "(fc1): Linear(in_features=2, out_features=8, bias=True)" in out


def test_the_logistic_script_reaches_high_accuracy(tmp_path):
    _, out = run_on_torch(script("logistic", 4), tmp_path)
    accuracy = float(re.findall(r"test accuracy ([0-9.]+)%", out)[-1])
    assert accuracy > 90


def fake_sklearn(tmp_path):
    """scikit-learn is not a test dependency: a stand-in `sklearn.datasets.load_digits` serves the
    same 1,797 digits (the playground's converted copy), in the same order. Returns its folder."""
    images, labels = datasets.load_digits()
    np.savez(tmp_path / "digits.npz", images=(images[:, 0] * 16).astype(np.uint8), labels=labels)
    fake = tmp_path / "fake" / "sklearn"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "datasets.py").write_text(textwrap.dedent(f"""
        import types
        import numpy as np
        def load_digits():
            z = np.load({str(tmp_path / "digits.npz")!r})
            return types.SimpleNamespace(images=z["images"].astype(np.float64), target=z["labels"])
    """))
    return tmp_path / "fake"


def test_the_lenet_script_trains_on_digits(tmp_path):
    losses, out = run_on_torch(script("lenet", 2), tmp_path, fake_sklearn(tmp_path))
    assert len(losses) == 2 and losses[1] < losses[0] < 2.4
    assert "x = F.max_pool2d(F.relu(self.conv1(x)), 2)" in script("lenet", 1)


def test_regression_and_one_hot_mse_targets(tmp_path):
    net = Network(layers=[new_layer("Linear", out_features=16), new_layer("ReLU"), new_layer("Linear", out_features=1)])
    code = export_script(net, Data(dataset="regression"), Hyper(optimizer="Adam", lr=0.01, loss="mse"), epochs=5)
    losses, out = run_on_torch(code, tmp_path)
    assert losses[-1] < losses[0] and "accuracy" not in out
    two = Network(layers=[new_layer("Linear", out_features=2)])
    code = export_script(two, Data(dataset="xor"), Hyper(optimizer="SGD", lr=0.1, loss="mse"), epochs=1)
    assert "F.one_hot(torch.tensor(y), 2).float()" in code
    run_on_torch(code, tmp_path)


def test_the_class_reads_like_the_tutorial():
    specs = [new_layer("Conv2d", out_channels=4, kernel_size=3, padding=1), new_layer("BatchNorm"), new_layer("GELU"),
             new_layer("AvgPool2d", kernel_size=2, stride=1), new_layer("Flatten"), new_layer("Dropout", p=0.25),
             new_layer("Linear", out_features=3, bias=False), new_layer("LeakyReLU", negative_slope=0.2),
             new_layer("Softmax")]
    code = network_class(specs, (1, 8, 8))
    assert code == textwrap.dedent("""\
        class Net(nn.Module):

            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
                self.bn1 = nn.BatchNorm2d(4)
                self.dropout1 = nn.Dropout(0.25)
                self.fc1 = nn.Linear(196, 3, bias=False)

            def forward(self, x):
                x = self.conv1(x)
                x = F.avg_pool2d(F.gelu(self.bn1(x)), 2, stride=1)
                x = torch.flatten(x, 1)  # all dimensions except the batch
                x = self.dropout1(x)
                x = F.softmax(F.leaky_relu(self.fc1(x), 0.2), dim=1)
                return x""")


def test_the_script_also_runs_in_the_code_cell_on_the_engine():
    result = run_cell(script("logistic", 2))
    assert result.error is None, result.error
    losses = [float(v) for v in re.findall(r"train loss ([0-9.]+)", result.output)]
    assert len(losses) == 2 and losses[1] < losses[0]


def test_the_script_and_the_page_give_the_same_first_losses(tmp_path):
    """Same seed, same numbers: the page's initial weights, batches and dropout masks are the ones the
    exported script draws on PyTorch, so its first ten training losses are the page's."""
    from app.session import Session
    p = PRESETS["mlp"]
    layers = [*p["network"][:2], new_layer("Dropout", p=0.2), *p["network"][2:]]
    network, data = Network(layers=layers), Data(**{**p["data"], "seed": 2147483647})
    hyper = Hyper(**{**p["hyper"], "optimizer": "SGD+momentum", "lr": 0.1})
    page = Session(network, data, hyper)
    page.train(10)
    steps = len(page.history["step"])
    assert page.history["step"] == list(range(1, steps + 1)) and steps >= 10  # every early step recorded
    code = export_script(network, data, hyper, epochs=2)
    per_step = "            total, batches, step = total + loss.item(), batches + 1, step + 1"
    assert per_step in code
    code = code.replace(per_step, per_step + '\n            print(f"step loss {loss.item():.9f}")')
    _, out = run_on_torch(code, tmp_path)
    script_losses = [float(v) for v in re.findall(r"step loss ([0-9.]+)", out)][:10]
    np.testing.assert_allclose(page.history["train_loss"][:10], script_losses, atol=1e-4)
