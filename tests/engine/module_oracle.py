"""Run the same nn code on the engine and on real PyTorch with identical weights, and compare.

    compare(lambda nn: nn.Conv2d(3, 4, 3, stride=2), randn(2, 3, 8, 8))

builds the module in both libraries, copies torch's state_dict into the engine's, runs
forward on the same inputs, backward with the same upstream gradient, and asserts that the
outputs, their graph node names, the input gradients, the parameter gradients and the
buffers (running statistics) agree.
"""
import numpy as np
import torch

import engine

TOL = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-5)}
_rng = np.random.default_rng(2024)


def randn(*shape):
    return _rng.standard_normal(shape)


def rand(*shape, low=0.0, high=1.0):
    return _rng.uniform(low, high, shape)


def randint(low, high, *shape):
    return _rng.integers(low, high, shape).astype(np.int64)


def to_engine(t):
    """An engine tensor holding a copy of a torch tensor's values."""
    return engine.tensor(t.detach().numpy())


def copy_state(src_torch, dst_engine):
    dst_engine.load_state_dict({k: to_engine(v) for k, v in src_torch.state_dict().items()})


def leaf(lib, a, dtype, requires_grad=True):
    t = lib.tensor(a.astype(dtype) if a.dtype.kind == "f" else a)
    if requires_grad and a.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def assert_close(ours, theirs, dtype="float64", what=""):
    rtol, atol = TOL[dtype]
    a = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    b = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch's {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != torch's {b.dtype}"
    if dtype == "float32" and b.size:
        # float32 sums of many terms (a conv weight's gradient adds thousands) round differently in
        # each library: an entry that nearly cancels is off by rounding at the scale of the largest.
        atol *= max(1.0, float(np.abs(b[np.isfinite(b)]).max(initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def node_name(t):
    if t.grad_fn is None:
        return None
    return t.grad_fn.name().replace("torch::autograd::", "")


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _grad_flags(grad, n):
    return list(grad) if isinstance(grad, (list, tuple)) else [grad] * n


def compare(make, *inputs, dtype="float64", train=True, grad=True, check_names=True, forward=None):
    """make(nn) -> module; inputs are numpy arrays (float ones become leaves that require grad, unless
    grad is False or a list of flags). forward(module, *tensors) -> output, when calling the module
    directly is not enough."""
    torch.manual_seed(0)
    tm = make(torch.nn)
    em = make(engine.nn)
    copy_state(tm, em)
    if dtype == "float64":
        tm, em = tm.double(), em.double()
    tm.train(train)
    em.train(train)
    flags = _grad_flags(grad, len(inputs))
    tx = [leaf(torch, a, dtype, g) for a, g in zip(inputs, flags)]
    ex = [leaf(engine, a, dtype, g) for a, g in zip(inputs, flags)]
    call = forward or (lambda m, *xs: m(*xs))
    t_out, e_out = _outputs(call(tm, *tx)), _outputs(call(em, *ex))
    assert len(t_out) == len(e_out)
    for i, (e, t) in enumerate(zip(e_out, t_out)):
        assert_close(e, t, dtype, f"output {i}")
        if check_names:
            assert node_name(e) == node_name(t), f"output {i} node: {node_name(e)} != torch's {node_name(t)}"
    for name, tb in tm.named_buffers():
        assert_close(dict(em.named_buffers())[name], tb, dtype if tb.dtype.is_floating_point else "float64",
                     f"buffer {name}")
    differentiable = [(e, t) for e, t in zip(e_out, t_out) if t.requires_grad]
    if not differentiable:
        return em, tm
    upstream = [randn(*t.shape) for _, t in differentiable]
    torch.autograd.backward([t for _, t in differentiable],
                            [torch.tensor(u.astype(dtype)) for u in upstream])
    engine.autograd.backward([e for e, _ in differentiable], [engine.tensor(u.astype(dtype)) for u in upstream])
    for i, (e, t) in enumerate(zip(ex, tx)):
        if t.grad is not None or e.grad is not None:
            assert e.grad is not None and t.grad is not None, f"input {i} grad presence differs"
            assert_close(e.grad, t.grad, dtype, f"input {i} grad")
    e_params = dict(em.named_parameters())
    for name, tp in tm.named_parameters():
        ep = e_params[name]
        assert (ep.grad is None) == (tp.grad is None), f"{name}.grad presence differs"
        if tp.grad is not None:
            assert_close(ep.grad, tp.grad, dtype, f"{name}.grad")
    return em, tm


def compare_fn(fn, *inputs, dtype="float64", grad=True, check_names=True, kwargs=None):
    """fn(lib, *tensors) -> output(s) on both libraries: values, node names and input gradients."""
    kwargs = kwargs or {}
    flags = _grad_flags(grad, len(inputs))
    tx = [leaf(torch, a, dtype, g) for a, g in zip(inputs, flags)]
    ex = [leaf(engine, a, dtype, g) for a, g in zip(inputs, flags)]
    t_out, e_out = _outputs(fn(torch, *tx, **kwargs)), _outputs(fn(engine, *ex, **kwargs))
    for i, (e, t) in enumerate(zip(e_out, t_out)):
        assert_close(e, t, dtype if t.dtype.is_floating_point else "float64", f"output {i}")
        if check_names:
            assert node_name(e) == node_name(t), f"output {i} node: {node_name(e)} != torch's {node_name(t)}"
    differentiable = [(e, t) for e, t in zip(e_out, t_out) if t.requires_grad]
    if not differentiable:
        return e_out, t_out
    upstream = [randn(*t.shape) for _, t in differentiable]
    torch.autograd.backward([t for _, t in differentiable], [torch.tensor(u.astype(dtype)) for u in upstream])
    engine.autograd.backward([e for e, _ in differentiable], [engine.tensor(u.astype(dtype)) for u in upstream])
    for i, (e, t) in enumerate(zip(ex, tx)):
        if t.grad is not None or e.grad is not None:
            assert e.grad is not None and t.grad is not None, f"input {i} grad presence differs"
            assert_close(e.grad, t.grad, dtype, f"input {i} grad")
    return e_out, t_out
