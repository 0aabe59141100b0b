"""The engine's own op tests (tests/engine/test_tensor_ops.py), re-run on the webgpu device.

Those tests compare every op with PyTorch through tests/engine/oracle.py. Here the fixture below
builds each engine input on webgpu instead (same values, same non-contiguous layouts), so every
op's forward values, graph names and input gradients on webgpu are checked against PyTorch.
float32 only: the GPU has no float64 (a check that asks for float64 alone is skipped).
"""
import numpy as np
import pytest
import torch

import engine
from tests.engine import oracle
from tests.engine import test_tensor_ops
from tests.engine.test_tensor_ops import *  # noqa: F401,F403  (collect the same tests here)

# Checks that cannot mean the same on webgpu: the test builds a CPU tensor next to the webgpu
# leaves (a device mismatch in PyTorch too), or asks for a dtype the GPU refuses by design.
NOT_APPLICABLE = {
    "test_where_promotion": "builds a CPU tensor (T.tensor) beside webgpu leaves",
    "test_conversions[to-device]": "moves the leaf to the CPU, so the graph gains a ToCopyBackward0",
    "test_conversions[cpu]": "moves the leaf to the CPU, so the graph gains a ToCopyBackward0",
    "test_sum_dtype": "asks for a float64 sum: no float64 on webgpu",
    **{f"test_conversions[{name}]": "float64/float16: refused on webgpu (TypeError, as PyTorch's MPS)"
       for name in ("to-float64", "to-dtype-kw", "to-device-dtype", "to-other", "float", "double",
                    "half", "type")},
    "test_conversions_from_integers": "converts to float64: refused on webgpu",
}

_original = {"check": oracle.check, "assert_same": oracle.assert_same, "grads": oracle._check_grads}


def _contiguous_on_webgpu(T, a):
    t = T.from_numpy(np.ascontiguousarray(a)).clone()
    return t.to("webgpu") if T is engine else t


def _assert_same_on_host(e, t, rtol, atol, what="output", layout=True):
    if isinstance(e, engine.Tensor) and e.device.type == "webgpu":
        if layout and isinstance(t, torch.Tensor):  # the layout of the webgpu result itself
            assert e.is_contiguous() == t.is_contiguous(), f"{what}: is_contiguous() {e.is_contiguous()}"
        e, layout = e.cpu(), False
    return _original["assert_same"](e, t, rtol, atol, what, layout)


def _grads_from_host_loss(e_out, t_out, *args):
    # The oracle weights outputs with CPU tensors; .cpu() is differentiable, so the gradients
    # still flow back to the webgpu leaves.
    e_out = [e.cpu() if isinstance(e, engine.Tensor) else e for e in e_out]
    return _original["grads"](e_out, t_out, *args)


def _check_float32(fn, *arrays, dtypes=("float64", "float32"), **kwargs):
    dtypes = tuple(d for d in dtypes if d != "float64")
    if not dtypes:
        pytest.skip("float64 only: the webgpu device has no float64")
    return _original["check"](fn, *arrays, dtypes=dtypes, **kwargs)


@pytest.fixture(autouse=True)
def engine_inputs_on_webgpu(B, monkeypatch, request):
    name = request.node.name
    if name in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[name])
    monkeypatch.setattr(oracle, "_contiguous", _contiguous_on_webgpu)
    monkeypatch.setattr(oracle.CONTIGUOUS, "build", _contiguous_on_webgpu)
    monkeypatch.setattr(oracle, "assert_same", _assert_same_on_host)
    monkeypatch.setattr(oracle, "_check_grads", _grads_from_host_loss)
    monkeypatch.setattr(test_tensor_ops, "assert_same", _assert_same_on_host)
    monkeypatch.setattr(test_tensor_ops, "check", _check_float32)
