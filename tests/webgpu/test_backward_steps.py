"""engine.graph.backward_steps on the webgpu device: the same walk, the same gradients as on the CPU."""
import numpy as np

import engine
import engine.graph as G
import engine.nn as nn


def test_steps_on_the_gpu_follow_the_cpus_order_and_gradients(B):
    engine.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x, y = engine.randn(5, 3), engine.randn(5, 1)
    walks = {}
    for device in ("cpu", "webgpu"):
        model.to(device)
        model.zero_grad()
        loss = nn.functional.mse_loss(model(x.to(device)), y.to(device))
        names, partial = [], []
        for step in G.backward_steps(loss):
            names.append(step.name)
            partial.append(sum(p.grad is not None for p in model.parameters()))
        walks[device] = (names, partial, [p.grad.cpu().numpy() for p in model.parameters()])
    assert walks["webgpu"][:2] == walks["cpu"][:2]
    for g, c in zip(walks["webgpu"][2], walks["cpu"][2]):
        np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)
    record = G.backward_record(nn.functional.mse_loss(model(x.to("webgpu")), y.to("webgpu")))
    assert [s["name"] for s in record] == walks["cpu"][0] and record[0]["grad_outputs"][0]["values"] == [1.0]
