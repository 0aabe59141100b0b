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
