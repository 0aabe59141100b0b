"""What the playground's views read from a webgpu step: the whole capture comes back in one
read-back (engine.graph.capture.to_host), and several tensors through engine.webgpu.read_back."""
import numpy as np

import engine
import engine.graph as G
import engine.nn as nn


def lenet_step(device):
    engine.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3 * 3 * 3, 4))
    model.to(device)
    rng = np.random.default_rng(0)
    x = engine.tensor(rng.standard_normal((4, 1, 8, 8)).astype(np.float32), device=device)
    y = engine.tensor(rng.integers(0, 4, 4), device=device)
    with G.capture(model) as cap:
        loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    return cap, loss


def test_the_capture_comes_back_in_one_read_and_matches_the_cpu(B):
    cpu_cap, cpu_loss = lenet_step("cpu")
    cpu_graph = cpu_cap.graph(cpu_loss)
    cap, loss = lenet_step("webgpu")
    dev = B.get_device()
    reads = dev.memory_stats()["reads"]
    (loss_value,) = cap.to_host(loss)
    graph = cap.graph(loss)
    values = [cap.value(n["id"]) for n in graph.nodes]
    grads = [cap.grad(n["id"]) for n in graph.nodes]
    assert dev.memory_stats()["reads"] == reads + 1   # everything above: one read-back
    np.testing.assert_allclose(loss_value, cpu_loss.item(), rtol=1e-5)
    assert [n["name"] for n in graph.nodes] == [n["name"] for n in cpu_graph.nodes]
    for n, cpu_node, value, grad in zip(graph.nodes, cpu_graph.nodes, values, grads):
        expected = cpu_cap.value(cpu_node["id"])
        assert isinstance(value, np.ndarray) and value.shape == expected.shape, n["name"]
        np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-5, err_msg=n["name"])
        expected_grad = cpu_cap.grad(cpu_node["id"])
        assert (grad is None) == (expected_grad is None), n["name"]
        if grad is not None:
            np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5, err_msg=n["name"])
        if cpu_node["grad_norm"] is not None:
            np.testing.assert_allclose(n["grad_norm"], cpu_node["grad_norm"], rtol=1e-4)


def test_read_back_reads_several_tensors_at_once(B):
    x = engine.arange(6.0, device="webgpu").reshape(2, 3)
    dev = B.get_device()
    reads = dev.memory_stats()["reads"]
    a, b, c = engine.webgpu.read_back([x * 2, x.t(), engine.tensor([1, 2])])
    assert dev.memory_stats()["reads"] == reads + 1
    assert a.tolist() == [[0, 2, 4], [6, 8, 10]] and b.shape == (3, 2) and c.tolist() == [1, 2]
