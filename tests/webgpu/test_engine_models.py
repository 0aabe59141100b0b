"""Modules, losses, optimizers and a whole LeNet on device="webgpu", against the same code on the
CPU engine and on PyTorch, from identical weights; plus the device API and GPU residency."""
import copy

import numpy as np
import pytest
import torch

import engine
from tests.engine.module_oracle import copy_state

RTOL, ATOL = 1e-5, 1e-5


@pytest.fixture(autouse=True)
def needs_webgpu(B):
    return B


def close(ours, theirs, what, rtol=RTOL, atol=ATOL):
    a = ours.detach().cpu().numpy() if isinstance(ours, engine.Tensor) else ours.detach().numpy()
    b = theirs.detach().cpu().numpy() if isinstance(theirs, engine.Tensor) else theirs.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (what, a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def run(lib, module, arrays, upstream, device=None):
    """Forward on leaves made from arrays, backward with `upstream`: output, grads, buffers."""
    leaves = []
    for a in arrays:
        t = lib.tensor(a, device=device) if device else lib.tensor(a)
        if a.dtype.kind == "f":
            t.requires_grad_(True)
        leaves.append(t)
    out = module(*leaves)
    out.backward(lib.tensor(upstream, device=device) if device else lib.tensor(upstream))
    params = {name: p.grad for name, p in module.named_parameters()}
    return out, [t.grad for t in leaves], params, dict(module.named_buffers())


def three_ways(make, *arrays, train=True):
    """The module built by make(nn) in torch, on the CPU engine and on webgpu (same weights)."""
    torch.manual_seed(0)
    tm, em = make(torch.nn), make(engine.nn)
    copy_state(tm, em)
    gm = copy.deepcopy(em).to("webgpu")
    for m in (tm, em, gm):
        m.train(train)
    probe = copy.deepcopy(tm)(*(torch.tensor(a) for a in arrays))  # a copy: forward may update stats
    upstream = np.random.default_rng(1).standard_normal(tuple(probe.shape)).astype(np.float32)
    return (run(torch, tm, arrays, upstream), run(engine, em, arrays, upstream),
            run(engine, gm, arrays, upstream, "webgpu"))


def compare(make, *arrays, train=True):
    results = three_ways(make, *arrays, train=train)
    (t_out, t_in, t_par, t_buf), cpu, gpu = results
    for name, (out, grads, params, buffers) in (("cpu", cpu), ("webgpu", gpu)):
        assert out.device.type == name
        close(out, t_out, f"{name} output")
        for i, (g, tg) in enumerate(zip(grads, t_in)):
            assert (g is None) == (tg is None), f"{name} input {i} grad presence"
            if g is not None:
                close(g, tg, f"{name} input {i} grad")
        for key, tg in t_par.items():
            close(params[key], tg, f"{name} {key}.grad")
        for key, tb in t_buf.items():
            close(buffers[key], tb, f"{name} buffer {key}")


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


MODULES = {
    "Linear": (lambda nn: nn.Linear(5, 3), [randn(4, 5)]),
    "Linear-nobias": (lambda nn: nn.Linear(5, 3, bias=False), [randn(2, 4, 5)]),
    "Conv2d": (lambda nn: nn.Conv2d(3, 4, 3), [randn(2, 3, 7, 6)]),
    "Conv2d-stride-pad-groups": (lambda nn: nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), [randn(2, 4, 9, 8)]),
    "Conv2d-dilation": (lambda nn: nn.Conv2d(2, 4, (2, 3), stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
                        [randn(1, 2, 7, 9)]),
    "Conv2d-depthwise": (lambda nn: nn.Conv2d(3, 3, 3, padding=1, groups=3), [randn(2, 3, 5, 5)]),
    "Conv2d-1x1": (lambda nn: nn.Conv2d(3, 5, 1), [randn(2, 3, 4, 4)]),
    "MaxPool2d": (lambda nn: nn.MaxPool2d(2), [randn(2, 3, 6, 7)]),
    "MaxPool2d-ceil-pad": (lambda nn: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [randn(1, 2, 8, 9)]),
    "AvgPool2d": (lambda nn: nn.AvgPool2d(2), [randn(2, 3, 6, 6)]),
    "AvgPool2d-pad": (lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [randn(1, 2, 7, 8)]),
    "AdaptiveAvgPool2d": (lambda nn: nn.AdaptiveAvgPool2d((2, 3)), [randn(2, 3, 6, 9)]),
    "Flatten": (lambda nn: nn.Flatten(), [randn(2, 3, 4)]),
    "ReLU": (lambda nn: nn.ReLU(), [randn(3, 5)]),
    "LeakyReLU": (lambda nn: nn.LeakyReLU(0.1), [randn(3, 5)]),
    "Tanh": (lambda nn: nn.Tanh(), [randn(3, 5)]),
    "Sigmoid": (lambda nn: nn.Sigmoid(), [randn(3, 5)]),
    "GELU": (lambda nn: nn.GELU(), [randn(3, 5)]),
    "GELU-tanh": (lambda nn: nn.GELU(approximate="tanh"), [randn(3, 5)]),
    "Softmax": (lambda nn: nn.Softmax(dim=1), [randn(3, 5)]),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(dim=1), [randn(3, 5)]),
    "Dropout-eval": (lambda nn: nn.Dropout(0.5), [randn(3, 5)]),
    "BatchNorm1d": (lambda nn: nn.BatchNorm1d(5), [randn(6, 5)]),
    "BatchNorm2d": (lambda nn: nn.BatchNorm2d(3), [randn(4, 3, 5, 5)]),
    "LayerNorm": (lambda nn: nn.LayerNorm(5), [randn(3, 5)]),
    "LayerNorm-2d": (lambda nn: nn.LayerNorm([4, 5]), [randn(3, 4, 5)]),
    "Embedding": (lambda nn: nn.Embedding(10, 3), [np.array([[1, 4, 4], [9, 0, 2]])]),
    "Identity": (lambda nn: nn.Identity(), [randn(2, 3)]),
    "Sequential": (lambda nn: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)), [randn(5, 4)]),
}


@pytest.mark.parametrize("name", MODULES)
def test_module_forward_and_gradients(name):
    make, arrays = MODULES[name]
    compare(make, *arrays, train=not name.endswith("-eval"))


def test_batchnorm_eval_uses_running_statistics():
    compare(lambda nn: nn.BatchNorm2d(3), randn(4, 3, 5, 5), train=False)


class Loss:
    """A loss module called on (prediction, target) where only the prediction is a leaf."""

    def __init__(self, make, target):
        self.make, self.target = make, target

    def __call__(self, nn):
        loss, target = self.make(nn), self.target
        lib = torch if nn is torch.nn else engine

        class WithTarget(nn.Module):
            def forward(self, x):
                return loss(x, lib.tensor(target, device=x.device))
        return WithTarget()


LABELS = np.array([1, 0, 3, 3, 2])
LOSSES = {
    "MSELoss": (Loss(lambda nn: nn.MSELoss(), randn(5, 4, seed=3)), randn(5, 4)),
    "L1Loss": (Loss(lambda nn: nn.L1Loss(), randn(5, 4, seed=3)), randn(5, 4)),
    "CrossEntropyLoss": (Loss(lambda nn: nn.CrossEntropyLoss(), LABELS), randn(5, 4)),
    "CrossEntropyLoss-ignore-smooth": (
        Loss(lambda nn: nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.1), LABELS), randn(5, 4)),
    "NLLLoss": (Loss(lambda nn: nn.NLLLoss(), LABELS), randn(5, 4)),
    "BCELoss": (Loss(lambda nn: nn.BCELoss(), (randn(5, 4, seed=3) > 0).astype(np.float32)),
                np.random.default_rng(4).uniform(0.05, 0.95, (5, 4)).astype(np.float32)),
    "BCEWithLogitsLoss": (Loss(lambda nn: nn.BCEWithLogitsLoss(), (randn(5, 4, seed=3) > 0).astype(np.float32)),
                          randn(5, 4)),
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_forward_and_gradients(name):
    make, prediction = LOSSES[name]
    compare(make, prediction)


class LeNet:
    """The classic tutorial network (conv 1->6->16, 3x3; fc 576-120-84-10)."""

    @staticmethod
    def make(nn, F):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1, self.conv2 = nn.Conv2d(1, 6, 3), nn.Conv2d(6, 16, 3)
                self.fc1, self.fc2, self.fc3 = nn.Linear(576, 120), nn.Linear(120, 84), nn.Linear(84, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                x = x.view(-1, 576)
                return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        return Net()


def train(lib, net, optimizer, x, y, steps, device=None):
    F = lib.nn.functional
    kw = {"device": device} if device else {}
    inputs, labels = lib.tensor(x, **kw), lib.tensor(y, **kw)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(net(inputs), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses


def test_lenet_three_sgd_steps_match_cpu_and_torch():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 1, 32, 32)).astype(np.float32), rng.integers(0, 10, 16)
    torch.manual_seed(0)
    tnet = LeNet.make(torch.nn, torch.nn.functional)
    cnet = LeNet.make(engine.nn, engine.nn.functional)
    copy_state(tnet, cnet)
    gnet = copy.deepcopy(cnet).to("webgpu")
    sgd = dict(lr=0.01, momentum=0.9)
    t_losses = train(torch, tnet, torch.optim.SGD(tnet.parameters(), **sgd), x, y, 3)
    c_losses = train(engine, cnet, engine.optim.SGD(cnet.parameters(), **sgd), x, y, 3)
    g_losses = train(engine, gnet, engine.optim.SGD(gnet.parameters(), **sgd), x, y, 3, "webgpu")
    for t, c, g in zip(t_losses, c_losses, g_losses):
        assert abs(g.item() - c.item()) < 1e-5 and abs(g.item() - t.item()) < 1e-4
    g_params, c_params = dict(gnet.named_parameters()), dict(cnet.named_parameters())
    for name, tp in tnet.named_parameters():
        assert g_params[name].device.type == "webgpu"
        close(g_params[name], c_params[name], f"{name} vs cpu", atol=1e-6)
        close(g_params[name], tp, f"{name} vs torch", atol=1e-4)


OPTIMIZERS = {
    "SGD-nesterov-wd": lambda optim, ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "SGD-plain": lambda optim, ps: optim.SGD(ps, lr=0.1),
    "Adam": lambda optim, ps: optim.Adam(ps, lr=0.01),
    "Adam-amsgrad-wd": lambda optim, ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    "AdamW": lambda optim, ps: optim.AdamW(ps, lr=0.01),
    "RMSprop": lambda optim, ps: optim.RMSprop(ps, lr=0.01, momentum=0.5),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_steps_match_cpu(name):
    make = OPTIMIZERS[name]
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((32, 2)).astype(np.float32), rng.standard_normal((32, 1)).astype(np.float32)
    engine.manual_seed(0)
    cpu = engine.nn.Sequential(engine.nn.Linear(2, 8), engine.nn.Tanh(), engine.nn.Linear(8, 1))
    gpu = copy.deepcopy(cpu).to("webgpu")
    for net, device in ((cpu, None), (gpu, "webgpu")):
        opt = make(engine.optim, net.parameters())
        kw = {"device": device} if device else {}
        for _ in range(4):
            opt.zero_grad()
            engine.nn.functional.mse_loss(net(engine.tensor(x, **kw)), engine.tensor(y, **kw)).backward()
            opt.step()
    for (name, c), (_, g) in zip(cpu.named_parameters(), gpu.named_parameters()):
        close(g, c, name, atol=1e-6)


def test_a_training_step_stays_on_the_gpu(B):
    engine.manual_seed(0)
    net = engine.nn.Sequential(engine.nn.Linear(2, 8), engine.nn.Tanh(), engine.nn.Linear(8, 1)).to("webgpu")
    opt = engine.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x, y = engine.randn(64, 2).to("webgpu"), engine.randn(64, 1).to("webgpu")
    before = B.memory_stats()
    for _ in range(3):
        opt.zero_grad()
        engine.nn.functional.mse_loss(net(x), y).backward()
        opt.step()
    after = B.memory_stats()
    assert after["reads"] == before["reads"], "a training step read values back to the host"
    assert after["submits"] - before["submits"] <= 1, "the steps' dispatches were not batched"
    assert after["dispatches"] > before["dispatches"]


def test_gpu_memory_is_flat_over_many_training_steps(B):
    engine.manual_seed(0)
    net = engine.nn.Sequential(engine.nn.Linear(2, 8), engine.nn.Tanh(), engine.nn.Linear(8, 8), engine.nn.Tanh(),
                               engine.nn.Linear(8, 1)).to("webgpu")
    opt = engine.optim.Adam(net.parameters(), lr=0.01)
    x, y = engine.randn(256, 2).to("webgpu"), engine.randn(256, 1).to("webgpu")
    counts = []
    for step in range(300):
        opt.zero_grad()
        loss = engine.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        if step % 50 == 0:
            loss.item()
            stats = B.memory_stats()
            counts.append((stats["buffers"], stats["bytes"], stats["in_use"]))
    assert len(set(counts[1:])) == 1, counts  # after the first steps: no new buffers, same bytes


def test_device_api():
    x = engine.arange(6.0).reshape(2, 3)
    g = x.to("webgpu")
    assert g.device == engine.device("webgpu") and str(g.device) == "webgpu"
    assert "device='webgpu'" in repr(g)
    assert g.cpu().device.type == "cpu" and np.array_equal(g.cpu().numpy(), x.numpy())
    assert (g * 2).sum().item() == 30.0 and g.tolist() == x.tolist()
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        g + x
    with pytest.raises(TypeError, match="float64"):
        engine.zeros(2, dtype=engine.float64, device="webgpu")
    with pytest.raises(TypeError, match="cpu"):
        g.numpy()
    net = engine.nn.Linear(3, 2).to("webgpu")
    assert all(p.device.type == "webgpu" for p in net.parameters())
    assert net(g).device.type == "webgpu"
