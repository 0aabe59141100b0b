"""Helpers of the tests that need no PyTorch (test_portable_*.py), so that they also run inside
Pyodide in the browser (tests/browser). Expected values come from numpy, closed forms and finite
differences; texts and error messages come from PyTorch 2.13, recorded once in the test files and
re-checked against torch natively by `assert_recorded_from_torch`."""
import re

import numpy as np
import pytest

import engine
from engine.autograd import gradcheck, gradgradcheck

TOLERANCE = {"float64": (1e-12, 1e-12), "float32": (2e-6, 1e-6)}  # (rtol, atol) against numpy in float64


def leaf(values, dtype=engine.float64, requires_grad=True):
    return engine.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=requires_grad)


def assert_values(t, expected, rtol=None, atol=None, dtype=None):
    """t is a Tensor of expected's shape (and `dtype` if given) holding expected's values."""
    assert isinstance(t, engine.Tensor), f"expected a Tensor, got {type(t).__name__}"
    expected = np.asarray(expected)
    if dtype is not None:
        assert t.dtype == dtype, f"dtype {t.dtype} != {dtype}"
    assert tuple(t.shape) == expected.shape, f"shape {tuple(t.shape)} != {expected.shape}"
    actual = t.detach().numpy()
    if actual.dtype.kind == "f":
        r, a = TOLERANCE.get(str(actual.dtype), (1e-3, 1e-3))
        np.testing.assert_allclose(actual, expected, rtol=rtol or r, atol=atol or a, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)


def assert_gradients(fn, *arrays, second_order=True, **tolerances):
    """fn's gradients at float64 leaves made of arrays agree with finite differences (and so do their own
    gradients, through create_graph=True, unless second_order is False)."""
    options = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, **tolerances}
    inputs = [leaf(a) for a in arrays]
    assert gradcheck(fn, inputs, **options)
    if second_order:
        assert gradgradcheck(fn, inputs, **options)


def torch_or_skip():
    """PyTorch when it is installed (natively); the test is skipped where it is not (Pyodide)."""
    return pytest.importorskip("torch")


def without_addresses(text):
    return re.sub(r"0x[0-9a-f]+", "0x...", text)


def text_of(fn, lib):
    """What fn(lib) gives, as the text a learner reads: str() of a value, or 'Type: message' of an error."""
    try:
        value = fn(lib)
    except Exception as exc:  # noqa: BLE001 - the error is the result being compared
        kind = "RuntimeError" if isinstance(exc, RuntimeError) else type(exc).__name__
        return without_addresses(f"{kind}: {exc}")
    return without_addresses(value if isinstance(value, str) else str(value))


def assert_recorded_from_torch(cases):
    """Each case's recorded text is what PyTorch gives today (natively; skipped without torch)."""
    torch = torch_or_skip()
    differ = {name: text_of(fn, torch) for name, (fn, expected) in cases.items() if text_of(fn, torch) != expected}
    assert not differ, f"recorded texts no longer match PyTorch: {differ}"
