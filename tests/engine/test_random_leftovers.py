"""PyTorch's random streams where they are drawn element by element: RReLU's slopes (one uniform double per
non-positive element only), torch.poisson (Hoermann's rejection for rates of 10 or more, a product of uniforms
below), and nn.init.orthogonal_ (PyTorch's normals, then a QR whose float32 rounding is MKL's)."""
import numpy as np
import pytest
import torch

import engine
from .oracle import LIBS, assert_same, check

SEEDS = (0, 1, 2147483647)
SIZES = (1, 15, 16, 17, 1000)


def _after_seed(T, seed, fn):
    T.manual_seed(seed)
    out = fn(T)
    return out, T.get_rng_state()


def _same_stream(fn, seed):
    """fn(T) from the same seed in both: equal results bit for bit, and the generators left in the same state."""
    (e, e_state), (t, t_state) = (_after_seed(T, seed, fn) for T in LIBS)
    for a, b in zip(e if isinstance(e, tuple) else (e,), t if isinstance(t, tuple) else (t,)):
        assert_same(a, b, 0, 0)
    np.testing.assert_array_equal(e_state.numpy(), t_state.numpy())


# --- RReLU ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rrelu_draws_only_for_non_positive_elements(seed, size, dtype):
    def fn(T):
        x = T.randn(size, dtype=getattr(T, dtype))
        return T.nn.functional.rrelu(x, training=True), T.rand(3)  # the next draw shows how many were taken
    _same_stream(fn, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_rrelu_module_on_a_strided_input_with_zeros_and_nan(seed):
    def fn(T):
        x = T.randn(5, 8).t()
        x[0, :3] = 0.0
        x[1, 1] = float("nan")
        m = T.nn.RReLU(0.05, 0.4)
        train = m(x)
        m.eval()
        return train, m(x), T.rand(2)
    _same_stream(fn, seed)


def test_rrelu_gradient_is_the_drawn_slope_and_named_as_torch():
    def fn(T, x):
        T.manual_seed(7)
        return T.nn.functional.rrelu(x, training=True), T.nn.functional.rrelu(x), T.nn.functional.rrelu(x, 0.2, 0.2,
                                                                                                        True)
    check(fn, np.random.default_rng(3).standard_normal((4, 6)), depth=2)


def test_rrelu_in_place():
    def fn(T, x):
        T.manual_seed(1)
        y = x * 1
        out = T.nn.functional.rrelu(y, training=True, inplace=True)
        assert out is y
        return out
    check(fn, np.random.default_rng(4).standard_normal(9), depth=2)


# --- torch.poisson -------------------------------------------------------------------------------------------------
RATES = [0.0, 1e-3, 0.5, 3.0, 9.99, 10.0, 12.5, 100.0, 1e4]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_poisson_bit_for_bit(seed, dtype):
    def fn(T):
        rates = T.tensor(RATES * 3, dtype=getattr(T, dtype))
        return T.poisson(rates), T.poisson(T.rand(4, 6, dtype=getattr(T, dtype)) * 30), T.rand(2)
    _same_stream(fn, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_poisson_with_a_generator_and_strided_rates(seed):
    def fn(T):
        g = T.Generator().manual_seed(seed)
        rates = (T.arange(24.0).reshape(4, 6) * 1.5).t()
        return T.poisson(rates, generator=g), T.poisson(T.full((1000,), 4.0), g), T.rand(1)
    _same_stream(fn, seed)


def test_poisson_gradient_is_zero():
    def fn(T, x):
        T.manual_seed(0)
        return T.poisson(x * 20)
    check(fn, np.random.default_rng(2).uniform(0.1, 1.0, 7))


@pytest.mark.parametrize("case", ["negative", "integer"])
def test_poisson_refusals(case):
    from .oracle import raises_like
    raises_like(lambda T: T.poisson(T.tensor([-1.0, 2.0]) if case == "negative" else T.tensor([1, 2])))


# --- nn.init.orthogonal_ -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (4, 7), (10, 5), (64, 64), (32, 3, 3, 3)])
@pytest.mark.parametrize("seed", SEEDS)
def test_orthogonal_within_float_rounding_of_torch(shape, seed):
    """The normals are PyTorch's bit for bit (the generator states agree afterwards). The QR cannot be: PyTorch
    runs MKL's float32 Householder QR (geqrf + orgqr), numpy's QR works in float64 and rounds once, so ours is
    the correctly rounded Q and PyTorch's carries float32 rounding of its own: a few ulps, growing with size
    (measured: 1.2e-7 up to 10 columns, 1.1e-6 at 64 x 64). In float64 both are within 1e-14."""
    out = {}
    for T in LIBS:
        T.manual_seed(seed)
        w32 = T.nn.init.orthogonal_(T.empty(shape), gain=1.5)
        w64 = T.nn.init.orthogonal_(T.empty(shape, dtype=T.float64))
        out[T] = w32.numpy(), w64.numpy(), T.get_rng_state().numpy()
    (e32, e64, e_state), (t32, t64, t_state) = out[engine], out[torch]
    np.testing.assert_array_equal(e_state, t_state)
    cols = int(np.prod(shape[1:]))
    ulps = 4 * np.sqrt(max(shape[0], cols))  # rounding error of a Householder QR grows with the size
    np.testing.assert_allclose(e32, t32, rtol=0, atol=ulps * np.finfo(np.float32).eps * 1.5)
    np.testing.assert_allclose(e64, t64, rtol=0, atol=1e-14)
