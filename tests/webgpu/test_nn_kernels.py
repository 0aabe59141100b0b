"""Convolution, pooling, softmax and fused optimizer kernels against the numpy backend."""
import numpy as np
import pytest

from .helpers import assert_same, check

CONVS = [  # x shape, weight shape, stride, padding, dilation, groups
    ((2, 3, 9, 8), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1),
    ((2, 4, 11, 10), (6, 2, 3, 3), (2, 2), (1, 1), (1, 1), 2),
    ((1, 2, 7, 9), (4, 1, 2, 3), (2, 1), (1, 2), (2, 1), 2),
    ((3, 1, 6, 6), (2, 1, 1, 1), (1, 1), (0, 0), (1, 1), 1),
    ((1, 4, 5, 5), (4, 1, 3, 3), (1, 1), (1, 1), (1, 1), 4),  # depthwise
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONVS)
def test_conv2d_and_gradients(B, NB, rng, xs, ws, stride, padding, dilation, groups):
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    tol = dict(rtol=1e-4, atol=1e-5)
    check(B, NB, "conv2d", x, w, stride, padding, dilation, groups, **tol)
    y = NB.conv2d(x, w, stride, padding, dilation, groups)
    g = rng.standard_normal(y.shape).astype(np.float32)
    check(B, NB, "conv2d_backward_input", g, w, xs, stride, padding, dilation, groups, **tol)
    check(B, NB, "conv2d_backward_weight", x, g, ws, stride, padding, dilation, groups, **tol)


def test_conv2d_reads_strided_inputs(B, NB, rng):
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)  # NHWC storage, used as NCHW
    w = rng.standard_normal((4, 3, 2, 2)).astype(np.float32)
    nchw = B.permute(B.from_numpy(x), (0, 3, 1, 2))
    assert_same(B.conv2d(nchw, B.from_numpy(w), (1, 1), (0, 0), (1, 1), 1),
                NB.conv2d(x.transpose(0, 3, 1, 2), w, (1, 1), (0, 0), (1, 1), 1), rtol=1e-4, atol=1e-5)


POOLS = [  # shape, kernel, stride, padding, dilation, ceil_mode
    ((2, 3, 9, 8), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((1, 2, 11, 10), (3, 3), (2, 2), (1, 1), (1, 1), True),
    ((2, 1, 7, 9), (3, 2), (1, 2), (1, 0), (2, 1), False),
    ((1, 1, 5, 5), (2, 2), (2, 2), (0, 0), (1, 1), True),
]


@pytest.mark.parametrize("shape,kernel,stride,padding,dilation,ceil_mode", POOLS)
def test_max_pool2d_values_indices_and_backward(B, NB, rng, shape, kernel, stride, padding, dilation, ceil_mode):
    x = rng.standard_normal(shape).astype(np.float32)
    check(B, NB, "max_pool2d", x, kernel, stride, padding, dilation, ceil_mode)
    values, indices = NB.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)
    g = rng.standard_normal(values.shape).astype(np.float32)
    assert_same(B.max_pool2d_backward(B.from_numpy(g), B.from_numpy(indices), shape),
                max_pool2d_backward_reference(g, indices, shape), atol=1e-6)


def max_pool2d_backward_reference(grad, indices, shape):
    """Each output's gradient added at the input its index names (per (n, c) plane)."""
    n, c, h, w = shape
    planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    flat = (indices + planes).ravel().astype(np.intp)  # numpy on wasm32 indexes with int32 only
    return np.bincount(flat, grad.ravel(), minlength=n * c * h * w).astype(np.float32).reshape(shape)


def test_max_pool2d_ties_pick_the_first(B):
    x = B.from_numpy(np.zeros((1, 1, 4, 4), np.float32))
    values, indices = B.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    assert B.to_numpy(indices).tolist() == [[[[0, 2], [8, 10]]]]  # what torch returns


@pytest.mark.parametrize("shape,kernel,stride,padding,dilation,ceil_mode", [p for p in POOLS if p[4] == (1, 1)])
@pytest.mark.parametrize("count_include_pad,divisor_override", [(True, None), (False, None), (True, 3)])
def test_avg_pool2d_and_backward(B, NB, rng, shape, kernel, stride, padding, dilation, ceil_mode,
                                 count_include_pad, divisor_override):
    x = rng.standard_normal(shape).astype(np.float32)
    args = (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    check(B, NB, "avg_pool2d", x, *args)
    out = NB.avg_pool2d(x, *args)
    g = rng.standard_normal(out.shape).astype(np.float32)
    check(B, NB, "avg_pool2d_backward", g, shape, *args)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_every_axis(B, NB, rng, op):
    x = (rng.standard_normal((3, 5, 300)) * 5).astype(np.float32)
    for axis in range(3):
        check(B, NB, op, x, axis)
    v = B.permute(B.from_numpy(x), (2, 1, 0))
    assert_same(getattr(B, op)(v, 1), getattr(NB, op)(x.transpose(2, 1, 0), 1))
    check(B, NB, op, np.array([[1e4, 0.0, -1e4]], np.float32), 1)


@pytest.mark.parametrize("momentum,dampening,weight_decay,nesterov,maximize", [
    (0.0, 0.0, 0.0, False, False), (0.9, 0.1, 0.01, False, False), (0.9, 0.0, 0.0, True, True)])
def test_sgd_step_in_place(B, NB, rng, momentum, dampening, weight_decay, nesterov, maximize):
    param, buf = rng.standard_normal((5, 7)).astype(np.float32), rng.standard_normal((5, 7)).astype(np.float32)
    grad = rng.standard_normal((7, 5)).astype(np.float32).T  # a transposed (strided) gradient
    d_param, d_buf = B.from_numpy(param), B.from_numpy(buf)
    d_grad = B.permute(B.from_numpy(np.ascontiguousarray(grad.T)), (1, 0))
    args = (0.1, momentum, dampening, weight_decay, nesterov, maximize)
    B.sgd_step(d_param, d_grad, d_buf if momentum else None, *args)
    NB.sgd_step(param, grad, buf if momentum else None, *args)
    assert_same(d_param, param)
    assert_same(d_buf, buf)


@pytest.mark.parametrize("amsgrad,decoupled,weight_decay,maximize", [
    (False, False, 0.0, False), (True, False, 0.1, False), (False, True, 0.1, True)])
def test_adam_step_in_place(B, NB, rng, amsgrad, decoupled, weight_decay, maximize):
    state = [rng.standard_normal(33).astype(np.float32) for _ in range(2)]
    state += [np.abs(rng.standard_normal(33)).astype(np.float32) for _ in range(2)]
    grad = rng.standard_normal(33).astype(np.float32)
    dev = [B.from_numpy(s) for s in state]
    args = (3, 1e-2, 0.9, 0.999, 1e-8, weight_decay, amsgrad, decoupled, maximize)
    B.adam_step(dev[0], B.from_numpy(grad), dev[1], dev[2], dev[3] if amsgrad else None, *args)
    NB.adam_step(state[0], grad, state[1], state[2], state[3] if amsgrad else None, *args)
    for d, s in zip(dev, state):
        assert_same(d, s)


def test_optimizer_updates_a_parameter_view(B, NB, rng):
    base = rng.standard_normal((4, 6)).astype(np.float32)
    grad = rng.standard_normal((4, 3)).astype(np.float32)
    d_base = B.from_numpy(base)
    B.sgd_step(B.getitem(d_base, (Ellipsis, slice(None, None, 2))), B.from_numpy(grad), None,
               0.5, 0.0, 0.0, 0.0, False, False)
    view = base[..., ::2]
    NB.sgd_step(view, grad, None, 0.5, 0.0, 0.0, 0.0, False, False)
    assert_same(d_base, base)
