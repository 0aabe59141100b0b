"""torch.* functions PyTorch composes of other ops (engine/ops/composite.py), the in-place function forms and the
torch.* spellings of torch.nn.functional's ops, each run on the engine and on torch from the same numbers: values,
dtypes, shapes, the gradients of every input that requires grad, and the error type and words where one raises."""
import numpy as np
import pytest
import torch

import engine

A = np.array([[1.5, -2.0, np.nan], [0.0, 3.0, -np.inf]], dtype=np.float32)
B = np.array([[1.5, np.nan, 2.0], [-1.0, 4.0, 1.0]], dtype=np.float32)
M = np.arange(9, dtype=np.float32).reshape(3, 3) / 4
V = np.array([1.0, -2.0, 0.5], dtype=np.float32)

CASES = {
    "fmax": (lambda T, a, b: T.fmax(a, b), A, B),
    "fmin": (lambda T, a, b: T.fmin(a, b), A, B),
    "x.fmax(y)": (lambda T, a, b: a.fmax(b), B, A),
    "logaddexp2": (lambda T, a, b: T.logaddexp2(a, b), M, M.T.copy()),
    "fix": (lambda T, a: T.fix(a * 3), M),
    "x.fix_()": (lambda T, a: (a * 3).fix_(), M),
    "positive": (lambda T, a: T.positive(a) * 2, M),
    "isneginf": (lambda T, a: T.isneginf(a), A),
    "isposinf": (lambda T, a: T.isposinf(-a), A),
    "isreal": (lambda T, a: T.isreal(a), A),
    "atleast_1d": (lambda T, a: T.atleast_1d(a.sum()), M),
    "atleast_2d": (lambda T, a, b: T.atleast_2d(a, b.sum()), V, M),
    "atleast_3d": (lambda T, a, b: T.atleast_3d([a, b, a.sum()]), V, M),
    "dstack": (lambda T, a, b: T.dstack([a, b * 2]), M, M),
    "row_stack": (lambda T, a, b: T.row_stack([a, b]), V, V),
    "column_stack": (lambda T, a, b: T.column_stack([a, b]), V, M),
    "tensor_split-4": (lambda T, a: T.tensor_split(a, 2, dim=1), M),
    "tensor_split-indices": (lambda T, a: a.tensor_split([1, 5], 0), M),
    "tensor_split-2-of-7": (lambda T, a: T.tensor_split(T.cat([a.reshape(-1)[:7]]), 3), M),
    "hsplit": (lambda T, a: T.hsplit(a, [1]), M),
    "vsplit": (lambda T, a: a.vsplit(3), M),
    "vsplit-uneven": (lambda T, a: T.vsplit(a, 2), M),
    "dsplit-of-a-matrix": (lambda T, a: T.dsplit(a, 1), M),
    "msort": (lambda T, a: T.msort(a - a.T), M),
    "vdot": (lambda T, a, b: T.vdot(a, b), V, V[::-1].copy()),
    "chain_matmul": (lambda T, a, b: T.chain_matmul(a, b, a), M, M.T.copy()),
    "addmv": (lambda T, a, b, c: T.addmv(a, b, c, beta=0.5, alpha=2), V, M, V),
    "addr": (lambda T, a, b, c: a.addr(b, c, alpha=3), M, V, V),
    "addr-beta-0-ignores-nan": (lambda T, a, b: T.addr(a * np.nan, b, b, beta=0), M, V),
    "matrix_power-3": (lambda T, a: T.matrix_power(a, 3), M),
    "matrix_power-0": (lambda T, a: a.matrix_power(0), M),
    "matrix_power-of-a-row": (lambda T, a: T.matrix_power(a[:2], 2), M),
    "diagflat": (lambda T, a: T.diagflat(a, 1), V),
    "block_diag": (lambda T, a, b: T.block_diag(a, b, a.sum()), M, V),
    "cartesian_prod": (lambda T, a, b: T.cartesian_prod(a, b[:2]), V, V),
    "aminmax": (lambda T, a: T.aminmax(a), M),
    "x.aminmax(dim=1)": (lambda T, a: a.aminmax(dim=1, keepdim=True), M),
    "trapezoid": (lambda T, a: T.trapezoid(a), M),
    "trapezoid-dx": (lambda T, a: T.trapezoid(a, dx=0.5, dim=0), M),
    "trapezoid-x": (lambda T, a, b: T.trapezoid(a, b), M, V),
    "trapz": (lambda T, a: T.trapz(a, dim=0), M),
    "torch.zero_": (lambda T, a: T.zero_(a * 1), M),
    "torch.fill_": (lambda T, a: T.fill_(a * 1, 2.5), M),
    "torch.clip_": (lambda T, a: T.clip_(a * 1, 0.5, 1), M),
    "x.log10_()": (lambda T, a: (a + 1).log10_(), M),
    "torch.rsqrt_": (lambda T, a: T.rsqrt_(a + 1), M),
    "x.frac_()": (lambda T, a: (a * 3).frac_(), M),
    "x.negative_()": (lambda T, a: (a * 1).negative_(), M),
    "torch.arccos_": (lambda T, a: T.arccos_(a / 3), M),
    "torch.conv1d": (lambda T, a, b: T.conv1d(a.reshape(1, 1, 9), b.reshape(1, 1, 3)), M, V),
    "torch.max_pool1d": (lambda T, a: T.max_pool1d(a.reshape(1, 3, 3), 2), M),
    "torch.layer_norm": (lambda T, a: T.layer_norm(a, (3,)), M),
    "torch.cosine_similarity": (lambda T, a, b: T.cosine_similarity(a, b), M, M.T.copy()),
    "torch.selu": (lambda T, a: T.selu(a - 1), M),
    "torch.dropout-not-training": (lambda T, a: T.dropout(a, 0.5, False), M),
    "F.threshold_": (lambda T, a: T.nn.functional.threshold_(a * 1, 1.0, -5.0), M),
    "F.elu_": (lambda T, a: T.nn.functional.elu_(a - 1, 0.5), M),
    "F.hardtanh_": (lambda T, a: T.nn.functional.hardtanh_(a - 1, -0.5, 0.25), M),
    "F.leaky_relu_": (lambda T, a: T.nn.functional.leaky_relu_(a - 1, 0.2), M),
    "F.rrelu_-not-training": (lambda T, a: T.nn.functional.rrelu_(a - 1), M),
    "torch.pixel_shuffle": (lambda T, a: T.pixel_shuffle(a.reshape(1, 9, 1, 1)[:, :4], 2), M),
}


def _run(T, case):
    fn, *arrays = CASES[case]
    inputs = [T.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    try:
        out = fn(T, *inputs)
    except Exception as error:
        return f"{type(error).__name__}: {error}", None
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    seen = [(o.tolist(), str(o.dtype).split(".")[-1], tuple(o.shape)) for o in outs]
    floating = [o for o in outs if o.dtype.is_floating_point and o.requires_grad]
    grads = None
    if floating:
        total = sum((o * T.arange(1., o.numel() + 1).reshape(o.shape)).nan_to_num(0., 0., 0.).sum() for o in floating)
        total.backward()
        grads = [None if i.grad is None else np.nan_to_num(i.grad.numpy(), nan=7.0).tolist() for i in inputs]
    return seen, grads


def _close(a, b):
    return np.allclose(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64), rtol=1e-5, atol=1e-6,
                       equal_nan=True)


@pytest.mark.parametrize("case", CASES)
def test_composite_as_torch(case):
    got, expected = _run(engine, case), _run(torch, case)
    if isinstance(expected[0], str) or isinstance(got[0], str):
        assert got[0] == expected[0]
        return
    assert len(got[0]) == len(expected[0])
    for (g_values, g_dtype, g_shape), (e_values, e_dtype, e_shape) in zip(got[0], expected[0]):
        assert (g_dtype, g_shape) == (e_dtype, e_shape)
        assert _close(g_values, e_values)
    assert (got[1] is None) == (expected[1] is None)
    for g, e in zip(got[1] or (), expected[1] or ()):
        assert (g is None) == (e is None) and (g is None or _close(g, e))


@pytest.mark.parametrize("case", ["is_complex", "is_nonzero", "is_same_size", "is_signed", "is_inference", "is_conj",
                                  "is_neg", "promote_types", "can_cast", "scalar_tensor", "is_nonzero-of-two"])
def test_predicates_and_dtype_questions_as_torch(case):
    def run(T):
        x = T.tensor([2.5])
        calls = {
            "is_complex": lambda: (T.is_complex(x), x.is_complex()),
            "is_nonzero": lambda: (T.is_nonzero(x), T.tensor([0]).is_nonzero()),
            "is_nonzero-of-two": lambda: T.is_nonzero(T.ones(2)),
            "is_same_size": lambda: (T.is_same_size(x, x), x.is_same_size(T.ones(2))),
            "is_signed": lambda: (T.is_signed(x), T.tensor([1], dtype=T.uint8).is_signed(),
                                  T.tensor([True]).is_signed(), T.tensor([1]).is_signed()),
            "is_inference": lambda: (T.is_inference(x), x.is_inference()),
            "is_conj": lambda: (T.is_conj(x), x.is_neg(), T.is_neg(x)),
            "is_neg": lambda: x.is_neg(),
            "promote_types": lambda: [str(T.promote_types(a, b)) for a, b in
                                      [(T.int32, T.float32), (T.uint8, T.int8), (T.bool, T.int64), (T.float16, T.int64),
                                       (T.float64, T.float32)]],
            "can_cast": lambda: [T.can_cast(a, b) for a, b in [(T.float32, T.int32), (T.int64, T.float32),
                                                             (T.bool, T.uint8), (T.int32, T.bool),
                                                             (T.float64, T.float16)]],
            "scalar_tensor": lambda: [(t.tolist(), str(t.dtype), t.shape) for t in
                                      (T.scalar_tensor(3), T.scalar_tensor(2.5, dtype=T.float64))],
        }
        try:
            return repr(calls[case]())
        except Exception as error:
            return f"{type(error).__name__}: {error}"
    assert run(engine) == run(torch)
