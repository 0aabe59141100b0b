"""More of the torch functions and Tensor methods tutorials and courses use, against real PyTorch
(tests/engine/oracle.py): values, dtypes, node names and gradients; gradcheck of each new op."""
import numpy as np
import pytest
import torch

import engine
from engine.autograd import gradcheck, gradgradcheck
from tests.engine.oracle import check, distinct, rand, randint, randn, raises_like

UNIT = rand(3, 4, low=-0.9, high=0.9)
ABOVE_ONE = rand(3, 4, low=1.1, high=3.0)
PROBS = rand(3, 4, low=0.05, high=0.95)


# --- new tensors like an existing one ----------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda T, x: x.new_zeros(2, 3), lambda T, x: x.new_zeros((2,)), lambda T, x: x.new_ones(2, dtype=T.int32),
    lambda T, x: x.new_full((2, 2), 7), lambda T, x: x.new_full([3], 1.5, dtype=T.float64),
    lambda T, x: x.new_empty(0, 3), lambda T, x: x.new_tensor([1, 2]), lambda T, x: x.new_tensor([[1.5]]),
    lambda T, x: x.new_ones(2, requires_grad=True), lambda T, x: str(x.long().new_zeros(2).dtype),
], ids=["zeros", "zeros-tuple", "ones-dtype", "full", "full-dtype", "empty", "tensor-ints", "tensor", "requires-grad",
        "from-long"])
def test_new_tensors_take_dtype_and_device_from_self(make):
    check(make, randn(2, 3), grad=False)


def test_new_tensor_from_a_tensor_warns_as_pytorch():
    for T in (engine, torch):
        with pytest.warns(UserWarning, match="To copy construct from a tensor"):
            t = T.ones(2).new_tensor(T.tensor([1.0, 2.0], requires_grad=True))
        assert not t.requires_grad and t.tolist() == [1.0, 2.0]


# --- elementwise functions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, x", [
    ("tan", UNIT), ("atan", randn(3, 4)), ("arctan", randn(3, 4)), ("asin", UNIT), ("arcsin", UNIT), ("acos", UNIT),
    ("arccos", UNIT), ("sinh", randn(3, 4) * 3), ("cosh", randn(3, 4) * 3), ("asinh", randn(3, 4) * 3),
    ("arcsinh", randn(3, 4) * 3), ("acosh", ABOVE_ONE), ("arccosh", ABOVE_ONE), ("atanh", UNIT), ("arctanh", UNIT),
    ("exp2", randn(3, 4)), ("sgn", distinct(3, 4)), ("logit", PROBS),
])
def test_unary(name, x):
    grad = name != "sgn"  # PyTorch's gradient of sgn is a ZeroTensor, which cannot be read (the engine's: zeros)
    check(lambda T, x: getattr(T, name)(x), x, grad=grad)
    check(lambda T, x: getattr(x, name)(), x, grad=grad)


def test_unary_precision_near_the_hard_points():
    tiny = np.array([1e-12, -3e-9, 1e-5, 0.0])
    check(lambda T, x: T.sinh(x), tiny, grad=False)
    check(lambda T, x: T.asinh(x), tiny, grad=False)
    check(lambda T, x: T.atanh(x), tiny, grad=False)
    check(lambda T, x: T.acosh(x), np.array([1.0, 1 + 1e-10, 1 + 1e-6, 50.0]), grad=False)
    check(lambda T, x: T.asin(x) + T.acos(x), np.array([-1.0, 1.0, 0.999999, -0.5]), grad=False)
    check(lambda T, x: T.tan(x), np.array([1.5707, -1.5, 3.0]), dtypes=("float64",), grad=False)


def test_unary_outside_the_domain_is_nan_or_infinite_as_in_pytorch():
    with np.errstate(all="ignore"):
        check(lambda T, x: [T.asin(x), T.acos(x), T.atanh(x), T.acosh(x), T.logit(x)],
              np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), grad=False)


@pytest.mark.parametrize("name", ["tan", "atan", "asin", "acos", "sinh", "cosh", "asinh", "acosh", "atanh", "exp2",
                                  "sgn", "logit"])
def test_unary_of_integers(name):
    with np.errstate(all="ignore"):
        check(lambda T, x: getattr(T, name)(x), np.array([-1, 0, 1, 2]), grad=False)


@pytest.mark.parametrize("name", ["tan_", "atan_", "asin_", "acos_", "sinh_", "cosh_", "asinh_", "atanh_", "exp2_",
                                  "logit_", "sgn_", "arctan_", "arcsinh_"])
def test_unary_in_place(name):
    # PyTorch has no derivative for asinh_/acosh_/atanh_ (their nodes refuse to run backward)
    grad = name not in ("sgn_", "asinh_", "atanh_", "arcsinh_")
    check(lambda T, x: getattr(x * 0.5 + 0.5, name)(), UNIT, grad=grad)


def test_in_place_inverse_hyperbolic_functions_have_no_derivative():
    check(lambda T, x: (x * 0.5 + 1.5).acosh_(), UNIT, grad=False)
    for name in ("asinh_", "acosh_", "atanh_"):
        value = 1.5 if name == "acosh_" else 0.5
        raises_like(lambda T: getattr(T.ones(2, requires_grad=True) * value, name)().sum().backward())


def test_in_place_functions_of_the_torch_module():
    check(lambda T, x: T.relu_(x * 1), randn(3, 4))
    check(lambda T, x: T.sigmoid_(x * 1) + T.tan_(x * 0.5), UNIT)
    check(lambda T, x, lo, hi: T.clamp_(x * 1, lo, hi), randn(3, 4), np.full(4, -0.5), np.full(4, 0.5))
    check(lambda T, x, lo, hi: (x * 1).clamp_(min=lo, max=hi), randn(3, 4), np.full(4, -0.5), np.full(4, 0.5))
    check(lambda T, x: T.clamp_(x * 1, min=-0.1), randn(3, 4))


def test_logit_with_eps():
    check(lambda T, x: T.logit(x, eps=0.1), np.array([0.05, 0.2, 0.5, 0.95, 0.99]))
    check(lambda T, x: x.logit(1e-6), PROBS)


@pytest.mark.parametrize("name", ["atan2", "arctan2", "hypot", "logaddexp"])
def test_binary(name):
    check(lambda T, x, y: getattr(T, name)(x, y), randn(3, 4), randn(4))
    check(lambda T, x, y: getattr(x, name)(y), randn(2, 1, 3), randn(4, 1))
    if name in ("hypot", "logaddexp"):  # PyTorch has no integer kernels for these
        raises_like(lambda T: getattr(T, name)(T.tensor([1, -2]), T.tensor([3, 0])))
    else:
        check(lambda T, x, y: getattr(T, name)(x, y), np.array([1, -2, 0]), np.array([3, 0, 0]), grad=False)


def test_binary_edge_values():
    inf = np.inf
    check(lambda T, x, y: T.logaddexp(x, y), np.array([-inf, inf, 1e300, -3.0]), np.array([-inf, inf, 1e300, 700.0]),
          dtypes=("float64",), grad=False)
    check(lambda T, x, y: T.atan2(x, y), np.array([0.0, 0.0, 1.0, -1.0]), np.array([1.0, -1.0, 0.0, 0.0]), grad=False)
    check(lambda T, x, y: x.atan2_(y), randn(3, 4), randn(3, 4), grad=False)
    check(lambda T, x, y: (x * 1).hypot_(y), randn(3, 4), randn(4))


def test_binary_needs_a_tensor_as_other():
    for name in ("atan2", "hypot", "logaddexp"):
        raises_like(lambda T: getattr(T, name)(T.ones(2), 2.0))


def test_xlogy():
    x = np.array([0.0, 0.0, 1.5, 2.0, 0.0])
    y = np.array([0.0, 2.0, 0.5, 3.0, np.nan])
    check(lambda T, x, y: T.xlogy(x, y), x, y, grad=False)
    check(lambda T, x, y: T.xlogy(x, y), rand(3, 4), rand(4, low=0.5, high=2))
    check(lambda T, x: T.xlogy(x, 2.5), rand(3, 4))
    check(lambda T, y: T.xlogy(2.0, y), rand(3, 4, low=0.5, high=2))
    check(lambda T, y: T.xlogy(0, y), np.array([0.5, np.nan]), grad=False)
    check(lambda T, x, y: x.xlogy(y), rand(3), rand(3, low=0.5, high=2))
    check(lambda T, x, y: (x * 1).xlogy_(y), rand(3), rand(3, low=0.5, high=2))
    check(lambda T, x, y: T.xlogy(x, y), np.array([0, 2, 3]), np.array([1, 2, 0]), grad=False)


# --- cumulative product, order statistics --------------------------------------------------------------
@pytest.mark.parametrize("x", [randn(3, 4), np.array([[2.0, 0.0, 3.0, -1.0], [0.0, 0.5, 0.0, 2.0]]),
                               np.array([1.5, -2.0, 0.0])],
                         ids=["plain", "zeros", "one-zero"])
def test_cumprod(x):
    check(lambda T, x: x.cumprod(-1), x)
    check(lambda T, x: T.cumprod(x, 0), x)


def test_cumprod_dtypes():
    check(lambda T, x: T.cumprod(x, 0), np.array([1, 3, -2]), grad=False)
    check(lambda T, x: x.cumprod(0), np.array([True, False]), grad=False)
    check(lambda T, x: x.cumprod(0, dtype=T.float64), randn(3), dtypes=("float32",))
    check(lambda T, x: (x * 1).cumprod_(1), randn(2, 3))


@pytest.mark.parametrize("fn", [
    lambda T, x: x.median(), lambda T, x: T.median(x, 1), lambda T, x: x.median(0, keepdim=True),
    lambda T, x: x.median(dim=-1), lambda T, x: x.kthvalue(2), lambda T, x: T.kthvalue(x, 3, 0, True),
    lambda T, x: x.kthvalue(1, dim=1), lambda T, x: x[:, :3].median(1),
], ids=["median", "median-dim", "median-keepdim", "median-neg-dim", "kthvalue", "kthvalue-dim", "kthvalue-1",
        "median-odd"])
def test_order_statistics(fn):
    check(fn, distinct(3, 4))


def test_median_of_ties_shares_the_gradient_and_nan_wins():
    check(lambda T, x: x.median(), np.array([1.0, 2.0, 2.0, 5.0, 2.0]))
    check(lambda T, x: [x.median(), x.median(0)], np.array([1.0, np.nan, 2.0, 3.0]), grad=False)
    check(lambda T, x: [x.median(), x.median(0)], np.array([4, 1, 3]), grad=False)
    check(lambda T, x: x.median(0), np.array(2.5), grad=False)


def test_mode():
    check(lambda T, x: x.mode(), np.array([[1.0, 2.0, 2.0, 3.0, 1.0], [3.0, 1.0, 3.0, 1.0, 2.0]]))
    check(lambda T, x: T.mode(x, 0), np.array([[1, 2], [1, 3], [2, 3], [2, 2]]), grad=False)
    check(lambda T, x: x.mode(1, keepdim=True), np.array([[0.5, 0.5, -1.0], [7.0, 8.0, 9.0]]))


def test_order_statistic_errors():
    raises_like(lambda T: T.ones(3).kthvalue(4))
    raises_like(lambda T: T.ones(3).kthvalue(0))
    raises_like(lambda T: T.ones(3, 4).median(5))


# --- distances, norms, the cross product ------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf")])
def test_dist(p):
    check(lambda T, x, y: T.dist(x, y, p), randn(3, 4), randn(4))
    check(lambda T, x, y: x.dist(y, p=p), randn(5), randn(5))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_cdist(p):
    check(lambda T, x, y: T.cdist(x, y, p=p), randn(4, 3), randn(5, 3))
    check(lambda T, x, y: T.cdist(x, y, p), randn(2, 3, 2), randn(2, 4, 2))


def test_cdist_at_zero_distance_has_a_zero_gradient():
    x = randn(3, 2)
    check(lambda T, x, y: T.cdist(x, y), x, np.concatenate([x, randn(1, 2)]))


def test_cross():
    check(lambda T, x, y: T.cross(x, y, dim=1), randn(4, 3), randn(4, 3))
    check(lambda T, x, y: T.linalg.cross(x, y), randn(2, 4, 3), randn(1, 4, 3))
    raises_like(lambda T: T.linalg.cross(T.ones(2, 4, 3), T.ones(4, 3)))
    check(lambda T, x, y: x.cross(y, dim=0), randn(3, 2), randn(3, 2))
    raises_like(lambda T: T.linalg.cross(T.ones(2, 4), T.ones(2, 4)))
    raises_like(lambda T: T.cross(T.ones(2, 4), T.ones(2, 4), dim=1))


@pytest.mark.parametrize("fn", [
    lambda T, x: T.linalg.norm(x), lambda T, x: T.linalg.norm(x, dim=1), lambda T, x: T.linalg.norm(x, 1, dim=0),
    lambda T, x: T.linalg.norm(x, ord="fro"), lambda T, x: T.linalg.norm(x, ord=1),
    lambda T, x: T.linalg.norm(x, ord=float("inf")), lambda T, x: T.linalg.norm(x, ord=-1),
    lambda T, x: T.linalg.norm(x, ord=-float("inf"), keepdim=True), lambda T, x: T.linalg.norm(x[0], ord=3),
    lambda T, x: T.linalg.norm(x, dim=(0, 1), keepdim=True), lambda T, x: T.linalg.vector_norm(x),
    lambda T, x: T.linalg.vector_norm(x, 1, dim=(0, 1)), lambda T, x: T.linalg.vector_norm(x, float("inf"), -1),
    lambda T, x: T.linalg.vector_norm(x, 0.5, 1, keepdim=True), lambda T, x: T.linalg.matrix_norm(x),
    lambda T, x: T.linalg.matrix_norm(x, 1), lambda T, x: T.linalg.matrix_norm(x, dtype=T.float64),
], ids=["all", "dim", "ord1-dim", "fro", "matrix-1", "matrix-inf", "matrix-minus-1", "matrix-minus-inf-keepdim",
        "vector-3", "dims-keepdim", "vector", "vector-1", "vector-inf", "vector-half", "matrix", "matrix-ord-1",
        "matrix-dtype"])
def test_linalg_norms(fn):
    check(fn, distinct(3, 4), names=True)


def test_linalg_norm_errors():
    raises_like(lambda T: T.linalg.vector_norm(T.tensor([1, 2])))
    raises_like(lambda T: T.linalg.norm(T.ones(2, 2, 2), ord=1))
    raises_like(lambda T: T.linalg.matrix_norm(T.ones(2), ord=1))
    raises_like(lambda T: T.cdist(T.ones(3), T.ones(3)))
    raises_like(lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)))
    raises_like(lambda T: T.tensor([1, 2]).dist(T.tensor([2, 2])))


# --- reading and writing at indices -----------------------------------------------------------------------
def test_select_and_take():
    check(lambda T, x: x.select(1, 2), randn(3, 4))
    check(lambda T, x: T.select(x, 0, -1), randn(3, 4))
    check(lambda T, x, i: x.take(i), randn(3, 4), np.array([[0, 11], [5, 5]]))
    check(lambda T, x, i: T.take(x, i), randn(3, 4), np.array([-1, 3, -12]))
    raises_like(lambda T: T.ones(3, 4).select(1, 5))
    raises_like(lambda T: T.ones(3, 4).take(T.tensor([12])))
    raises_like(lambda T: T.ones(3, 4).take(T.tensor([-13])))


def test_index_add():
    check(lambda T, x, i, s: x.index_add(0, i, s), randn(3, 4), np.array([2, 0, 2]), randn(3, 4))
    check(lambda T, x, i, s: T.index_add(x, 1, i, s, alpha=-0.5), randn(3, 4), np.array([3, 1]), randn(3, 2))
    check(lambda T, x, i, s: (x * 1).index_add_(1, i, s), randn(3, 4), np.array([0]), randn(3, 1))
    check(lambda T, x, i, s: x.index_add(0, i, s), np.array([1, 2, 3]), np.array([0, 0]), np.array([5, 6]), grad=False)


def test_index_add_errors():
    raises_like(lambda T: T.ones(3, 4).index_add(0, T.tensor([0]), T.ones(1, 4, dtype=T.float64)))
    raises_like(lambda T: T.ones(3, 4).index_add(0, T.tensor([0]), T.ones(2, 4)))
    raises_like(lambda T: T.ones(3, 4).index_add(0, T.tensor([0.0]), T.ones(1, 4)))
    raises_like(lambda T: T.ones(3, 4).index_add(0, T.tensor([5]), T.ones(1, 4)))


def test_index_fill():
    check(lambda T, x, i: x.index_fill(1, i, -1.0), randn(3, 4), np.array([0, 2]))
    check(lambda T, x, i, v: T.index_fill(x, 0, i, v.sum()), randn(3, 4), np.array([1]), randn(2))
    check(lambda T, x, i: (x * 1).index_fill_(0, i, 2), randn(3, 4), np.array([2, 0]))
    check(lambda T, x, i: x.index_fill(0, i, 7), np.array([[1, 2], [3, 4]]), np.array([1]), grad=False)
    raises_like(lambda T: T.ones(3, 4).index_fill(1, T.tensor([0]), T.ones(2)))
    raises_like(lambda T: T.ones(3, 4).index_fill(1, T.tensor([9]), 1.0))


def test_scatter_records_a_node_and_has_gradients():
    index = np.array([[0, 1], [2, 3], [1, 0]])
    check(lambda T, x, i, s: x.scatter(1, i, s), randn(3, 4), index, randn(3, 2))
    check(lambda T, x, i: x.scatter(0, i, 1.5), randn(3, 4), np.array([[0, 1, 2, 0]]))
    check(lambda T, x, i, s: T.scatter(x, 1, i, src=s), randn(3, 4), index, randn(3, 2))
    check(lambda T, x, i: T.scatter(x, 1, i, value=-2.0), randn(3, 4), index)
    check(lambda T, x, i, s: x.scatter(1, i, s), randn(3, 4), index, randn(3, 3), grad=False)  # src larger
    check(lambda T, x, i, s: x.scatter(0, i, s), np.array([1, 2, 3]), np.array([2, 0]), np.array([7, 8]), grad=False)


def test_scatter_add_records_its_own_node():
    check(lambda T, x, i, s: x.scatter_add(1, i, s), randn(3, 4), randint(0, 4, 3, 2), randn(3, 2))
    check(lambda T, x, i, s: T.scatter_add(x, 0, i, s), randn(3, 4), np.array([[0, 0, 2, 2], [0, 1, 1, 1]]),
          randn(2, 4))


def test_scatter_in_place():
    index = np.array([[0, 1], [2, 3], [1, 0]])
    check(lambda T, x, i, s: (x * 1).scatter_(1, i, s), randn(3, 4), index, randn(3, 2))
    check(lambda T, x, i: (x * 1).scatter_(1, i, 0.25), randn(3, 4), index)
    check(lambda T, x, i, s: (x * 1).scatter_add_(0, i, s), randn(3, 4), np.array([[2, 2, 0, 1]]), randn(1, 4))
    check(lambda T, x, i, s: T.zeros(3, 5, dtype=x.dtype).scatter_(1, i, s), randn(1), np.array([[4], [0], [2]]),
          randn(3, 1))


def test_scatter_errors():
    raises_like(lambda T: T.ones(3, 4).scatter(1, T.tensor([[0]]), T.ones(1, 1, dtype=T.float64)))
    raises_like(lambda T: T.ones(3, 4).scatter(1, T.tensor([[0.0]]), T.ones(1, 1)))
    raises_like(lambda T: T.ones(3, 4).scatter(1, T.tensor([[7]]), T.ones(1, 1)))
    raises_like(lambda T: T.ones(3, 4).scatter_add(1, T.tensor([[0]]), T.ones(1, 1, dtype=T.float64)))


def test_masked_scatter():
    mask = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
    check(lambda T, x, m, s: x.masked_scatter(m, s), randn(3, 4), mask, randn(10))
    check(lambda T, x, m, s: (x * 1).masked_scatter_(m, s), randn(3, 4), mask[0], randn(2, 3))
    raises_like(lambda T: T.ones(3, 4).masked_scatter(T.ones(3, 4), T.ones(12)))
    raises_like(lambda T: T.ones(3, 4).masked_scatter(T.ones(3, 4, dtype=T.bool), T.ones(5)))


def test_argwhere():
    check(lambda T, x: T.argwhere(x), np.array([[0.0, 1.5], [2.0, 0.0]]), grad=False, contiguity=False)
    check(lambda T, x: x.argwhere(), np.array([0, 3, 0, 1]), grad=False)


# --- in-place view changes, apply_ ------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda T, x: (x * 1).unsqueeze_(0), lambda T, x: (x * 1).unsqueeze_(-1), lambda T, x: (x * 1)[None].squeeze_(),
    lambda T, x: (x * 1)[:, None].squeeze_(1), lambda T, x: (x * 1).t_(), lambda T, x: (x * 1).transpose_(0, 1),
    lambda T, x: (x * 1).swapaxes_(1, 0), lambda T, x: (x * 1).unsqueeze_(1),
], ids=["unsqueeze_", "unsqueeze_-neg", "squeeze_", "squeeze_-dim", "t_", "transpose_", "swapaxes_", "unsqueeze_-mid"])
def test_in_place_view_changes(fn):
    check(fn, randn(3, 4), depth=2)


def test_in_place_view_change_keeps_memory_and_checks_leaves():
    x = engine.arange(6.0).view(2, 3)
    y = x.view(2, 3)
    y.t_()
    assert y.shape == (3, 2) and y.stride() == (1, 3)
    y[0, 1] = 100.0
    assert x[1, 0].item() == 100.0
    raises_like(lambda T: T.ones(2, requires_grad=True).unsqueeze_(0))
    raises_like(lambda T: T.ones(2, 3, 4).t_())
    check(lambda T, x: x.detach().unsqueeze_(0), randn(3), grad=False)


def test_apply_():
    check(lambda T, x: x.detach().apply_(lambda v: v * v + 1), randn(3, 4), grad=False)
    check(lambda T, x: x.apply_(lambda v: v // 2), np.array([3, 4, -5]), grad=False)
    raises_like(lambda T: T.ones(3, requires_grad=True).apply_(lambda v: v))


# --- aliases and functions that existed, now checked here too -------------------------------------------------
def test_flatten_numel_and_reductions_with_a_dtype():
    check(lambda T, x: T.flatten(x), randn(2, 3, 2))
    check(lambda T, x: T.flatten(x, 1), randn(2, 3, 2))
    check(lambda T, x: T.numel(x), randn(2, 3), grad=False)
    check(lambda T, x: T.mean(x, dtype=T.float64), randn(2, 3), dtypes=("float32",))
    check(lambda T, x: x.sum(dtype=T.float64), randn(2, 3), dtypes=("float32",))
    check(lambda T, x: x.sum(1, dtype=T.int32), np.array([[1, 2], [3, 4]]), grad=False)
    check(lambda T, x: T.std_mean(x, 1), randn(2, 3))
    check(lambda T, x: T.var_mean(x, unbiased=False), randn(2, 3))


# --- second derivatives through normalization (its mean and variance move with the input) ----------------------
@pytest.mark.parametrize("norm", [
    lambda T, x, w, b: T.nn.functional.batch_norm(x, None, None, w, b, training=True),
    lambda T, x, w, b: T.nn.functional.layer_norm(x, (3,), w, b),
    lambda T, x, w, b: T.nn.functional.batch_norm(x, T.zeros(3, dtype=x.dtype), T.ones(3, dtype=x.dtype), w, b),
], ids=["batch_norm", "layer_norm", "batch_norm-eval"])
def test_gradients_of_normalization_gradients(norm):
    weights = randn(4, 3)

    def first_gradients(T, x, w, b):
        y = norm(T, x, w, b)
        return T.autograd.grad((y * T.tensor(weights, dtype=x.dtype)).sum(), [x, w], create_graph=True)
    check(first_gradients, randn(4, 3), rand(3), rand(3), names=False)  # its backward is the second derivative


# --- running extremes, differences, nan handling, windows, index helpers --------------------------------------
def test_cummax_and_cummin():
    check(lambda T, x: x.cummax(1), distinct(3, 4))
    check(lambda T, x: T.cummin(x, 0), distinct(3, 4))
    check(lambda T, x: [x.cummax(0), x.cummin(0)], np.array([1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 0.5]))
    check(lambda T, x: x.cummax(0), np.array([1.0, np.nan, 3.0]), grad=False)
    check(lambda T, x: x.cummin(-1), np.array([[4, 2, 2, 7]]), grad=False)


def test_diff():
    check(lambda T, x: T.diff(x), randn(3, 4))
    check(lambda T, x: x.diff(n=2, dim=0), randn(4, 3))
    check(lambda T, x, p, a: T.diff(x, dim=1, prepend=p, append=a), randn(2, 3), randn(2, 1), randn(2, 2))
    check(lambda T, x: T.diff(x), np.array([1, 4, 9, 16]), grad=False)
    check(lambda T, x: T.diff(x), np.array([True, True, False, True]), grad=False)


def test_nan_handling():
    x = np.array([[np.nan, 1.5, np.inf], [-np.inf, -2.0, np.nan]])
    check(lambda T, x: T.nan_to_num(x), x)
    check(lambda T, x: x.nan_to_num(nan=-1.0, posinf=9.0, neginf=-9.0), x)
    check(lambda T, x: (x * 1).nan_to_num_(0.5), x)
    check(lambda T, x: T.nan_to_num(x), np.array([1, 2]), grad=False)
    check(lambda T, x: [T.nansum(x), x.nansum(1), T.nansum(x, 0, keepdim=True)], x[:, :2])
    check(lambda T, x: [T.nanmean(x), x.nanmean(1), T.nanmean(x, dim=0, keepdim=True)], x[:, :2])
    check(lambda T, x: T.nansum(x), np.array([1, 2, 3]), grad=False)


def test_angles_powers_ravel():
    check(lambda T, x: [T.deg2rad(x), x.rad2deg()], randn(3, 4))
    check(lambda T, x: (x * 1).deg2rad_(), randn(3))
    check(lambda T, x: T.deg2rad(x), np.array([90, 180]), grad=False)
    check(lambda T, x: T.float_power(x, 2), randn(3, 4), dtypes=("float32",))
    check(lambda T, x, y: T.float_power(x, y), rand(3, low=0.5, high=2), randn(3))
    check(lambda T, x: x.float_power(3), np.array([1, 2, 3]), grad=False)
    check(lambda T, x: x.ravel(), randn(3, 4))
    check(lambda T, x: T.ravel(x.t()), randn(3, 4))


def test_unfold():
    check(lambda T, x: x.unfold(1, 2, 1), randn(3, 4), contiguity=False)  # PyTorch's is a strided view
    check(lambda T, x: x.unfold(0, 2, 2), randn(5, 2), contiguity=False)
    check(lambda T, x: x.unfold(-1, 3, 2), randn(2, 3, 7), contiguity=False)
    raises_like(lambda T: T.ones(3, 4).unfold(1, 5, 1))
    raises_like(lambda T: T.ones(3, 4).unfold(1, 2, 0))


def test_isin_and_triangle_indices():
    check(lambda T, x: T.isin(x, T.tensor([2, 3])), np.array([[1, 2], [3, 4]]), grad=False)
    check(lambda T, x: T.isin(x, 2.0), np.array([1.0, 2.0]), grad=False)
    check(lambda T, x: T.isin(x, T.tensor([2, 3]), invert=True), np.array([1, 2, 3]), grad=False)
    for row, col, offset in ((3, 3, 0), (3, 4, 1), (4, 2, -1), (2, 5, -3)):
        check(lambda T: [T.tril_indices(row, col, offset), T.triu_indices(row, col, offset)])


# --- gradcheck: finite differences agree with each new backward rule, and with its derivative ----------------
_g = np.random.default_rng(11)
_UNIT = _g.uniform(-0.8, 0.8, (2, 3))
_ROWS = _g.standard_normal((2, 3))
GRADCHECK_MORE = {
    "tan-atan": (lambda x: x.tan() + x.atan(), [_UNIT]),
    "asin-acos": (lambda x: x.asin() + x.acos() * 2, [_UNIT]),
    "sinh-cosh": (lambda x: x.sinh() + x.cosh() * 2, [_ROWS]),
    "asinh-atanh": (lambda x: x.asinh() + x.atanh(), [_UNIT]),
    "acosh": (lambda x: x.acosh(), [_g.uniform(1.2, 3.0, (2, 3))]),
    "exp2-sgn": (lambda x: x.exp2() + x.sgn() * x, [_ROWS]),
    "atan2": (lambda y, x: engine.atan2(y, x), [_ROWS, _g.standard_normal(3)]),
    "hypot": (lambda x, y: engine.hypot(x, y), [_ROWS, _g.standard_normal((2, 1))]),
    "logaddexp": (lambda x, y: engine.logaddexp(x, y), [_ROWS, _g.standard_normal(3)]),
    "logit": (lambda x: x.logit() + x.logit(eps=0.3), [_g.uniform(0.05, 0.95, (2, 3))]),
    "xlogy": (lambda x, y: engine.xlogy(x, y) + engine.xlogy(x, 1.5) + engine.xlogy(2.0, y),
              [_ROWS, _g.uniform(0.5, 2.0, 3)]),
    "cumprod": (lambda x: x.cumprod(1), [_ROWS]),
    "cumprod-zeros": (lambda x: x.cumprod(1) + x.cumprod(0).sum(), [np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])]),
    "median": (lambda x: x.median() + x.median(1).values.sum(), [distinct(2, 3, rng=_g)]),
    "kthvalue-mode": (lambda x: x.kthvalue(2, 0).values + x.mode(0).values, [distinct(2, 3, rng=_g)]),
    "dist": (lambda x, y: engine.dist(x, y) + engine.dist(x, y, 1) + engine.dist(x, y, 3), [_ROWS, _g.normal(size=3)]),
    "cdist": (lambda x, y: engine.cdist(x, y) + engine.cdist(x, y, 1.5), [_ROWS, _g.standard_normal((4, 3))]),
    "cross": (lambda x, y: engine.cross(x, y, dim=1), [_ROWS, _g.standard_normal((2, 3))]),
    "take-select": (lambda x: x.take(engine.tensor([[0, 5], [5, 2]])).sum() + x.select(1, 2), [_ROWS]),
    "index_add": (lambda x, s: x.index_add(1, engine.tensor([2, 0, 2]), s, alpha=2), [_ROWS, _g.normal(size=(2, 3))]),
    "index_fill": (lambda x, v: x.index_fill(1, engine.tensor([1]), 0.5) + x.index_fill(0, engine.tensor([0]), v.sum()),
                   [_ROWS, _g.standard_normal(2)]),
    "scatter": (lambda x, s: x.scatter(1, engine.tensor([[2, 0], [1, 2]]), s) + x.scatter(0, engine.tensor([[1, 0, 1]]),
                                                                                            -1.0),
                [_ROWS, _g.standard_normal((2, 2))]),
    "scatter_add": (lambda x, s: x.scatter_add(1, engine.tensor([[2, 2], [0, 1]]), s),
                    [_ROWS, _g.standard_normal((2, 2))]),
    "masked_scatter": (lambda x, s: x.masked_scatter(engine.tensor([True, False, True]), s),
                       [_ROWS, _g.standard_normal(5)]),
    "in-place-views": (lambda x: (x * 1).unsqueeze_(0).squeeze_(0).t_().transpose_(0, 1).squeeze_(), [_ROWS]),
    "linalg-matrix-norms": (lambda x: engine.linalg.norm(x, 1) + engine.linalg.norm(x, -float("inf")),
                            [distinct(2, 3, rng=_g) + 0.03]),
    "cummax-cummin": (lambda x: x.cummax(1).values + x.cummin(1).values, [distinct(2, 3, rng=_g)]),
    "unfold": (lambda x: x.unfold(1, 2, 1), [_ROWS]),
    "nan_to_num-nansum": (lambda x: x.nan_to_num() + x.nansum(0), [_ROWS]),
    "deg2rad-rad2deg": (lambda x: x.deg2rad() + x.rad2deg(), [_ROWS]),
}


@pytest.mark.parametrize("name", GRADCHECK_MORE)
def test_gradcheck(name):
    fn, arrays = GRADCHECK_MORE[name]
    inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
