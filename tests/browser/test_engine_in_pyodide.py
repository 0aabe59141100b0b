"""The engine inside Pyodide (CPython 3.12 on WebAssembly, in a browser worker) behaves as it does natively."""
import json

import numpy as np
import pytest

# Test files of this repository that also run, whole, inside Pyodide. One line per file.
# (A module that imports torch is skipped there: PyTorch has no Pyodide build.)
IN_BROWSER = [
    "tests/engine/test_graph.py",
    "tests/engine/test_portable_core.py",
    "tests/engine/test_portable_nn.py",
    "tests/app/test_lessons.py",   # every lesson step's code and check, where students run them
]

AUTOGRAD_EXAMPLE = """
import json
import numpy as np
import engine as torch

x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
out.backward()
w = torch.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
a = torch.tensor(np.cos(np.arange(6.0)).reshape(2, 3))
h = (a @ w).tanh().sum()
h.backward()
RESULT = json.dumps({"z": repr(z), "out": out.item(), "x_grad": x.grad.tolist(), "h": h.item(),
                     "w_grad": w.grad.tolist(), "grad_fn": type(y.grad_fn).__name__})
RESULT
"""


def run_natively(code):
    *body, last = code.strip().splitlines()
    namespace = {}
    exec("\n".join(body), namespace)
    return eval(last, namespace)


def test_engine_computes_the_same_in_pyodide_as_natively(pyodide):
    in_browser = json.loads(pyodide.run(AUTOGRAD_EXAMPLE))
    native = json.loads(run_natively(AUTOGRAD_EXAMPLE))
    assert in_browser["z"] == native["z"] and in_browser["grad_fn"] == native["grad_fn"] == "AddBackward0"
    for key in ("out", "x_grad", "h", "w_grad"):
        np.testing.assert_allclose(in_browser[key], native[key], rtol=1e-12, atol=1e-15)
    assert "3.12" in pyodide.run("import sys; sys.version")


@pytest.mark.parametrize("path", IN_BROWSER)
def test_file_passes_inside_pyodide(pyodide, path):
    exit_code, output = pyodide.pytest(path)
    assert exit_code == 0, output
    assert " passed" in output.splitlines()[-1], output


def test_a_module_that_needs_torch_is_skipped_inside_pyodide(pyodide):
    files = {"probe/test_with_torch.py": "import torch\n\ndef test_add():\n    assert torch.ones(1).item() == 1\n",
             "probe/test_without_torch.py": "import engine\n\ndef test_add():\n    assert engine.ones(1).item() == 1\n"}
    exit_code, output = pyodide.pytest("probe", files)
    assert exit_code == 0 and "1 passed, 1 skipped" in output.splitlines()[-1], output


def test_python_in_the_worker_reaches_webgpu_synchronously(pyodide):
    """What the engine's browser WebGPU adapter relies on: navigator.gpu in the worker, and
    pyodide.ffi.run_sync (JS Promise Integration) to wait for it from plain Python code."""
    code = """
from js import navigator
from pyodide.ffi import run_sync
adapter = run_sync(navigator.gpu.requestAdapter())
device = run_sync(adapter.requestDevice())
f"{adapter.info.vendor}/{adapter.info.architecture}/{device.limits.maxComputeInvocationsPerWorkgroup}"
"""
    vendor, architecture, invocations = pyodide.run(code).split("/")
    assert architecture and int(invocations) >= 256
