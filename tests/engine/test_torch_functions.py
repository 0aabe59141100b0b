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


# --- gradcheck: finite differences agree with each new backward rule, and with its derivative ----------------
_g = np.random.default_rng(5)
GRADCHECK_FUNCTIONS = {
    "baddbmm": (lambda x, a, b: engine.baddbmm(x, a, b, beta=0.7, alpha=1.3),
                [_g.standard_normal((3, 1)), _g.standard_normal((2, 3, 4)), _g.standard_normal((2, 4, 1))]),
}


@pytest.mark.parametrize("name", GRADCHECK_FUNCTIONS)
def test_gradcheck(name):
    fn, arrays = GRADCHECK_FUNCTIONS[name]
    inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
