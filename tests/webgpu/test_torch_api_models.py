"""The modules and optimizers added for PyTorch parity (Transformer, Lazy, RMSNorm, ... ; Adadelta, Rprop, ASGD,
Adafactor, LBFGS) on device="webgpu", against torch and the CPU engine from the same weights."""
import copy

import numpy as np
import pytest
import torch

import engine
from tests.webgpu.test_engine_models import close, compare, needs_webgpu, randn  # noqa: F401

pytestmark = pytest.mark.usefixtures("needs_webgpu")


def _shaped_lazy(nn):
    m = nn.LazyLinear(3)
    m((engine if nn is engine.nn else torch).zeros(2, 5))
    return m


MODULES = {
    "TransformerEncoderLayer": (lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), [randn(5, 2, 8)]),
    "TransformerEncoderLayer-norm-first-gelu": (
        lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", norm_first=True,
                                              batch_first=True), [randn(2, 5, 8)]),
    "RMSNorm": (lambda nn: nn.RMSNorm(6), [randn(3, 6)]),
    "InstanceNorm2d": (lambda nn: nn.InstanceNorm2d(3, affine=True), [randn(2, 3, 4, 4)]),
    "PixelShuffle": (lambda nn: nn.PixelShuffle(2), [randn(2, 8, 3, 3)]),
    "Unfold": (lambda nn: nn.Unfold(2, stride=2), [randn(2, 3, 4, 6)]),
    "CELU": (lambda nn: nn.CELU(), [randn(3, 5)]),
    "LazyLinear": (_shaped_lazy, [randn(4, 5)]),
}


@pytest.mark.parametrize("name", MODULES)
def test_module_forward_and_gradients(name):
    make, arrays = MODULES[name]
    compare(make, *arrays)


OPTIMIZERS = {
    "Adadelta": lambda optim, ps: optim.Adadelta(ps, lr=0.5, weight_decay=0.1),
    "Rprop": lambda optim, ps: optim.Rprop(ps, lr=0.01),
    "ASGD": lambda optim, ps: optim.ASGD(ps, lr=0.05, t0=2),
    "Adafactor": lambda optim, ps: optim.Adafactor(ps, lr=0.05),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_steps_match_cpu(name):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((32, 2)).astype(np.float32), rng.standard_normal((32, 1)).astype(np.float32)
    engine.manual_seed(0)
    cpu = engine.nn.Sequential(engine.nn.Linear(2, 8), engine.nn.Tanh(), engine.nn.Linear(8, 1))
    gpu = copy.deepcopy(cpu).to("webgpu")
    for net, device in ((cpu, None), (gpu, "webgpu")):
        opt = OPTIMIZERS[name](engine.optim, net.parameters())
        kw = {"device": device} if device else {}
        for _ in range(4):
            opt.zero_grad()
            engine.nn.functional.mse_loss(net(engine.tensor(x, **kw)), engine.tensor(y, **kw)).backward()
            opt.step()
    for (pname, c), (_, g) in zip(cpu.named_parameters(), gpu.named_parameters()):
        assert g.device.type == "webgpu"
        close(g, c, pname, rtol=1e-4, atol=1e-5)


def test_lbfgs_with_line_search_matches_cpu():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    engine.manual_seed(0)
    cpu = engine.nn.Linear(3, 1)
    gpu = copy.deepcopy(cpu).to("webgpu")
    for net, device in ((cpu, None), (gpu, "webgpu")):
        kw = {"device": device} if device else {}
        opt = engine.optim.LBFGS(net.parameters(), max_iter=4, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = engine.nn.functional.mse_loss(net(engine.tensor(x, **kw)), engine.tensor(y, **kw))
            loss.backward()
            return loss
        for _ in range(2):
            opt.step(closure)
    # eight line-search iterations near the optimum magnify float32 rounding (the GPU sums in another order)
    for (pname, c), (_, g) in zip(cpu.named_parameters(), gpu.named_parameters()):
        close(g, c, pname, rtol=1e-3, atol=5e-4)
