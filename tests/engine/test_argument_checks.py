"""Argument checks that differed from PyTorch's, found while comparing stale views' errors with torch: some let
bad arguments through silently (narrow past the end, split(0), gather and index_select of negative or too large
indices, outer of a matrix), some raised other words or types (expand, masked_fill's mask). Each case runs on the
engine and on torch: the same result, or the same error type and message."""
import re

import numpy as np
import pytest
import torch

import engine


def _outcome(T, fn):
    try:
        result = fn(T)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return repr(result.tolist()) if isinstance(result, T.Tensor) else repr(result)


CASES = {
    "narrow-past-the-end": lambda T: T.arange(10.).view(2, 5).narrow(0, 1, 9),
    "narrow-start-past-the-end": lambda T: T.arange(10.).view(2, 5).narrow(0, 3, 0),
    "narrow-start-before-the-start": lambda T: T.arange(10.).view(2, 5).narrow(0, -3, 1),
    "narrow-negative-start": lambda T: T.arange(10.).view(2, 5).narrow(1, -2, 2),
    "narrow-negative-length": lambda T: T.arange(10.).view(2, 5).narrow(1, 0, -1),
    "narrow-at-the-end": lambda T: T.arange(10.).view(2, 5).narrow(1, 5, 0),
    "narrow-tensor-start": lambda T: T.arange(10.).view(2, 5).narrow(1, T.tensor(1), 2),
    "split(0)": lambda T: T.ones(2, 5).split(0),
    "split(0)-of-nothing": lambda T: [t.shape for t in T.ones(0, 5).split(0)],
    "split(-1)": lambda T: T.ones(2, 5).split(-1),
    "gather-too-large": lambda T: T.arange(10.).view(2, 5).gather(0, T.tensor([[9]])),
    "gather-negative": lambda T: T.arange(10.).view(2, 5).gather(0, T.tensor([[-1]])),
    "gather-past-the-row": lambda T: T.arange(10.).view(2, 5).gather(1, T.tensor([[0, 7]])),
    "gather-fine": lambda T: T.arange(10.).view(2, 5).gather(1, T.tensor([[0, 4], [3, 1]])),
    "index_select-too-large": lambda T: T.arange(10.).view(2, 5).index_select(0, T.tensor([9])),
    "index_select-negative": lambda T: T.arange(10.).view(2, 5).index_select(1, T.tensor([-1])),
    "index_select-dim-1-too-large": lambda T: T.ones(2, 5, 3).index_select(1, T.tensor([0, 9, -1])),
    "index_select-dim-2-too-large": lambda T: T.ones(2, 5, 3).index_select(2, T.tensor([7])),
    "index_select-fine": lambda T: T.arange(10.).view(2, 5).index_select(1, T.tensor([4, 0])),
    "masked_fill-mask-that-does-not-broadcast": lambda T: T.ones(2, 5).masked_fill(T.ones(7, dtype=T.bool), 0.),
    "masked_fill-2d-mask-that-does-not-broadcast": lambda T: T.ones(2, 5).masked_fill(T.ones(3, 1, dtype=T.bool), 0.),
    "masked_fill-mask-with-more-dims": lambda T: T.ones(5).masked_fill(T.ones(2, 5, dtype=T.bool), 0.),
    # found comparing the torch.* function forms on stale views
    "scatter-index-with-fewer-dims": lambda T: T.ones(2, 5).scatter(0, T.tensor([9]), 1.0),
    "scatter-index-with-more-dims": lambda T: T.ones(5).scatter(0, T.tensor([[0]]), 1.0),
    "scatter_add-index-with-fewer-dims": lambda T: T.ones(2, 5).scatter_add(0, T.tensor([0]), T.ones(3)),
    "index_add-source-with-other-dims": lambda T: T.ones(5).index_add(0, T.tensor([9]), T.ones(1, 5)),
    "index_add-source-of-another-width": lambda T: T.ones(2, 5).index_add(0, T.tensor([1]), T.ones(1, 4)),
    "mv-of-a-matrix": lambda T: T.ones(3, 7).mv(T.ones(2, 5)),
    "mv-of-vectors": lambda T: T.mv(T.ones(3), T.ones(3)),
    "dot-of-a-matrix": lambda T: T.dot(T.ones(7), T.ones(2, 5)),
    "bmm-of-a-matrix": lambda T: T.bmm(T.ones(1, 3, 7), T.ones(2, 5)),
    "embedding-of-a-vector": lambda T: T.nn.functional.embedding(T.tensor([1]), T.ones(5)),
    "nll_loss-of-a-vector-and-3-targets": lambda T: T.nn.functional.nll_loss(T.ones(5), T.tensor([0, 0, 0])),
    "nll_loss-target-int": lambda T: T.nn.functional.nll_loss(T.ones(2, 5), 0),
    "cross_entropy-target-list": lambda T: T.nn.functional.cross_entropy(T.ones(2, 5), [0, 0]),
    "cosine_similarity-that-does-not-broadcast": lambda T: T.nn.functional.cosine_similarity(T.ones(2, 5), T.ones(7)),
    "kron-of-a-number": lambda T: T.kron(T.ones(2), 5),
    "kron-by-a-number": lambda T: T.kron(5, T.ones(2)),
    "tensordot-sizes": lambda T: T.tensordot(T.ones(2, 5), T.ones(7, 7), dims=1),
    "tensordot-sizes-listed": lambda T: T.tensordot(T.ones(2, 5), T.ones(7, 7), dims=([-1], [1])),
    "einsum-subscripts": lambda T: T.einsum("ij,jk->ik", T.ones(5), T.ones(7, 2)),
    "einsum-second-operand": lambda T: T.einsum("ij,jk->ik", T.ones(2, 5), T.ones(7)),
    "einsum-sizes": lambda T: T.einsum("ij,jk->ik", T.ones(2, 5), T.ones(7, 2)),
}


@pytest.mark.parametrize("case", CASES)
def test_argument_checks_as_torch(case):
    assert _outcome(engine, CASES[case]) == _outcome(torch, CASES[case])


def test_numpy_of_a_tensor_that_requires_grad_is_fine_under_no_grad_as_torch():
    for T in (engine, torch):
        x = T.ones(2, requires_grad=True)
        with T.no_grad():
            assert x.numpy().tolist() == [1., 1.]
        with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
            x.numpy()


@pytest.mark.parametrize("shapes", [((2, 5), (7,)), ((5,), (2, 3)), ((), (3,))])
def test_outer_takes_vectors_only_as_torch(shapes):
    a, b = shapes
    with pytest.raises(RuntimeError) as expected:
        torch.outer(torch.ones(a), torch.ones(b))
    with pytest.raises(RuntimeError) as got:
        engine.outer(engine.ones(a), engine.ones(b))
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("shapes", [((2, 5), (9, 9)), ((1, 3), (-1, 2, 4)), ((3,), (-1, 4)), ((2, 1), (2, -1, 3, 1)),
                                    ((2, 3), (4, -1)), ((2, 3), (-1, 2, -1))])
def test_expand_names_the_last_bad_dim_as_torch(shapes):
    """PyTorch checks the sizes from the last dim: with several bad ones, its error names the last."""
    shape, sizes = shapes
    with pytest.raises(RuntimeError) as expected:
        torch.ones(shape).expand(*sizes)
    with pytest.raises(RuntimeError) as got:
        engine.ones(shape).expand(*sizes)
    assert str(got.value) == str(expected.value)


# --- arguments of the wrong type: PyTorch's argument parser raises TypeError before any op runs -------------------
def _x(T):
    return T.arange(6.).reshape(2, 3)


WRONG_TYPES = {
    "sum('a')": lambda T: _x(T).sum("a"),
    "sum(dim='a')": lambda T: _x(T).sum(dim="a"),
    "sum(1.5)": lambda T: _x(T).sum(1.5),
    "sum([0.5, 1.0])": lambda T: _x(T).sum([0.5, 1.0]),
    "sum((0, 1.0))": lambda T: _x(T).sum((0, 1.0)),
    "sum([None])": lambda T: _x(T).sum([None]),
    "sum(True)": lambda T: _x(T).sum(True),
    "sum(tensor(1.))": lambda T: _x(T).sum(T.tensor(1.)),
    "mean('a')": lambda T: _x(T).mean("a"),
    "amax('a')": lambda T: _x(T).amax("a"),
    "amax(numpy.float64)": lambda T: _x(T).amax(np.float64(1.0)),
    "logsumexp([0.5])": lambda T: _x(T).logsumexp([0.5]),
    "var('a')": lambda T: _x(T).var("a"),
    "std(1.5)": lambda T: _x(T).std(1.5),
    "all('a')": lambda T: _x(T).all("a"),
    "softmax('a')": lambda T: _x(T).softmax("a"),
    "softmax(1.5)": lambda T: _x(T).softmax(1.5),
    "cumsum(1.5)": lambda T: _x(T).cumsum(1.5),
    "argmax(1.5)": lambda T: _x(T).argmax(1.5),
    "max(dim='a')": lambda T: _x(T).max(dim="a"),
    "transpose(1.5, 0)": lambda T: _x(T).transpose(1.5, 0),
    "unsqueeze(1.5)": lambda T: _x(T).unsqueeze(1.5),
    "flip(1.5)": lambda T: _x(T).flip(1.5),
    "squeeze('a')": lambda T: _x(T).squeeze("a"),
    "sum(dtype='float32')": lambda T: _x(T).sum(dtype="float32"),
    "mean(dtype='float32')": lambda T: _x(T).mean(dtype="float32"),
    "softmax(0, dtype='float32')": lambda T: _x(T).softmax(0, dtype="float32"),
    "zeros(2, dtype='float32')": lambda T: T.zeros(2, dtype="float32"),
    "tensor(dtype='float32')": lambda T: T.tensor([1.], dtype="float32"),
    "ones(2.5)": lambda T: T.ones(2.5),
    "zeros('a')": lambda T: T.zeros("a"),
    "zeros((2, 2.0))": lambda T: T.zeros((2, 2.0)),
    "ones(True)": lambda T: T.ones(True),
    "randn(2.0)": lambda T: T.randn(2.0),
    "repeat(2.0)": lambda T: _x(T).repeat(2.0),
    "torch.tanh(1.0)": lambda T: T.tanh(1.0),
    "torch.exp([1.])": lambda T: T.exp([1.]),
    "torch.sum([1.])": lambda T: T.sum([1.]),
    "torch.matmul(x, 2)": lambda T: T.matmul(_x(T), 2),
    "torch.mm(x, [1])": lambda T: T.mm(_x(T), [1]),
    # what PyTorch accepts as a dim or a size
    "sum(tensor(1))": lambda T: _x(T).sum(T.tensor(1)),
    "sum(numpy.int64(1))": lambda T: _x(T).sum(np.int64(1)),
    "sum((0, numpy.int64(1)))": lambda T: _x(T).sum((0, np.int64(1))),
    "cumsum(numpy.int64(1))": lambda T: _x(T).cumsum(np.int64(1)),
    "amax([])": lambda T: _x(T).amax([]),
    "zeros(numpy.int64(2))": lambda T: T.zeros(np.int64(2)),
    "zeros(torch.Size([2, 1]))": lambda T: T.zeros(T.Size([2, 1])),
    "amax(torch.Size([1]))": lambda T: _x(T).amax(T.Size([1])),
}
# where PyTorch's words are its own and short (one signature), the message too
SAME_WORDS = {"amax('a')", "amax(numpy.float64)", "logsumexp([0.5])", "softmax('a')", "softmax(1.5)", "cumsum(1.5)",
              "argmax(1.5)", "unsqueeze(1.5)", "zeros(2, dtype='float32')", "ones(2.5)",
              "zeros('a')", "ones(True)", "randn(2.0)", "torch.tanh(1.0)", "torch.exp([1.])", "torch.sum([1.])",
              "torch.matmul(x, 2)", "torch.mm(x, [1])"}


def _type_outcome(T, fn):
    try:
        result = fn(T)
    except Exception as error:
        return type(error).__name__, str(error)
    return "ok", repr(result.tolist()) if isinstance(result, T.Tensor) else repr(result)


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_wrong_argument_types_raise_torchs_error_type(case):
    got, expected = _type_outcome(engine, WRONG_TYPES[case]), _type_outcome(torch, WRONG_TYPES[case])
    assert got[0] == expected[0]
    if expected[0] == "ok":
        assert got[1] == expected[1]
    else:  # the engine names the argument and the type it was given, in PyTorch's words where those are short
        assert "argument" in got[1] and ("dim" in got[1] or "size" in got[1] or "dtype" in got[1] or "Tensor" in got[1])
        if case in SAME_WORDS:  # (PyTorch adds the argument's position where it was given by position)
            assert re.sub(r" \(position \d\)", "", got[1].split("): ")[-1]) == re.sub(r" \(position \d\)", "",
                                                                                      expected[1].split("): ")[-1])


@pytest.mark.parametrize("index", [0, slice(0, 1), (0, 0), (0,), (slice(None), 0), (None, slice(0, 1)), [0], "tensor"],
                         ids=str)
@pytest.mark.parametrize("write", [False, True])
def test_indexing_a_0d_tensor_says_what_pytorch_says(index, write):
    """PyTorch words the refusal by the index as written: an int, a slice, or more indices than dims."""
    def attempt(T):
        z, i = T.tensor(3.0), T.tensor([0]) if index == "tensor" else index
        with pytest.raises(IndexError) as raised:
            if write:
                z[i] = 1.0
            else:
                z[i]
        return str(raised.value)
    assert attempt(engine) == attempt(torch)


@pytest.mark.parametrize("make", ["expanded", "sliced transpose", "permuted", "contiguous"])
def test_a_dtype_copy_has_pytorchs_strides(make):
    """to(dtype) copies as PyTorch's preserve_format: the layout of a dense tensor is kept, any other becomes
    contiguous (the differential fuzz found an expanded tensor's copy laid out column-first, so view(-1) failed)."""
    def copy(T):
        x = T.arange(24.).reshape(2, 3, 4)
        x = {"expanded": x[0, 0].unsqueeze(0).expand(3, 4), "sliced transpose": x[0].t()[::2],
             "permuted": x.permute(2, 0, 1), "contiguous": x}[make]
        y = x.to(T.float64)
        return y.stride(), y.view(-1).tolist() if y.is_contiguous() else y.tolist()
    assert copy(engine) == copy(torch)
