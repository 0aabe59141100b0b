"""One WebGPU device for the whole session (opening one costs ~0.5 s on lavapipe).

Tests here skip, with the reason, when no WebGPU adapter exists; where build.py installed
Mesa's lavapipe (CI, the dev machine) they run.
"""
import numpy as np
import pytest

from engine.backends import numpy as numpy_backend


@pytest.fixture(scope="session")
def B():
    import engine.backends.webgpu as webgpu
    if not webgpu.is_available():
        pytest.skip(webgpu._state["error"])
    return webgpu


@pytest.fixture(scope="session")
def NB():
    return numpy_backend


@pytest.fixture
def rng():
    return np.random.default_rng(0)
