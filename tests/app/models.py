"""Small engine models and one recorded step of each, shared by the view tests."""
import numpy as np

import engine as torch
import engine.graph as G
import engine.nn as nn


def mlp(hidden=8):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def lenet():
    """The tutorial's LeNet as the playground builds it: a Sequential of layers."""
    return nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(576, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10))


def points(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
    return torch.tensor(x), torch.tensor(y)


def record(model, x, y, loss_fn, backward=True):
    """One forward (and backward) under engine.graph.capture: (capture, graph)."""
    with G.capture(model) as cap:
        loss = loss_fn(model(x), y)
    if backward:
        loss.backward()
    return cap, cap.graph(loss)


def mlp_step(model=None, backward=True):
    model = model or mlp()
    x, y = points()
    return (model, *record(model, x, y, nn.functional.binary_cross_entropy_with_logits, backward))


def lenet_step(model=None, batch=8, backward=True):
    model = model or lenet()
    torch.manual_seed(0)
    x, y = torch.randn(batch, 1, 32, 32), torch.randint(0, 10, (batch,))
    return (model, *record(model, x, y, nn.functional.cross_entropy, backward))
