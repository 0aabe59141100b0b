"""The WebGPU backend inside Pyodide in headless Chromium, on the browser's own WebGPU adapter
(SwiftShader on machines without a GPU): the browser adapter is proven, not assumed.

The kernel test files of this folder run there whole, with pytest, unchanged: the same WGSL,
now compiled by the browser, checked against the numpy backend running in Pyodide.
"""
import pytest

from tests.browser.conftest import pyodide  # noqa: F401  (fixture)
from tests.site.harness import browser  # noqa: F401  (fixture)

KERNEL_TESTS = [
    "tests/webgpu/test_device.py",
    "tests/webgpu/test_elementwise.py",
    "tests/webgpu/test_reduce_matmul.py",
    "tests/webgpu/test_movement_indexing.py",
    "tests/webgpu/test_nn_kernels.py",
]


def test_the_browser_adapter_is_used(pyodide):  # noqa: F811
    name = pyodide.run("import engine.backends.webgpu as webgpu\nwebgpu.adapter_name()")
    assert "browser WebGPU" in name


@pytest.mark.parametrize("path", KERNEL_TESTS)
def test_kernel_tests_pass_in_the_browser(pyodide, path):  # noqa: F811
    exit_code, output = pyodide.pytest(path)
    assert exit_code == 0, output
    assert " passed" in output.splitlines()[-1], output


def test_async_read_back(pyodide):  # noqa: F811
    code = ("import numpy as np\nimport engine.backends.webgpu as webgpu\n"
            "x = webgpu.from_numpy(np.arange(4, dtype=np.float32))\n"
            "(await webgpu.to_numpy_async(webgpu.mul(x, 2.0))).tolist()")
    assert pyodide.run(code) == "[0.0, 2.0, 4.0, 6.0]"
    code = ("import engine as torch\nt = torch.arange(4.0, device='webgpu') * 3\n"
            "(await torch.webgpu.to_numpy_async(t)).tolist()")
    assert pyodide.run(code) == "[0.0, 3.0, 6.0, 9.0]"


TRAINING = """
import numpy as np
import engine as torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                          torch.nn.Linear(4 * 3 * 3, 5)).to(DEVICE)
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32), device=DEVICE)
y = torch.tensor(rng.integers(0, 5, 8), device=DEVICE)
losses = []
for _ in range(3):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
losses
"""


def test_training_on_webgpu_in_the_browser_matches_the_cpu_natively(pyodide):  # noqa: F811
    in_browser = eval(pyodide.run('DEVICE = "webgpu"\n' + TRAINING))
    namespace = {"DEVICE": "cpu"}
    *body, last = TRAINING.strip().splitlines()
    exec("\n".join(body), namespace)
    native = eval(last, namespace)
    assert len(in_browser) == 3 and in_browser[0] != in_browser[2]
    assert max(abs(a - b) for a, b in zip(in_browser, native)) < 1e-5, (in_browser, native)
