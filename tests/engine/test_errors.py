"""Errors a learner can search: the same exception type and message text as PyTorch (issue 2, item 8)."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import engine

ERRORS = {
    # matrix products
    "mm": lambda T: T.mm(T.ones(64, 576), T.ones(400, 120)),
    "matmul-2d": lambda T: T.ones(64, 576) @ T.ones(400, 120),
    "matmul-folded": lambda T: T.ones(2, 3, 4) @ T.ones(5, 6),
    "matmul-vector": lambda T: T.ones(2, 3) @ T.ones(4),
    "matmul-vector-left": lambda T: T.ones(4) @ T.ones(3, 2),
    "matmul-batched": lambda T: T.ones(2, 3, 4) @ T.ones(2, 5, 6),
    "matmul-batch-broadcast": lambda T: T.ones(2, 3, 4) @ T.ones(3, 4, 5),
    "matmul-0d": lambda T: T.ones(()) @ T.ones(3),
    "matmul-dtypes": lambda T: T.ones(2, 3) @ T.ones(3, 2, dtype=T.float64),
    "dot": lambda T: T.dot(T.ones(3), T.ones(4)),
    "dot-2d": lambda T: T.dot(T.ones(3, 1), T.ones(3)),
    "mv": lambda T: T.mv(T.ones(2, 3), T.ones(4)),
    "bmm-2d": lambda T: T.bmm(T.ones(2, 3), T.ones(2, 3, 4)),
    "bmm-sizes": lambda T: T.bmm(T.ones(2, 3, 4), T.ones(2, 5, 6)),
    "bmm-batches": lambda T: T.bmm(T.ones(2, 3, 4), T.ones(3, 4, 6)),
    "addmm": lambda T: T.addmm(T.ones(3), T.ones(2, 3), T.ones(2, 3)),
    # broadcasting
    "add": lambda T: T.ones(2, 3) + T.ones(2, 4),
    "mul-leading": lambda T: T.ones(4, 2, 3) * T.ones(5, 1, 3),
    "sub": lambda T: T.ones(3) - T.ones(4),
    "div": lambda T: T.ones(2, 3) / T.ones(3, 2),
    "pow": lambda T: T.ones(3) ** T.ones(2),
    "maximum": lambda T: T.maximum(T.ones(3), T.ones(2)),
    "where": lambda T: T.where(T.ones(3, dtype=T.bool), T.ones(2), T.ones(3)),
    "comparison": lambda T: T.ones(3) < T.ones(4),
    "in-place-broadcast": lambda T: T.ones(3).add_(T.ones(2, 3)),
    # views and shapes
    "view-non-contiguous": lambda T: T.ones(2, 3).t().view(6),
    "view-invalid": lambda T: T.ones(2, 3, 4).view(5, 5),
    "view-infer-invalid": lambda T: T.ones(2, 3).view(-1, 4),
    "view-two-minus-ones": lambda T: T.ones(2, 3).view(-1, -1),
    "reshape-invalid": lambda T: T.ones(6).reshape(4, 2),
    "view-negative": lambda T: T.ones(6).view(-2, 3),
    "expand": lambda T: T.ones(2, 3).expand(2, 4),
    "expand-fewer-dims": lambda T: T.ones(2, 3).expand(3),
    "expand-minus-one-new-dim": lambda T: T.ones(3).expand(-1, 3),
    "permute-count": lambda T: T.ones(2, 3).permute(0),
    "permute-duplicate": lambda T: T.ones(2, 3).permute(0, 0),
    "t-3d": lambda T: T.ones(2, 3, 4).t(),
    "flatten-order": lambda T: T.ones(2, 3, 4).flatten(2, 1),
    "repeat-fewer": lambda T: T.ones(2, 3).repeat(2),
    # dims out of range
    "sum-dim": lambda T: T.ones(2, 3).sum(2),
    "sum-negative-dim": lambda T: T.ones(2, 3).sum(-3),
    "mean-dim": lambda T: T.ones(2, 3).mean(dim=5),
    "softmax-dim": lambda T: T.ones(2, 3).softmax(2),
    "transpose-dim": lambda T: T.ones(2, 3).transpose(0, 2),
    "unsqueeze-dim": lambda T: T.ones(2, 3).unsqueeze(4),
    "squeeze-dim": lambda T: T.ones(2, 3).squeeze(3),
    "size-dim": lambda T: T.ones(2, 3).size(2),
    "cat-dim": lambda T: T.cat([T.ones(2, 3), T.ones(2, 3)], 2),
    "stack-dim": lambda T: T.stack([T.ones(2), T.ones(2)], 3),
    "max-dim": lambda T: T.ones(2, 3).max(2),
    "argmax-dim": lambda T: T.ones(2, 3).argmax(-3),
    "0d-dim": lambda T: T.ones(()).sum(1),
    "duplicate-dims": lambda T: T.ones(2, 3).sum((0, 0)),
    # indexing
    "index-int": lambda T: T.ones(3)[5],
    "index-negative": lambda T: T.ones(3, 2)[-4],
    "index-second-dim": lambda T: T.ones(2, 3)[0, 3],
    "index-list": lambda T: T.ones(3)[[0, 5]],
    "index-tensor": lambda T: T.ones(2, 3)[:, T.tensor([1, 3])],
    "index-too-many": lambda T: T.ones(2, 3)[0, 1, 2],
    "index-float-tensor": lambda T: T.ones(3)[T.tensor([1.0])],
    "index-none-first": lambda T: T.ones(3, 4)[None, 5],
    "index-after-ellipsis": lambda T: T.ones(3, 4, 5)[..., 7],
    "index-after-slice": lambda T: T.ones(3, 4)[1:, 9],
    "index-negative-list": lambda T: T.ones(3, 4)[[-5]],
    "index-second-list": lambda T: T.ones(3, 4, 5)[[0, 1], [1, 5]],
    "index-list-after-slices": lambda T: T.ones(3, 4, 5)[:, :, [7]],
    "index-mask-shape": lambda T: T.ones(3, 4, 5)[T.tensor([True, False])],
    "index-mask-second-dim": lambda T: T.ones(3, 4, 5)[:, T.tensor([True, False])],
    "index-mask-2d": lambda T: T.ones(3, 4, 5)[T.ones(3, 3, dtype=T.bool)],
    "setitem-list-out-of-bounds": lambda T: T.ones(3, 4).__setitem__((slice(None), [4]), 1.0),
    "setitem-out-of-bounds": lambda T: T.ones(3).__setitem__(3, 1.0),
    "gather-dtype": lambda T: T.ones(2, 3).gather(1, T.tensor([[0.0]])),
    "index-select-dtype": lambda T: T.ones(2, 3).index_select(1, T.tensor([0.0])),
    "select-0d": lambda T: T.ones(())[0],
    # joining and splitting
    "cat-sizes": lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)]),
    "cat-dims": lambda T: T.cat([T.ones(2, 3), T.ones(3)]),
    "cat-empty-list": lambda T: T.cat([]),
    "stack-sizes": lambda T: T.stack([T.ones(2, 3), T.ones(3, 2)]),
    "stack-empty": lambda T: T.stack([]),
    "split-sizes": lambda T: T.ones(5).split([2, 2]),
    # dtypes
    "mean-integer": lambda T: T.tensor([1, 2, 3]).mean(),
    "var-integer": lambda T: T.tensor([1, 2, 3]).var(),
    "std-integer": lambda T: T.tensor([1, 2, 3]).std(),
    "requires-grad-integer": lambda T: T.tensor([1, 2]).requires_grad_(),
    "requires-grad-integer-factory": lambda T: T.zeros(2, dtype=T.int64, requires_grad=True),
    "where-condition": lambda T: T.where(T.ones(3), T.ones(3), T.zeros(3)),
    "masked-fill-mask": lambda T: T.ones(3).masked_fill(T.ones(3), 0.0),
    "masked-fill-value": lambda T: T.ones(3).masked_fill(T.ones(3) > 0, T.ones(2)),
    "neg-bool": lambda T: -T.tensor([True, False]),
    "sub-bool": lambda T: T.tensor([True]) - T.tensor([False]),
    "int-negative-power": lambda T: T.tensor([2, 3]) ** -1,
    "in-place-cast": lambda T: T.tensor([1, 2]).add_(1.5),
    "bitwise-float": lambda T: T.ones(2) & T.ones(2),
    # conversions
    "item-many": lambda T: T.ones(2).item(),
    "bool-many": lambda T: bool(T.ones(2)),
    "numpy-requires-grad": lambda T: T.ones(2, requires_grad=True).numpy(),
    "len-0d": lambda T: len(T.ones(())),
    "iter-0d": lambda T: iter(T.ones(())),
    "index-non-integer": lambda T: [1, 2][T.tensor(1.0)],
    "tensor-strings": lambda T: T.tensor(["a"]),
    "zeros-negative": lambda T: T.zeros(2, -1),
    "clamp-none": lambda T: T.clamp(T.ones(2)),
    "arange-step-zero": lambda T: T.arange(0, 3, 0),
    "topk-too-many": lambda T: T.ones(3).topk(4),
    "default-dtype-int": lambda T: T.set_default_dtype(T.int64),
}


def _message(exc):
    return re.sub(r"0x[0-9a-f]+", "0x", str(exc))


def _kind(exc):
    return "RuntimeError" if isinstance(exc, RuntimeError) and not isinstance(exc, NotImplementedError) \
        else type(exc).__name__


@pytest.mark.parametrize("name", ERRORS)
def test_same_error_as_pytorch(name):
    raised = {}
    for T in (engine, torch):
        with pytest.raises(Exception) as info:
            ERRORS[name](T)
        raised[T] = info.value
    e, t = raised[engine], raised[torch]
    assert _kind(e) == _kind(t), f"engine {type(e).__name__}: {e}\ntorch {type(t).__name__}: {t}"
    assert _message(e) == _message(t)


def test_the_tutorial_error():
    """The message the issue quotes: a flattened LeNet feature map fed to a Linear of the wrong size."""
    with pytest.raises(RuntimeError) as info:
        engine.ones(64, 576) @ engine.ones(120, 400).t()
    assert str(info.value) == "mat1 and mat2 shapes cannot be multiplied (64x576 and 400x120)"


def test_errors_leave_no_half_made_graph():
    """A failed op records nothing: the inputs' graph is still usable."""
    x = engine.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError):
        y @ engine.ones(4, 2)
    y.sum().backward()
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_integer_division_by_zero():
    for T in (engine, torch):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            T.tensor([1, 2]) // T.tensor([1, 0])
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            T.tensor([1, 2]) % 0
        assert np.isinf((T.tensor([1.0]) / 0).item())  # floats divide by zero quietly


def test_ieee_results_come_without_numpy_warnings_as_in_pytorch():
    # In a fresh process: pytest drops warning filters that a module installs while being collected.
    code = """
import warnings
warnings.simplefilter("always", append=True)   # every warning that no earlier filter takes is shown
import numpy as np, torch, engine
for lib in (engine, torch):
    x = lib.tensor([-1.0, 0.0, 1000.0], requires_grad=True)
    y = lib.log(x) + x / 0 + lib.exp(x) + lib.sqrt(x)
    y.sum().backward()
    print(y.detach().tolist(), x.grad.tolist())
np.log(np.array([-1.0]))                       # the user's own numpy still warns
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(engine.__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[nan, nan, inf] [nan, inf, inf]\n" * 2   # the same values from both
    warned = [line for line in done.stderr.splitlines() if "Warning" in line]
    assert len(warned) == 1 and warned[0].startswith("<string>:"), done.stderr    # the user's line only
    assert warned[0].endswith("RuntimeWarning: invalid value encountered in log")
