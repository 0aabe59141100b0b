"""The engine's core without PyTorch, so that it runs natively and inside Pyodide (tests/browser):
tensors, dtypes, elementwise math, reductions, shapes, indexing, matrix products, autograd (grad
modes, hooks, higher-order gradients, custom Functions, in-place checks) and error messages.

Values are checked against numpy and closed forms, gradients against finite differences
(gradcheck, float64) and known derivatives. Texts (dtypes, reprs, error messages) are PyTorch
2.13's, recorded below; test_recorded_texts_are_pytorchs re-derives them from torch natively.
"""
import math
import warnings

import numpy as np
import pytest

import engine
import engine as torch  # the tests read as PyTorch code, as a learner writes it
from tests.engine.portable import (assert_gradients, assert_recorded_from_torch, assert_values, leaf, text_of)

rng = np.random.default_rng(2024)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4))
ROW = rng.standard_normal(4)
POS = rng.uniform(0.5, 2.0, (3, 4))
UNIT = rng.uniform(-0.9, 0.9, (3, 4))
PROB = rng.uniform(0.05, 0.95, (3, 4))
# distinct values at least 0.1 apart: max/sort/abs gradients are unambiguous and finite differences safe
DISTINCT = (rng.permutation(12) * 0.1 - 0.54).reshape(3, 4)
_erf = np.vectorize(math.erf)


# --- creation, conversion, dtypes ----------------------------------------------------------------
def test_factories_give_the_values_numpy_gives():
    assert_values(torch.zeros(2, 3), np.zeros((2, 3)), dtype=torch.float32)
    assert_values(torch.ones((2, 3)), np.ones((2, 3)), dtype=torch.float32)
    assert_values(torch.full((2, 2), 7.5), np.full((2, 2), 7.5))
    assert_values(torch.arange(5), np.arange(5), dtype=torch.int64)
    assert_values(torch.arange(1, 2, 0.25), [1.0, 1.25, 1.5, 1.75], dtype=torch.float32)
    assert_values(torch.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    assert_values(torch.logspace(0, 2, 3), [1.0, 10.0, 100.0])
    assert_values(torch.eye(2, 3), np.eye(2, 3))
    assert_values(torch.zeros_like(torch.ones(2, dtype=torch.int32)), [0, 0], dtype=torch.int32)
    assert_values(torch.full_like(torch.ones(2), 3), [3.0, 3.0], dtype=torch.float32)
    assert torch.empty(4, 2).shape == (4, 2) and torch.empty_like(torch.ones(3)).shape == (3,)


def test_random_numbers_repeat_under_the_same_seed_and_have_their_distribution():
    torch.manual_seed(3)
    a, n, i = torch.rand(2000), torch.randn(2000), torch.randint(0, 5, (2000,))
    torch.manual_seed(3)
    assert torch.equal(a, torch.rand(2000)) and torch.equal(n, torch.randn(2000))
    assert 0 <= a.min().item() and a.max().item() < 1 and abs(a.mean().item() - 0.5) < 0.05
    assert abs(n.mean().item()) < 0.1 and abs(n.std().item() - 1) < 0.1
    assert i.dtype == torch.int64 and set(i.tolist()) == {0, 1, 2, 3, 4}
    assert sorted(torch.randperm(6).tolist()) == list(range(6))
    g = torch.Generator().manual_seed(5)
    assert torch.equal(torch.randn(3, generator=g), torch.randn(3, generator=torch.Generator().manual_seed(5)))


def test_numpy_round_trip_shares_memory():
    a = np.arange(6.0).reshape(2, 3)
    t = torch.from_numpy(a)
    a[0, 0] = 100.0
    assert t[0, 0].item() == 100.0 and t.dtype == torch.float64
    t.numpy()[1, 2] = -1.0
    assert a[1, 2] == -1.0
    copied = torch.tensor(a)
    a[0, 1] = 50.0
    assert copied[0, 1].item() == 1.0  # torch.tensor copies


def test_python_conversions():
    t = torch.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert t[0, 0].item() == 1.5 and isinstance(t[0, 0].item(), float)
    assert int(torch.tensor(3)) == 3 and float(torch.tensor(2.5)) == 2.5 and bool(torch.tensor([1]))
    assert len(t) == 2 and [row.tolist() for row in t] == [[1.5, 2.0], [3.0, 4.0]]
    assert t.numel() == 4 and t.dim() == 2 and t.ndim == 2 and t.size() == (2, 2) and t.size(-1) == 2
    assert t.shape.numel() == 4 and list(t.shape) == [2, 2]
    assert [1, 2, 3][torch.tensor(1)] == 2  # an integer tensor is an index


def test_dtype_conversions_keep_or_cut_values():
    t = torch.tensor([-1.7, 0.2, 2.9])
    assert_values(t.long(), [-1, 0, 2], dtype=torch.int64)
    assert_values(t.int(), [-1, 0, 2], dtype=torch.int32)
    assert_values(t.bool(), [True, True, True], dtype=torch.bool)
    assert_values(t.double(), np.array([-1.7, 0.2, 2.9], dtype=np.float32), dtype=torch.float64)
    assert_values(t.to(torch.float16), np.array([-1.7, 0.2, 2.9], dtype=np.float16), dtype=torch.float16)
    assert t.to(torch.float32) is t  # nothing to change: the same tensor
    assert t.type(torch.float64).dtype == torch.float64 and t.type() == "torch.FloatTensor"
    assert t.is_floating_point() and not t.long().is_floating_point()


def test_default_dtype_decides_what_python_floats_become():
    try:
        torch.set_default_dtype(torch.float64)
        assert torch.tensor([1.0]).dtype == torch.float64 and torch.ones(2).dtype == torch.float64
        assert (torch.tensor([1, 2]) / 2).dtype == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)
    assert torch.get_default_dtype() == torch.float32


# dtypes, reprs and printed texts, as PyTorch 2.13 gives them (test_recorded_texts_are_pytorchs)
TEXTS = {
    # what torch.tensor infers, and type promotion
    "infer-int": (lambda T: T.tensor([1, 2]).dtype, "torch.int64"),
    "infer-float": (lambda T: T.tensor([1, 2.5]).dtype, "torch.float32"),
    "infer-bool": (lambda T: T.tensor([True, False]).dtype, "torch.bool"),
    "infer-numpy-int32": (lambda T: T.tensor(np.arange(3, dtype=np.int32)).dtype, "torch.int32"),
    "int+float-scalar": (lambda T: (T.tensor([1, 2]) + 1.5).dtype, "torch.float32"),
    "int/int": (lambda T: (T.tensor([1, 2]) / T.tensor([2, 2])).dtype, "torch.float32"),
    "int//int": (lambda T: (T.tensor([7, -7]) // 2), "tensor([ 3, -4])"),
    "int32+int64": (lambda T: (T.tensor([1], dtype=T.int32) + T.tensor([1])).dtype, "torch.int64"),
    "float32+float64": (lambda T: (T.ones(1) + T.ones(1, dtype=T.float64)).dtype, "torch.float64"),
    "float32+0-dim-float64": (lambda T: (T.ones(1) + T.tensor(1.0, dtype=T.float64)).dtype, "torch.float32"),
    "int+0-dim-float64": (lambda T: (T.tensor([1]) + T.tensor(1.0, dtype=T.float64)).dtype, "torch.float64"),
    "bool+bool": (lambda T: (T.tensor([True]) + T.tensor([True])), "tensor([True])"),
    "bool+int": (lambda T: (T.tensor([True]) + 1).dtype, "torch.int64"),
    "float16*float32": (lambda T: (T.ones(1, dtype=T.float16) * T.ones(1)).dtype, "torch.float32"),
    "int-mean": (lambda T: T.tensor([1, 2]).float().mean().dtype, "torch.float32"),
    "int-sum": (lambda T: T.tensor([1, 2], dtype=T.int32).sum().dtype, "torch.int64"),
    "bool-sum": (lambda T: T.tensor([True, True, False]).sum(), "tensor(2)"),
    "int-sqrt": (lambda T: T.tensor([4, 9]).sqrt(), "tensor([2., 3.])"),
    "comparison": (lambda T: T.tensor([1.0, 2.0]) > 1.5, "tensor([False,  True])"),
    # reprs
    "float": (lambda T: T.tensor([1.0, 2.5, -3.0]), "tensor([ 1.0000,  2.5000, -3.0000])"),
    "float-ints": (lambda T: T.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    "float64": (lambda T: T.tensor([0.1, 2.0], dtype=T.float64), "tensor([0.1000, 2.0000], dtype=torch.float64)"),
    "float16": (lambda T: T.tensor([0.5], dtype=T.float16), "tensor([0.5000], dtype=torch.float16)"),
    "int32": (lambda T: T.tensor([1, -20], dtype=T.int32), "tensor([  1, -20], dtype=torch.int32)"),
    "uint8": (lambda T: T.tensor([255], dtype=T.uint8), "tensor([255], dtype=torch.uint8)"),
    "0-dim": (lambda T: T.tensor(3.25), "tensor(3.2500)"),
    "empty": (lambda T: T.tensor([]), "tensor([])"),
    "empty-2d": (lambda T: T.zeros(0, 3), "tensor([], size=(0, 3))"),
    "matrix": (lambda T: T.arange(6.0).view(2, 3), "tensor([[0., 1., 2.],\n        [3., 4., 5.]])"),
    "3-d": (lambda T: T.arange(8).view(2, 2, 2),
            "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])"),
    "scientific": (lambda T: T.tensor([1e-5, 1.0, 1e5]), "tensor([1.0000e-05, 1.0000e+00, 1.0000e+05])"),
    "nan-inf": (lambda T: T.tensor([float("nan"), float("inf"), -1.0]), "tensor([nan, inf, -1.])"),
    "summarised": (lambda T: T.arange(2000.0),
                   "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"),
    "requires-grad": (lambda T: T.ones(2, requires_grad=True), "tensor([1., 1.], requires_grad=True)"),
    "grad-fn": (lambda T: T.ones(2, requires_grad=True) * 2, "tensor([2., 2.], grad_fn=<MulBackward0>)"),
    "grad-fn-float64": (lambda T: (T.ones(1, dtype=T.float64, requires_grad=True) + 1).sum(),
                        "tensor(2., dtype=torch.float64, grad_fn=<SumBackward0>)"),
    "no-grad-result": (lambda T: _under_no_grad(T), "tensor([2., 2.])"),
    "grad-fn-repr": (lambda T: type((T.ones(1, requires_grad=True) @ T.ones(1)).grad_fn).__name__, "DotBackward0"),
    "graph-chain": (lambda T: _node_chain(((T.ones(2, requires_grad=True) @ T.ones(2, 3)).relu() ** 2).mean()),
                    "MeanBackward0 PowBackward0 ReluBackward0 SqueezeBackward4 MmBackward0 UnsqueezeBackward0 "
                    "AccumulateGrad"),
    "size": (lambda T: T.ones(2, 3).shape, "torch.Size([2, 3])"),
    "size-repr": (lambda T: repr(T.ones(2, 3).size()[1:]), "torch.Size([3])"),
    "dtype": (lambda T: repr(T.float64), "torch.float64"),
    "device": (lambda T: repr(T.ones(1).device), "device(type='cpu')"),
    "max-dim": (lambda T: T.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1),
                "torch.return_types.max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))"),
    "type-of-sort": (lambda T: type(T.tensor([2.0, 1.0]).sort()).__name__, "sort"),
    "printoptions": (lambda T: _with_precision(T, 2), "tensor([3.14, 2.72])"),
}


def _under_no_grad(T):
    x = T.ones(2, requires_grad=True)
    with T.no_grad():
        return x * 2


def _node_chain(t):
    """Node names from t's grad_fn down the first input of each node."""
    names, node = [], t.grad_fn
    while node is not None:
        names.append(type(node).__name__)
        node = node.next_functions[0][0] if node.next_functions else None
    return " ".join(names)


def _with_precision(T, digits):
    T.set_printoptions(precision=digits)
    try:
        return str(T.tensor([math.pi, math.e]))
    finally:
        T.set_printoptions(profile="default")


@pytest.mark.parametrize("name", TEXTS)
def test_texts_are_what_pytorch_prints(name):
    fn, expected = TEXTS[name]
    assert text_of(fn, engine) == expected


# --- elementwise math -------------------------------------------------------------------------------
# name: (function of the engine, numpy reference, derivative or None, inputs)
UNARY = {
    "exp": (torch.exp, np.exp, np.exp, A),
    "log": (torch.log, np.log, lambda x: 1 / x, POS),
    "log2": (torch.log2, np.log2, lambda x: 1 / (x * math.log(2)), POS),
    "log10": (torch.log10, np.log10, lambda x: 1 / (x * math.log(10)), POS),
    "log1p": (torch.log1p, np.log1p, lambda x: 1 / (1 + x), POS),
    "expm1": (torch.expm1, np.expm1, np.exp, A),
    "sqrt": (torch.sqrt, np.sqrt, lambda x: 0.5 / np.sqrt(x), POS),
    "rsqrt": (torch.rsqrt, lambda x: 1 / np.sqrt(x), lambda x: -0.5 * x ** -1.5, POS),
    "square": (torch.square, np.square, lambda x: 2 * x, A),
    "abs": (torch.abs, np.abs, np.sign, DISTINCT),
    "neg": (torch.neg, np.negative, lambda x: -np.ones_like(x), A),
    "reciprocal": (torch.reciprocal, np.reciprocal, lambda x: -1 / x ** 2, POS),
    "sin": (torch.sin, np.sin, np.cos, A),
    "cos": (torch.cos, np.cos, lambda x: -np.sin(x), A),
    "tanh": (torch.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2, A),
    "sigmoid": (torch.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, A),
    "relu": (torch.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0, DISTINCT),
    "erf": (torch.erf, _erf, lambda x: 2 / math.sqrt(math.pi) * np.exp(-x * x), A),
    "floor": (torch.floor, np.floor, np.zeros_like, 3 * A),
    "ceil": (torch.ceil, np.ceil, np.zeros_like, 3 * A),
    "round": (torch.round, np.round, np.zeros_like, np.array([0.5, 1.5, 2.5, -0.5, -1.7, 2.2])),
    "trunc": (torch.trunc, np.trunc, np.zeros_like, 3 * A),
    "frac": (torch.frac, lambda x: x - np.trunc(x), np.ones_like, 3 * A),
    "sign": (torch.sign, np.sign, np.zeros_like, DISTINCT),
    "sgn": (torch.sgn, np.sign, np.zeros_like, DISTINCT),
    "tan": (torch.tan, np.tan, lambda x: 1 / np.cos(x) ** 2, UNIT),
    "atan": (torch.atan, np.arctan, lambda x: 1 / (1 + x * x), 3 * A),
    "asin": (torch.asin, np.arcsin, lambda x: 1 / np.sqrt(1 - x * x), UNIT),
    "acos": (torch.acos, np.arccos, lambda x: -1 / np.sqrt(1 - x * x), UNIT),
    "sinh": (torch.sinh, np.sinh, np.cosh, 3 * A),
    "cosh": (torch.cosh, np.cosh, np.sinh, 3 * A),
    "asinh": (torch.asinh, np.arcsinh, lambda x: 1 / np.sqrt(x * x + 1), 3 * A),
    "acosh": (torch.acosh, np.arccosh, lambda x: 1 / np.sqrt(x * x - 1), POS + 1),
    "atanh": (torch.atanh, np.arctanh, lambda x: 1 / (1 - x * x), UNIT),
    "exp2": (torch.exp2, np.exp2, lambda x: np.exp2(x) * math.log(2), A),
    "logit": (torch.logit, lambda x: np.log(x / (1 - x)), lambda x: 1 / (x * (1 - x)), PROB),
    "deg2rad": (torch.deg2rad, np.deg2rad, lambda x: np.full_like(x, math.pi / 180), A),
    "rad2deg": (torch.rad2deg, np.rad2deg, lambda x: np.full_like(x, 180 / math.pi), A),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_unary_values(name, dtype):
    fn, reference, _, x = UNARY[name]
    expected = reference(x.astype(dtype.np)).astype(np.float64)
    assert_values(fn(leaf(x, dtype, requires_grad=False)), expected, dtype=dtype)


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradient_is_the_derivative(name):
    fn, _, derivative, x = UNARY[name]
    t = leaf(x)
    fn(t).sum().backward()
    assert_values(t.grad, derivative(x))
    if name not in ("floor", "ceil", "round", "trunc", "sign", "sgn"):  # steps: finite differences see jumps
        assert_gradients(fn, x)


def test_unary_functions_of_integers_give_floats():
    assert_values(torch.exp(torch.tensor([0, 1])), [1.0, math.e], dtype=torch.float32)
    assert_values(torch.tensor([-2, 3]).abs(), [2, 3], dtype=torch.int64)
    assert_values(torch.tensor([-2, 3]).sign(), [-1, 1], dtype=torch.int64)


# name: (engine function of x and y, numpy reference, inputs)
BINARY = {
    "add": (lambda x, y: x + y, np.add, (A, ROW)),
    "add-alpha": (lambda x, y: torch.add(x, y, alpha=-2), lambda x, y: x - 2 * y, (A, B)),
    "sub": (lambda x, y: x - y, np.subtract, (A, ROW)),
    "mul": (lambda x, y: x * y, np.multiply, (A, B[:, :1])),
    "div": (lambda x, y: x / y, np.divide, (A, POS)),
    "pow": (lambda x, y: x ** y, np.power, (POS, A)),
    "maximum": (torch.maximum, np.maximum, (DISTINCT, DISTINCT[::-1] + 0.05)),
    "minimum": (torch.minimum, np.minimum, (DISTINCT, DISTINCT[::-1] + 0.05)),
    "remainder": (lambda x, y: x % y, np.remainder, (DISTINCT * 3 + 0.01, POS)),
    "fmod": (torch.fmod, np.fmod, (DISTINCT * 3 + 0.01, POS)),
    "lerp": (lambda x, y: torch.lerp(x, y, 0.3), lambda x, y: x + 0.3 * (y - x), (A, B)),
    "addcmul": (lambda x, y: torch.addcmul(x, y, y, value=0.5), lambda x, y: x + 0.5 * y * y, (A, B)),
    "addcdiv": (lambda x, y: torch.addcdiv(x, x, y, value=2), lambda x, y: x + 2 * x / y, (A, POS)),
    "where": (lambda x, y: torch.where(x > 0, x, y), lambda x, y: np.where(x > 0, x, y), (DISTINCT, B)),
    "scalar-add": (lambda x, y: 2 + x * y, lambda x, y: 2 + x * y, (A, B)),
    "scalar-rsub": (lambda x, y: 2 - x, lambda x, y: 2 - x, (A, B)),
    "scalar-rdiv": (lambda x, y: 2 / y, lambda x, y: 2 / y, (A, POS)),
    "scalar-rpow": (lambda x, y: 2 ** x, lambda x, y: 2.0 ** x, (A, B)),
    "scalar-pow": (lambda x, y: y ** 0.5 + x ** 3, lambda x, y: y ** 0.5 + x ** 3, (A, POS)),
    "atan2": (torch.atan2, np.arctan2, (A, B)),
    "hypot": (torch.hypot, np.hypot, (A, ROW)),
    "logaddexp": (torch.logaddexp, np.logaddexp, (A, 3 * B)),
    "xlogy": (torch.xlogy, lambda x, y: x * np.log(y), (A, POS)),
    "dist": (lambda x, y: torch.dist(x, y, 3), lambda x, y: (np.abs(x - y) ** 3).sum() ** (1 / 3), (A, ROW)),
}


@pytest.mark.parametrize("name", BINARY)
def test_binary_values_broadcast_as_numpy(name):
    fn, reference, (x, y) = BINARY[name]
    assert_values(fn(leaf(x), leaf(y)), reference(x, y))
    assert_values(fn(leaf(x, torch.float32), leaf(y, torch.float32)), reference(x, y), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradients(name):
    fn, _, (x, y) = BINARY[name]
    assert_gradients(fn, x, y)


def test_binary_gradients_are_summed_over_broadcast_dims():
    x, y = leaf(A), leaf(ROW)
    (x * y).sum().backward()
    assert_values(x.grad, np.broadcast_to(ROW, A.shape))
    assert_values(y.grad, A.sum(0))
    s = leaf(2.0)
    (x * s).sum().backward()
    assert_values(s.grad, A.sum())


def test_comparisons_and_logic():
    x, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])
    assert (x == y).tolist() == [False, True, False] and (x != y).tolist() == [True, False, True]
    assert (x < y).tolist() == [True, False, False] and (x >= y).tolist() == [False, True, True]
    assert torch.logical_and(x > 1, y > 1).tolist() == [False, True, False]
    assert ((x > 1) | (y > 2)).tolist() == [True, True, True] and (~(x > 1)).tolist() == [True, False, False]
    assert ((x > 1) ^ (y > 1)).tolist() == [True, False, True]
    assert torch.equal(x, x.clone()) and not torch.equal(x, y)
    assert torch.allclose(x, x + 1e-9) and not torch.allclose(x, y)
    assert torch.isclose(x, y).tolist() == [False, True, False]
    special = torch.tensor([float("nan"), float("inf"), 1.0])
    assert special.isnan().tolist() == [True, False, False] and special.isinf().tolist() == [False, True, False]
    assert special.isfinite().tolist() == [False, False, True]
    assert (torch.tensor([6, 3]) & 5).tolist() == [4, 1] and (torch.tensor([6, 3]) | 8).tolist() == [14, 11]


def test_clamp_of_integers_stays_integer_unless_a_bound_is_a_float():
    assert_values(torch.tensor([1, 5, -2]).clamp(0, 3), [1, 3, 0], dtype=torch.int64)
    assert_values(torch.tensor([1, 5, -2]).clamp(min=0.5), [1.0, 5.0, 0.5], dtype=torch.float32)
    assert_values(torch.tensor([1, 5, -2]).clamp_max(2), [1, 2, -2], dtype=torch.int64)


def test_clamp_values_and_gradient():
    x = leaf(DISTINCT)
    y = x.clamp(-0.3, 0.2)
    assert_values(y, np.clip(DISTINCT, -0.3, 0.2))
    y.sum().backward()
    assert_values(x.grad, ((DISTINCT >= -0.3) & (DISTINCT <= 0.2)) * 1.0)
    assert_values(torch.clamp(leaf(DISTINCT), min=0.0), np.maximum(DISTINCT, 0))
    assert_values(leaf(DISTINCT).clip(max=0.0), np.minimum(DISTINCT, 0))
    lo, hi = np.full(4, -0.25), np.full(4, 0.25)
    assert_values(torch.clamp(leaf(DISTINCT), leaf(lo), leaf(hi)), np.clip(DISTINCT, lo, hi))
    assert_gradients(lambda x, lo, hi: torch.clamp(x, lo, hi), DISTINCT, lo + 0.02, hi + 0.02)


# --- reductions -----------------------------------------------------------------------------------
# name: (engine function, numpy reference)
REDUCTIONS = {
    "sum": (lambda x: x.sum(), np.sum),
    "sum-dim": (lambda x: x.sum(0), lambda x: x.sum(0)),
    "sum-dims-keepdim": (lambda x: x.sum((0, 1), keepdim=True), lambda x: x.sum((0, 1), keepdims=True)),
    "sum-negative-dim": (lambda x: torch.sum(x, -1), lambda x: x.sum(-1)),
    "mean": (lambda x: x.mean(), np.mean),
    "mean-dim-keepdim": (lambda x: x.mean(1, keepdim=True), lambda x: x.mean(1, keepdims=True)),
    "prod": (lambda x: x.prod(), np.prod),
    "prod-dim": (lambda x: x.prod(1), lambda x: x.prod(1)),
    "max": (lambda x: x.max(), np.max),
    "min": (lambda x: x.min(), np.min),
    "max-dim-values": (lambda x: x.max(1).values, lambda x: x.max(1)),
    "min-dim-values": (lambda x: x.min(0, keepdim=True)[0], lambda x: x.min(0, keepdims=True)),
    "amax": (lambda x: x.amax((0, 1)), np.max),
    "amin": (lambda x: x.amin(1), lambda x: x.min(1)),
    "var": (lambda x: x.var(), lambda x: x.var(ddof=1)),
    "var-dim-biased": (lambda x: x.var(1, unbiased=False), lambda x: x.var(1)),
    "var-correction": (lambda x: x.var(0, correction=2), lambda x: x.var(0, ddof=2)),
    "std": (lambda x: x.std(), lambda x: x.std(ddof=1)),
    "std-dim": (lambda x: x.std(0, keepdim=True), lambda x: x.std(0, ddof=1, keepdims=True)),
    "logsumexp": (lambda x: x.logsumexp(1), lambda x: np.log(np.exp(x).sum(1))),
    "norm": (lambda x: x.norm(), lambda x: np.sqrt((x * x).sum())),
    "norm-1-dim": (lambda x: x.norm(1, dim=1), lambda x: np.abs(x).sum(1)),
    "norm-3": (lambda x: x.norm(3), lambda x: (np.abs(x) ** 3).sum() ** (1 / 3)),
    "norm-inf": (lambda x: x.norm(float("inf")), lambda x: np.abs(x).max()),
    "cumsum": (lambda x: x.cumsum(1), lambda x: x.cumsum(1)),
    "cumsum-0": (lambda x: torch.cumsum(x, dim=0), lambda x: x.cumsum(0)),
    "softmax": (lambda x: x.softmax(1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    "log_softmax": (lambda x: x.log_softmax(0), lambda x: x - np.log(np.exp(x).sum(0, keepdims=True))),
    "var_mean": (lambda x: torch.var_mean(x, 1)[0] + torch.var_mean(x, 1)[1],
                 lambda x: x.var(1, ddof=1) + x.mean(1)),
    "std_mean": (lambda x: torch.std_mean(x)[0] * torch.std_mean(x)[1], lambda x: x.std(ddof=1) * x.mean()),
    "cumprod": (lambda x: x.cumprod(1), lambda x: x.cumprod(1)),
    "median": (lambda x: x.median(), lambda x: np.sort(x, None)[(x.size - 1) // 2]),
    "median-dim": (lambda x: x.median(1).values, lambda x: np.sort(x, 1)[:, 1]),
    "kthvalue": (lambda x: x.kthvalue(2, 0).values, lambda x: np.sort(x, 0)[1]),
    "linalg.norm-1": (lambda x: torch.linalg.norm(x, 1), lambda x: np.abs(x).sum(0).max()),
    "linalg.vector_norm": (lambda x: torch.linalg.vector_norm(x, 3, dim=1), lambda x: (np.abs(x) ** 3).sum(1) ** (1 / 3)),
    "cummax": (lambda x: x.cummax(1).values, lambda x: np.maximum.accumulate(x, 1)),
    "cummin": (lambda x: torch.cummin(x, 0).values, lambda x: np.minimum.accumulate(x, 0)),
    "diff": (lambda x: x.diff(), lambda x: np.diff(x)),
    "diff-2": (lambda x: torch.diff(x, n=2, dim=0), lambda x: np.diff(x, 2, 0)),
    "nansum": (lambda x: x.nansum(1), lambda x: x.sum(1)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_values(name):
    fn, reference = REDUCTIONS[name]
    assert_values(fn(leaf(DISTINCT)), reference(DISTINCT))
    assert_values(fn(leaf(DISTINCT, torch.float32)), reference(DISTINCT), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_gradients(name):
    assert_gradients(REDUCTIONS[name][0], DISTINCT)


def test_reduction_gradients_in_closed_form():
    x = leaf(POS)
    x.mean().backward()
    assert_values(x.grad, np.full(POS.shape, 1 / POS.size))
    x.grad = None
    x.prod().backward()
    assert_values(x.grad, POS.prod() / POS)
    x.grad = None
    x.var().backward()
    assert_values(x.grad, 2 * (POS - POS.mean()) / (POS.size - 1))
    x.grad = None
    x.norm().backward()
    assert_values(x.grad, POS / np.sqrt((POS ** 2).sum()))


def test_max_gradient_is_shared_among_ties():
    x = leaf([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    assert_values(x.grad, [0.0, 0.5, 0.5, 0.0])
    y = leaf([[1.0, 3.0, 3.0]])
    y.max(1).values.sum().backward()  # max(dim) picks one index, so one element gets it all
    assert y.grad.sum().item() == 1.0


def test_index_results_of_reductions():
    x = torch.tensor(DISTINCT)
    assert x.argmax().item() == DISTINCT.argmax() and x.argmin().item() == DISTINCT.argmin()
    assert_values(x.argmax(1), DISTINCT.argmax(1), dtype=torch.int64)
    assert_values(x.argmin(0, keepdim=True), DISTINCT.argmin(0)[None])
    values, indices = x.max(0)
    assert_values(values, DISTINCT.max(0))
    assert_values(indices, DISTINCT.argmax(0))
    assert_values(x.sort(1).values, np.sort(DISTINCT, 1))
    assert_values(x.sort(1, descending=True).indices, np.argsort(-DISTINCT, 1))
    assert_values(x.argsort(0), np.argsort(DISTINCT, 0))
    top = x.topk(2, dim=1)
    assert_values(top.values, -np.sort(-DISTINCT, 1)[:, :2])
    assert_values(top.indices, np.argsort(-DISTINCT, 1)[:, :2])
    assert_values(x.topk(1, dim=0, largest=False).values, DISTINCT.min(0, keepdims=True))


def test_nan_aware_functions_and_index_helpers():
    x = np.array([[np.nan, 1.5, np.inf], [-np.inf, -2.0, np.nan]])
    big = np.finfo(np.float32).max
    assert_values(torch.tensor(x, dtype=torch.float32).nan_to_num(), [[0, 1.5, big], [-big, -2.0, 0]])
    assert_values(torch.nan_to_num(torch.tensor(x), nan=-1.0, posinf=9.0), [[-1, 1.5, 9], [np.finfo(float).min, -2, -1]])
    assert_values(torch.tensor(x[:, :2]).nansum(), np.nansum(x[:, :2]))
    assert_values(torch.tensor(x[:, :2]).nanmean(0), np.nanmean(x[:, :2], 0))
    t = leaf(x[:, :2])
    (t.nan_to_num() + t.nansum(1, keepdim=True)).sum().backward()
    assert_values(t.grad, np.isfinite(x[:, :2]) * 1.0 + ~np.isnan(x[:, :2]) * 2.0)  # nansum: both columns
    assert_values(torch.isin(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 3])), [[False, True], [True, False]])
    assert_values(torch.tril_indices(3, 3), np.stack(np.tril_indices(3)), dtype=torch.int64)
    assert_values(torch.triu_indices(3, 4, 1), np.stack(np.triu_indices(3, 1, 4)), dtype=torch.int64)
    assert_values(torch.float_power(torch.tensor([2, 3]), 2), [4.0, 9.0], dtype=torch.float64)
    assert_values(torch.tensor([1.0, 3.0, 3.0, 2.0]).cummax(0).indices, [0, 1, 2, 2], dtype=torch.int64)


def test_logical_reductions_and_counting():
    m = torch.tensor([[True, False], [True, True]])
    assert m.all().item() is False and m.any().item() is True
    assert m.all(1).tolist() == [False, True] and m.any(0).tolist() == [True, True]
    assert torch.count_nonzero(m).item() == 3 and m.sum().item() == 3
    assert torch.nonzero(m).tolist() == [[0, 0], [1, 0], [1, 1]]
    assert [t.tolist() for t in torch.nonzero(m, as_tuple=True)] == [[0, 1, 1], [0, 0, 1]]
    values, counts = torch.unique(torch.tensor([3, 1, 3, 2, 1, 3]), return_counts=True)
    assert values.tolist() == [1, 2, 3] and counts.tolist() == [2, 1, 3]
    assert_values(torch.bincount(torch.tensor([0, 2, 2])), [1, 0, 2], dtype=torch.int64)
    assert_values(torch.bincount(torch.tensor([0, 2]), torch.tensor([0.5, 1.0]), minlength=4), [0.5, 0, 1, 0])


# --- shapes, views, joining -----------------------------------------------------------------------
SHAPES = {
    "view": (lambda x: x.view(4, 3), lambda x: x.reshape(4, 3)),
    "view-infer": (lambda x: x.view(-1), lambda x: x.reshape(-1)),
    "reshape-t": (lambda x: x.t().reshape(2, 6), lambda x: x.T.reshape(2, 6)),
    "flatten": (lambda x: x.view(3, 2, 2).flatten(1), lambda x: x.reshape(3, 4)),
    "unflatten": (lambda x: x.unflatten(1, (2, 2)), lambda x: x.reshape(3, 2, 2)),
    "t": (lambda x: x.t(), lambda x: x.T),
    "T": (lambda x: x.T, lambda x: x.T),
    "transpose": (lambda x: x.view(3, 2, 2).transpose(0, 2), lambda x: x.reshape(3, 2, 2).swapaxes(0, 2)),
    "permute": (lambda x: x.view(3, 2, 2).permute(2, 0, 1), lambda x: x.reshape(3, 2, 2).transpose(2, 0, 1)),
    "movedim": (lambda x: x.view(3, 2, 2).movedim(0, -1), lambda x: np.moveaxis(x.reshape(3, 2, 2), 0, -1)),
    "unsqueeze": (lambda x: x.unsqueeze(1), lambda x: x[:, None]),
    "squeeze": (lambda x: x.view(3, 1, 4, 1).squeeze(), lambda x: x),
    "squeeze-dim": (lambda x: x.view(1, 3, 4).squeeze(0), lambda x: x),
    "expand": (lambda x: x[:1].expand(2, 4), lambda x: np.broadcast_to(x[:1], (2, 4))),
    "expand-new-dim": (lambda x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4))),
    "cat": (lambda x: torch.cat([x, x * 2], 1), lambda x: np.concatenate([x, x * 2], 1)),
    "stack": (lambda x: torch.stack([x, x + 1], 0), lambda x: np.stack([x, x + 1], 0)),
    "hstack": (lambda x: torch.hstack([x, x]), lambda x: np.hstack([x, x])),
    "vstack": (lambda x: torch.vstack([x, x]), lambda x: np.vstack([x, x])),
    "split": (lambda x: x.split(3, 1)[1], lambda x: x[:, 3:]),
    "split-sizes": (lambda x: x.split([1, 2])[1], lambda x: x[1:]),
    "chunk": (lambda x: x.chunk(2, 1)[0], lambda x: x[:, :2]),
    "unbind": (lambda x: x.unbind(1)[2], lambda x: x[:, 2]),
    "narrow": (lambda x: x.narrow(1, 1, 2), lambda x: x[:, 1:3]),
    "flip": (lambda x: x.flip(0), lambda x: x[::-1]),
    "flip-both": (lambda x: x.flip((0, 1)), lambda x: x[::-1, ::-1]),
    "roll": (lambda x: x.roll(1, 1), lambda x: np.roll(x, 1, 1)),
    "roll-flat": (lambda x: x.roll(5), lambda x: np.roll(x, 5)),
    "repeat": (lambda x: x.repeat(2, 1, 2), lambda x: np.tile(x, (2, 1, 2))),
    "tile": (lambda x: x.tile((2,)), lambda x: np.tile(x, 2)),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, dim=0), lambda x: np.repeat(x, 2, 0)),
    "tril": (lambda x: x.tril(), np.tril),
    "triu-1": (lambda x: x.triu(1), lambda x: np.triu(x, 1)),
    "diagonal": (lambda x: x.diagonal(), np.diagonal),
    "diag-of-vector": (lambda x: torch.diag(x[0]), lambda x: np.diag(x[0])),
    "trace": (lambda x: x[:, :3].trace(), lambda x: np.trace(x[:, :3])),
    "contiguous": (lambda x: x.t().contiguous(), lambda x: x.T),
    "ravel": (lambda x: x.t().ravel(), lambda x: x.T.ravel()),
    "unfold": (lambda x: x.unfold(1, 2, 1), lambda x: np.lib.stride_tricks.sliding_window_view(x, 2, axis=1)),
    "unfold-step": (lambda x: x.unfold(0, 2, 2), lambda x: x[:2].T[None]),
    "clone": (lambda x: x.clone(), lambda x: x),
}


@pytest.mark.parametrize("name", SHAPES)
def test_shape_op_values(name):
    fn, reference = SHAPES[name]
    assert_values(fn(leaf(A)), reference(A))


@pytest.mark.parametrize("name", SHAPES)
def test_shape_op_gradients(name):
    assert_gradients(SHAPES[name][0], A)


def test_views_share_memory_and_copies_do_not():
    x = torch.arange(6.0)
    v = x.view(2, 3)
    v[1, 1] = 40.0
    assert x[4].item() == 40.0 and v.data_ptr() == x.data_ptr()
    y = torch.arange(6.0).view(2, 3)
    t = y.t()
    assert not t.is_contiguous() and t.stride() == (1, 3) and y.stride() == (3, 1)
    c = t.contiguous()
    assert c.is_contiguous() and c.stride() == (2, 1)
    c[0, 0] = -5.0
    assert y[0, 0].item() == 0.0
    r = y.reshape(6)  # a view where it can be
    r[0] = 9.0
    assert y[0, 0].item() == 9.0
    assert x.clone().data_ptr() != x.data_ptr()
    e = torch.ones(3).expand(2, 3)
    assert e.stride() == (0, 1)


def test_new_tensors_and_in_place_view_changes():
    x = torch.ones(2, 3, dtype=torch.float64)
    assert x.new_zeros(4).dtype == torch.float64 and x.new_ones((2, 2)).shape == (2, 2)
    assert x.new_full((3,), 7).tolist() == [7.0, 7.0, 7.0] and x.new_tensor([1, 2]).dtype == torch.float64
    assert x.new_empty(0).shape == (0,) and x.new_zeros(2, dtype=torch.int32).dtype == torch.int32
    y = torch.arange(6.0).view(2, 3)
    assert y.unsqueeze_(0).shape == (1, 2, 3) and y.squeeze_().shape == (2, 3)
    assert y.t_().shape == (3, 2) and y.transpose_(0, 1).shape == (2, 3) and y.is_contiguous()
    w = leaf(A)
    v = w * 1
    v.unsqueeze_(1).transpose_(0, 2)
    assert v.shape == (4, 1, 3) and v.grad_fn.name() == "TransposeBackward1"
    (v * torch.tensor(B.T[:, None, :])).sum().backward()
    assert_values(w.grad, B)
    assert_values(torch.tensor([1.0, -2.0]).apply_(lambda t: t * t + 1), [2.0, 5.0])
    assert_values(torch.argwhere(torch.tensor([[0.0, 1.0], [2.0, 0.0]])), [[0, 1], [1, 0]], dtype=torch.int64)


def test_joining_promotes_and_checks_shapes():
    assert torch.cat([torch.ones(2), torch.zeros(1, dtype=torch.float64)]).dtype == torch.float64
    assert torch.cat([torch.ones(2, 3), torch.ones(2, 0)], 1).shape == (2, 3)
    assert torch.stack([torch.ones(2)] * 3, 1).shape == (2, 3)
    a, b = torch.broadcast_tensors(torch.ones(3, 1), torch.ones(4))
    assert a.shape == b.shape == (3, 4) and torch.broadcast_shapes((2, 1), (3,)) == (2, 3)
    grid_x, grid_y = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")
    assert grid_x.tolist() == [[0, 0, 0], [1, 1, 1]] and grid_y.tolist() == [[0, 1, 2], [0, 1, 2]]


# --- indexing ----------------------------------------------------------------------------------------
INDEXES = {
    "int": (1,), "negative": (-1, -2), "slice": (slice(1, None),), "step": (slice(None, None, 2), slice(1, 4, 2)),
    "ellipsis": (Ellipsis, 0), "none": (None, 1), "list": ([0, 2, 2],), "pair-of-lists": ([0, 2], [3, 1]),
    "mixed": (slice(None), [1, 3]), "bool-mask": (A > 0,), "row-mask": (np.array([True, False, True]),),
    "empty-slice": (slice(2, 1),),
}


def _as_engine_index(index):
    return tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)


@pytest.mark.parametrize("name", INDEXES)
def test_getitem_as_numpy(name):
    index = INDEXES[name]
    x = leaf(A)
    assert_values(x[_as_engine_index(index)], A[index])
    assert_gradients(lambda x: x[_as_engine_index(index)], A)


def test_index_with_a_tensor_of_indices_and_gradient_accumulates_repeats():
    x = leaf(ROW)
    x[torch.tensor([0, 0, 3])].sum().backward()
    assert_values(x.grad, [2.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", INDEXES)
def test_setitem_as_numpy(name):
    index = INDEXES[name]
    expected = A.copy()
    expected[index] = 7.0
    x = torch.tensor(A)
    x[_as_engine_index(index)] = 7.0
    assert_values(x, expected)


def test_setitem_with_tensors_and_broadcasting():
    x = torch.zeros(3, 4)
    x[1] = torch.arange(4.0)
    x[:, 0] = torch.tensor([5.0, 6.0, 7.0])
    x[x > 6] = -1.0
    assert x.tolist() == [[5, 0, 0, 0], [6, 1, 2, 3], [-1, 0, 0, 0]]


def test_setitem_on_a_tensor_that_needs_gradients():
    w = leaf(ROW)
    y = w * 2
    y[1:3] = 0.0
    y.sum().backward()
    assert_values(w.grad, [2.0, 0.0, 0.0, 2.0])


GATHERS = {
    "gather": (lambda x: x.gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]])),
               lambda x: np.take_along_axis(x, np.array([[0, 0], [3, 1], [2, 2]]), 1)),
    "take_along_dim": (lambda x: torch.take_along_dim(x, torch.tensor([[1], [0], [3]]), 1),
                       lambda x: np.take_along_axis(x, np.array([[1], [0], [3]]), 1)),
    "index_select": (lambda x: x.index_select(1, torch.tensor([3, 0, 3])), lambda x: x[:, [3, 0, 3]]),
    "masked_select": (lambda x: x.masked_select(x > 0), lambda x: x[x > 0]),
    "masked_fill": (lambda x: x.masked_fill(x > 0, -1.0), lambda x: np.where(x > 0, -1.0, x)),
    "scatter-src": (lambda x: torch.zeros(3, 5, dtype=torch.float64).scatter(1, torch.tensor([[4], [0], [2]]),
                                                                                x[:, :1]),
                    lambda x: _scatter_reference(x)),
    "scatter_add": (lambda x: torch.zeros(3, 2, dtype=torch.float64).scatter_add(1, torch.tensor([[0, 1, 0, 1]] * 3),
                                                                                   x),
                    lambda x: np.stack([x[:, ::2].sum(1), x[:, 1::2].sum(1)], 1)),
    "take": (lambda x: x.take(torch.tensor([[0, 11], [5, -1]])), lambda x: x.ravel()[[[0, 11], [5, -1]]]),
    "select": (lambda x: x.select(1, -2), lambda x: x[:, -2]),
    "index_add": (lambda x: x.index_add(0, torch.tensor([2, 0, 2]), x * 2), lambda x: _index_add_reference(x)),
    "index_fill": (lambda x: x.index_fill(1, torch.tensor([0, 3]), -1.0), lambda x: _index_fill_reference(x)),
    "masked_scatter": (lambda x: x.masked_scatter(x > 0, x[0].flip(0).repeat(3)), lambda x: _masked_scatter_reference(x)),
}


def _index_add_reference(x):
    out = x.copy()
    np.add.at(out, [2, 0, 2], 2 * x)
    return out


def _index_fill_reference(x):
    out = x.copy()
    out[:, [0, 3]] = -1.0
    return out


def _masked_scatter_reference(x):
    out, mask = x.copy(), x > 0
    out[mask] = np.tile(x[0][::-1], 3)[:mask.sum()]
    return out


def _scatter_reference(x):
    out = np.zeros((3, 5))
    for row, col in enumerate([4, 0, 2]):
        out[row, col] = x[row, 0]
    return out


@pytest.mark.parametrize("name", GATHERS)
def test_gather_and_scatter(name):
    fn, reference = GATHERS[name]
    x = np.where(A == 0, 1.0, A)
    assert_values(fn(leaf(x)), reference(x))
    assert_gradients(fn, x)


# --- matrix products -----------------------------------------------------------------------------------
M23, M34, M243, V3, V4 = (rng.standard_normal(s) for s in ((2, 3), (3, 4), (2, 4, 3), (3,), (4,)))
MATMUL = {
    "mm": (lambda a, b: a.mm(b), (M23, M34)),
    "matmul-operator": (lambda a, b: a @ b, (M23, M34)),
    "mv": (lambda a, b: torch.mv(a, b), (M34, V4)),
    "dot": (lambda a, b: torch.dot(a, b), (V3, V3[::-1].copy())),
    "vector-matrix": (lambda a, b: a @ b, (V3, M34)),
    "batched": (lambda a, b: a @ b, (M243, M34)),
    "bmm": (lambda a, b: torch.bmm(a, b), (M243, np.stack([M34, 2 * M34]))),
    "broadcast-batch": (lambda a, b: a @ b, (M243, rng.standard_normal((5, 1, 3, 2)))),
    "outer": (lambda a, b: torch.outer(a, b), (V3, V4)),
    "addmm": (lambda a, b: torch.addmm(b[0], a, b, beta=0.5, alpha=2), (M23, M34)),
    "einsum": (lambda a, b: torch.einsum("ij,jk->ki", a, b), (M23, M34)),
    "cdist": (lambda a, b: torch.cdist(a, b), (M23, M34.T.copy())),
    "cross": (lambda a, b: torch.cross(a, b, dim=1), (M23, M23[::-1].copy())),
}
_NUMPY_MATMUL = {"outer": np.outer, "addmm": lambda a, b: 0.5 * b[0] + 2 * (a @ b),
                 "einsum": lambda a, b: (a @ b).T, "cdist": lambda a, b: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)),
                 "cross": lambda a, b: np.cross(a, b)}


@pytest.mark.parametrize("name", MATMUL)
def test_matrix_products(name):
    fn, (a, b) = MATMUL[name]
    assert_values(fn(leaf(a), leaf(b)), _NUMPY_MATMUL.get(name, np.matmul)(a, b))
    assert_values(fn(leaf(a, torch.float32), leaf(b, torch.float32)), _NUMPY_MATMUL.get(name, np.matmul)(a, b),
                  rtol=1e-5, atol=1e-5)
    assert_gradients(fn, a, b)


def test_matmul_gradients_in_closed_form():
    a, b = leaf(M23), leaf(M34)
    g = rng.standard_normal((2, 4))
    (a @ b).backward(torch.tensor(g))
    assert_values(a.grad, g @ M34.T)
    assert_values(b.grad, M23.T @ g)


# --- autograd ----------------------------------------------------------------------------------------
def test_the_tutorial_gradient():
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    assert out.item() == 27.0 and x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    assert y.grad_fn.name() == "AddBackward0" and z.grad_fn.name() == "MulBackward0"
    assert out.grad_fn.name() == "MeanBackward0"
    assert y.grad_fn.next_functions[0][0].variable is x and x.is_leaf and not y.is_leaf


def test_gradients_accumulate_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert_values(x.grad, [5.0, 7.0])
    x.grad.zero_()
    (x ** 3).sum().backward()
    assert_values(x.grad, [3.0, 12.0])
    x.grad = None
    x.sum().backward()
    assert_values(x.grad, [1.0, 1.0])


def test_shared_subgraph_gradient_is_the_sum_of_its_paths():
    x = leaf([0.5, -1.0])
    q = x * x
    r = (q + x) * q.exp()
    r.sum().backward()
    xv = np.array([0.5, -1.0])
    assert_values(x.grad, (2 * xv + 1) * np.exp(xv ** 2) + (xv ** 2 + xv) * np.exp(xv ** 2) * 2 * xv)


def test_requires_grad_flows_and_detach_cuts():
    x = torch.ones(2, requires_grad=True)
    c = torch.ones(2)
    assert (x * c).requires_grad and not (c * 2).requires_grad
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert not torch.tensor([1.0]).requires_grad
    a = torch.ones(2)
    a.requires_grad_()
    assert a.requires_grad and a.is_leaf
    assert not (x > 0).requires_grad and not x.argmax().requires_grad


def test_backward_with_a_gradient_argument_and_inputs():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * y).backward(torch.tensor([1.0, -1.0], dtype=torch.float64), inputs=[x])
    assert_values(x.grad, [3.0, -4.0])
    assert y.grad is None
    torch.autograd.backward([(x * x).sum(), y.sum()], [torch.tensor(2.0, dtype=torch.float64), None])
    assert_values(x.grad, [3.0 + 4.0, -4.0 + 8.0])
    assert_values(y.grad, [1.0, 1.0])


def test_retain_graph_allows_another_backward():
    x = leaf([0.5, 1.5])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_values(x.grad, 2 * np.exp([0.5, 1.5]) * (1 + np.array([0.5, 1.5])))


def test_autograd_grad_returns_instead_of_accumulating():
    x, unused = leaf([1.0, 2.0]), leaf([5.0])
    y = (x ** 2).sum()
    gx, gu = torch.autograd.grad(y, [x, unused], allow_unused=True)
    assert_values(gx, [2.0, 4.0])
    assert gu is None and x.grad is None
    (gm,) = torch.autograd.grad((x * 2).sum(), [unused], allow_unused=True, materialize_grads=True)
    assert_values(gm, [0.0])


def test_higher_order_gradients_of_a_cubic():
    x = leaf([2.0, -1.0])
    y = (x ** 3).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert_values(g, 3 * np.array([2.0, -1.0]) ** 2)
    assert g.requires_grad
    (h,) = torch.autograd.grad(g.sum(), x, create_graph=True)
    assert_values(h, 6 * np.array([2.0, -1.0]))
    (third,) = torch.autograd.grad(h.sum(), x)
    assert_values(third, [6.0, 6.0])


def test_hessian_vector_product_of_tanh_mlp_matches_finite_differences():
    w = rng.standard_normal((3, 2))
    v = rng.standard_normal((3, 2))

    def loss(weights):
        return ((torch.tensor(M23) @ weights).tanh() ** 2).sum()

    x = leaf(w)
    (g,) = torch.autograd.grad(loss(x), x, create_graph=True)
    (hv,) = torch.autograd.grad((g * torch.tensor(v)).sum(), x)
    eps = 1e-5

    def grad_at(values):
        t = leaf(values)
        return torch.autograd.grad(loss(t), t)[0].numpy()
    assert_values(hv, (grad_at(w + eps * v) - grad_at(w - eps * v)) / (2 * eps), rtol=1e-6, atol=1e-7)


def test_second_derivatives_of_activations():
    for fn, second in ((torch.sigmoid, lambda s: s * (1 - s) * (1 - 2 * s)), (torch.tanh, lambda t: -2 * t * (1 - t * t))):
        x = leaf(A)
        (g,) = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
        g.sum().backward()
        assert_values(x.grad, second(fn(torch.tensor(A)).numpy()))


def test_grad_modes():
    x = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        assert not (x * 2).requires_grad and not torch.is_grad_enabled()
        with torch.enable_grad():
            assert (x * 2).requires_grad
    assert torch.is_grad_enabled()
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with torch.inference_mode():
        assert not (x * 2).requires_grad

    @torch.no_grad()
    def double(t):
        return t * 2
    assert not double(x).requires_grad and torch.is_grad_enabled()

    @torch.no_grad
    def triple(t):
        return t * 3
    assert not triple(x).requires_grad
    torch.set_grad_enabled(False)
    try:
        assert not (x + 1).requires_grad
    finally:
        torch.set_grad_enabled(True)


def test_no_grad_allows_in_place_updates_of_leaves():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    assert_values(w, [0.8, 1.6])
    assert w.requires_grad and w.is_leaf


def test_tensor_hooks_see_and_replace_gradients():
    x = leaf([1.0, 2.0])
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.clone()))
    y = x * 3
    y.register_hook(lambda g: g * 10)  # replaces the gradient flowing on from y
    y.sum().backward()
    assert_values(seen[0], [30.0, 30.0])
    assert_values(x.grad, [30.0, 30.0])
    handle.remove()
    (x * 1).sum().backward()
    assert len(seen) == 1


def test_node_hooks_and_post_accumulate_hooks():
    x = leaf([1.0, -2.0])
    y = x * x
    calls = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append(("post", grad_outputs[0].tolist())))
    y.grad_fn.register_prehook(lambda grad_outputs: calls.append(("pre", grad_outputs[0].tolist())))
    x.register_post_accumulate_grad_hook(lambda t: calls.append(("leaf", t.grad.tolist())))
    y.sum().backward()
    assert calls == [("pre", [1.0, 1.0]), ("post", [1.0, 1.0]), ("leaf", [2.0, -4.0])]


def test_retain_grad_keeps_an_intermediate_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = y * y
    z.sum().backward()
    assert_values(y.grad, [4.0, 8.0])
    assert y.retains_grad and not z.retains_grad
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert z.grad is None
    assert "is not a leaf Tensor" in str(caught[0].message)


def test_custom_function():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x ** 3 * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2 * ctx.scale, None

    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert_values(x.grad, [6.0, 24.0])
    assert_gradients(lambda t: Cube.apply(t, 0.5), [0.3, -1.2])


def test_custom_function_with_setup_context_and_non_differentiable_output():
    class SortWithIndex(torch.autograd.Function):
        @staticmethod
        def forward(x):
            values, indices = x.sort()
            return values, indices

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_non_differentiable(output[1])
            ctx.save_for_backward(output[1])

        @staticmethod
        def backward(ctx, g_values, g_indices):
            (indices,) = ctx.saved_tensors
            return torch.zeros_like(g_values).scatter(0, indices, g_values)

    x = leaf([3.0, 1.0, 2.0])
    values, indices = SortWithIndex.apply(x)
    assert not indices.requires_grad and values.requires_grad
    (values * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    assert_values(x.grad, [3.0, 1.0, 2.0])


def test_in_place_ops_on_intermediate_results():
    x = leaf([-1.0, 0.25, 2.0])
    y = x * 2
    y.add_(1).mul_(3).relu_()
    assert y.grad_fn.name() == "ReluBackward0"
    y.sum().backward()
    assert_values(x.grad, [0.0, 6.0, 6.0])


def test_deep_graph_needs_no_recursion():
    x = leaf([0.5])
    y = x
    for i in range(5000):
        y = y * 1.0001 if i % 2 else y + 0.0001
    y.backward()
    assert_values(x.grad, [1.0001 ** 2500], rtol=1e-9)


def test_graph_is_freed_after_backward():
    x = leaf([1.0, 2.0])
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()


def test_gradcheck_reports_a_wrong_backward():
    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = leaf([0.1, 0.2])
    assert not torch.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(Wrong.apply, (x,))


# --- errors a learner meets: PyTorch's type and message --------------------------------------------------
def _backward_twice(T):
    x = T.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _modified_in_place(T):
    x = T.ones(2, requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def _saved_then_modified(T):
    x = T.ones(2, requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    z.sum().backward()


ERRORS = {
    "mm-shapes": (lambda T: T.ones(2, 3) @ T.ones(4, 5),
                  "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    "broadcast": (lambda T: T.ones(2, 3) + T.ones(4),
                  "RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                  "dimension 1"),
    "view-strides": (lambda T: T.ones(2, 3).t().view(6),
                     "RuntimeError: view size is not compatible with input tensor's size and stride (at least one "
                     "dimension spans across two contiguous subspaces). Use .reshape(...) instead."),
    "view-size": (lambda T: T.ones(2, 3).view(4), "RuntimeError: shape '[4]' is invalid for input of size 6"),
    "dim-range": (lambda T: T.ones(2, 3).sum(2),
                  "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "index-range": (lambda T: T.ones(3)[3], "IndexError: index 3 is out of bounds for dimension 0 with size 3"),
    "cat-shapes": (lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)]),
                   "RuntimeError: Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 "
                   "for tensor number 1 in the list."),
    "backward-twice": (_backward_twice,
                       "RuntimeError: Trying to backward through the graph a second time (or directly access saved "
                       "tensors after they have already been freed). Saved intermediate values of the graph are freed "
                       "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                       "backward through the graph a second time or if you need to access saved tensors after "
                       "calling backward."),
    "non-scalar-backward": (lambda T: (T.ones(2, requires_grad=True) * 2).backward(),
                            "RuntimeError: grad can be implicitly created only for scalar outputs"),
    "no-grad-fn": (lambda T: T.ones(2).sum().backward(),
                   "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"),
    "int-requires-grad": (lambda T: T.tensor([1, 2], requires_grad=True),
                          "RuntimeError: Only Tensors of floating point and complex dtype can require gradients"),
    "leaf-in-place": (lambda T: T.ones(2, requires_grad=True).add_(1),
                      "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation."),
    "modified-output": (_modified_in_place,
                        "RuntimeError: one of the variables needed for gradient computation has been modified by an "
                        "inplace operation: [torch.FloatTensor [2]], which is output 0 of Exp, is at version "
                        "1; expected version 0 instead. Hint: enable anomaly detection to find the operation that "
                        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
                        "check_nan=False)."),
    "modified-saved": (_saved_then_modified,
                       "RuntimeError: one of the variables needed for gradient computation has been modified by an "
                       "inplace operation: [torch.FloatTensor [2]], which is output 0 of Add, is at version "
                       "1; expected version 0 instead. Hint: enable anomaly detection to find the operation that "
                       "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
                       "check_nan=False)."),
    "numpy-of-requires-grad": (lambda T: T.ones(2, requires_grad=True).numpy(),
                               "RuntimeError: Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead."),
    "item-of-many": (lambda T: T.ones(2).item(),
                     "RuntimeError: a Tensor with 2 elements cannot be converted to Scalar"),
    "bool-of-many": (lambda T: bool(T.ones(2)),
                     "RuntimeError: Boolean value of Tensor with more than one value is ambiguous"),
    "expand": (lambda T: T.ones(2, 3).expand(2, 4),
               "RuntimeError: The expanded size of the tensor (4) must match the existing size (3) at non-singleton "
               "dimension 1.  Target sizes: [2, 4].  Tensor sizes: [2, 3]"),
    "in-place-dtype": (lambda T: T.ones(2, dtype=T.int64).add_(0.5),
                       "RuntimeError: result type Float can't be cast to the desired output type Long"),
    "sub-bool": (lambda T: T.tensor([True]) - T.tensor([False]),
                 "RuntimeError: Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                 "`logical_xor()` operator instead."),
    "mean-of-ints": (lambda T: T.tensor([1, 2]).mean(),
                     "RuntimeError: mean(): could not infer output dtype. Input dtype must be either a floating point "
                     "or complex dtype. Got: Long"),
    "dtype-mismatch-mm": (lambda T: T.ones(2, 2) @ T.ones(2, 2, dtype=T.float64),
                          "RuntimeError: expected m1 and m2 to have the same dtype, but got: float != double"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_read_as_pytorchs(name):
    fn, expected = ERRORS[name]
    assert text_of(fn, engine) == expected


def test_recorded_texts_are_pytorchs():
    """The texts above, re-derived from PyTorch where it is installed (skipped in Pyodide)."""
    assert_recorded_from_torch({**TEXTS, **ERRORS})
