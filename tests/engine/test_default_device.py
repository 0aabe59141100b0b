"""torch.set_default_device and `with torch.device(...)`: which factories follow the default device.

The engine's second device is webgpu; PyTorch's CPU build has "meta", which follows the same rules (its
DeviceContext injects device= into the same list of factories), so each factory is run under
set_default_device("meta") in torch and set_default_device("webgpu") in the engine, and the tensor must land
on the default device in both or on the CPU in both. Values on the default device are checked too.
"""
import numpy as np
import pytest
import torch

import engine

OTHER = {engine: "webgpu", torch: "meta"}

FACTORIES = {
    "zeros": lambda T: T.zeros(2, 3),
    "ones": lambda T: T.ones(2),
    "empty": lambda T: T.empty(4),
    "full": lambda T: T.full((2,), 1.5),
    "rand": lambda T: T.rand(3),
    "randn": lambda T: T.randn(2, 2),
    "randint": lambda T: T.randint(0, 5, (3,)),
    "randperm": lambda T: T.randperm(4),
    "arange": lambda T: T.arange(5),
    "arange-float": lambda T: T.arange(0.0, 1.0, 0.25),
    "linspace": lambda T: T.linspace(0, 1, 5),
    "logspace": lambda T: T.logspace(0, 1, 3),
    "eye": lambda T: T.eye(3),
    "tensor": lambda T: T.tensor([1.0, 2.0]),
    "as_tensor(list)": lambda T: T.as_tensor([1.0, 2.0]),
    "as_tensor(ndarray)": lambda T: T.as_tensor(np.ones(2, np.float32)),
    "tril_indices": lambda T: T.tril_indices(3, 3),
    "nn.Linear weight": lambda T: T.nn.Linear(2, 3).weight,
    "nn.Embedding weight": lambda T: T.nn.Embedding(4, 2).weight,
    # not followed: torch.normal is left out of PyTorch's list; from_numpy shares memory; *_like keep the input's
    "normal(size=)": lambda T: T.normal(0.0, 1.0, (3,)),
    "from_numpy": lambda T: T.from_numpy(np.ones(2, np.float32)),
    "zeros_like(cpu)": lambda T: T.zeros_like(T.ones(2, device="cpu")),
    "explicit device": lambda T: T.zeros(2, device="cpu"),
}


@pytest.fixture
def webgpu():
    import engine.backends.webgpu as backend
    if not backend.is_available():
        pytest.skip(backend._state["error"])
    yield
    engine.set_default_device(None)


def _where(T, build):
    T.set_default_device(OTHER[T])
    try:
        t = build(T)
    finally:
        T.set_default_device(None)
    return "default" if t.device.type == OTHER[T] else t.device.type


@pytest.mark.parametrize("name", FACTORIES)
def test_factory_follows_the_default_device_where_torch_does(webgpu, name):
    assert _where(engine, FACTORIES[name]) == _where(torch, FACTORIES[name])


def test_values_made_on_the_default_device_are_the_cpu_values(webgpu):
    def build(T):
        T.manual_seed(0)
        return [T.arange(0.0, 2.0, 0.5), T.full((2, 2), 3.0), T.randn(17), T.rand(5), T.randint(0, 9, (4,)),
                T.tensor([[1, 2], [3, 4]]), T.eye(2, 3)]
    engine.set_default_device("webgpu")
    try:
        on_gpu = build(engine)
    finally:
        engine.set_default_device(None)
    for g, t in zip(on_gpu, build(torch)):
        assert g.device.type == "webgpu"
        assert str(g.dtype) == str(t.dtype)
        np.testing.assert_array_equal(g.cpu().numpy(), t.numpy())


def test_with_device_block_sets_and_restores_the_default(webgpu):
    for T in (engine, torch):
        with T.device(OTHER[T]):
            assert T.ones(1).device.type == OTHER[T]
            assert T.get_default_device().type == OTHER[T]
            with T.device("cpu"):
                assert T.ones(1).device.type == "cpu"
            assert T.zeros(1).device.type == OTHER[T]
        assert T.ones(1).device.type == "cpu"
        assert T.get_default_device() == T.device("cpu")


def test_module_built_on_the_default_device_trains_there(webgpu):
    engine.set_default_device("webgpu")
    try:
        engine.manual_seed(0)
        net = engine.nn.Linear(3, 1)
        x = engine.randn(4, 3)
        net(x).sum().backward()
    finally:
        engine.set_default_device(None)
    torch.manual_seed(0)
    ref = torch.nn.Linear(3, 1)
    ref(torch.randn(4, 3)).sum().backward()
    assert net.weight.grad.device.type == "webgpu"
    np.testing.assert_allclose(net.weight.grad.cpu().numpy(), ref.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("T", [engine, torch], ids=["engine", "torch"])
def test_cpu_default_device(T):
    """set_default_device("cpu") is the CPU as before, and None clears it."""
    T.set_default_device("cpu")
    try:
        assert T.get_default_device() == T.device("cpu")
        t = T.zeros(2)
        assert t.device == T.device("cpu")
        a = np.ones(2, np.float32)
        shared = T.as_tensor(a)
        a[0] = 5.0  # as_tensor of an array still shares its memory
        assert shared.device == T.device("cpu") and shared.tolist() == [5.0, 1.0]
        assert repr(t) == "tensor([0., 0.])"
    finally:
        T.set_default_device(None)
    assert T.get_default_device() == T.device("cpu")


@pytest.mark.parametrize("T", [engine, torch], ids=["engine", "torch"])
def test_missing_default_device_is_refused_at_the_first_factory(T):
    T.set_default_device("cuda")
    try:
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            T.zeros(1)
    finally:
        T.set_default_device(None)
    assert T.zeros(1).device == T.device("cpu")
