"""API that lecture code uses and the engine lacked: add_(alpha=<0-d tensor>), x.type(torch.FloatTensor),
torch.histogram, torch.erfc / torch.special.erfc with its gradient, softmax of a 0-d tensor, and writes
x[i] += c into an expanded view; each against torch."""
import numpy as np
import pytest
import torch

import engine
from .oracle import LIBS, assert_same, check, distinct, randn, raises_like


# add / sub with alpha given as a 0-d tensor (what `p.data.add_(p.grad, alpha=-lr)` with a tensor lr does)
@pytest.mark.parametrize("alpha", [2.5, -1, "tensor"])
def test_add_sub_with_alpha(alpha):
    def fn(T, x, y):
        a = T.tensor(0.5) if alpha == "tensor" else alpha
        return T.add(x, y, alpha=a), x.sub(y, alpha=a), T.rsub(x, 3, alpha=a), x.add(2, alpha=a)
    check(fn, randn(2, 3), randn(3))


def test_in_place_add_with_a_tensor_alpha_changes_base_and_view():
    out = {}
    for T in LIBS:
        base = T.arange(6.0).reshape(2, 3)
        row = base[1]
        row.add_(T.ones(3), alpha=T.tensor(-0.25))
        row.sub_(T.full((3,), 2.0), alpha=T.tensor(3))
        out[T] = base, row
    for e, t in zip(out[engine], out[torch]):
        assert_same(e, t, 0, 0)


@pytest.mark.parametrize("case", ["1-element", "requires-grad", "float-alpha-on-ints"])
def test_alpha_refused_as_torch_refuses_it(case):
    def fn(T):
        if case == "1-element":
            return T.ones(2).add(T.ones(2), alpha=T.tensor([2.0]))
        if case == "requires-grad":
            return T.ones(2).add_(T.ones(2), alpha=T.tensor(2.0, requires_grad=True))
        return T.ones(2, dtype=T.long).add(T.ones(2, dtype=T.long), alpha=T.tensor(0.5))
    raises_like(fn)


def test_float_alpha_with_a_number_keeps_the_tensor_dtype():
    check(lambda T, x: (x.sub(1, alpha=3.0), x.add(1, alpha=0.5)), randn(3), dtypes=("float32",))


# x.type(...)
@pytest.mark.parametrize("target", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "'torch.DoubleTensor'",
                                    "'torch.FloatTensor'", "'torch.LongTensor'", "int32", "float64"])
@pytest.mark.parametrize("source", ["float32", "float64", "int64"])
def test_type_converts_to_legacy_types_strings_and_dtypes(target, source):
    outs = {}
    for T in LIBS:
        x = T.tensor([1.5, -2.0, 3.0]).to(getattr(T, source))
        arg = target.strip("'") if target.startswith("'") else getattr(T, target)
        y = x.type(arg)
        outs[T] = y, y is x, x.type()
    assert_same(outs[engine][0], outs[torch][0], 0, 0)
    assert outs[engine][1:] == outs[torch][1:]


@pytest.mark.parametrize("bad", ["float", 3])
def test_type_refuses_what_torch_refuses(bad):
    raises_like(lambda T: T.ones(2).type(bad))


def test_type_keeps_the_graph():
    check(lambda T, x: x.type(T.DoubleTensor) * 2, randn(3), dtypes=("float32",))


# torch.histogram
HISTOGRAMS = {
    "bins": lambda T, x: T.histogram(x, 5),
    "bins=1": lambda T, x: T.histogram(x, bins=1),
    "range": lambda T, x: T.histogram(x, bins=4, range=(-1.0, 1.5)),
    "density": lambda T, x: T.histogram(x, bins=6, density=True),
    "weight": lambda T, x: T.histogram(x, bins=3, weight=x.abs()),
    "edges": lambda T, x: T.histogram(x, T.tensor([-2.0, -0.5, 0.0, 0.25, 2.0], dtype=x.dtype)),
    "edges-density-weight": lambda T, x: T.histogram(x, T.tensor([-1.0, 0.0, 3.0], dtype=x.dtype), weight=x * x,
                                                     density=True),
    "method": lambda T, x: x.histogram(3),
    "on-edges": lambda T, x: T.histogram(T.tensor([0.0, 1.0, 1.0, 2.0, 3.0, 4.0], dtype=x.dtype), 4),
    "constant": lambda T, x: T.histogram(T.ones(4, dtype=x.dtype), 3),
    "empty": lambda T, x: T.histogram(T.ones(0, dtype=x.dtype), 2),
    "2-d": lambda T, x: T.histogram(x.reshape(4, 5), 7),
}


@pytest.mark.parametrize("name", HISTOGRAMS)
def test_histogram(name):
    check(lambda T, x: tuple(HISTOGRAMS[name](T, x)), randn(20), grad=False)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram_edges_and_linspace_bit_for_bit(dtype):
    """The edges are PyTorch's linspace, which rounds each start + step * i once (a fused multiply-add)."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        x = (rng.standard_normal(int(rng.integers(2, 40))) * rng.choice([1, 30])).astype(dtype)
        bins = int(rng.integers(1, 40))
        e, t = engine.histogram(engine.tensor(x), bins), torch.histogram(torch.tensor(x), bins)
        np.testing.assert_array_equal(e.bin_edges.numpy(), t.bin_edges.numpy())
        np.testing.assert_array_equal(e.hist.numpy(), t.hist.numpy())
    for _ in range(100):
        start, end = rng.standard_normal(2) * rng.choice([1e-3, 1, 100])
        steps = int(rng.integers(0, 300))
        np.testing.assert_array_equal(engine.linspace(start, end, steps, dtype=getattr(engine, dtype)).numpy(),
                                      torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy())


def test_histogram_repr():
    r = {T: repr(T.histogram(T.tensor([1.0, 2.0, 2.5]), 2)) for T in LIBS}
    assert r[engine] == r[torch]


@pytest.mark.parametrize("case", ["ints", "min>max", "bins=0", "edges-2d", "edges-dtype", "weight-shape"])
def test_histogram_errors(case):
    calls = {"ints": lambda T: T.histogram(T.arange(3), 2),
             "min>max": lambda T: T.histogram(T.ones(3), 2, range=(2.0, 1.0)),
             "bins=0": lambda T: T.histogram(T.ones(3), 0),
             "edges-2d": lambda T: T.histogram(T.ones(3), T.ones(2, 2)),
             "edges-dtype": lambda T: T.histogram(T.ones(3), T.ones(3, dtype=T.float64)),
             "weight-shape": lambda T: T.histogram(T.ones(3), 2, weight=T.ones(2))}
    raises_like(lambda T: calls[case](T))


# erfc
def test_erfc_values_and_gradient():
    x = np.array([-3.0, -0.7, 0.0, 0.3, 0.49, 0.51, 1.0, 2.5, 4.0, 9.0])
    check(lambda T, x: (T.erfc(x), T.special.erfc(x), x.erfc()), x, depth=2)


def test_erfc_keeps_relative_precision_far_in_the_tail():
    """1 - erf(x) would be 0 or noise at x = 5 in float32; PyTorch's erfc is accurate there."""
    check(lambda T, x: T.erfc(x), np.array([4.0, 5.0, 6.0, 9.0]), dtypes=("float32",), rtol=1e-6, atol=1e-30)


def test_erfc_in_place():
    check(lambda T, x: ((x * 1).erfc_(), T.erfc_(x.detach().clone())), randn(5))


def test_erfc_second_derivative():
    # (the gradient's own graph is PyTorch's formula with other node names: its values are what is compared)
    check(lambda T, x: T.autograd.grad(T.erfc(x).sum(), x, create_graph=True)[0], randn(5), names=False)


def test_special_namespace_names_the_same_functions():
    x = randn(2, 3)
    for name, args in {"erf": (), "expit": (), "logit": (), "expm1": (), "log1p": (), "exp2": (),
                       "softmax": (1,), "log_softmax": (0,), "logsumexp": (1,)}.items():
        check(lambda T, x: getattr(T.special, name)(x.sigmoid() if name == "logit" else x, *args), x, names=False)


# softmax / log_softmax of a 0-d tensor
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_of_a_0d_tensor_records_softmax(fn, dim):
    check(lambda T, x: (getattr(x, fn)(dim), getattr(T.nn.functional, fn)(x, dim=dim), getattr(T, fn)(x, dim)),
          np.array(0.3), depth=3)


# writes into expanded views
EXPANDED_WRITES = {
    "row += 1": lambda T, a, v: a.__setitem__(0, a[0] + 1) or a,
    "row +=": lambda T, a, v: _iadd(a, 0, 1),
    "row += tensor": lambda T, a, v: _iadd(a, 1, v),
    "row *= 2 (method)": lambda T, a, v: (a[0].mul_(2), a)[1],
    "part of a row = value": lambda T, a, v: a.__setitem__((1, slice(1, None)), v.sum()) or a,
}


def _iadd(a, i, c):
    a[i] += c
    return a


@pytest.mark.parametrize("name", EXPANDED_WRITES)
def test_write_into_one_row_of_an_expanded_view(name):
    """a = w.expand(2, 3): a[0] has no repeated elements, so PyTorch writes through it (into w's memory, which
    every row of a shows) and rebases the graph."""
    def fn(T, w, v):
        base = w * 1
        a = base.expand(2, 3)
        out = EXPANDED_WRITES[name](T, a, v)
        assert (type(out.grad_fn).__name__, type(base.grad_fn).__name__) == ("AsStridedBackward0", "CopySlices")
        return out, base
    # (CopySlices' next_functions name the in-place op's node here, its inputs in PyTorch: names not compared)
    check(fn, randn(3), randn(3), names=False)


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("name", ["column += 1", "column = 5", "column = tensor", "all += 1"])
def test_write_into_repeated_memory_is_refused_as_in_torch(name, grad):
    def fn(T, w):
        a = (w * 1).expand(2, 3)
        if name == "column += 1":
            a[:, 0] += 1
        elif name == "column = 5":
            a[:, 0] = 5
        elif name == "column = tensor":
            a[:, 0] = T.tensor([5.0, 6.0], requires_grad=grad)
        else:
            a += 1
    raises_like(fn, randn(3), grad=grad)


def test_expanded_row_write_without_grad_changes_the_base():
    out = {}
    for T in LIBS:
        w = T.zeros(1, 3)
        a = w.expand(4, 3)
        a[1] += 2
        a[2, 1:] = T.tensor([5.0, 6.0])
        out[T] = w, a
    for e, t in zip(out[engine], out[torch]):
        assert_same(e, t, 0, 0, layout=False)


def test_erfc_on_webgpu_matches_the_cpu():
    import engine.backends.webgpu as backend
    if not backend.is_available():
        pytest.skip(backend._state["error"])
    values = np.array([-3.0, -0.7, 0.0, 0.3, 0.49, 0.51, 1.0, 2.5, 4.0, 9.0], np.float32)
    out = {}
    for device in ("cpu", "webgpu"):
        x = engine.tensor(values, device=device, requires_grad=True)
        y = engine.erfc(x)
        y.sum().backward()
        out[device] = y.detach().cpu().numpy(), x.grad.cpu().numpy()
    np.testing.assert_allclose(out["webgpu"][0], out["cpu"][0], rtol=0, atol=2e-7)
    np.testing.assert_allclose(out["webgpu"][1], out["cpu"][1], rtol=1e-5, atol=1e-7)



def test_the_float64_values_behind_narrow_erf_and_erfc_are_within_1e_15_of_cs():
    """Correct rounding of float32 needs the float64 value far closer than float32's half ulp (6e-8): the
    Taylor tables give 1e-15 everywhere, erfc's fast-falling tail included (rarely hit by any grid)."""
    import math
    from engine.backends.numpy import elementwise
    a = np.random.default_rng(0).uniform(0, 10.9, 100000).astype(np.float32)
    for name, fn in (("erf/x", math.erf), ("erfc", math.erfc)):
        capped = np.minimum(a, elementwise._TAYLOR[name][1])  # (as erf and erfc cap it)
        ours = elementwise._taylor(name, capped) * (capped if name == "erf/x" else 1)
        exact = np.array([fn(float(v)) for v in a])
        assert np.max(np.abs(ours - exact) / exact) < 1e-15, name

@pytest.mark.parametrize("fn", ["erf", "erfc"])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_erf_and_erfc_of_narrow_floats_are_correctly_rounded(fn, dtype):
    """float32/float16 erf and erfc come from a vectorised float64 Taylor table (GELU's erf in float32
    models); rounded to the dtype they equal C's float64 erf rounded, everywhere, tails, zeros, inf and NaN
    included (PyTorch's own kernels are within 1 ulp of that)."""
    import math
    x = np.concatenate([np.linspace(-11, 11, 44001), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, 5.999, 6.0],
                        np.linspace(4, 10.5, 100001)])  # (erfc's tail, where it falls fast, densely)
    x = x.astype(dtype)
    if dtype == "float16":  # every float16 there is
        x = np.concatenate([x, np.arange(2 ** 16, dtype=np.uint16).view(np.float16)])
    ours = getattr(engine, fn)(engine.from_numpy(x)).numpy()
    exact = np.array([getattr(math, fn)(float(v)) for v in x]).astype(dtype)
    np.testing.assert_array_equal(ours, exact)
    theirs = getattr(torch, fn)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=2 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny)
