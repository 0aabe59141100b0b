"""Seeded training ends where PyTorch's does: the same initial weights, shuffled batches and dropout
masks, so ten SGD steps give the same weights (issue 9)."""
import numpy as np
import torch

import engine


def lenet(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)
            self.dropout = nn.Dropout(0.25)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            x = self.dropout(F.relu(self.fc1(x)))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net(), nn.CrossEntropyLoss()


def mlp(lib):
    nn = lib.nn
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Dropout(0.2), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    return net, nn.MSELoss()


def train(lib, build, inputs, targets, seed):
    lib.manual_seed(seed)
    net, criterion = build(lib)
    optimizer = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    data = lib.utils.data.TensorDataset(lib.tensor(inputs), lib.tensor(targets))
    loader = lib.utils.data.DataLoader(data, batch_size=8, shuffle=True)
    steps = 0
    while steps < 10:
        for x, y in loader:
            optimizer.zero_grad()
            criterion(net(x), y).backward()
            optimizer.step()
            steps += 1
            if steps == 10:
                break
    return {name: p.detach().numpy().copy() for name, p in net.state_dict().items()}


def assert_same_training(build, inputs, targets, seed):
    theirs = train(torch, build, inputs, targets, seed)
    ours = train(engine, build, inputs, targets, seed)
    assert list(ours) == list(theirs)
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], atol=1e-5, err_msg=name)
    np.testing.assert_array_equal(engine.get_rng_state().numpy(), torch.get_rng_state().numpy())


def test_lenet_trains_to_pytorchs_weights():
    images = np.random.default_rng(0).random((36, 1, 32, 32), dtype=np.float32)  # more than one epoch of 8s
    labels = np.arange(36) % 10
    assert_same_training(lenet, images, labels, seed=2147483647)


def test_mlp_2_8_8_1_trains_to_pytorchs_weights():
    rng = np.random.default_rng(1)
    points = rng.standard_normal((44, 2)).astype(np.float32)
    values = np.sin(points[:, :1] * 2).astype(np.float32)
    assert_same_training(mlp, points, values, seed=0)
