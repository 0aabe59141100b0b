"""format_tensor must print exactly what PyTorch's repr prints for the same tensor."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine._tensor_str import format_tensor, get_printoptions, set_printoptions

DTYPES = [
    torch.float32, torch.float64, torch.float16,
    torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool,
]
FLOAT_DTYPES = [torch.float32, torch.float64, torch.float16]


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def engine_repr(t: torch.Tensor, **extra) -> str:
    """Our text for the torch tensor `t`, given what the engine's Tensor knows about itself."""
    return format_tensor(
        t.detach().numpy(),
        dtype_name=dtype_name(t.dtype),
        default_dtype_name=dtype_name(torch.get_default_dtype()),
        requires_grad=t.requires_grad,
        grad_fn_name=None if t.grad_fn is None else type(t.grad_fn).__name__,
        device="cpu",
        **extra,
    )


def set_both(**options):
    torch.set_printoptions(**options)
    set_printoptions(**options)


@pytest.fixture(autouse=True)
def default_options():
    set_both(profile="default")
    yield
    set_both(profile="default")
    torch.set_default_dtype(torch.float32)


def tutorial_tensors():
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    return x, y, z, out, x.grad


def grad_fn_tensor(values, dtype=torch.float32):
    leaf = torch.tensor(values, dtype=dtype, requires_grad=True)
    return leaf * 2


CASES = {
    # The tutorial
    "leaf requires grad": lambda: tutorial_tensors()[0],
    "AddBackward0": lambda: tutorial_tensors()[1],
    "MulBackward0": lambda: tutorial_tensors()[2],
    "MeanBackward0 0-d": lambda: tutorial_tensors()[3],
    "gradient 4.5": lambda: tutorial_tensors()[4],
    # Shapes
    "0-d float": lambda: torch.tensor(3.5),
    "0-d int": lambda: torch.tensor(7),
    "0-d bool": lambda: torch.tensor(True),
    "0-d negative zero": lambda: torch.tensor(-0.0),
    "0-d nan": lambda: torch.tensor(float("nan")),
    "0-d float64": lambda: torch.tensor(0.1, dtype=torch.float64),
    "3-d": lambda: torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(0)),
    "4-d": lambda: torch.randn(2, 2, 2, 3, generator=torch.Generator().manual_seed(1)),
    "5-d int": lambda: torch.arange(32).reshape(2, 2, 2, 2, 2),
    "single element nests": lambda: torch.ones(1, 1, 1),
    # Empty tensors
    "empty float": lambda: torch.zeros(0),
    "empty 2-d": lambda: torch.zeros(0, 3),
    "empty 3-d": lambda: torch.zeros(2, 0, 3),
    "empty int64": lambda: torch.zeros(0, dtype=torch.int64),
    "empty bool": lambda: torch.zeros(0, 2, dtype=torch.bool),
    "empty float64": lambda: torch.zeros(0, dtype=torch.float64),
    "empty requires grad": lambda: torch.zeros(0, 4, requires_grad=True),
    # Integer and bool dtypes
    "int64": lambda: torch.tensor([1, 2, 3]),
    "int64 negative": lambda: torch.tensor([-1, 20, 300]),
    "int64 extremes": lambda: torch.tensor([2**63 - 1, -(2**63), 0]),
    "int32": lambda: torch.tensor([1, -2, 3], dtype=torch.int32),
    "int16": lambda: torch.tensor([-32768, 32767], dtype=torch.int16),
    "int8": lambda: torch.tensor([-128, 127, 0], dtype=torch.int8),
    "uint8": lambda: torch.tensor([0, 255, 7], dtype=torch.uint8),
    "bool": lambda: torch.tensor([True, False]),
    "bool all true": lambda: torch.tensor([[True, True], [True, True]]),
    "int wrapping": lambda: torch.arange(100) * 12345,
    "int32 wrapping": lambda: torch.arange(60, dtype=torch.int32) * 1001,
    # Fixed-point floats
    "float64 tenths": lambda: torch.tensor([0.1, 0.2], dtype=torch.float64),
    "float32 tenths": lambda: torch.tensor([0.1, 0.2, 1 / 3]),
    "rounding to 4 digits": lambda: torch.tensor([0.00015, 0.99995, 1.00005, 2.5]),
    "negatives": lambda: torch.tensor([-1.5, 2.25, -3.125]),
    "float wrapping": lambda: torch.randn(100, generator=torch.Generator().manual_seed(2)),
    "2-d wrapping rows": lambda: torch.linspace(-1, 1, 60).reshape(2, 30),
    # Whole-number floats
    "integral floats": lambda: torch.tensor([1.0, 2.0]),
    "integral floats negative": lambda: torch.tensor([-1.0, 20.0, 300.0]),
    "integral floats with inf": lambda: torch.tensor([1.0, float("inf"), float("-inf"), float("nan")]),
    "integral float64": lambda: torch.tensor([5.0, 6.0], dtype=torch.float64),
    "all zeros": lambda: torch.zeros(2, 3),
    "negative zero with ones": lambda: torch.tensor([-0.0, 1.0]),
    "negative zero with fractions": lambda: torch.tensor([-0.0, 1.5]),
    # Scientific notation
    "tiny and large": lambda: torch.tensor([1e-8, 1e5]),
    "ratio over 1000": lambda: torch.tensor([1.0, 2000.0]),
    "ratio exactly 1000": lambda: torch.tensor([1.0, 1000.0]),
    "over 1e8": lambda: torch.tensor([1e9]),
    "exactly 1e8": lambda: torch.tensor([1e8, 5e7]),
    "exactly 1e-4": lambda: torch.tensor([1e-4], dtype=torch.float64),
    "integral over 1e8": lambda: torch.tensor([1e9, 2e9]),
    "under 1e-4": lambda: torch.tensor([1e-5]),
    "sci with nan and inf": lambda: torch.tensor([1e-8, float("nan"), float("inf"), 0.0, -1e3]),
    "float32 subnormal": lambda: torch.tensor([1e-45, 1.0]),
    "float32 max": lambda: torch.tensor([3.4028235e38, -1.0]),
    "float64 extremes": lambda: torch.tensor([1e300, 1e-300], dtype=torch.float64),
    "float16": lambda: torch.tensor([0.1, 65504.0, -2.0], dtype=torch.float16),
    "float16 subnormal": lambda: torch.tensor([6e-8, 1.0], dtype=torch.float16),
    "float16 integral": lambda: torch.tensor([1.0, 2048.0], dtype=torch.float16),
    # Non-finite only
    "only inf and nan": lambda: torch.tensor([float("inf"), float("nan"), float("-inf")]),
    "inf with fractions": lambda: torch.tensor([1.5, float("-inf"), float("nan")]),
    # Summarised above 1000 elements
    "summarised 1-d float": lambda: torch.arange(2000.0),
    "summarised 1-d int": lambda: torch.arange(1001),
    "not summarised at 1000": lambda: torch.arange(1000),
    "summarised 2-d": lambda: torch.randn(40, 40, generator=torch.Generator().manual_seed(3)),
    "summarised 3-d": lambda: torch.arange(3000.0).reshape(3, 10, 100) / 7,
    "summarised short rows": lambda: torch.arange(2000).reshape(1000, 2),
    "summarised wide width": lambda: torch.cat([torch.ones(1500), torch.tensor([1e20])]),
    "summarised bool": lambda: torch.arange(1500) % 3 == 0,
    # Suffixes and their wrapping
    "float64 requires grad": lambda: torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True),
    "float64 grad_fn": lambda: grad_fn_tensor([0.5, 1.5], torch.float64),
    "float16 grad_fn": lambda: grad_fn_tensor([0.5, 1.5], torch.float16),
    "suffix wraps": lambda: grad_fn_tensor([1.0, 123456.5, 3.0, 4.0, 5.0, 6.0], torch.float64),
    "suffixes wrap after rows": lambda: grad_fn_tensor([[1.25] * 12] * 2, torch.float64),
    "grad_fn SumBackward0": lambda: torch.ones(3, requires_grad=True).sum(),
    "grad_fn MmBackward0": lambda: torch.ones(2, 3, requires_grad=True) @ torch.ones(3, 2),
    "grad_fn TBackward0": lambda: torch.ones(2, 3, requires_grad=True).t(),
    "summarised with grad_fn": lambda: torch.ones(30, 40, requires_grad=True).exp(),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_prints_like_pytorch(make):
    t = make()
    assert engine_repr(t) == repr(t) == str(t)


OPTION_CASES = {
    "precision 2": (dict(precision=2), lambda: torch.tensor([1.12345, -0.5])),
    "precision 0": (dict(precision=0), lambda: torch.tensor([1.5, 2.25, -0.75])),
    "precision 10 shows float32 digits": (dict(precision=10), lambda: torch.tensor([0.1, 1 / 3])),
    "precision 12 float64": (dict(precision=12), lambda: torch.tensor([0.1, 1 / 3], dtype=torch.float64)),
    "precision 8 sci": (dict(precision=8), lambda: torch.tensor([1e-8, 1e5])),
    "sci_mode on": (dict(sci_mode=True), lambda: torch.tensor([1.0, 2.5, -3.0])),
    "sci_mode on integral": (dict(sci_mode=True), lambda: torch.tensor([1.0, 2.0])),
    "sci_mode on zeros only": (dict(sci_mode=True), lambda: torch.zeros(3)),
    "sci_mode on ints untouched": (dict(sci_mode=True), lambda: torch.tensor([1, 2])),
    "sci_mode off": (dict(sci_mode=False), lambda: torch.tensor([1e-8, 1e5])),
    "sci_mode off huge": (dict(sci_mode=False), lambda: torch.tensor([1e20, 1.5])),
    "threshold 5": (dict(threshold=5), lambda: torch.arange(10)),
    "threshold 0 on 0-d": (dict(threshold=0), lambda: torch.tensor(2.5)),
    "threshold 0 on 2-d": (dict(threshold=0), lambda: torch.arange(12.0).reshape(3, 4)),
    "edgeitems 1": (dict(edgeitems=1), lambda: torch.arange(3000).reshape(10, 10, 30)),
    "edgeitems 5": (dict(edgeitems=5), lambda: torch.arange(2000.0) / 3),
    "edgeitems 0 summarised 1-d": (dict(edgeitems=0), lambda: torch.arange(2000)),
    "edgeitems 0 summarised 2-d": (dict(edgeitems=0), lambda: torch.ones(40, 40)),
    "edgeitems 0 small": (dict(edgeitems=0), lambda: torch.tensor([1.5, 2.5])),
    "linewidth 40": (dict(linewidth=40), lambda: torch.arange(30) / 7),
    "linewidth 10": (dict(linewidth=10), lambda: torch.arange(6.0).reshape(2, 3) / 7),
    "linewidth 1 with suffix": (dict(linewidth=1), lambda: grad_fn_tensor([1.5, 2.5], torch.float64)),
    "linewidth 200": (dict(linewidth=200), lambda: torch.arange(100) * 12345),
    "profile short": (dict(profile="short"), lambda: torch.arange(3000.0) / 7),
    "profile full": (dict(profile="full"), lambda: torch.arange(1500)),
    "profile full 2-d": (dict(profile="full"), lambda: torch.arange(1200.0).reshape(30, 40) / 3),
    "profile short with precision": (dict(profile="short", precision=6), lambda: torch.tensor([0.5, 1 / 3])),
}


@pytest.mark.parametrize("options, make", OPTION_CASES.values(), ids=OPTION_CASES.keys())
def test_print_options_like_pytorch(options, make):
    set_both(**options)
    t = make()
    assert engine_repr(t) == repr(t)


@pytest.mark.parametrize(
    "calls",
    [
        [],
        [dict(precision=2, sci_mode=True)],
        [dict(sci_mode=True), dict(linewidth=100)],  # a call without sci_mode resets it
        [dict(profile="short")],
        [dict(profile="full", edgeitems=5)],
        [dict(threshold=10), dict(profile="nonsense")],
        [dict(profile="full"), dict(profile="default")],
    ],
)
def test_print_options_state_like_pytorch(calls):
    for options in calls:
        set_both(**options)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    set_printoptions(**get_printoptions())
    assert get_printoptions() == torch._tensor_str.get_printoptions()


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.tensor([1.5, 2.5], dtype=torch.float64),
        lambda: torch.tensor([1.5, 2.5], dtype=torch.float32),
        lambda: torch.tensor([1, 2]),
        lambda: torch.zeros(0, dtype=torch.float64),
        lambda: torch.zeros(0, dtype=torch.float32),
    ],
)
def test_default_dtype_float64(make):
    torch.set_default_dtype(torch.float64)
    t = make()
    assert engine_repr(t) == repr(t)


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.tensor([1.5, 2.5]),
        lambda: grad_fn_tensor([1.0, 123456.5, 3.0, 4.0, 5.0], torch.float64),
        lambda: torch.zeros(0, 2, dtype=torch.int32),
    ],
)
def test_device_suffix_like_pytorch(monkeypatch, make):
    # PyTorch names the device when it is not the default one; with "cuda" as the default, a CPU
    # tensor shows where the suffix goes among the others.
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "cuda")
    t = make()
    assert engine_repr(t, default_device="cuda") == repr(t)
    assert "device='cpu'" in repr(t)


def test_float_data_is_formatted_in_its_own_dtype():
    # A float32 tensor holding 0.1 prints float32's nearest value, not float64's 0.1.
    set_both(precision=10)
    text = format_tensor(np.array([0.1], dtype=np.float64), dtype_name="float32")
    assert text == repr(torch.tensor([0.1])) == "tensor([0.1000000015])"


# Random tensors -------------------------------------------------------------------------------

SMALL_SHAPES = st.lists(st.integers(0, 6), max_size=4).map(tuple)
LARGE_SHAPES = st.sampled_from([(1001,), (5000,), (40, 30), (3, 20, 20), (2, 3, 13, 13), (0, 2000), (1, 1100)])
FLOAT_REGIMES = ["normal", "tiny", "huge", "mixed", "integral", "integral huge", "special", "sparse", "rounding"]


def random_values(rng: np.random.Generator, shape, dtype: torch.dtype, regime: str) -> np.ndarray:
    numpy_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    if dtype == torch.bool:
        return np.asarray(rng.random(shape) < 0.5)
    if not dtype.is_floating_point:
        info = np.iinfo(numpy_dtype)
        low, high = (info.min, info.max) if regime in ("huge", "mixed") else (max(info.min, -50), 50)
        return np.asarray(rng.integers(low, high, size=shape, endpoint=True, dtype=numpy_dtype))
    normal = rng.standard_normal(shape)
    values = {
        "normal": lambda: normal,
        "tiny": lambda: normal * 10.0 ** rng.uniform(-45, -5),
        "huge": lambda: normal * 10.0 ** rng.uniform(8, 38),
        "mixed": lambda: np.sign(normal) * 10.0 ** rng.uniform(-20, 20, size=shape),
        "integral": lambda: np.round(normal * 100),
        "integral huge": lambda: np.round(normal * 1e12),
        "special": lambda: rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 1.5, 1.0, -2.0], size=shape),
        "sparse": lambda: normal * (rng.random(shape) < 0.1),
        "rounding": lambda: rng.integers(-20000, 20000, size=shape) * 5e-5,
    }[regime]()
    with np.errstate(over="ignore"):
        return np.asarray(values).astype(numpy_dtype)


def with_autograd(t: torch.Tensor, autograd: str) -> torch.Tensor:
    if autograd == "none" or not t.dtype.is_floating_point:
        return t
    leaf = t.clone().requires_grad_()
    return leaf if autograd == "leaf" else leaf.clone()  # CloneBackward0 keeps the values


@settings(max_examples=1000, deadline=None)
@given(
    shape=st.one_of(SMALL_SHAPES, LARGE_SHAPES),
    dtype=st.sampled_from(DTYPES),
    regime=st.sampled_from(FLOAT_REGIMES),
    seed=st.integers(0, 2**32 - 1),
    autograd=st.sampled_from(["none", "leaf", "grad_fn"]),
)
def test_random_tensors_print_like_pytorch(shape, dtype, regime, seed, autograd):
    values = random_values(np.random.default_rng(seed), shape, dtype, regime)
    t = with_autograd(torch.from_numpy(values), autograd)
    assert engine_repr(t) == repr(t)


@settings(max_examples=400, deadline=None)
@given(
    values=hnp.arrays(
        dtype=st.sampled_from([np.float16, np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
    ),
)
def test_arbitrary_float_values_print_like_pytorch(values):
    # hypothesis's own float elements: subnormals, signed zeros, infinities, NaNs, extremes.
    t = torch.from_numpy(values)
    assert engine_repr(t) == repr(t)


@settings(max_examples=600, deadline=None)
@given(
    shape=st.one_of(SMALL_SHAPES, LARGE_SHAPES),
    dtype=st.sampled_from(DTYPES),
    regime=st.sampled_from(FLOAT_REGIMES),
    seed=st.integers(0, 2**32 - 1),
    precision=st.integers(0, 10),
    threshold=st.sampled_from([0, 5, 50, 1000, math.inf]),
    edgeitems=st.integers(0, 4),
    linewidth=st.integers(1, 120),
    sci_mode=st.sampled_from([None, True, False]),
)
def test_random_print_options_like_pytorch(
    shape, dtype, regime, seed, precision, threshold, edgeitems, linewidth, sci_mode
):
    if threshold == math.inf and math.prod(shape) > 2000:
        shape = shape[1:]  # keep whole prints of large tensors quick
    set_both(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth, sci_mode=sci_mode)
    values = random_values(np.random.default_rng(seed), shape, dtype, regime)
    t = with_autograd(torch.from_numpy(values), "grad_fn")
    assert engine_repr(t) == repr(t)
