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
    """relu(-0.0) is -0.0 in PyTorch, whatever the layout."""
    values = np.array(EDGES * 4, np.float64)[:36].reshape(6, 6) if "float" in dtype else \
        np.arange(-18, 18).reshape(6, 6) % (256 if dtype == "uint8" else 1000) - (0 if dtype == "uint8" else 9)
    arrange = {"contiguous": lambda x: x, "transposed": lambda x: x.t(), "sliced": lambda x: x[::2, 1:],
               "expanded": lambda x: x[:1].expand(4, 6)}[layout]
    e = arrange(engine.tensor(values, dtype=getattr(engine, dtype)))
    t = arrange(torch.tensor(values, dtype=getattr(torch, dtype)))
    _same(engine.relu(e), torch.relu(t))
    _same(engine.nn.functional.relu(e), torch.nn.functional.relu(t))


def test_relu_gradient_and_lenet_sized_input():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, 30, 30)).astype(np.float32)
    x[0, 0, 0, :4] = [0.0, -0.0, np.inf, np.nan]
    g = rng.standard_normal(x.shape).astype(np.float32)
    e, t = engine.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = engine.relu(e), torch.relu(t)
    _same(ye, yt)
    ye.backward(engine.tensor(g))
    yt.backward(torch.tensor(g))
    _same(e.grad, t.grad)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_gradient_edges(dtype):
    """PyTorch masks with `out <= 0 ? 0 : g`: +0.0 where masked even for a negative, infinite or NaN g, and g
    passes where the output is NaN."""
    cases = [([-1.0, 0.0, float("nan"), 2.0, -0.0, -3.0, -2.0],
              [-1.0, -2.0, -3.0, -4.0, float("inf"), float("nan"), -float("inf")]),
             (-0.0, -1.0), (float("nan"), 2.0), (0.5, -3.0)]  # and 0-d tensors
    for x, g in cases:
        grads = []
        for lib in (engine, torch):
            leaf = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
            lib.relu(leaf).backward(lib.tensor(g, dtype=getattr(lib, dtype)))
            grads.append(leaf.grad)
        _same(*grads)


@pytest.mark.parametrize("padding, dilation, groups", [((0, 0), (1, 1), 1), ((1, 2), (1, 1), 1), ((0, 1), (2, 1), 3),
                                                       ((2, 0), (1, 3), 1), ((1, 1), (2, 2), 3)])
@pytest.mark.parametrize("weight", ["finite", "with inf"])
def test_conv2d_input_gradient_stride_one(padding, dilation, groups, weight):
    """conv2d's input gradient at stride 1 (LeNet's: col2im over the padded input's full width), every padding,
    dilation and grouping, and a weight holding inf (where the extra columns must not add 0 * inf)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 6, 9, 11)).astype(np.float32)
    w = rng.standard_normal((9, 6 // groups, 3, 2)).astype(np.float32)
    if weight == "with inf":
        w[1, 0, 2, 1] = np.inf
    grads = []
    for lib in (engine, torch):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        out = lib.nn.functional.conv2d(xt, wt, None, 1, padding, dilation, groups)
        incoming = np.random.default_rng(2).standard_normal(tuple(out.shape)).astype(np.float32)
        out.backward(lib.tensor(incoming))
        grads.append((xt.grad.numpy(), wt.grad.numpy(), tuple(xt.grad.stride())))
    (ex, ew, es), (tx, tw, ts) = grads
    np.testing.assert_allclose(ex, tx, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ew, tw, rtol=1e-5, atol=1e-4)
    assert es == ts


@pytest.mark.parametrize("cin, cout, kernel, groups", [(1, 6, 3, 1), (6, 16, 3, 1), (2, 6, 5, 1), (6, 4, 3, 2),
                                                       (4, 4, 3, 4)])
def test_conv2d_weight_and_bias_gradients_either_product_orientation(cin, cout, kernel, groups):
    """conv2d's forward (bias added inside the kernel) and its weight gradient, which is computed as
    (cout, unfolded rows) or, where the unfolded rows are many (LeNet's second conv), as its transpose:
    values as PyTorch's, and the weight's .grad contiguous, as PyTorch's, either way."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, cin, 10, 9)).astype(np.float32)
    w = rng.standard_normal((cout, cin // groups, kernel, kernel)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    results = []
    for lib in (engine, torch):
        xt, wt, bt = lib.tensor(x), lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.nn.functional.conv2d(xt, wt, bt, 1, 1, 1, groups)
        out.backward(lib.tensor(np.random.default_rng(4).standard_normal(tuple(out.shape)).astype(np.float32)))
        results.append((out, wt.grad, bt.grad))
    for e, t in zip(*results):
        assert tuple(e.shape) == tuple(t.shape) and e.stride() == t.stride() and e.is_contiguous()
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-4)
