"""0-d tensors and the numerical edges, as PyTorch: dims 0 / -1 on a 0-d tensor, numpy's keyword spellings,
out=, and the values PyTorch gives at infinities, NaN, empty reductions and huge float32 values."""
import math
import warnings

import numpy as np
import pytest
import torch

import engine


def _compare(e, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, engine.Tensor)
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6, equal_nan=True)
    elif isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _compare(a, b)
    else:
        assert e == t or (math.isnan(e) and math.isnan(t))


def same_as_torch(code):
    """Run code (it sets r) with T as the engine and as torch; compare r, or the error type and message."""
    results = []
    for T in (engine, torch):
        scope = {"T": T, "F": T.nn.functional, "inf": math.inf, "nan": math.nan}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(code, scope)
                results.append(scope["r"])
            except Exception as error:  # the same error, word for word
                results.append((type(error), str(error)))
    e, t = results
    if isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], type):
        assert e == t
    else:
        _compare(e, t)


SCALAR_DIMS = [f"r = T.tensor(0.3).{fn}({d})" for fn in ("sum", "mean", "amax", "amin", "prod", "logsumexp", "any",
                                                          "all", "var", "std", "nansum", "cumsum", "cumprod",
                                                          "argmax", "softmax", "log_softmax")
               for d in (0, -1)] + [
    "r = T.tensor(0.3).norm(dim=0)",
    "r = T.tensor(0.3).max(0)",
    "r = T.tensor(0.3).min(-1, keepdim=True)",
    "r = T.tensor(0.3).sum(0, keepdim=True)",
    "r = T.tensor(0.3).sum((0,))",
    "r = T.tensor(0.3).sum(1)",
    "r = T.tensor(0.3).mean(-2)",
]


@pytest.mark.parametrize("code", SCALAR_DIMS)
def test_dims_of_a_zero_d_tensor(code):
    same_as_torch(code)


SCALAR_OPS = [
    "r = F.gelu(T.tensor(0.3))",
    "r = F.gelu(T.tensor(0.3), approximate='tanh')",
    "r = T.tensor(0.3).erf()",
    "r = T.erf(T.tensor([0.3, -1.0]))",
    "x = T.tensor(0.3, requires_grad=True); y = x.softmax(0); y.backward(); r = (y, x.grad)",
    "x = T.tensor(0.3, requires_grad=True); y = F.gelu(x); y.backward(); r = (y, x.grad)",
    "x = T.tensor(0.3, requires_grad=True); y = x.sum(0) * x.mean(-1); y.backward(); r = (y, x.grad)",
]


@pytest.mark.parametrize("code", SCALAR_OPS)
def test_ops_on_a_zero_d_tensor(code):
    same_as_torch(code)


EDGES = [
    "r = T.tensor([[-inf, -inf, -inf], [0., 1., 2.]]).logsumexp(1)",
    "x = T.tensor([[-inf, -inf], [0., 1.]], requires_grad=True); y = x.logsumexp(1); r = y",
    "x = T.tensor([2.], requires_grad=True); y = x.var(); y.backward(); r = (y, x.grad)",
    "x = T.tensor([2.], requires_grad=True); y = x.std(); y.backward(); r = (y, x.grad)",
    "x = T.tensor([[2.], [3.]], requires_grad=True); y = x.var(1); y.sum().backward(); r = (y, x.grad)",
    "r = T.tensor([nan, -1., 0., 2., -inf]).sign()",
    "r = T.tensor([nan, -1., 0., 2.]).sgn()",
    "r = T.tensor([1., nan, 3., 2.]).topk(2)",
    "r = T.tensor([1., nan, 3., inf]).topk(3)",
    "r = T.tensor([1., nan, 3., 2.]).topk(2, largest=False)",
    "r = T.tensor([1., nan, 3., 2.]).sort(descending=True)",
    "r = T.tensor([[1., nan], [nan, 0.]]).sort(0, descending=True)",
    "x = T.arange(12.).reshape(3, 4).requires_grad_(); l = F.cross_entropy(x, T.tensor([-100, -100, -100])); "
    "l.backward(); r = (l, x.grad)",
    "x = T.arange(12.).reshape(3, 4).requires_grad_(); l = F.cross_entropy(x, T.tensor([1, 2, 2]), ignore_index=2); "
    "l.backward(); r = (l, x.grad)",
    "r = T.tensor([1e30, -1e30, 3.]).std()",
    "r = T.tensor([[1e30, -1e30, 3.]]).std(1, keepdim=True)",
    "x = T.tensor([1e30, -1e30, 3.], requires_grad=True); y = x.std(); y.backward(); r = (y, x.grad)",
    "r = T.tensor([True, False]).clamp(0, 1)",
    "r = T.tensor([True, False]).clamp(min=0.5)",
    "r = T.tensor([True, False]).clamp(max=0)",
    "r = T.arange(3).masked_fill(T.tensor([True, False, True]), -inf)",
    "r = T.arange(3, dtype=T.int32).masked_fill(T.tensor([True, False, True]), 1e20)",
    "r = T.arange(3).masked_fill(T.tensor([True, False, True]), 2.5)",
    "r = T.arange(3, dtype=T.uint8).masked_fill(T.tensor([True, False, True]), -1)",
]


@pytest.mark.parametrize("code", EDGES)
def test_numerical_edges(code):
    same_as_torch(code)


ALIASES = [
    "r = T.arange(6.).reshape(2, 3).sum(1, keepdims=True)",
    "r = T.arange(6.).reshape(2, 3).sum(axis=1)",
    "r = T.sum(T.arange(6.).reshape(2, 3), axis=0, keepdims=True)",
    "r = T.mean(T.arange(6.).reshape(2, 3), axis=0, keepdims=True)",
    "r = T.arange(6.).reshape(2, 3).amax(axis=1, keepdims=True)",
    "r = T.arange(6.).reshape(2, 3).max(axis=1, keepdims=True)",
    "r = T.arange(6.).reshape(2, 3).std(axis=1, keepdims=True)",
    "r = T.arange(6.).reshape(2, 3).var(axis=(0, 1))",
    "r = T.arange(6.).reshape(2, 3).logsumexp(axis=1)",
    "r = T.arange(6.).reshape(2, 3).argmax(axis=1, keepdims=True)",
    "r = T.arange(6.).reshape(2, 3).any(axis=1)",
    "r = T.arange(6.).reshape(2, 3).cumsum(axis=1)",
    "r = T.arange(6.).reshape(2, 3).prod(axis=0, keepdim=True)",
]


@pytest.mark.parametrize("code", ALIASES)
def test_numpy_keyword_spellings(code):
    same_as_torch(code)


OUTS = [
    "o = T.empty(3); r2 = T.add(T.ones(3), 2, out=o); r = (o, r2 is o)",
    "o = T.empty(2, 2); T.matmul(T.ones(2, 3), T.ones(3, 2), out=o); r = o",
    "o = T.empty(2); T.sum(T.ones(2, 3), 1, out=o); r = o",
    "o = T.empty(4); T.cat([T.ones(2), T.zeros(2)], out=o); r = o",
    "o = T.empty(3); T.mul(T.ones(3), T.ones(3), out=o); r = o",
    "o = T.empty(3); T.exp(T.zeros(3), out=o); r = o",
    "o = T.empty(0); T.add(T.ones(3), 1, out=o); r = o",
    "o = T.empty(3); T.arange(3, out=o); r = o",
    "o = T.empty(2, 2); T.stack([T.ones(2), T.zeros(2)], out=o); r = o",
    "o = T.empty(2); T.where(T.tensor([True, False]), T.ones(2), T.zeros(2), out=o); r = o",
    "o = T.empty(2); T.clamp(T.tensor([-1., 2.]), 0, 1, out=o); r = o",
    "v = T.empty(2); i = T.empty(2, dtype=T.long); T.max(T.ones(2, 3), 1, out=(v, i)); r = (v, i)",
    "o = T.empty(3, dtype=T.float64); T.add(T.ones(3), 1, out=o); r = o",
    "o = T.empty(3); T.add(T.ones(3, requires_grad=True), 1, out=o); r = o",
]


@pytest.mark.parametrize("code", OUTS)
def test_out_keyword(code):
    same_as_torch(code)
