"""In-place arithmetic that records no graph (an optimizer's or a lecture's `p.data += -lr * p.grad`) is written
straight into the tensor's memory: the result, the version counter, the base and every view, and the refusals
must stay PyTorch's. Each scenario runs on the engine and on torch."""
import warnings

import numpy as np
import pytest
import torch

import engine


def _same(e, t, what):
    assert tuple(e.shape) == tuple(t.shape), what
    assert str(e.dtype) == str(t.dtype), what
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy(), err_msg=what)
    assert e._version == t._version, f"{what}._version"


OPS = ["add_", "sub_", "mul_", "div_", "__iadd__", "__isub__", "__imul__", "__itruediv__"]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("operand", ["tensor", "float", "int", "float64 tensor", "broadcast row", "int tensor"])
def test_inplace_arithmetic_without_graph(op, operand):
    def scenario(T):
        base = T.arange(12.).reshape(3, 4) - 5
        view = base[1:]
        other = {"tensor": T.linspace(-2, 3, 8).reshape(2, 4), "float": 0.375, "int": 3,
                 "float64 tensor": T.linspace(-2, 3, 8, dtype=T.float64).reshape(2, 4),
                 "broadcast row": T.tensor([1., -2., 0.5, 4.]), "int tensor": T.arange(8).reshape(2, 4) + 1}[operand]
        result = getattr(view, op)(other)
        return {"base": base, "view": view, "result": result, "same": result is view}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = scenario(engine), scenario(torch)
    for name in ("base", "view", "result"):
        _same(e[name], t[name], name)
    assert e["same"] and t["same"]


@pytest.mark.parametrize("no_grad", [False, True])
def test_update_of_data_and_under_no_grad(no_grad):
    """The lecture's update through .data, and an optimizer's under no_grad, on a leaf that requires grad."""
    def scenario(T):
        w = T.linspace(-1, 1, 6).reshape(2, 3).requires_grad_()
        (w * w).sum().backward()
        if no_grad:
            with T.no_grad():
                w -= 0.1 * w.grad
        else:
            w.data += -0.1 * w.grad
        return w, w.grad
    (ew, eg), (tw, tg) = scenario(engine), scenario(torch)
    np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-6)
    assert ew.requires_grad and ew.grad_fn is None and tw.grad_fn is None
    np.testing.assert_allclose(eg.numpy(), tg.numpy())


def test_refusals_stay_pytorchs():
    """A leaf that requires grad, an expanded tensor and a partly overlapping operand are refused as PyTorch does."""
    for T in (engine, torch):
        w = T.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            w += 1
        e = T.zeros(1).expand(3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e += T.ones(3)
        x = T.arange(5.)
        with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to tensor"):
            x[1:].add_(x[:-1])


def test_int_tensor_keeps_pytorchs_result_type_error():
    for T in (engine, torch):
        x = T.arange(4)
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
            x += 0.5
