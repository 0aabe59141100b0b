"""torch.* functions tutorials paste (baddbmm, moveaxis, kron, searchsorted, quantile, ...) against real
PyTorch (tests/engine/oracle.py): values, dtypes, node names and gradients, and the common errors."""
import numpy as np
import pytest

from engine.autograd import gradcheck, gradgradcheck
import engine
from tests.engine.oracle import check, raises_like
from tests.engine.oracle import randn as _randn

_rng = np.random.default_rng(77)  # this file's own: drawing from oracle's shared stream would shift other files' data


def randn(*shape):
    return _randn(*shape, rng=_rng)


# --- baddbmm ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, shapes", [
    (lambda T, x, a, b: T.baddbmm(x, a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    (lambda T, x, a, b: T.baddbmm(x, a, b, beta=0.5, alpha=-2), [(5,), (2, 3, 4), (2, 4, 5)]),
    (lambda T, x, a, b: x.baddbmm(a, b, alpha=3), [(1, 3, 1), (2, 3, 4), (2, 4, 5)]),
    (lambda T, x, a, b: T.baddbmm(x, a, b, beta=0), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
], ids=["plain", "broadcast-beta-alpha", "method", "beta-0"])
def test_baddbmm(fn, shapes):
    check(fn, *[randn(*s) for s in shapes])


def test_baddbmm_beta_zero_ignores_nan_input():
    check(lambda T, x, a, b: T.baddbmm(x, a, b, beta=0), np.full((2, 3, 5), np.nan), randn(2, 3, 4), randn(2, 4, 5))


@pytest.mark.parametrize("fn, arrays", [
    (lambda T, x, a, b: T.baddbmm(x, a, b), [randn(3, 3), randn(2, 3, 4), randn(2, 4, 5)]),
    (lambda T, x, a, b: T.baddbmm(x, a, b), [randn(2, 3, 5), randn(2, 3, 4), randn(2, 3, 5)]),
    (lambda T, x, a, b: T.baddbmm(x, a.double(), b), [randn(2, 3, 5), randn(2, 3, 4), randn(2, 4, 5)]),
    (lambda T, x, a, b: T.baddbmm(x, a, b.int()), [randn(2, 3, 5), randn(2, 3, 4), randn(2, 4, 5)]),
])
def test_baddbmm_errors(fn, arrays):
    raises_like(fn, *arrays)


# --- shapes and products -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, shapes", [
    (lambda T, x: T.moveaxis(x, 0, 2), [(2, 3, 4)]),
    (lambda T, x: x.moveaxis(-1, 0), [(2, 3, 4)]),
    (lambda T, x: T.movedim(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    (lambda T, x, y: T.column_stack([x, y]), [(3,), (3, 2)]),
    (lambda T, x, y: T.column_stack((x, y)), [(4,), (4,)]),
    (lambda T, x, y: T.inner(x, y), [(3, 4), (5, 4)]),
    (lambda T, x, y: x.inner(y), [(4,), (4,)]),
    (lambda T, x: T.inner(T.tensor(2.5, dtype=x.dtype), x), [(2, 3)]),
    (lambda T, x, y: T.tensordot(x, y, dims=1), [(3, 4), (4, 5)]),
    (lambda T, x, y: T.tensordot(x, y), [(2, 3, 4), (3, 4, 5)]),
    (lambda T, x, y: T.tensordot(x, y, dims=([0, 2], [2, 1])), [(2, 3, 4), (5, 4, 2)]),
    (lambda T, x, y: T.tensordot(x, y, dims=0), [(2,), (3,)]),
    (lambda T, x, y: T.kron(x, y), [(2, 3), (3, 2)]),
    (lambda T, x, y: T.kron(x, y), [(3,), (2, 2)]),
    (lambda T, x, y: x.kron(y), [(2, 1, 2), (2, 3)]),
    (lambda T, x: T.diag_embed(x), [(3, 4)]),
    (lambda T, x: x.diag_embed(1, 0, 2), [(3, 4)]),
    (lambda T, x: T.diag_embed(x, -2, dim1=-1, dim2=0), [(2, 3)]),
], ids=lambda v: "" if callable(v) else None)
def test_shapes_and_products(fn, shapes):
    check(fn, *[randn(*s) for s in shapes], names=False)


@pytest.mark.parametrize("k, dims", [(1, (0, 1)), (2, (0, 1)), (3, (0, 1)), (0, (0, 1)), (-1, (1, 0)), (5, (2, 0)),
                                     (1, (-1, -2))])
def test_rot90(k, dims):
    check(lambda T, x: T.rot90(x, k, dims), randn(2, 3, 4))
    check(lambda T, x: x.rot90(k, dims).rot90(k, dims), randn(2, 3, 4))


# --- elementwise -------------------------------------------------------------------------------------------------
def test_copysign_signbit_heaviside():
    x = np.array([[1.5, -2.0, 0.0, -0.0], [3.0, -0.5, 2.0, -1.0]])
    signs = np.array([-1.0, 2.0, -0.0, 0.0])
    check(lambda T, x, s: T.copysign(x, s), x, signs)
    check(lambda T, x: x.copysign(-1.0), x)
    check(lambda T, x: T.copysign(x, 0.0) + T.copysign(x, -0.0), x)
    check(lambda T, x: T.copysign(T.tensor([1, -2, 3]), x), signs[:3], grad=False)
    check(lambda T, x, s: x.clone().copysign_(s), x, signs)
    check(lambda T, x: T.signbit(x), x, grad=False)
    check(lambda T, x: T.signbit(T.tensor([-1, 0, 2])), x, grad=False)
    check(lambda T, x, v: T.heaviside(x, v), x, np.array([0.5, 0.25, 7.0, -1.0]), grad=False)
    check(lambda T, x: x.heaviside(T.tensor(0.5, dtype=x.dtype)), x, grad=False)


def test_heaviside_has_no_derivative():
    x = engine.tensor([1.0, 0.0], requires_grad=True)
    y = engine.heaviside(x, engine.tensor(0.5))
    assert y.grad_fn.name() == "NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
        y.sum().backward()


# --- scans, bins and order statistics -------------------------------------------------------------------------------
def test_logcumsumexp():
    check(lambda T, x: T.logcumsumexp(x, 1), randn(3, 5))
    # a wide spread: float32 gradients differ from PyTorch's in the 5th digit (exp amplifies rounding)
    check(lambda T, x: x.logcumsumexp(0), randn(6, 2) * 30, dtypes=("float64",))
    check(lambda T, x: T.logcumsumexp(x, -1), np.array([[-1000.0, 0.0, 1000.0], [-np.inf, -np.inf, 1.0]]))


@pytest.mark.parametrize("q", [0.3, 0.0, 1.0, "tensor"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(q, interpolation):
    def fn(T, x, dim=None, keepdim=False):
        qq = T.tensor([0.1, 0.5, 0.75], dtype=x.dtype) if q == "tensor" else q
        return T.quantile(x, qq, dim=dim, keepdim=keepdim, interpolation=interpolation)
    x = randn(3, 5)
    check(fn, x, names=False)
    check(lambda T, x: fn(T, x, 1), x, names=False)
    check(lambda T, x: fn(T, x, 0, True), x, names=False)
    check(lambda T, x: fn(T, x, None, True), x, names=False)


def test_quantile_of_a_slice_with_nan_is_nan():
    x = randn(2, 4)
    x[1, 2] = np.nan
    check(lambda T, x: x.quantile(0.5, dim=1), x, grad=False)
    check(lambda T, x: T.quantile(x, T.tensor([0.25, 0.5], dtype=x.dtype), dim=1), x, grad=False)


def test_histc():
    x = randn(50)
    check(lambda T, x: T.histc(x, 7), x, grad=False)
    check(lambda T, x: x.histc(bins=4, min=-1, max=1), x, grad=False)
    check(lambda T, x: T.histc(x, 3), np.full(5, 2.0), grad=False)
    check(lambda T, x: T.histc(x, 4, 0, 3), np.array([0.0, 1.0, 2.9999, 3.0, 3.5, -0.1]), grad=False)


def test_searchsorted_and_bucketize():
    seq = np.array([1.0, 2.0, 2.0, 4.0])
    values = np.array([[0.5, 2.0, 3.0], [4.0, 5.0, 1.0]])
    for right in (False, True):
        check(lambda T, s, v: T.searchsorted(s, v, right=right), seq, values, grad=False)
        check(lambda T, b, v: T.bucketize(v, b, right=right, out_int32=True), seq, values, grad=False)
    check(lambda T, s, v: T.searchsorted(s, v, side="right"), seq, values, grad=False)
    check(lambda T, s: T.searchsorted(s, 2.0), seq, grad=False)
    check(lambda T, s, v: T.searchsorted(s, v), np.sort(randn(2, 5), 1), values, grad=False)
    check(lambda T, s, v: T.searchsorted(s, v, sorter=s.argsort()), np.array([4.0, 1.0, 2.0]), values, grad=False)


@pytest.mark.parametrize("fn, arrays", [
    (lambda T, x: T.movedim(x, (0, 1), (1,)), [randn(2, 3)]),
    (lambda T, x: T.inner(x, x.t()), [randn(2, 3)]),
    (lambda T, x, y: T.tensordot(x, y, dims=([0], [0])), [randn(3, 4), randn(5, 3)]),
    (lambda T, x, y: T.tensordot(x, y, dims=-1), [randn(3, 4), randn(4, 3)]),
    (lambda T, x: T.rot90(x, 1, [0]), [randn(2, 3)]),
    (lambda T, x: T.rot90(x, 1, [1, 1]), [randn(2, 3)]),
    (lambda T, x: T.rot90(x), [randn(3)]),
    (lambda T, x: T.diag_embed(x, 0, 1, 1), [randn(2, 3)]),
    (lambda T, x: T.heaviside(x, T.tensor(0.5, dtype=T.float64)), [randn(2, 3)]),
    (lambda T, x: T.logcumsumexp(x.long(), 0), [randn(3)]),
    (lambda T, x: T.quantile(x, 1.5), [randn(3)]),
    (lambda T, x: T.quantile(x.long(), 0.5), [randn(3)]),
    (lambda T, x: T.quantile(x, T.tensor([0.5], dtype=T.float64)), [randn(3)]),
    (lambda T, x: T.quantile(x, 0.5, interpolation="cubic"), [randn(3)]),
    (lambda T, x: T.histc(x.int(), 5), [randn(3)]),
    (lambda T, x: T.histc(x, 5, 2, 1), [randn(3)]),
    (lambda T, x: T.searchsorted(T.tensor([[1.0, 2.0, 3.0]]), x), [randn(2, 2)]),
    (lambda T, x: T.searchsorted(T.tensor([1.0, 2.0]), x, side="left", right=True), [randn(2)]),
    (lambda T, x: T.bucketize(x, T.tensor([[1.0, 2.0, 3.0]])), [randn(2)]),
])
def test_errors(fn, arrays):
    raises_like(fn, *arrays)


# --- gradcheck: finite differences agree with each new backward rule, and with its derivative ----------------
_g = np.random.default_rng(5)
def _written_through_views(y, v):
    """index_put_(accumulate=True), then in-place writes through an element view and a column view (CopySlices)."""
    y.index_put_((engine.tensor([0, 0, 2]),), v, accumulate=True)
    y[1, 2].mul_(v[0])
    y[:, 1].sub_(v.sum())
    return y


GRADCHECK_FUNCTIONS = {
    "baddbmm": (lambda x, a, b: engine.baddbmm(x, a, b, beta=0.7, alpha=1.3),
                [_g.standard_normal((3, 1)), _g.standard_normal((2, 3, 4)), _g.standard_normal((2, 4, 1))]),
    "rot90": (lambda x: x.rot90() + x.rot90(2).rot90(1, (1, 0)) + x.rot90(0), [_g.standard_normal((3, 3))]),
    "copysign": (lambda x, s: engine.copysign(x, s) + x.copysign(-1.0), [_g.standard_normal((2, 3)),
                                                                         _g.standard_normal(3)]),
    "logcumsumexp": (lambda x: x.logcumsumexp(1), [_g.standard_normal((2, 4)) * 3]),
    "index_put-accumulate-view-writes": (lambda x, v: _written_through_views(x * 1, v),
                                         [_g.standard_normal((4, 3)), _g.standard_normal(3)]),
    "diag_embed-kron": (lambda x, y: x.diag_embed(1).sum(0) + engine.kron(x, y).sum(), [_g.standard_normal((2, 3)),
                                                                                         _g.standard_normal((2, 1))]),
    "quantile": (lambda x: x.quantile(engine.tensor([0.3, 0.6], dtype=engine.float64), dim=1),
                 [_g.permutation(12).reshape(2, 6) / 5]),
    # the same counts at every call (a fresh generator), so the numerical gradient of the counts is 0 as theirs
    "poisson": (lambda x: engine.poisson(x * x + 20, generator=engine.Generator().manual_seed(0)) + x,
                [_g.standard_normal(5)]),
}


@pytest.mark.parametrize("name", GRADCHECK_FUNCTIONS)
def test_gradcheck(name):
    fn, arrays = GRADCHECK_FUNCTIONS[name]
    inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_the_torch_namespace_has_only_what_pytorch_has():
    """No engine internals leak into torch.* (numpy, helpers, method-only functions like view or to)."""
    import torch
    extra = {name for name in dir(engine) if not name.startswith("_")} - set(dir(torch))
    assert extra == {"graph", "webgpu"}  # the playground's graph capture and the WebGPU device: engine's own
