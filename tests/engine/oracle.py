"""Run the same code on the engine and on real PyTorch, and compare what comes out.

A test writes its op once, as a function of the library and its tensors:

    check(lambda T, x, y: T.add(x, y), randn(2, 3), randn(3))

`check` builds each numpy input as a leaf tensor in both libraries (floating inputs
require grad), runs the function, and asserts that every output has torch's dtype,
shape and values, that the graph node names agree, and that after backward every
input's gradient equals torch's.
"""
import numpy as np
import torch

import engine

LIBS = (engine, torch)
TOLERANCE = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-5), "float16": (1e-3, 1e-3)}  # (rtol, atol)

_rng = np.random.default_rng(1234)


def randn(*shape, rng=None):
    return (rng or _rng).standard_normal(shape)


def rand(*shape, low=0.0, high=1.0, rng=None):
    return (rng or _rng).uniform(low, high, shape)


def randint(low, high, *shape, rng=None):
    return (rng or _rng).integers(low, high, shape).astype(np.int64)


def distinct(*shape, rng=None):
    """Values with no ties and gaps of at least 0.1: max/min/sort gradients are unambiguous."""
    n = int(np.prod(shape))
    return ((rng or _rng).permutation(n) * 0.1 - n * 0.05).reshape(shape)


class Layout:
    """How a leaf is laid out in memory: the same values, built as a view with other strides."""

    def __init__(self, name, build):
        self.name, self.build = name, build

    def __repr__(self):
        return self.name


def _contiguous(T, a):
    return T.from_numpy(np.ascontiguousarray(a)).clone()


def _transposed(T, a):
    # the values of `a`, held as the transpose of a contiguous tensor of the swapped shape
    return _contiguous(T, np.swapaxes(a, -1, -2)).transpose(-1, -2)


def _stepped(T, a):
    # every other element of a twice-as-large tensor along each dim
    big = np.zeros(tuple(2 * s for s in a.shape), a.dtype)
    big[tuple(slice(None, None, 2) for _ in a.shape)] = a
    return _contiguous(T, big)[tuple(slice(None, None, 2) for _ in a.shape)]


CONTIGUOUS = Layout("contiguous", _contiguous)
TRANSPOSED = Layout("transposed", _transposed)
STEPPED = Layout("stepped", _stepped)


def leaf(T, array, dtype, requires_grad, layout=CONTIGUOUS):
    """The numpy array as a leaf tensor of library T (floating arrays take `dtype`)."""
    a = np.asarray(array)
    if a.dtype.kind == "f":
        a = a.astype(getattr(np, dtype))
    t = layout.build(T, a).detach()
    if requires_grad and a.dtype.kind == "f":
        t.requires_grad_()
    return t


def dtype_name(d):
    return str(d).removeprefix("torch.")


def _flatten(out):
    """Outputs as a list of tensors and plain values (named tuples and lists unpacked)."""
    if isinstance(out, (tuple, list)):
        items = []
        for o in out:
            items += _flatten(o)
        return items
    return [out]


def assert_same(e, t, rtol, atol, what="output", layout=True):
    """One engine result against torch's: type, dtype, shape, values and contiguity (layout=True: the same;
    "no-stricter": contiguous wherever torch's is, so every .view() that works in PyTorch works here)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, engine.Tensor), f"{what}: expected a Tensor, got {type(e).__name__}"
        assert dtype_name(e.dtype) == dtype_name(t.dtype), f"{what}: dtype {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        # the layout decides whether .view() works and whether .contiguous() records a copy
        if layout == "no-stricter":
            assert e.is_contiguous() or not t.is_contiguous(), f"{what}: not contiguous, torch's is"
        elif layout:
            assert e.is_contiguous() == t.is_contiguous(), f"{what}: is_contiguous() {e.is_contiguous()}"
        expected = t.detach().numpy()
        actual = np.asarray(e.detach().numpy())
        assert actual.dtype == expected.dtype, f"{what}: numpy dtype {actual.dtype} != {expected.dtype}"
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(actual, expected, err_msg=what)
    elif isinstance(t, torch.Size):
        assert tuple(e) == tuple(t), what
    elif isinstance(t, float):
        assert isinstance(e, float), f"{what}: {type(e).__name__} != float"
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, err_msg=what)
    else:
        assert type(e) is type(t) and e == t, f"{what}: {e!r} != {t!r}"


def graph_signature(fn, depth=3):
    """A node's name and, `depth` levels down, its next_functions (None for inputs without gradient)."""
    if fn is None:
        return None
    name = type(fn).__name__
    if depth == 0 or name == "AccumulateGrad":
        return name
    return (name, tuple((graph_signature(n, depth - 1), nr) for n, nr in fn.next_functions))


def check(fn, *arrays, dtypes=("float64", "float32"), grad=True, layouts=None, names=True, depth=1,
          rtol=None, atol=None, seed=0, contiguity=True):
    """Compare fn(engine, *leaves) with fn(torch, *leaves): values, dtypes, graph names, gradients.

    arrays: numpy arrays (floating ones become `dtype` leaves that require grad when `grad`),
    or anything else (passed as it is: Python scalars, dims, dtypes).
    layouts: one Layout per array (default contiguous).
    names: compare each output's grad_fn name and its next_functions `depth` levels down.
    contiguity: compare is_contiguous() of the outputs (off where the engine is contiguous and PyTorch keeps
    a strided layout, which only makes the engine more permissive).
    """
    layouts = layouts or [CONTIGUOUS] * len(arrays)
    for dtype in dtypes:
        leaves, outs = {}, {}
        for T in LIBS:
            leaves[T] = [leaf(T, x, dtype, grad, lay) if isinstance(x, (np.ndarray, np.generic)) else x
                         for x, lay in zip(arrays, layouts)]
            outs[T] = fn(T, *leaves[T])
        e_out, t_out = _flatten(outs[engine]), _flatten(outs[torch])
        assert len(e_out) == len(t_out), f"{len(e_out)} outputs, torch has {len(t_out)}"
        for i, (e, t) in enumerate(zip(e_out, t_out)):
            r, a = _tolerance(t, dtype, rtol, atol)
            assert_same(e, t, r, a, f"[{dtype}] output {i}", layout=contiguity)
            if isinstance(t, torch.Tensor):
                assert e.requires_grad == t.requires_grad, f"[{dtype}] output {i}: requires_grad"
                if names:
                    ours, theirs = graph_signature(e.grad_fn, depth), graph_signature(t.grad_fn, depth)
                    assert ours == theirs, f"[{dtype}] output {i} graph: {ours} != {theirs}"
        if grad:
            _check_grads(e_out, t_out, leaves, dtype, rtol, atol, seed)


def _tolerance(t, dtype, rtol, atol):
    """(rtol, atol) for a torch result: by its own dtype when floating, else by the inputs' dtype."""
    if isinstance(t, torch.Tensor) and t.is_floating_point():
        dtype = dtype_name(t.dtype)
    r, a = TOLERANCE[dtype]
    return rtol or r, atol or a


def _check_grads(e_out, t_out, leaves, dtype, rtol, atol, seed):
    """Backward from the sum of every differentiable output times fixed random weights."""
    rng = np.random.default_rng(seed)
    losses = {engine: [], torch: []}
    for e, t in zip(e_out, t_out):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            w = rng.standard_normal(tuple(t.shape)).astype(dtype_name(t.dtype))
            losses[torch].append((t * torch.from_numpy(w)).sum())
            losses[engine].append((e * engine.from_numpy(w)).sum())
    if not losses[torch]:
        return
    for T in LIBS:
        total = losses[T][0]
        for other in losses[T][1:]:
            total = total + other
        total.backward()
    for i, (e, t) in enumerate(zip(leaves[engine], leaves[torch])):
        if isinstance(t, torch.Tensor):
            if t.grad is None:
                assert e.grad is None, f"[{dtype}] input {i}: gradient where torch has none"
            else:
                assert e.grad is not None, f"[{dtype}] input {i}: no gradient"
                # (PyTorch gives a strided leaf a gradient of the same strides; the engine's is contiguous)
                assert_same(e.grad, t.grad, *_tolerance(t.grad, dtype, rtol, atol), f"[{dtype}] grad of input {i}",
                            layout=False)


def raises_like(fn, *arrays, dtype="float32", grad=False):
    """Run fn in both libraries; both must raise, the same exception type and message."""
    caught = {}
    for T in LIBS:
        args = [leaf(T, x, dtype, grad) if isinstance(x, (np.ndarray, np.generic)) else x for x in arrays]
        try:
            fn(T, *args)
        except Exception as exc:  # noqa: BLE001 - the point is to compare whatever each raises
            caught[T] = exc
        else:
            caught[T] = None
    t_exc, e_exc = caught[torch], caught[engine]
    assert t_exc is not None, "torch raised nothing"
    assert e_exc is not None, f"engine raised nothing; torch raised {type(t_exc).__name__}: {t_exc}"
    assert _kind(e_exc) == _kind(t_exc), f"{type(e_exc).__name__} != {type(t_exc).__name__}: {e_exc}"
    assert _message(e_exc) == _message(t_exc)


def _kind(exc):
    return "RuntimeError" if isinstance(exc, RuntimeError) else type(exc).__name__


def _message(exc):
    import re
    msg = str(exc)
    return re.sub(r"0x[0-9a-f]+", "0x...", msg)


def outcome(fn, lib):
    """What `fn(lib)` raised, as (type name, message), or None: to compare the engine's errors with torch's
    (warnings on the way are not what is compared)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(lib)
        except Exception as e:  # noqa: BLE001 - the type and message are what is compared
            return type(e).__name__, str(e)
    return None
