"""Random shapes and random op chains, built the same way in the engine and in PyTorch: every value,
every leaf gradient and the whole recorded graph must agree."""
import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import engine
from tests.engine.oracle import assert_same, graph_signature

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLOATS = st.floats(-3, 3, allow_nan=False, width=64)


def array(draw, shape):
    return draw(hnp.arrays(np.float64, shape, elements=FLOATS))


def broadcastable_shape(draw, shape):
    """A shape that broadcasts against `shape`: some trailing dims kept, each either the same size or 1
    (or any size where `shape` has 1)."""
    keep = draw(st.integers(0, len(shape)))
    out = []
    for s in shape[len(shape) - keep:]:
        out.append(draw(st.sampled_from([s, 1] if s != 1 else [1, 2, 3])))
    return tuple(out)


# Each step: how to draw its parameters for the current shape (None: not applicable), and how to apply it.
def _unary(name):
    return (lambda draw, shape: {}), (lambda T, x, p, leaf: getattr(x, name)())


STEPS = {
    "tanh": _unary("tanh"),
    "sigmoid": _unary("sigmoid"),
    "sin": _unary("sin"),
    "abs": _unary("abs"),
    "relu": _unary("relu"),
    "neg": _unary("neg"),
    "exp-bounded": ((lambda draw, shape: {}), (lambda T, x, p, leaf: x.tanh().exp())),
    "square": ((lambda draw, shape: {}), (lambda T, x, p, leaf: x * x * 0.5)),
    "scale": ((lambda draw, shape: {"c": draw(st.sampled_from([-2.0, 0.5, 3]))}), (lambda T, x, p, leaf: x * p["c"])),
    "add-scalar": ((lambda draw, shape: {"c": draw(st.sampled_from([1, -0.5]))}),
                   (lambda T, x, p, leaf: p["c"] + x)),
    "add": ((lambda draw, shape: {"leaf": broadcastable_shape(draw, shape)}), (lambda T, x, p, leaf: x + leaf)),
    "sub": ((lambda draw, shape: {"leaf": broadcastable_shape(draw, shape)}), (lambda T, x, p, leaf: leaf - x)),
    "mul": ((lambda draw, shape: {"leaf": broadcastable_shape(draw, shape)}), (lambda T, x, p, leaf: x * leaf)),
    "div": ((lambda draw, shape: {"leaf": broadcastable_shape(draw, shape)}),
            (lambda T, x, p, leaf: x / (leaf.abs() + 1))),
    "maximum": ((lambda draw, shape: {"leaf": shape}), (lambda T, x, p, leaf: T.maximum(x, leaf + 1e-3))),
    "sum": ((lambda draw, shape: _reduce_params(draw, shape)),
            (lambda T, x, p, leaf: x.sum(p["dim"], keepdim=p["keepdim"]) if p["dim"] is not None else x.sum())),
    "mean": ((lambda draw, shape: _reduce_params(draw, shape)),
             (lambda T, x, p, leaf: x.mean(p["dim"], keepdim=p["keepdim"]) if p["dim"] is not None else x.mean())),
    "amax": ((lambda draw, shape: _reduce_params(draw, shape, need_dim=True)),
             (lambda T, x, p, leaf: (x + T.from_numpy(p["tiebreak"]).to(x.dtype)).amax(p["dim"], keepdim=p["keepdim"]))),
    "logsumexp": ((lambda draw, shape: _reduce_params(draw, shape, need_dim=True)),
                  (lambda T, x, p, leaf: x.logsumexp(p["dim"], keepdim=p["keepdim"]))),
    "softmax": ((lambda draw, shape: {"dim": draw(st.integers(-len(shape), len(shape) - 1))} if shape else None),
                (lambda T, x, p, leaf: x.softmax(p["dim"]))),
    "transpose": ((lambda draw, shape: {"dims": draw(st.permutations(range(len(shape))))[:2]}
                   if len(shape) >= 2 else None), (lambda T, x, p, leaf: x.transpose(*p["dims"]))),
    "permute": ((lambda draw, shape: {"dims": draw(st.permutations(range(len(shape))))} if shape else None),
                (lambda T, x, p, leaf: x.permute(*p["dims"]))),
    "unsqueeze": ((lambda draw, shape: {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}
                   if len(shape) < 4 else None), (lambda T, x, p, leaf: x.unsqueeze(p["dim"]))),
    "squeeze": ((lambda draw, shape: {"dim": draw(st.sampled_from([i for i, s in enumerate(shape) if s == 1]))}
                 if 1 in shape else None), (lambda T, x, p, leaf: x.squeeze(p["dim"]))),
    "flatten": ((lambda draw, shape: {}), (lambda T, x, p, leaf: x.flatten())),
    "reshape-reversed": ((lambda draw, shape: {"shape": tuple(reversed(shape))}),
                         (lambda T, x, p, leaf: x.reshape(p["shape"]))),
    "view-or-contiguous": ((lambda draw, shape: {"shape": (-1,) + tuple(shape[1:])} if shape else None),
                           (lambda T, x, p, leaf: x.contiguous().view(p["shape"]))),
    "expand": ((lambda draw, shape: {"shape": tuple(3 if s == 1 else s for s in shape)} if 1 in shape else None),
               (lambda T, x, p, leaf: x.expand(*p["shape"]))),
    "slice-step": ((lambda draw, shape: {"dim": draw(st.integers(0, len(shape) - 1)),
                                         "step": draw(st.integers(1, 2))} if shape else None),
                   (lambda T, x, p, leaf: x[(slice(None),) * p["dim"] + (slice(None, None, p["step"]),)])),
    "select": ((lambda draw, shape: {"i": draw(st.integers(-shape[0], shape[0] - 1))} if shape else None),
               (lambda T, x, p, leaf: x[p["i"]])),
    "flip": ((lambda draw, shape: {"dim": draw(st.integers(0, len(shape) - 1))} if shape else None),
             (lambda T, x, p, leaf: x.flip(p["dim"]))),
    "cat-self": ((lambda draw, shape: {"dim": draw(st.integers(0, len(shape) - 1))} if shape else None),
                 (lambda T, x, p, leaf: T.cat([x, x * 2], p["dim"]))),
    "matmul": ((lambda draw, shape: {"leaf": (shape[-1], draw(st.integers(1, 3)))} if shape else None),
               (lambda T, x, p, leaf: x @ leaf)),
    "index-list": ((lambda draw, shape: {"index": draw(st.lists(st.integers(0, shape[0] - 1), min_size=1,
                                                                max_size=3))} if shape else None),
                   (lambda T, x, p, leaf: x[p["index"]])),
    "where": ((lambda draw, shape: {}), (lambda T, x, p, leaf: T.where(x > 0, x, x * 0.1))),
}


def _reduce_params(draw, shape, need_dim=False):
    if not shape:
        return None if need_dim else {"dim": None, "keepdim": False}
    dim = draw(st.one_of(st.integers(-len(shape), len(shape) - 1),
                         st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True)
                         .map(tuple)))
    if not need_dim and draw(st.booleans()):
        dim = None
    # distinct offsets make max/min unambiguous (PyTorch and the engine share ties only in max(), not amax's order)
    tiebreak = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * 1e-3
    return {"dim": dim, "keepdim": draw(st.booleans()), "tiebreak": tiebreak}


def _shape_after(name, shape, params):
    """Apply the step to zeros of `shape` in numpy-backed engine without grad, to learn the next shape."""
    x = engine.zeros(shape, dtype=engine.float64)
    leaf = engine.zeros(params["leaf"], dtype=engine.float64) if "leaf" in params else None
    return tuple(STEPS[name][1](engine, x, params, leaf).shape)


@st.composite
def programs(draw):
    """A start shape and 3-8 steps, each valid for the shape it meets."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    start = array(draw, shape)
    steps = []
    while len(steps) < draw(st.integers(3, 8)):
        name = draw(st.sampled_from(sorted(STEPS)))
        params = STEPS[name][0](draw, shape)
        if params is None:
            continue
        leaf = array(draw, params["leaf"]) if "leaf" in params else None
        steps.append((name, params, leaf))
        shape = _shape_after(name, shape, params)
        if int(np.prod(shape)) > 200:  # keep the chain small
            break
    return start, steps


def _run(T, start, steps, dtype):
    leaves = [T.tensor(start, dtype=dtype, requires_grad=True)]
    x = leaves[0]
    for name, params, leaf_array in steps:
        leaf = None
        if leaf_array is not None:
            leaf = T.tensor(leaf_array, dtype=dtype, requires_grad=True)
            leaves.append(leaf)
        x = STEPS[name][1](T, x, params, leaf)
    return x, leaves


@SETTINGS
@given(programs(), st.sampled_from(["float64", "float32"]))
def test_random_op_chains_match_pytorch(program, dtype):
    start, steps = program
    out, leaves = {}, {}
    for T in (engine, torch):
        out[T], leaves[T] = _run(T, start, steps, getattr(T, dtype))
    tol = (1e-9, 1e-10) if dtype == "float64" else (1e-4, 1e-5)
    # (PyTorch's result of mixed layouts follows the first operand's strides, numpy's is C-ordered)
    assert_same(out[engine], out[torch], *tol, "output", layout="no-stricter")
    assert graph_signature(out[engine].grad_fn, 40) == graph_signature(out[torch].grad_fn, 40)
    weights = np.random.default_rng(0).standard_normal(tuple(out[torch].shape)).astype(dtype)
    for T in (engine, torch):
        (out[T] * T.from_numpy(weights)).sum().backward()
    for i, (e, t) in enumerate(zip(leaves[engine], leaves[torch])):
        if t.grad is None:
            assert e.grad is None, f"leaf {i}"
        else:
            assert_same(e.grad, t.grad, *tol, f"grad of leaf {i}", layout=False)


@SETTINGS
@given(st.data())
def test_random_broadcasting_binary_ops(data):
    """Any two broadcastable shapes (including 0-d and size-1 dims), every arithmetic operator."""
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3))
    other = broadcastable_shape(data.draw, shape)
    if data.draw(st.booleans()):
        shape, other = other, shape
    a, b = array(data.draw, shape), array(data.draw, other)
    op = data.draw(st.sampled_from(["+", "-", "*", "/", "max", "min", "pow", "where"]))
    results = {}
    for T in (engine, torch):
        x = T.tensor(a, requires_grad=True)
        y = T.tensor(b, requires_grad=True)
        z = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / (y * y + 1),
             "max": lambda: T.maximum(x, y), "min": lambda: T.minimum(x, y), "pow": lambda: x.abs() ** y,
             "where": lambda: T.where(x > y, x, y)}[op]()
        z.backward(T.ones_like(z))
        results[T] = (z, x.grad, y.grad)
    for i, (e, t) in enumerate(zip(results[engine], results[torch])):
        assert_same(e, t, 1e-5, 1e-5, layout=i == 0 and "no-stricter")  # gradients: torch's may be expanded


@SETTINGS
@given(st.data())
def test_random_reductions(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    a = np.random.default_rng(data.draw(st.integers(0, 2**16))).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                              unique_by=lambda d: d % len(shape)))
    keepdim = data.draw(st.booleans())
    op = data.draw(st.sampled_from(["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "norm"]))
    correction = data.draw(st.sampled_from([0, 1]))
    results = {}
    for T in (engine, torch):
        x = T.tensor(a, requires_grad=True)
        if op in ("var", "std"):
            if int(np.prod([shape[d] for d in dims])) <= correction:
                return
            y = getattr(x, op)(tuple(dims), correction=correction, keepdim=keepdim)
        elif op == "norm":
            y = x.norm(2, dim=tuple(dims), keepdim=keepdim)
        else:
            y = getattr(x, op)(tuple(dims), keepdim=keepdim)
        y.backward(T.ones_like(y))
        results[T] = (y, x.grad)
    for i, (e, t) in enumerate(zip(results[engine], results[torch])):
        assert_same(e, t, 1e-5, 1e-5, layout=i == 0)


@SETTINGS
@given(st.data())
def test_random_indexing(data):
    """Random mixes of ints, slices with steps, None, Ellipsis and integer lists: values, graph, gradient."""
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    index, dims_used, seen_ellipsis, advanced = [], 0, False, 0
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["int", "slice", "none", "ellipsis", "list"]))
        if kind == "none":
            index.append(None)
        elif kind == "ellipsis" and not seen_ellipsis:
            index.append(Ellipsis)
            seen_ellipsis = True
        elif dims_used < len(shape) and not seen_ellipsis:
            size = shape[dims_used]
            if kind == "int":
                index.append(data.draw(st.integers(-size, size - 1)))
            elif kind == "slice":
                index.append(slice(data.draw(st.one_of(st.none(), st.integers(-size, size))),
                                   data.draw(st.one_of(st.none(), st.integers(-size, size))),
                                   data.draw(st.one_of(st.none(), st.integers(1, 3)))))
            elif advanced < 2:  # at most two lists, broadcast together: same length
                index.append([data.draw(st.integers(-size, size - 1)) for _ in range(2)])
                advanced += 1
            dims_used += 1
    index = tuple(index)
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    results = {}
    for T in (engine, torch):
        x = T.tensor(a, requires_grad=True)
        y = x[index]
        y.backward(T.ones_like(y) * 2)
        results[T] = (y, x.grad, graph_signature(y.grad_fn, 10))
    assert results[engine][2] == results[torch][2]
    for i, (e, t) in enumerate(zip(results[engine][:2], results[torch][:2])):
        assert_same(e, t, 0, 0, layout=False)  # PyTorch keeps the input's strides through advanced indexing
