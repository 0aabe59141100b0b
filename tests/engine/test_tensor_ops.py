"""Every tensor function and method against real PyTorch: values, dtypes, graph node names and
every input gradient, in float64 and float32, on broadcasting corners and non-contiguous inputs."""
import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import (CONTIGUOUS, STEPPED, TRANSPOSED, assert_same, check, distinct, dtype_name, leaf,
                                 rand, randint, randn)

# --- elementwise functions ------------------------------------------------------------------------------
POSITIVE = rand(2, 3, low=0.5, high=2.0)
AWAY_FROM_INTEGERS = np.array([[-1.7, -0.6, 0.3], [0.8, 1.4, 2.6]])  # floor/round/trunc steps are far away

UNARY = {
    "exp": (lambda T, x: T.exp(x), randn(2, 3)),
    "log": (lambda T, x: T.log(x), POSITIVE),
    "log1p": (lambda T, x: T.log1p(x), POSITIVE),
    "expm1": (lambda T, x: x.expm1(), randn(2, 3)),
    "log2": (lambda T, x: T.log2(x), POSITIVE),
    "log10": (lambda T, x: x.log10(), POSITIVE),
    "sqrt": (lambda T, x: T.sqrt(x), POSITIVE),
    "rsqrt": (lambda T, x: x.rsqrt(), POSITIVE),
    "sin": (lambda T, x: T.sin(x), randn(2, 3)),
    "cos": (lambda T, x: x.cos(), randn(2, 3)),
    "tanh": (lambda T, x: T.tanh(x), randn(2, 3)),
    "sigmoid": (lambda T, x: x.sigmoid(), randn(2, 3) * 5),
    "erf": (lambda T, x: T.erf(x), randn(2, 3)),
    "abs": (lambda T, x: T.abs(x), randn(2, 3)),
    "abs-operator": (lambda T, x: abs(x), randn(2, 3)),
    "neg": (lambda T, x: -x, randn(2, 3)),
    "neg-method": (lambda T, x: x.neg(), randn(2, 3)),
    "reciprocal": (lambda T, x: x.reciprocal(), POSITIVE),
    "relu": (lambda T, x: T.relu(x), randn(2, 3)),
    "sign": (lambda T, x: x.sign(), randn(2, 3)),
    "floor": (lambda T, x: T.floor(x), AWAY_FROM_INTEGERS),
    "ceil": (lambda T, x: x.ceil(), AWAY_FROM_INTEGERS),
    "round": (lambda T, x: T.round(x), AWAY_FROM_INTEGERS),
    "round-decimals": (lambda T, x: T.round(x, decimals=1), np.array([0.123, -2.468, 5.551])),
    "trunc": (lambda T, x: x.trunc(), AWAY_FROM_INTEGERS),
    "frac": (lambda T, x: x.frac(), AWAY_FROM_INTEGERS),
    "square": (lambda T, x: T.square(x), randn(2, 3)),
    "pos": (lambda T, x: +x * 1, randn(2, 3)),
    "softmax": (lambda T, x: T.softmax(x, dim=1), randn(2, 3)),
    "softmax-dim0": (lambda T, x: x.softmax(0), randn(2, 3)),
    "log_softmax": (lambda T, x: T.log_softmax(x, -1), randn(2, 3)),
    "log_softmax-method": (lambda T, x: x.log_softmax(dim=0), randn(2, 3)),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    fn, x = UNARY[name]
    check(fn, x)


@pytest.mark.parametrize("layout", [TRANSPOSED, STEPPED], ids=repr)
@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "relu", "abs", "softmax", "log_softmax", "sqrt"])
def test_unary_non_contiguous(name, layout):
    fn, x = UNARY[name]
    check(fn, x, layouts=[layout])


@pytest.mark.parametrize("name", ["exp", "tanh", "relu", "abs", "sigmoid", "neg", "sqrt"])
@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (1, 1)], ids=str)
def test_unary_corner_shapes(name, shape):
    fn, _ = UNARY[name]
    check(fn, rand(*shape, low=0.5, high=2.0))


@pytest.mark.parametrize("name,dtype", [("exp", "int64"), ("sqrt", "int64"), ("sigmoid", "bool"), ("tanh", "int64"),
                                        ("abs", "int64"), ("neg", "int64"), ("relu", "int64"), ("sign", "int64"),
                                        ("floor", "int64"), ("square", "int64"), ("log", "bool"), ("reciprocal",
                                                                                                   "int64"),
                                        ("erf", "int64"), ("round", "int64"),
                                        ("trunc", "int64")])
def test_unary_integer_inputs(name, dtype):
    """Integer and bool inputs: PyTorch's result dtype (float for transcendental functions)."""
    fn, _ = UNARY[name]
    x = randint(1, 5, 2, 3).astype(dtype)
    check(fn, x, grad=False)


# --- binary arithmetic with broadcasting ---------------------------------------------------------------
BINARY = {
    "add": lambda T, x, y: x + y,
    "add-alpha": lambda T, x, y: T.add(x, y, alpha=2.5),
    "sub": lambda T, x, y: x - y,
    "sub-alpha": lambda T, x, y: x.sub(y, alpha=0.5),
    "mul": lambda T, x, y: x * y,
    "div": lambda T, x, y: x / y,
    "pow": lambda T, x, y: x.abs() ** y,
    "maximum": lambda T, x, y: T.maximum(x, y),
    "minimum": lambda T, x, y: T.minimum(x, y),
    "max-binary": lambda T, x, y: T.max(x, y),
    "min-binary": lambda T, x, y: x.min(y),
    "atan-free-composite": lambda T, x, y: (x * y + x / (y * y + 1)).tanh(),
}

SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((4, 1, 3), (2, 1)), ((), (2, 3)),
          ((2, 3), ()), ((), ()), ((0, 3), (3,)), ((2, 0), (2, 1)), ((1,), (1,))]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_broadcasting(name, shapes):
    a, b = shapes
    check(BINARY[name], distinct(*a) + 3.0, distinct(*b) - 0.05 if name != "div" else rand(*b, low=0.5))


@pytest.mark.parametrize("layouts", [(TRANSPOSED, CONTIGUOUS), (CONTIGUOUS, STEPPED), (STEPPED, TRANSPOSED)],
                         ids=str)
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum"])
def test_binary_non_contiguous(name, layouts):
    # PyTorch's result follows the first operand's layout; numpy's is C-ordered when the operands disagree
    check(BINARY[name], rand(3, 4, low=0.5), rand(3, 4, low=0.5), layouts=list(layouts),
          contiguity=layouts != (TRANSPOSED, CONTIGUOUS))


def test_binary_expanded_leaf():
    """A leaf that is itself an expanded (stride-0) view."""
    check(lambda T, x, y: x.expand(4, 3) * y, randn(1, 3), randn(4, 3))


SCALAR_OPS = {
    "tensor+scalar": lambda T, x: x + 2.5,
    "scalar+tensor": lambda T, x: 2.5 + x,
    "tensor-scalar": lambda T, x: x - 1,
    "scalar-tensor": lambda T, x: 1 - x,
    "rsub-alpha": lambda T, x: T.rsub(x, 2.0, alpha=3),
    "tensor*scalar": lambda T, x: x * 3,
    "scalar*tensor": lambda T, x: -0.5 * x,
    "tensor/scalar": lambda T, x: x / 4,
    "scalar/tensor": lambda T, x: 2 / x,
    "tensor**scalar": lambda T, x: x ** 3,
    "tensor**0": lambda T, x: x ** 0,
    "tensor**-1.5": lambda T, x: x ** -1.5,
    "tensor**0.5": lambda T, x: x.pow(0.5),
    "scalar**tensor": lambda T, x: 2 ** x,
    "bool*tensor": lambda T, x: True * x,
    "tensor+0dim": lambda T, x: x + T.tensor(1.5, dtype=x.dtype),
    "0dim*tensor": lambda T, x: T.tensor(2.0, dtype=x.dtype) * x,
    "clamp": lambda T, x: T.clamp(x, -0.5, 0.5),
    "clamp-min": lambda T, x: x.clamp(min=0.0),
    "clamp-max": lambda T, x: x.clamp(max=0.2),
    "clamp_min": lambda T, x: x.clamp_min(0.1),
    "clamp_max": lambda T, x: x.clamp_max(0.1),
    "clip": lambda T, x: T.clip(x, -1, 1),
}


@pytest.mark.parametrize("name", SCALAR_OPS)
def test_scalar_operands(name):
    check(SCALAR_OPS[name], rand(2, 3, low=0.3, high=1.5) * np.array([1, -1, 1]) if "**" not in name
          else rand(2, 3, low=0.3, high=1.5))


def test_clamp_tensor_bounds():
    check(lambda T, x, lo, hi: T.clamp(x, lo, hi), randn(2, 3), distinct(3) - 0.5, distinct(2, 1) + 0.5)


def test_pow_with_zero_base():
    """d/db 0**b: PyTorch's convention (0 where the base is 0 and the exponent is positive)."""
    check(lambda T, x, y: x ** y, np.array([0.0, 2.0, 0.0]), np.array([2.0, 1.5, 3.0]), names=False)


# --- type promotion --------------------------------------------------------------------------------------
PROMOTION_OPERANDS = {
    "int64": lambda T: T.tensor([1, 2, 3]),
    "int32": lambda T: T.tensor([1, 2, 3], dtype=T.int32),
    "bool": lambda T: T.tensor([True, False, True]),
    "float32": lambda T: T.tensor([0.5, 1.5, 2.5]),
    "float64": lambda T: T.tensor([0.5, 1.5, 2.5], dtype=T.float64),
    "0d-int": lambda T: T.tensor(2),
    "0d-float64": lambda T: T.tensor(2.0, dtype=T.float64),
    "0d-bool": lambda T: T.tensor(True),
    "int": lambda T: 2,
    "float": lambda T: 2.5,
    "bool-scalar": lambda T: True,
}
PROMOTING_OPS = {
    "add": lambda x, y: x + y, "mul": lambda x, y: x * y, "div": lambda x, y: x / y, "sub": lambda x, y: x - y,
    "maximum": lambda x, y: engine.maximum(x, y) if isinstance(x, engine.Tensor) else torch.maximum(x, y),
    "eq": lambda x, y: x == y, "lt": lambda x, y: x < y, "pow": lambda x, y: x ** y,
    "floordiv": lambda x, y: x // y, "mod": lambda x, y: x % y, "where": None,
}


def _promotion_pairs():
    names = list(PROMOTION_OPERANDS)
    for a in names:
        for b in names:
            if PROMOTION_OPERANDS[a](torch).__class__ is torch.Tensor or \
                    PROMOTION_OPERANDS[b](torch).__class__ is torch.Tensor:
                yield a, b


@pytest.mark.parametrize("op", [k for k in PROMOTING_OPS if k != "where"])
@pytest.mark.parametrize("a,b", list(_promotion_pairs()))
def test_type_promotion(op, a, b):
    """The result dtype (and value) of every mix of tensor, 0-dim tensor and scalar operands."""
    fn = PROMOTING_OPS[op]
    outcome = {}
    for T in (engine, torch):
        x, y = PROMOTION_OPERANDS[a](T), PROMOTION_OPERANDS[b](T)
        try:
            outcome[T] = fn(x, y)
        except Exception as exc:  # noqa: BLE001 - both must fail alike
            outcome[T] = exc
    t, e = outcome[torch], outcome[engine]
    if isinstance(t, Exception):
        assert isinstance(e, Exception), f"torch raised {t!r}, engine gave {e!r}"
        assert type(e).__name__ == type(t).__name__ and str(e) == str(t)
        return
    assert not isinstance(e, Exception), f"engine raised {e!r}"
    assert_same(e, t, 1e-6, 1e-7)


def test_where_promotion():
    cond = np.array([True, False, True])
    check(lambda T, c, x, y: T.where(c, x, y), cond, randn(3), randn(2, 1), names=True)
    check(lambda T, c, x: T.where(c, x, 0.0), cond, randn(3))
    check(lambda T, c, x: T.where(c, 1, x), cond, randn(2, 3))
    check(lambda T, c: T.where(c, 1, 0), cond, grad=False)
    check(lambda T, c: T.where(c, 1.0, 0), cond, grad=False)
    check(lambda T, c, x: T.where(c, x, T.tensor([1, 2, 3])), cond, randn(3))
    check(lambda T, x: T.where(x > 0, x, x * 2), randn(2, 3))
    check(lambda T, x: T.where(x > 0), randn(2, 3), grad=False)


def test_masked_fill():
    mask = np.array([[True, False, True], [False, False, True]])
    check(lambda T, x, m: x.masked_fill(m, -1.5), randn(2, 3), mask)
    check(lambda T, x, m: T.masked_fill(x, m, 0), randn(2, 3), mask[1])
    check(lambda T, x: x.masked_fill(x > 0, float("-inf")).softmax(1), randn(2, 3))
    check(lambda T, x, m: x.masked_fill(m, T.tensor(3.0)), randn(2, 3), mask)
    check(lambda T, x, m, v: x.masked_fill(m, v.sum()), randn(2, 3), mask, randn(2), names=False)
    check(lambda T, x, m: x.masked_fill(m, 2), randint(0, 5, 2, 3), mask, grad=False)


# --- comparisons and logic --------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(op):
    x = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    check(lambda T, a, b: getattr(T, op)(a, b), x, np.array([2.0, 2.0, 2.0]), grad=False)
    check(lambda T, a: getattr(a, op)(2), x, grad=False)
    check(lambda T, a: getattr(a, f"__{op}__")(2.5), x, grad=False)
    check(lambda T, a: getattr(2, f"__{ {'lt': 'gt', 'gt': 'lt', 'le': 'ge', 'ge': 'le'}.get(op, op)}__")(a), x,
          grad=False)


def test_logic():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    for fn in (lambda T, x, y: x & y, lambda T, x, y: x | y, lambda T, x, y: x ^ y, lambda T, x, y: ~x,
               lambda T, x, y: T.logical_and(x, y), lambda T, x, y: T.logical_or(x, y),
               lambda T, x, y: T.logical_xor(x, y), lambda T, x, y: T.logical_not(x),
               lambda T, x, y: x.logical_not(), lambda T, x, y: T.bitwise_not(x)):
        check(fn, a, b, grad=False)
    i, j = randint(0, 8, 4), randint(0, 8, 4)
    for fn in (lambda T, x, y: x & y, lambda T, x, y: x | y, lambda T, x, y: x ^ y, lambda T, x, y: ~x):
        check(fn, i, j, grad=False)


def test_nan_inf_checks():
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    for fn in (lambda T, a: T.isnan(a), lambda T, a: a.isinf(), lambda T, a: T.isfinite(a)):
        check(fn, x, grad=False)
    check(lambda T, a: T.isfinite(a), randint(0, 3, 4), grad=False)


def test_allclose_equal():
    x = randn(2, 3)
    for T in (engine, torch):
        a, b = T.tensor(x), T.tensor(x + 1e-9)
        assert T.allclose(a, b) and not T.equal(a, b) and T.equal(a, a.clone())
        assert T.isclose(a, b).all()


# --- reductions ----------------------------------------------------------------------------------------
REDUCTIONS = {
    "sum": lambda T, x: x.sum(),
    "sum-dim": lambda T, x: T.sum(x, 1),
    "sum-neg-dim": lambda T, x: x.sum(-1, keepdim=True),
    "sum-tuple": lambda T, x: x.sum((0, 2)),
    "sum-tuple-keepdim": lambda T, x: x.sum(dim=(-1, 0), keepdim=True),
    "sum-empty-tuple": lambda T, x: x.sum(()),
    "mean": lambda T, x: x.mean(),
    "mean-dim": lambda T, x: T.mean(x, dim=0),
    "mean-tuple-keepdim": lambda T, x: x.mean((1, 2), keepdim=True),
    "prod": lambda T, x: x.prod(),
    "prod-dim": lambda T, x: x.prod(1),
    "prod-dim-keepdim": lambda T, x: T.prod(x, -1, keepdim=True),
    "max": lambda T, x: x.max(),
    "min": lambda T, x: T.min(x),
    "max-dim": lambda T, x: x.max(1),
    "max-dim-keepdim": lambda T, x: T.max(x, dim=-1, keepdim=True),
    "min-dim": lambda T, x: x.min(0),
    "max-dim-values": lambda T, x: x.max(dim=2).values,
    "min-dim-indices": lambda T, x: x.min(dim=2).indices,
    "amax": lambda T, x: T.amax(x, 1),
    "amax-tuple": lambda T, x: x.amax((0, 1)),
    "amin": lambda T, x: x.amin(-1, keepdim=True),
    "argmax": lambda T, x: x.argmax(),
    "argmax-dim": lambda T, x: T.argmax(x, 1),
    "argmin-keepdim": lambda T, x: x.argmin(dim=-1, keepdim=True),
    "var": lambda T, x: x.var(),
    "var-dim": lambda T, x: x.var(1),
    "var-unbiased-false": lambda T, x: T.var(x, 0, unbiased=False),
    "var-correction": lambda T, x: x.var(dim=(0, 2), correction=0, keepdim=True),
    "var-correction-2": lambda T, x: x.var(-1, correction=2),
    "var-positional-unbiased": lambda T, x: x.var(False),
    "std": lambda T, x: x.std(),
    "std-dim": lambda T, x: T.std(x, dim=1, keepdim=True),
    "std-unbiased-false": lambda T, x: x.std(0, unbiased=False),
    "std-correction": lambda T, x: x.std((1, 2), correction=0),
    "logsumexp": lambda T, x: x.logsumexp(1),
    "logsumexp-tuple": lambda T, x: T.logsumexp(x, (0, -1), keepdim=True),
    "norm": lambda T, x: x.norm(),
    "norm-1-dim": lambda T, x: x.norm(1, dim=1),
    "norm-3-tuple": lambda T, x: T.norm(x, 3, dim=(0, 2), keepdim=True),
    "norm-inf": lambda T, x: x.norm(float("inf"), dim=-1),
    "norm-fro-2-dims": lambda T, x: x.norm(dim=(1, 2)),
    "cumsum": lambda T, x: x.cumsum(1),
    "cumsum-neg": lambda T, x: T.cumsum(x, dim=-1),
    "var_mean": lambda T, x: T.var_mean(x, 1),
    "std_mean": lambda T, x: T.std_mean(x, (0, 1)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions(name):
    names = True
    check(REDUCTIONS[name], distinct(2, 3, 4), names=names)


@pytest.mark.parametrize("name", ["sum", "sum-dim", "mean-dim", "max-dim", "var-dim", "logsumexp", "prod-dim",
                                  "amax"])
def test_reductions_non_contiguous(name):
    check(REDUCTIONS[name], distinct(2, 4, 3), layouts=[TRANSPOSED])
    check(REDUCTIONS[name], distinct(2, 3, 4), layouts=[STEPPED])


@pytest.mark.parametrize("name", ["sum", "sum-dim", "prod", "max", "prod-dim", "cumsum", "argmax", "max-dim"])
def test_reductions_of_integers(name):
    check(REDUCTIONS[name], randint(-3, 4, 2, 3, 4), grad=False)


def test_reductions_of_bools():
    x = randint(0, 2, 2, 3).astype(bool)
    for fn in (lambda T, a: a.sum(), lambda T, a: a.sum(1), lambda T, a: a.all(), lambda T, a: a.any(0),
               lambda T, a: T.all(a, dim=1, keepdim=True), lambda T, a: a.prod(), lambda T, a: T.count_nonzero(a),
               lambda T, a: a.any()):
        check(fn, x, grad=False)


def test_sum_dtype():
    check(lambda T, x: x.sum(dtype=T.float64), randn(2, 3), dtypes=("float32",))
    check(lambda T, x: T.sum(x, 0, dtype=T.float32), randint(0, 4, 2, 3), grad=False)


def test_max_min_ties():
    """Ties: max() spreads the gradient evenly, max(dim) picks the first index, as PyTorch does."""
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    check(lambda T, a: a.max(), x)
    check(lambda T, a: a.min(), x)
    check(lambda T, a: a.max(1), x)
    check(lambda T, a: a.min(0), np.array([[1.0, 3.0], [1.0, 2.0]]))
    check(lambda T, a: a.amax(1), x)
    check(lambda T, a: T.maximum(a, a.flip(1)), x)
    check(lambda T, a: a.argmax(1), x, grad=False)
    check(lambda T, a: a.argmin(), np.array([2.0, 1.0, 1.0]), grad=False)


def test_max_named_tuple():
    for T in (engine, torch):
        x = T.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
        result = x.max(dim=1)
        values, indices = result
        assert values.tolist() == result.values.tolist() == result[0].tolist() == [5.0, 7.0]
        assert indices.tolist() == result.indices.tolist() == [1, 0]
    assert repr(engine.tensor([[1.0, 5.0]]).min(1)) == repr(torch.tensor([[1.0, 5.0]]).min(1))


def test_reductions_of_0d_and_empty():
    check(lambda T, x: x.sum(), np.array(2.5))
    check(lambda T, x: x.sum(0), np.array(2.5))
    check(lambda T, x: x.mean(-1, keepdim=True), np.array(2.5))
    check(lambda T, x: x.max(0), np.array(2.5))
    check(lambda T, x: x.sum(), np.zeros((0, 3)))
    check(lambda T, x: x.sum(0), np.zeros((0, 3)))
    check(lambda T, x: x.prod(1), np.zeros((2, 0)))
    check(lambda T, x: x.mean(1), np.zeros((0, 3)))
    check(lambda T, x: x.amax(1), np.zeros((0, 3)))


# --- shape operations ---------------------------------------------------------------------------------
SHAPE_OPS = {
    "view": lambda T, x: x.view(4, 6),
    "view-infer": lambda T, x: x.view(-1, 3),
    "view-tuple": lambda T, x: x.view((2, 12)),
    "view-size": lambda T, x: x.view(T.Size([24])),
    "reshape": lambda T, x: T.reshape(x, (6, 4)),
    "reshape-noncontiguous": lambda T, x: x.transpose(0, 2).reshape(-1),
    "reshape-same": lambda T, x: x.reshape(2, 3, 4),
    "reshape-strided-view": lambda T, x: x[:, ::2].reshape(2, 8),
    "reshape-alias": lambda T, x: x[:, :1].reshape(2, 4),
    "reshape-alias-same": lambda T, x: x.transpose(1, 2).reshape(2, 4, 3),
    "flatten": lambda T, x: x.flatten(),
    "flatten-1": lambda T, x: T.flatten(x, 1),
    "flatten-range": lambda T, x: x.flatten(0, 1),
    "unflatten": lambda T, x: x.unflatten(2, (2, 2)),
    "view_as": lambda T, x: x.view_as(T.zeros(6, 4)),
    "reshape_as": lambda T, x: x.reshape_as(T.zeros(3, 8)),
    "transpose": lambda T, x: x.transpose(0, 2),
    "transpose-neg": lambda T, x: T.transpose(x, -1, -2),
    "swapaxes": lambda T, x: x.swapaxes(0, 1),
    "permute": lambda T, x: x.permute(2, 0, 1),
    "permute-tuple": lambda T, x: T.permute(x, (1, 2, 0)),
    "movedim": lambda T, x: T.movedim(x, 0, -1),
    "T-2d": lambda T, x: x[0].T,
    "mT": lambda T, x: x.mT,
    "t": lambda T, x: x[:, 0].t(),
    "unsqueeze": lambda T, x: x.unsqueeze(1),
    "unsqueeze-neg": lambda T, x: T.unsqueeze(x, -1),
    "squeeze": lambda T, x: x[:, :1].squeeze(),
    "squeeze-dim": lambda T, x: x[:1].squeeze(0),
    "squeeze-dim-noop": lambda T, x: x.squeeze(1),
    "squeeze-tuple": lambda T, x: x[:1, :, :1].squeeze((0, 2)),
    "expand": lambda T, x: x[:, :, :1].expand(2, 3, 5),
    "expand-new-dims": lambda T, x: x.expand(2, 2, 3, 4),
    "expand-minus-one": lambda T, x: x[:, :, :1].expand(-1, -1, 3),
    "expand_as": lambda T, x: x[:1].expand_as(x),
    "broadcast_to": lambda T, x: T.broadcast_to(x[0, 0], (3, 4)),
    "contiguous": lambda T, x: x.transpose(0, 1).contiguous(),
    "contiguous-noop": lambda T, x: (x * 1).contiguous(),
    "clone": lambda T, x: x.clone(),
    "clone-transposed": lambda T, x: x.transpose(0, 2).clone(),
    "clone-permuted-then-contiguous": lambda T, x: x.permute(2, 0, 1).clone().contiguous(),
    "flip": lambda T, x: x.flip(0),
    "flip-dims": lambda T, x: T.flip(x, (0, 2)),
    "roll": lambda T, x: x.roll(1, 2),
    "roll-dims": lambda T, x: T.roll(x, (1, -2), (0, 2)),
    "roll-flat": lambda T, x: x.roll(5),
    "diagonal-offset-dims": lambda T, x: x.diagonal(1, 2, 0),
    "diagonal-negative": lambda T, x: T.diagonal(x, -1, -1, -2),
    "tril-negative": lambda T, x: x.tril(-1),
    "triu-batched": lambda T, x: T.triu(x, 2),
    "repeat": lambda T, x: x.repeat(2, 1, 1),
    "repeat-new-dims": lambda T, x: x.repeat(2, 1, 2, 1),
    "tile": lambda T, x: x.tile((2,)),
    "narrow": lambda T, x: x.narrow(1, 1, 2),
    "sum_to_size": lambda T, x: x.sum_to_size(2, 1, 4),
    "tril": lambda T, x: x[0].tril(),
    "triu": lambda T, x: T.triu(x[0], 1),
    "diag-vector": lambda T, x: T.diag(x[0, 0]),
    "diag-matrix": lambda T, x: x[0].diag(),
    "diagonal": lambda T, x: x[0].diagonal(),
    "trace": lambda T, x: x[0].trace(),
    "outer": lambda T, x: T.outer(x[0, 0], x[1, 1]),
    "repeat_interleave": lambda T, x: x.repeat_interleave(2, dim=1),
}
# PyTorch records other (fused) nodes for these; the engine composes them from smaller ops.
COMPOSITE_SHAPE_OPS = {"repeat_interleave"}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_ops(name):
    check(SHAPE_OPS[name], randn(2, 3, 4), names=name not in COMPOSITE_SHAPE_OPS,
          contiguity=not name.startswith("diagonal"))  # PyTorch's diagonal is a strided view, the engine's a copy


@pytest.mark.parametrize("name", ["reshape", "flatten", "transpose", "permute", "unsqueeze", "expand", "flip",
                                  "repeat", "narrow", "squeeze-dim", "contiguous", "clone"])
def test_shape_ops_non_contiguous(name):
    check(SHAPE_OPS[name], randn(2, 3, 4), layouts=[STEPPED], names=name not in COMPOSITE_SHAPE_OPS)


def test_shape_queries():
    for T in (engine, torch):
        x = T.zeros(2, 3, 4)
        assert x.shape == (2, 3, 4) and x.size() == T.Size([2, 3, 4]) and x.size(1) == 3 and x.size(-1) == 4
        assert x.dim() == x.ndim == 3 and x.numel() == 24 and len(x) == 2
        assert repr(x.shape) == "torch.Size([2, 3, 4])" and repr(x.shape[1:]) == "torch.Size([3, 4])"
        assert x.is_contiguous() and not x.transpose(0, 1).is_contiguous()
        assert x.stride() == (12, 4, 1) and x.transpose(0, 2).stride() == (1, 4, 12)
        assert x.shape.numel() == 24
        assert T.zeros(()).dim() == 0 and T.zeros(()).numel() == 1


def test_views_share_memory():
    for T in (engine, torch):
        x = T.zeros(2, 3)
        v = x.view(6)
        v[1] = 5.0
        x.t()[2, 1] = 7.0
        x[1][0] = 2.0
        x.unsqueeze(0).squeeze(0)[0, 0] = 1.0
        assert x.tolist() == [[1.0, 5.0, 0.0], [2.0, 0.0, 7.0]], T.__name__


def test_reshape_copies_only_when_needed():
    for T in (engine, torch):
        x = T.zeros(2, 3)
        x.reshape(6)[0] = 1.0
        x.t().reshape(6)[1] = 1.0  # a copy: x is unchanged
        assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


# --- joining and splitting -----------------------------------------------------------------------
JOIN_SPLIT = {
    "cat": lambda T, x, y: T.cat([x, y]),
    "cat-dim1": lambda T, x, y: T.cat((x, y, x), dim=1),
    "cat-neg-dim": lambda T, x, y: T.cat([x, y], -1),
    "cat-empty": lambda T, x, y: T.cat([x, T.tensor([], dtype=x.dtype), y]),
    "concat": lambda T, x, y: T.concat([x, y], 0),
    "stack": lambda T, x, y: T.stack([x, y]),
    "stack-dim": lambda T, x, y: T.stack((x, y), dim=2),
    "stack-neg": lambda T, x, y: T.stack([x, y], -1),
    "hstack": lambda T, x, y: T.hstack([x, y]),
    "vstack": lambda T, x, y: T.vstack([x, y]),
    "split": lambda T, x, y: x.split(1),
    "split-uneven": lambda T, x, y: T.split(y, 2, dim=1),
    "split-sizes": lambda T, x, y: y.split([1, 2], 1),
    "chunk": lambda T, x, y: x.chunk(2, dim=1),
    "chunk-uneven": lambda T, x, y: T.chunk(y, 2, 1),
    "unbind": lambda T, x, y: x.unbind(),
    "unbind-dim": lambda T, x, y: T.unbind(y, 1),
    "split-some-used": lambda T, x, y: y.split(1, 1)[1] * 2,
    "unbind-some-used": lambda T, x, y: x.unbind(1)[0] + 1,
}


@pytest.mark.parametrize("name", JOIN_SPLIT)
def test_join_and_split(name):
    check(JOIN_SPLIT[name], randn(2, 3), randn(2, 3), names=name not in ("vstack",))


def test_cat_promotes():
    check(lambda T, x, i: T.cat([x, i]), randn(2), randint(0, 3, 2))
    check(lambda T, i, b: T.stack([i, b]), randint(0, 3, 2), np.array([True, False]), grad=False)


def test_join_non_contiguous():
    check(lambda T, x, y: T.cat([x, y], 1), randn(3, 2), randn(3, 4), layouts=[TRANSPOSED, STEPPED])
    check(lambda T, x, y: T.stack([x, y], 1), randn(3, 2), randn(3, 2), layouts=[TRANSPOSED, STEPPED])


# --- matmul in every dims combination --------------------------------------------------------------------
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                 ((5, 1, 2, 3), (4, 3, 2)), ((1, 2, 3), (6, 3, 4)), ((6, 2, 3), (1, 3, 4)), ((2, 1, 3), (3, 2)),
                 ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((2, 0, 3), (3, 2))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    a, b = shapes
    # the whole graph, as PyTorch folds batches (view, mm, unsafe view) or broadcasts them (expand, bmm)
    check(lambda T, x, y: x @ y, randn(*a), randn(*b), depth=5)
    check(lambda T, x, y: T.matmul(x, y), randn(*a), randn(*b), depth=5, dtypes=("float32",))
    check(lambda T, x, y: x @ y, randn(*a), randn(*b), depth=5, grad=False)
    check(lambda T, x, y: x.detach() @ y, randn(*a), randn(*b), depth=5)
    check(lambda T, x, y: x @ y.detach(), randn(*a), randn(*b), depth=5)


@pytest.mark.parametrize("shapes", [((3, 2), (2, 4)), ((2, 3, 2), (2, 3)), ((4, 3), (2, 3, 5)), ((3,), (2, 3, 4)),
                                    ((2, 3, 4), (4,)), ((2, 1, 3, 2), (2, 4))], ids=str)
@pytest.mark.parametrize("layouts", [(TRANSPOSED, TRANSPOSED), (STEPPED, TRANSPOSED), (TRANSPOSED, STEPPED)], ids=str)
def test_matmul_non_contiguous(shapes, layouts):
    """Strides decide whether PyTorch folds a batch into one mm: the graphs must still agree."""
    a, b = shapes
    layouts = [CONTIGUOUS if len(s) == 1 and lay is TRANSPOSED else lay for s, lay in zip(shapes, layouts)]
    check(lambda T, x, y: x @ y, randn(*a), randn(*b), layouts=layouts, depth=5)
    check(lambda T, x, y: x.detach() @ y, randn(*a), randn(*b), layouts=layouts, depth=5)
    check(lambda T, x, y: x @ y.detach(), randn(*a), randn(*b), layouts=layouts, depth=5)


def test_mm_mv_dot_bmm_addmm():
    check(lambda T, x, y: T.mm(x, y), randn(2, 3), randn(3, 4))
    check(lambda T, x, y: x.mv(y), randn(2, 3), randn(3))
    check(lambda T, x, y: T.dot(x, y), randn(3), randn(3))
    check(lambda T, x, y: T.bmm(x, y), randn(2, 2, 3), randn(2, 3, 4), names=False)
    check(lambda T, b, x, y: T.addmm(b, x, y), randn(4), randn(2, 3), randn(3, 4))
    check(lambda T, b, x, y: T.addmm(b, x, y, beta=0.5, alpha=2), randn(2, 4), randn(2, 3), randn(3, 4),
          names=False)
    check(lambda T, x, y: x @ y, randint(0, 3, 2, 3), randint(0, 3, 3, 2), grad=False)


# --- indexing ----------------------------------------------------------------------------------------
INDEXES = {
    "int": 1,
    "negative-int": -1,
    "slice": slice(1, None),
    "slice-step": slice(None, None, 2),
    "slice-negative": slice(-2, None),
    "slice-empty": slice(2, 1),
    "int-int": (1, 2),
    "int-slice": (0, slice(1, 3)),
    "slice-int": (slice(None), 2),
    "steps-everywhere": (slice(None, None, 2), slice(1, None, 2), slice(None, None, 3)),
    "none": None,
    "none-middle": (slice(None), None, 1),
    "ellipsis": Ellipsis,
    "ellipsis-int": (Ellipsis, 1),
    "int-ellipsis": (1, Ellipsis, slice(None, 2)),
    "ellipsis-none": (Ellipsis, None),
    "list": [0, 2, 2],
    "list-negative": [-1, 0],
    "tensor": "tensor-index",
    "tensor-2d": "tensor-index-2d",
    "bool-mask": "mask",
    "bool-mask-rows": "row-mask",
    "two-lists": ([0, 2], [1, 3]),
    "list-slice": ([2, 0], slice(1, 3)),
    "slice-list": (slice(None), [3, 0, 1]),
    "int-list": (1, [0, 0, 2]),
    "list-int-separated": ([0, 1], slice(None), 2),
    "ellipsis-list": (Ellipsis, [1, 0]),
    "none-list": (None, [1, 2]),
    "int-slice-list": (1, slice(None), [0, 1]),
    "list-none-slice-list": ([0, 1], None, slice(None), [1, 2]),
    "slice-list-stepped": (slice(1, 3), [0, 2], slice(None, None, 2)),
    "int-list-list": (0, [0, 1], [1, 2]),
    "nested-list": ([[0], [1]], slice(None), [1, 2]),
    "mask-int": ("row-mask", 1),
    "int-mask": (1, "col-mask"),
    "bool-scalar": True,
    "bool-scalar-list": (True, [0, 1]),
    "false": False,
    "int-tensor-0d": "0d",
    "two-ellipses": (Ellipsis, 0, Ellipsis),
    "int-ellipsis-int-ellipsis": (0, Ellipsis, 1, Ellipsis),
}


TENSOR_INDEXES = {  # index parts that are tensors, built in each library
    "tensor-index": lambda T, x: T.tensor([2, 0, 1]),
    "tensor-index-2d": lambda T, x: T.tensor([[0, 1], [2, 2]]),
    "mask": lambda T, x: x > 0,
    "row-mask": lambda T, x: T.tensor([True, False, True]),
    "col-mask": lambda T, x: T.tensor([True, False, True, True]),
    "0d": lambda T, x: T.tensor(1),
}


def _index(T, name, x):
    def build(part):
        return TENSOR_INDEXES[part](T, x) if isinstance(part, str) else part
    key = INDEXES[name]
    return tuple(build(k) for k in key) if isinstance(key, tuple) else build(key)


@pytest.mark.parametrize("name", INDEXES)
def test_getitem(name):
    x = randn(3, 4, 5)
    check(lambda T, a: a[_index(T, name, a)], x)


@pytest.mark.parametrize("name", ["slice-step", "int-slice", "list", "bool-mask", "two-lists", "ellipsis-int"])
def test_getitem_non_contiguous(name):
    check(lambda T, a: a[_index(T, name, a)], randn(3, 5, 4), layouts=[TRANSPOSED],
          contiguity=name not in ("list", "bool-mask"))  # PyTorch keeps the input's strides, the engine gathers


def test_getitem_of_integers_and_0d():
    check(lambda T, a: a[1:, [0, 2]], randint(0, 9, 3, 4), grad=False)
    check(lambda T, a: a[()], np.array(3.0))
    check(lambda T, a: a[None], np.array(3.0))
    check(lambda T, a: a[...], np.array(3.0))


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_getitem_of_rows_by_an_integer_tensor(dtype):
    """x[rows] (the embedding lookup and batch draw every lecture does: one numpy take on the engine) with
    negative and repeated rows, a 2-d index, a transposed input and integer inputs, as PyTorch."""
    def rows(T):
        return T.tensor([[2, -1], [0, 2]], dtype=getattr(T, dtype))
    check(lambda T, a: a[rows(T)], randn(3, 4))
    check(lambda T, a: a[rows(T)], randn(3, 5, 4), layouts=[TRANSPOSED], contiguity=False)
    check(lambda T, a: a[rows(T)], randint(0, 9, 3, 4), grad=False)
    for T in (engine, torch):  # PyTorch's message, not numpy's
        with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
            T.zeros(3, 2)[T.tensor([0, 3], dtype=getattr(T, dtype))]


@pytest.mark.parametrize("dtype", ["int16", "int8"])
def test_getitem_refuses_narrow_integer_index_tensors_as_torch(dtype):
    for T in (engine, torch):
        with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
            T.zeros(3, 2)[T.tensor([0, 1], dtype=getattr(T, dtype))]


def test_setitem():
    """x[index] = value on tensors without gradient, with broadcasting and every index kind."""
    cases = [
        (1, 5.0), ((0, 1), -1.0), (slice(None, None, 2), 0.5), ((Ellipsis, 1), "column"), (([0, 2], 1), 6.0),
        ((slice(None), "col-mask"), 8.0), ((Ellipsis, None, 1), 2.5),
        ([0, 2], 9.0), ((slice(None), [1, 3]), 4.0), ("mask", 0.0), ((1, slice(1, 3)), "tensor"),
        ("int-tensor", 7.0), (None, 1.0), ((slice(None), None, 0), 3.0),
    ]
    for key, value in cases:
        results = {}
        for T in (engine, torch):
            x = T.tensor(np.arange(12.0).reshape(3, 4))
            parts = {"mask": x > 5, "int-tensor": T.tensor([2, 0]), "col-mask": T.tensor([True, False, True, False])}
            k = tuple(parts.get(p, p) if isinstance(p, str) else p for p in key) if isinstance(key, tuple) \
                else parts.get(key, key) if isinstance(key, str) else key
            v = {"tensor": T.tensor([-1.0, -2.0]), "column": T.tensor([1.0, 2.0, 3.0])}.get(value, value) \
                if isinstance(value, str) else value
            x[k] = v
            results[T] = x
        assert_same(results[engine], results[torch], 0, 0, f"x[{key!r}] = {value!r}")


def test_setitem_int_then_advanced():
    """PyTorch applies ints before lists: x[1, :, [0, 2]] is 4x2 here (numpy would say 2x4)."""
    for T in (engine, torch):
        x = T.zeros(3, 4, 5)
        x[1, :, [0, 2]] = T.arange(8.0).reshape(4, 2)
        assert x[1, :, 0].tolist() == [0.0, 2.0, 4.0, 6.0] and x[1, :, 2].tolist() == [1.0, 3.0, 5.0, 7.0]
        assert x.sum().item() == 28.0


def test_setitem_casts_to_the_tensor_dtype():
    for T in (engine, torch):
        x = T.zeros(3, dtype=T.int64)
        x[0] = 2.7
        x[1:] = T.tensor([1.9, -1.9])
        assert x.dtype == T.int64 and x.tolist() == [2, 1, -1]


def test_setitem_bumps_version_of_saved_tensor():
    """Writing into a tensor saved for backward is caught at backward time, as in PyTorch."""
    for T in (engine, torch):
        a = T.ones(3, requires_grad=True)
        b = T.ones(3)
        y = (a * b).sum()
        b[0] = 2.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


# --- gather / scatter ------------------------------------------------------------------------------
def test_gather():
    check(lambda T, x, i: T.gather(x, 1, i), randn(3, 4), randint(0, 4, 3, 2))
    check(lambda T, x, i: x.gather(0, i), randn(3, 4), randint(0, 3, 2, 4))
    check(lambda T, x, i: x.gather(-1, i), randn(2, 3, 4), randint(0, 4, 2, 3, 1))
    check(lambda T, x, i: x.gather(1, i), randn(3, 4), np.array([[0, 0], [1, 1], [3, 3]]))  # repeated indices
    check(lambda T, x, i: T.take_along_dim(x, i, 1), randn(3, 4), randint(0, 4, 3, 2), names=False)


def test_index_select():
    check(lambda T, x, i: T.index_select(x, 0, i), randn(3, 4), np.array([2, 0, 2]))
    check(lambda T, x, i: x.index_select(-1, i), randn(3, 4), np.array([3, 1]))
    check(lambda T, x, i: x.index_select(1, i), randn(3, 4), np.array(2))


def test_scatter_add():
    check(lambda T, x, i, s: x.scatter_add(1, i, s), randn(3, 4), randint(0, 4, 3, 2), randn(3, 2),
          names=False)
    check(lambda T, x, i, s: T.scatter_add(x, 0, i, s), randn(3, 4), randint(0, 3, 2, 4), randn(2, 4),
          names=False)
    check(lambda T, x, i, s: T.scatter_add(x, 0, i, s), randn(3, 4), randint(0, 3, 2, 3), randn(3, 4),
          names=False, grad=False)  # torch itself cannot backward into a src larger than index


def test_scatter():
    check(lambda T, x, i, s: x.scatter(1, i, s), randn(3, 4), np.array([[0, 1], [2, 3], [1, 0]]), randn(3, 2),
          grad=False)
    check(lambda T, x, i: x.scatter(0, i, 1.5), randn(3, 4), np.array([[0, 1, 2, 0]]), grad=False)
    check(lambda T, x, i: x.scatter(1, i, 2.0, reduce="add"), randn(3, 4), np.array([[0, 0], [1, 1], [3, 2]]),
          grad=False)


def test_masked_select_and_nonzero():
    check(lambda T, x: x.masked_select(x > 0), randn(3, 4))
    check(lambda T, x, m: T.masked_select(x, m), randn(3, 4), np.array([True, False, True, True]), names=False)
    check(lambda T, x: x.nonzero(), np.array([[0.0, 1.0], [2.0, 0.0]]), grad=False,
          contiguity=False)  # PyTorch's nonzero is a transposed layout
    check(lambda T, x: T.nonzero(x, as_tuple=True), np.array([[0.0, 1.0], [2.0, 0.0]]), grad=False)


def test_sort_topk():
    check(lambda T, x: x.sort(), distinct(3, 4))
    check(lambda T, x: T.sort(x, 0, descending=True), distinct(3, 4), names=False)
    check(lambda T, x: x.argsort(dim=1), distinct(3, 4), grad=False)
    check(lambda T, x: x.topk(2), distinct(3, 4), names=False)
    check(lambda T, x: T.topk(x, 1, dim=0, largest=False), distinct(3, 4), names=False)


# --- creation ---------------------------------------------------------------------------------------
CREATION = {
    "tensor-floats": lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]),
    "tensor-ints": lambda T: T.tensor([1, 2, 3]),
    "tensor-bools": lambda T: T.tensor([True, False]),
    "tensor-mixed": lambda T: T.tensor([1, 2.5]),
    "tensor-scalar": lambda T: T.tensor(3),
    "tensor-float-scalar": lambda T: T.tensor(3.5),
    "tensor-empty": lambda T: T.tensor([]),
    "tensor-dtype": lambda T: T.tensor([1, 2], dtype=T.float64),
    "tensor-of-tensors": lambda T: T.tensor([T.tensor(1.0), T.tensor(2.0)]),
    "tensor-numpy-f64": lambda T: T.tensor(np.array([1.0, 2.0])),
    "tensor-numpy-i32": lambda T: T.tensor(np.array([1, 2], dtype=np.int32)),
    "as_tensor": lambda T: T.as_tensor([1.0, 2.0]),
    "from_numpy": lambda T: T.from_numpy(np.arange(6.0).reshape(2, 3)),
    "zeros": lambda T: T.zeros(2, 3),
    "zeros-tuple": lambda T: T.zeros((2, 3), dtype=T.int64),
    "zeros-0d": lambda T: T.zeros(()),
    "ones": lambda T: T.ones(3),
    "ones-list": lambda T: T.ones([2, 2], dtype=T.bool),
    "empty-shape": lambda T: T.empty(2, 3).shape,
    "empty-dtype": lambda T: T.empty(2, dtype=T.float64).dtype,
    "full-float": lambda T: T.full((2, 2), 1.5),
    "full-int": lambda T: T.full((2,), 7),
    "full-bool": lambda T: T.full((2,), True),
    "full-dtype": lambda T: T.full([2], 3, dtype=T.float32),
    "arange-int": lambda T: T.arange(5),
    "arange-start-end": lambda T: T.arange(2, 7),
    "arange-step": lambda T: T.arange(0, 10, 3),
    "arange-float": lambda T: T.arange(0.0, 1.0, 0.25),
    "arange-float-step": lambda T: T.arange(1, 2, 0.3),
    "arange-negative-step": lambda T: T.arange(5, 0, -2),
    "arange-dtype": lambda T: T.arange(4, dtype=T.float64),
    "arange-empty": lambda T: T.arange(3, 3),
    "linspace": lambda T: T.linspace(0, 1, 5),
    "linspace-one": lambda T: T.linspace(-1, 1, 1),
    "linspace-dtype": lambda T: T.linspace(0, 10, 4, dtype=T.float64),
    "logspace": lambda T: T.logspace(0, 2, 3),
    "eye": lambda T: T.eye(3),
    "eye-rect": lambda T: T.eye(2, 3, dtype=T.int64),
    "zeros_like": lambda T: T.zeros_like(T.tensor([[1, 2]])),
    "ones_like": lambda T: T.ones_like(T.tensor([1.0, 2.0]), dtype=T.float64),
    "full_like": lambda T: T.full_like(T.tensor([1.0, 2.0]), 7),
    "full_like-int": lambda T: T.full_like(T.tensor([1, 2]), 2.7),
    "empty_like": lambda T: T.empty_like(T.zeros(2, 3, dtype=T.int64)).shape,
    "rand-shape": lambda T: (T.rand(2, 3).shape, T.rand(2, 3).dtype),
    "randn-shape": lambda T: (T.randn((4,)).shape, T.randn(2, dtype=T.float64).dtype),
    "randint-shape": lambda T: (T.randint(0, 5, (3,)).shape, T.randint(5, (3, 2)).dtype),
    "rand_like": lambda T: T.rand_like(T.zeros(2, dtype=T.float64)).dtype,
    "randn_like": lambda T: T.randn_like(T.zeros(2, 3)).shape,
    "randperm": lambda T: T.randperm(5).sort().values,
    "meshgrid": lambda T: T.meshgrid(T.arange(2), T.arange(3), indexing="ij"),
    "meshgrid-xy": lambda T: T.meshgrid(T.arange(2), T.arange(3), indexing="xy"),
    "Tensor-legacy": lambda T: T.Tensor([1, 2]),
    "Tensor-legacy-shape": lambda T: T.Tensor(2, 3).shape,
}


@pytest.mark.parametrize("name", CREATION)
def test_creation(name):
    e, t = CREATION[name](engine), CREATION[name](torch)
    if isinstance(t, tuple):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _same_any(a, b)
    else:
        _same_any(e, t)


def _same_any(e, t):
    if isinstance(t, torch.dtype):
        assert dtype_name(e) == dtype_name(t)
    else:
        assert_same(e, t, 1e-6, 1e-7)


def test_creation_requires_grad():
    for T in (engine, torch):
        for x in (T.zeros(2, requires_grad=True), T.ones(2, 2, requires_grad=True), T.tensor([1.0], requires_grad=True),
                  T.randn(3, requires_grad=True), T.full((2,), 1.0, requires_grad=True),
                  T.arange(3.0, requires_grad=True), T.linspace(0, 1, 3, requires_grad=True),
                  T.eye(2, requires_grad=True), T.zeros_like(T.zeros(2), requires_grad=True)):
            assert x.requires_grad and x.is_leaf and x.grad_fn is None


def test_from_numpy_shares_memory():
    for T in (engine, torch):
        a = np.zeros(3)
        t = T.from_numpy(a)
        a[0] = 1.0
        t[1] = 2.0
        assert t.tolist() == [1.0, 2.0, 0.0] and a.tolist() == [1.0, 2.0, 0.0]
        assert t.dtype == T.float64


def test_manual_seed_repeats():
    engine.manual_seed(3)
    a = engine.rand(4)
    engine.manual_seed(3)
    assert engine.rand(4).tolist() == a.tolist()
    assert ((a >= 0) & (a < 1)).all()
    r = engine.randint(2, 5, (100,))
    assert r.min().item() >= 2 and r.max().item() <= 4


# --- conversion -------------------------------------------------------------------------------------
CONVERSIONS = {
    "to-float64": lambda T, x: x.to(T.float64),
    "to-dtype-kw": lambda T, x: x.to(dtype=T.float16),
    "to-int": lambda T, x: x.to(T.int64),
    "to-same": lambda T, x: x.to(x.dtype) * 1,
    "to-device": lambda T, x: x.to("cpu") * 1,
    "to-device-dtype": lambda T, x: x.to("cpu", T.float64),
    "to-other": lambda T, x: x.to(T.zeros(1, dtype=T.float64)),
    "float": lambda T, x: x.double().float(),
    "double": lambda T, x: x.double(),
    "long": lambda T, x: x.long(),
    "int": lambda T, x: x.int(),
    "bool": lambda T, x: x.bool(),
    "half": lambda T, x: x.half(),
    "type_as": lambda T, x: x.type_as(T.zeros(1, dtype=T.int32)),
    "type": lambda T, x: x.type(T.float64),
    "cpu": lambda T, x: x.cpu() * 1,
    "detach": lambda T, x: x.detach(),
    "clone": lambda T, x: x.clone(),
    "contiguous": lambda T, x: x.contiguous(),
}


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversions(name):
    check(CONVERSIONS[name], np.array([[-1.6, 0.0, 2.7], [3.2, -0.4, 1.0]]))


def test_conversions_from_integers():
    for name in ("to-float64", "float", "double", "long", "bool", "half", "clone"):
        check(CONVERSIONS[name], randint(-2, 3, 2, 3), grad=False)


def test_item_tolist_numpy():
    for T in (engine, torch):
        x = T.tensor([[1.5, 2.0]])
        assert x[0, 1].item() == 2.0 and isinstance(x[0, 0].item(), float)
        assert T.tensor(3).item() == 3 and isinstance(T.tensor(3).item(), int)
        assert T.tensor(True).item() is True
        assert x.tolist() == [[1.5, 2.0]] and T.tensor(2.5).tolist() == 2.5
        assert T.tensor([1, 2]).tolist() == [1, 2] and isinstance(T.tensor([1, 2]).tolist()[0], int)
        n = x.numpy()
        assert isinstance(n, np.ndarray) and n.dtype == np.float32 and n.shape == (1, 2)
        n[0, 0] = 9.0  # shares memory
        assert x[0, 0].item() == 9.0
        assert float(T.tensor(2.5)) == 2.5 and int(T.tensor(7)) == 7 and bool(T.tensor([1]))
        assert [1, 2, 3][T.tensor(1)] == 2
        assert "{:.2f}".format(T.tensor(1.2345)) == "1.23"
        assert np.asarray(x).tolist() == [[9.0, 2.0]]
        with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
            T.ones(2, requires_grad=True).numpy()
        with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
            T.ones(2).item()
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
            bool(T.ones(2))


def test_detach_shares_memory_and_drops_history():
    for T in (engine, torch):
        x = T.ones(3, requires_grad=True)
        y = x * 2
        d = y.detach()
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        d[0] = 5.0
        assert y[0].item() == 5.0
        c = y.clone()
        assert type(c.grad_fn).__name__ == "CloneBackward0"
        c.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_iteration_and_len():
    check(lambda T, x: list(x), randn(3, 2), names=True)
    check(lambda T, x: [r.sum() for r in x], randn(3, 2), names=False)


# --- miscellaneous functions ---------------------------------------------------------------------------
MISC = {
    "lerp": lambda T, x, y: T.lerp(x, y, 0.3),
    "addcmul": lambda T, x, y: T.addcmul(x, x, y, value=0.5),
    "addcdiv": lambda T, x, y: x.addcdiv(x, y.abs() + 1, value=2),
    "remainder": lambda T, x, y: x.remainder(2.0),
    "remainder-tensor": lambda T, x, y: T.remainder(x, y),
    "fmod": lambda T, x, y: T.fmod(x, 1.5),
    "fmod-tensor": lambda T, x, y: x.fmod(y),
    "mod-operator": lambda T, x, y: x % 0.7,
    "lerp-tensor-weight": lambda T, x, y: T.lerp(x, y, (x * y).sigmoid()),
    "floor_divide": lambda T, x, y: x.detach() // 0.7,
    "div-floor": lambda T, x, y: T.div(x, 0.7, rounding_mode="floor"),
    "div-trunc": lambda T, x, y: T.div(x, y.abs() + 1, rounding_mode="trunc"),
    "einsum-mm": lambda T, x, y: T.einsum("ij,kj->ik", x, y),
    "einsum-sum": lambda T, x, y: T.einsum("ij->j", x),
    "einsum-batch": lambda T, x, y: T.einsum("ij,ij->i", x, y),
    "broadcast_tensors": lambda T, x, y: T.broadcast_tensors(x[:, :1], y[0]),
}


@pytest.mark.parametrize("name", MISC)
def test_misc(name):
    # PyTorch and the engine both decompose einsum into permutes, views and bmm, but not node for node
    check(MISC[name], distinct(3, 4) + 0.03, distinct(3, 4) - 0.02, names=not name.startswith("einsum"),
          contiguity=name != "einsum-mm")


def test_misc_integer_division():
    check(lambda T, x, y: x // y, np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2]), grad=False)
    check(lambda T, x, y: x % y, np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2]), grad=False)
    check(lambda T, x, y: x / y, np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2]), grad=False)
    check(lambda T, x, y: T.div(x, y, rounding_mode="trunc"), np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2]),
          grad=False)
    check(lambda T, x: x // 2, np.array([7, -7]), grad=False)
    check(lambda T, x: 7 // x, np.array([2, -3]), grad=False)


# --- in-place functions -------------------------------------------------------------------------------
INPLACE = {
    "add_": lambda x: x.add_(2),
    "add_-tensor": lambda x: x.add_(x * 0 + 1, alpha=2),
    "sub_": lambda x: x.sub_(1.5),
    "mul_": lambda x: x.mul_(3),
    "div_": lambda x: x.div_(2),
    "pow_": lambda x: x.pow_(2),
    "iadd": lambda x: x.__iadd__(1),
    "imul": lambda x: x.__imul__(3),
    "isub": lambda x: x.__isub__(0.5),
    "itruediv": lambda x: x.__itruediv__(4),
    "clamp_": lambda x: x.clamp_(-0.5, 0.5),
    "clamp_min_": lambda x: x.clamp_min_(0),
    "exp_": lambda x: x.exp_(),
    "tanh_": lambda x: x.tanh_(),
    "sigmoid_": lambda x: x.sigmoid_(),
    "relu_": lambda x: x.relu_(),
    "neg_": lambda x: x.neg_(),
    "abs_": lambda x: x.abs_(),
    "sqrt_": lambda x: x.abs_().sqrt_(),
    "masked_fill_": lambda x: x.masked_fill_(x > 0, 0.0),
    "zero_": lambda x: x.zero_(),
    "fill_": lambda x: x.fill_(2.5),
    "copy_": lambda x: x.copy_(x.flip(0) * 2),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_without_grad(name):
    results = {}
    for T in (engine, torch):
        x = T.tensor([[0.5, -1.0, 2.0], [-0.25, 1.5, 0.75]])
        out = INPLACE[name](x)
        assert out is x
        results[T] = x
    assert_same(results[engine], results[torch], 1e-6, 1e-7)


@pytest.mark.parametrize("name", [n for n in INPLACE if n not in ("zero_", "fill_")])
def test_inplace_on_non_leaf(name):
    """In-place ops on intermediate results: values, node names and gradients as in PyTorch."""
    def fn(T, x):
        y = x * 1.5
        INPLACE[name](y)
        return y
    check(fn, np.array([[0.5, -1.0, 2.0], [-0.25, 1.5, 0.75]]), names=name not in ("copy_",))


def test_inplace_on_integers_keeps_dtype():
    for T in (engine, torch):
        x = T.tensor([1, 2, 3])
        x += 2
        x *= 3
        assert x.dtype == T.int64 and x.tolist() == [9, 12, 15]
        with pytest.raises(RuntimeError) as info:
            x /= 2
        assert str(info.value) == "result type Float can't be cast to the desired output type Long"


# --- printing what ops produce ------------------------------------------------------------------------
PRINTED = {
    "tutorial": lambda T: _tutorial_prints(T),
    "leaf-requires-grad": lambda T: T.ones(2, 2, requires_grad=True),
    "double-with-grad-fn": lambda T: T.ones(3, dtype=T.float64, requires_grad=True) * 2,
    "0d-grad-fn": lambda T: T.tensor([1.5, 2.5], requires_grad=True).sum(),
    "integer-result": lambda T: T.arange(6).reshape(2, 3) * 3,
    "bool-result": lambda T: T.arange(4) > 1,
    "int32": lambda T: T.tensor([1, 2], dtype=T.int32) + 1,
    "scientific": lambda T: T.tensor([1e-5, 1.0, 1e5], requires_grad=True).exp().log() * 1,
    "summarized": lambda T: T.arange(2000.0).reshape(2, 1000) / 7,
    "max-dim": lambda T: T.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True).max(dim=1),
    "size": lambda T: (T.ones(2, 3, 4) @ T.ones(4, 5)).shape,
    # (node names; PyTorch's AccumulateGrad.name() is "torch::autograd::AccumulateGrad", the engine's is its type name)
    "grad-fn-names": lambda T: [f.name() for f in _walk((T.ones(2, 3, requires_grad=True) @ T.ones(3, 1)).relu()
                                                         .view(-1).softmax(0)[0:1].grad_fn)[:-1]],
    "custom-function-node": lambda T: _custom_exp(T).grad_fn,
    "custom-function-result": lambda T: _custom_exp(T),
    "empty": lambda T: T.ones(0, 3) * 2,
    "negative-zero-nan-inf": lambda T: T.tensor([-0.0, float("nan"), float("inf"), -float("inf"), 1.25]),
    "index-result": lambda T: T.arange(12.0, requires_grad=True).view(3, 4)[[0, 2], 1:],
    "detached": lambda T: (T.ones(2, requires_grad=True) * 3).detach(),
    "no-grad": lambda T: _under_no_grad(T),
    "grad": lambda T: _grad_of(T),
}


def _tutorial_prints(T):
    x = T.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    return [y.grad_fn, z, out, x.grad, y.grad_fn.next_functions]


def _walk(node):
    seen = []
    while node is not None:
        seen.append(node)
        node = node.next_functions[0][0] if node.next_functions else None
    return seen


def _custom_exp(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.exp()

        @staticmethod
        def backward(ctx, g):
            return g
    return Exp.apply(T.ones(2, requires_grad=True))


def _under_no_grad(T):
    x = T.ones(2, requires_grad=True)
    with T.no_grad():
        return x * 2


def _grad_of(T):
    x = T.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)
    (x.tanh() * x).sum().backward()
    return x.grad


@pytest.mark.parametrize("name", PRINTED)
def test_printed_text_of_op_results(name):
    """str() and repr() of what ops return, as PyTorch prints them (object addresses aside)."""
    import re
    texts = {}
    for T in (engine, torch):
        value = PRINTED[name](T)
        texts[T] = [re.sub(r"0x[0-9a-f]+", "0x", f(value)) for f in (str, repr)]
    assert texts[engine] == texts[torch]
