"""atan, asin, acos and atan2 on device="webgpu" end to end (they are made of the atan2 primitive):
values and gradients against PyTorch, in float32."""
import numpy as np
import pytest
import torch

import engine

UNIT = [-0.999, -0.7, -0.2, 0.0, 0.3, 0.65, 0.95]
ANY = [-30.0, -2.5, -1.0, -0.1, 0.0, 0.4, 1.0, 3.0, 1e4]
UNARY = {"atan": ANY, "arctan": ANY, "asin": UNIT, "arcsin": UNIT, "acos": UNIT, "arccos": UNIT}


def leaves(values):
    e = engine.tensor(values, device="webgpu", requires_grad=True)
    t = torch.tensor(values, dtype=torch.float32, requires_grad=True)
    return e, t


def assert_close(e, t, rtol=1e-6, atol=1e-6):
    assert e.device.type == "webgpu" and e.dtype == engine.float32 and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.cpu().detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_inverse_trig_values_gradients_and_node(B, name):
    e, t = leaves(UNARY[name])
    e_out, t_out = getattr(e, name)(), getattr(t, name)()
    assert_close(e_out, t_out)
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    weights = [0.5, -1.0, 2.0, 1.0, -0.3, 0.7, 1.5, -2.0, 0.25][:len(UNARY[name])]
    (e_out * engine.tensor(weights, device="webgpu")).sum().backward()
    (t_out * torch.tensor(weights)).sum().backward()
    assert_close(e.grad, t.grad, rtol=1e-5)


def test_atan2_broadcasts_with_gradients_for_both_inputs(B):
    rng = np.random.default_rng(0)
    y, x = rng.standard_normal((3, 1, 4)).astype(np.float32), rng.standard_normal((5, 1)).astype(np.float32)
    ey, ty = leaves(y.tolist())
    ex, tx = leaves(x.tolist())
    e_out, t_out = engine.atan2(ey, ex), torch.atan2(ty, tx)
    assert_close(e_out, t_out)
    assert e_out.grad_fn.name() == t_out.grad_fn.name() == "Atan2Backward0"
    e_out.sum().backward()
    t_out.sum().backward()
    assert_close(ey.grad, ty.grad, rtol=1e-5)
    assert_close(ex.grad, tx.grad, rtol=1e-5)


def test_atan2_in_place_and_method(B):
    y, x = [[0.0, -0.0, 1.0], [-1.0, 2.0, -3.0]], [[-1.0, -1.0, 0.0], [0.0, -2.0, 4.0]]
    e, t = engine.tensor(y, device="webgpu"), torch.tensor(y)
    assert_close(e.atan2(engine.tensor(x, device="webgpu")), t.atan2(torch.tensor(x)))
    e.atan2_(engine.tensor(x, device="webgpu"))
    t.atan2_(torch.tensor(x))
    assert_close(e, t)
