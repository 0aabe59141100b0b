"""The acceptance test of issue 2: PyTorch's classic tutorial code, verbatim, run once with
`import torch` and once with `import engine as torch`; the printed text (object addresses aside)
and the values must be the same. Random draws are shared between the two runs so that the
numbers printed can be compared."""
import builtins
import contextlib
import io
import re

import numpy as np
import pytest
import torch

import engine

TUTORIAL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.empty(5, 3)
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
a = torch.randn(2, 2)
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)
out.backward()
print(x.grad)


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 3x3 square convolution
        # kernel
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

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight

input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.randn(1, 10))

output = net(input)
target = torch.randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU

net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)

import torch.optim as optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
optimizer.zero_grad()   # zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()    # Does the update
'''


def _importer(lib):
    """__import__ that resolves `torch` (and its submodules) to lib."""
    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if lib is engine and (name == "torch" or name.startswith("torch.")):
            name = "engine" + name[len("torch"):]
        return builtins.__import__(name, globals, locals, fromlist, level)
    return import_


@contextlib.contextmanager
def _shared_random(lib, seed):
    """randn and uniform_ (what nn.init uses) draw from one numpy stream in both runs."""
    rng = np.random.default_rng(seed)
    original_randn, original_uniform = lib.randn, lib.Tensor.uniform_

    def randn(*size, **kwargs):
        shape = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        return lib.tensor(rng.standard_normal(shape).astype(np.float32), **kwargs)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        with lib.no_grad():
            return self.copy_(lib.tensor(rng.uniform(a, b, tuple(self.shape)).astype(np.float32)))

    lib.randn, lib.Tensor.uniform_ = randn, uniform_
    try:
        yield
    finally:
        lib.randn, lib.Tensor.uniform_ = original_randn, original_uniform


def run_tutorial(lib, seed=0):
    namespace = {"__builtins__": {**vars(builtins), "__import__": _importer(lib)}, "__name__": "tutorial"}
    out = io.StringIO()
    with _shared_random(lib, seed), contextlib.redirect_stdout(out):
        exec(compile(TUTORIAL, "tutorial.py", "exec"), namespace)
    return re.sub(r"0x[0-9a-f]+", "0x...", out.getvalue()), namespace


@pytest.fixture(scope="module")
def runs():
    return run_tutorial(torch), run_tutorial(engine)


def test_tutorial_prints_what_pytorch_prints(runs):
    (torch_text, _), (engine_text, _) = runs
    assert "<AddmmBackward0 object at 0x...>" in torch_text  # the check below compares real output
    assert engine_text.splitlines() == torch_text.splitlines()


def test_tutorial_values_match_pytorch(runs):
    (_, t), (_, e) = runs
    np.testing.assert_allclose(e["x"].grad.numpy(), t["x"].grad.numpy())
    np.testing.assert_allclose(e["loss"].item(), t["loss"].item(), rtol=1e-5)
    for (name, pe), pt in zip(e["net"].named_parameters(), t["net"].parameters()):
        np.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    assert isinstance(e["optimizer"], engine.optim.SGD)


def _lenet(lib):
    """The tutorial's network, built outside the tutorial text for the training test."""
    ns = {"__builtins__": {**vars(builtins), "__import__": _importer(lib)}}
    source = TUTORIAL[TUTORIAL.index("import torch\n"):TUTORIAL.index("x = torch.empty")]
    source += TUTORIAL[TUTORIAL.index("class Net"):TUTORIAL.index("net = Net()")]
    exec(compile(source, "lenet.py", "exec"), ns)
    return ns["Net"]()


def test_three_sgd_momentum_steps_of_lenet_match_pytorch():
    torch.manual_seed(0)
    t_net, e_net = _lenet(torch), _lenet(engine)
    e_net.load_state_dict({k: engine.tensor(v.detach().numpy()) for k, v in t_net.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 1, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    losses = []
    for lib, net in ((torch, t_net), (engine, e_net)):
        opt = lib.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        criterion = lib.nn.CrossEntropyLoss()
        seen = []
        for _ in range(3):
            opt.zero_grad()
            loss = criterion(net(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            seen.append(loss.item())
        losses.append(seen)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)
    for (name, pe), pt in zip(e_net.named_parameters(), t_net.parameters()):
        np.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), atol=1e-4, err_msg=name)
