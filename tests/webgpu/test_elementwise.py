"""Elementwise kernels against the numpy backend: every op, dtype kind, layout and broadcast corner."""
import numpy as np
import pytest

from .helpers import assert_same, check, gpu, layouts

UNARY_FLOAT = ["neg", "exp", "log", "sqrt", "abs", "sign", "tanh", "sigmoid", "relu", "sin", "cos",
               "floor", "ceil", "round", "erf", "log1p", "expm1", "reciprocal", "logical_not"]
POSITIVE_ONLY = {"log", "sqrt", "log1p"}
BINARY_FLOAT = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "floor_divide", "remainder", "atan2",
                "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"]
BINARY_INT = ["add", "sub", "mul", "maximum", "minimum", "floor_divide", "remainder",
              "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
              "bitwise_and", "bitwise_or", "bitwise_xor"]
BINARY_BOOL = ["add", "mul", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
               "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor"]
BROADCASTS = [((3, 1, 5), (4, 5)), ((), (2, 3)), ((2, 3), ()), ((1,), (3, 1)), ((2, 1, 3), (2, 4, 1)),
              ((257,), (257,))]


def sample(rng, shape, op=None):
    x = rng.standard_normal(shape).astype(np.float32) * 2
    return np.abs(x) + 0.1 if op in POSITIVE_ONLY else x


@pytest.mark.parametrize("op", UNARY_FLOAT)
def test_unary_float_every_layout(B, NB, rng, op):
    x = sample(rng, (3, 5, 7), op)  # 105 elements: not a multiple of the workgroup size
    for name, cpu, dev in layouts(B, x):
        assert_same(getattr(B, op)(dev), getattr(NB, op)(cpu)), name


@pytest.mark.parametrize("op", ["neg", "abs", "sign", "relu", "logical_not", "bitwise_not"])
def test_unary_int(B, NB, rng, op):
    x = rng.integers(-9, 9, (4, 7))
    check(B, NB, op, x)


def test_unary_special_values(B, NB):
    x = np.array([0.0, -0.0, 1e-30, -1e-7, 1e-7, 0.5, -0.5, 2.5, 3.5, -2.5, 1.0, 88.0, 100.0, -100.0,
                  1e30, -1e30, np.inf, -np.inf, np.nan], np.float32)
    for op in ["neg", "exp", "abs", "sign", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "erf",
               "log1p", "expm1", "logical_not", "sin", "cos"]:
        if op in ("sin", "cos"):
            x = x[np.abs(x) < 1e4]  # the reduction is exact below 8192; beyond, no driver is exact
        with np.errstate(all="ignore"):
            expected = getattr(NB, op)(x)
        assert_same(getattr(B, op)(B.from_numpy(x)), expected), op
    with np.errstate(all="ignore"):
        for op in ["log", "sqrt", "reciprocal"]:
            y = np.array([0.0, 1e-30, 2.0, 1e30, np.inf, -1.0, np.nan], np.float32)
            assert_same(getattr(B, op)(B.from_numpy(y)), getattr(NB, op)(y)), op


def test_sin_cos_are_accurate_on_every_driver(B, NB):
    # Builtin sin/cos may be coarse (SwiftShader: 2e-4); ours reduce by pi/2 in three parts.
    x = np.concatenate([np.linspace(-60, 60, 2001), np.arange(-40, 41) * np.pi / 4]).astype(np.float32)
    for op in ["sin", "cos"]:
        assert_same(getattr(B, op)(B.from_numpy(x)), getattr(NB, op)(x), rtol=1e-5, atol=2e-7)


def test_erf_log1p_expm1_are_accurate_near_zero(B, NB):
    x = np.array([1e-8, -3e-6, 1e-4, 0.01, -0.3, 0.49, 0.51, 1.7, -3.0, 5.0], np.float32)
    for op in ["erf", "log1p", "expm1"]:
        with np.errstate(invalid="ignore"):
            expected = getattr(NB, op)(x)
        assert_same(getattr(B, op)(B.from_numpy(x)), expected, rtol=2e-6, atol=0)


def test_atan2_special_values(B, NB):
    # Signed zeros and infinities pick the quadrant as C's atan2 does; NaN stays NaN.
    values = np.array([0.0, -0.0, 1e-30, -1e-30, 1.0, -1.0, 3.0, -0.4, 1e30, np.inf, -np.inf, np.nan],
                      np.float32)
    y, x = (a.ravel() for a in np.meshgrid(values, values))
    got = B.to_numpy(B.atan2(B.from_numpy(y), B.from_numpy(x)))
    expected = NB.atan2(y, x)
    np.testing.assert_allclose(got, expected, rtol=3e-7, atol=0, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_atan2_is_accurate_around_the_circle(B, NB, rng):
    # Every octant and both sides of the tan(pi/8) reduction, at several magnitudes.
    angle = np.linspace(-np.pi, np.pi, 4001)
    radius = np.repeat([1e-20, 1e-3, 1.0, 7.5, 1e20], angle.size)
    y = (np.sin(np.tile(angle, 5)) * radius).astype(np.float32)
    x = (np.cos(np.tile(angle, 5)) * radius).astype(np.float32)
    got = B.to_numpy(B.atan2(B.from_numpy(y), B.from_numpy(x)))
    np.testing.assert_allclose(got, NB.atan2(y, x), rtol=4e-7, atol=1e-30)


@pytest.mark.parametrize("op", BINARY_FLOAT)
def test_binary_float_broadcasting(B, NB, rng, op):
    for sa, sb in BROADCASTS:
        a, b = sample(rng, sa), sample(rng, sb)
        if op in ("div", "floor_divide", "remainder"):
            b = np.where(np.abs(b) < 0.2, 0.7, b).astype(np.float32)
        if op == "pow":
            a = np.abs(a) + 0.5
        check(B, NB, op, a, b)


@pytest.mark.parametrize("op", ["add", "mul", "pow", "maximum", "lt", "logical_and", "remainder"])
def test_binary_non_contiguous_operands(B, NB, rng, op):
    a, b = np.abs(sample(rng, (4, 6))) + 0.5, sample(rng, (4, 6))
    for (name_a, cpu_a, dev_a), (name_b, cpu_b, dev_b) in zip(layouts(B, a), reversed(list(layouts(B, b)))):
        assert_same(getattr(B, op)(dev_a, dev_b), getattr(NB, op)(cpu_a, cpu_b)), (name_a, name_b)
    expanded = np.broadcast_to(a[:, :1], (4, 6))
    assert_same(getattr(B, op)(B.broadcast_to(B.from_numpy(a[:, :1]), (4, 6)), B.from_numpy(b)),
                getattr(NB, op)(expanded, b))


@pytest.mark.parametrize("op", BINARY_INT)
def test_binary_int(B, NB, rng, op):
    a = rng.integers(-20, 20, (5, 6))
    b = rng.integers(-6, 6, (6,))
    if op in ("floor_divide", "remainder"):
        b[b == 0] = 3
    check(B, NB, op, a, b)


@pytest.mark.parametrize("op", BINARY_BOOL)
def test_binary_bool(B, NB, rng, op):
    check(B, NB, op, rng.random((3, 4)) > 0.5, rng.random((4,)) > 0.5)


def test_python_scalar_operands_take_the_array_dtype(B, NB, rng):
    x = sample(rng, (2, 3))
    for op in ["add", "sub", "mul", "div", "pow", "maximum", "lt", "eq"]:
        assert_same(getattr(B, op)(B.from_numpy(x), 2.0), getattr(NB, op)(x, 2.0)), op
        assert_same(getattr(B, op)(3.0, B.from_numpy(x)), getattr(NB, op)(3.0, x)), op
    i = rng.integers(-5, 5, (7,))
    assert_same(B.mul(B.from_numpy(i), 3), NB.mul(i, 3))
    assert_same(B.add(B.from_numpy(i), True), NB.add(i, True))


def test_pow_negative_bases_and_zero(B, NB):
    a = np.array([-2.0, -2.0, -2.0, 0.0, 0.0, 0.0, -0.5, 3.0, -8.0, 1.0], np.float32)
    b = np.array([2.0, 3.0, 0.5, 0.0, -1.0, 2.0, -3.0, -2.0, 1 / 3, np.nan], np.float32)
    with np.errstate(all="ignore"):
        check(B, NB, "pow", a, b)
    check(B, NB, "pow", np.array([2, -3, 0, 5, 1, -1, 3]), np.array([10, 3, 0, 0, 2, 5, 19]))


def test_floor_divide_and_remainder_signs(B, NB):
    # (no subnormals: WGSL lets drivers flush them to zero, and browsers' SwiftShader does)
    a = np.array([7.0, -7.0, 7.0, -7.0, 1.0, 0.0, -0.0, 5.5, 1e30, 3.0, -1e-3, 1e-30], np.float32)
    b = np.array([2.0, 2.0, -2.0, -2.0, 0.1, 3.0, 3.0, -1.5, 7.0, 1e-30, 0.7, 3e-31], np.float32)
    with np.errstate(all="ignore"):  # 1e30 // 7 overflows nothing but numpy still warns
        check(B, NB, "floor_divide", a, b)
        check(B, NB, "remainder", a, b)
    ai, bi = np.array([7, -7, 7, -7, 0, 6]), np.array([2, 2, -2, -2, 5, -3])
    check(B, NB, "floor_divide", ai, bi)
    check(B, NB, "remainder", ai, bi)


def test_where_broadcasts_and_takes_scalars(B, NB, rng):
    cond, a, b = rng.random((3, 1, 4)) > 0.5, sample(rng, (5, 1)), sample(rng, (4,))
    check(B, NB, "where", cond, a, b)
    check(B, NB, "where", cond, a, 0.5)
    i = rng.integers(0, 9, (3, 4))
    check(B, NB, "where", i > 4, i, np.int64(-1) * np.ones((), np.int64))


def test_maximum_minimum_propagate_nan(B, NB):
    a = np.array([np.nan, 1.0, np.nan, -np.inf], np.float32)
    b = np.array([1.0, np.nan, np.nan, 2.0], np.float32)
    check(B, NB, "maximum", a, b)
    check(B, NB, "minimum", a, b)


@pytest.mark.parametrize("src,dst", [("float32", "int64"), ("float32", "bool"), ("int64", "float32"),
                                     ("bool", "float32"), ("int64", "bool"), ("bool", "int64"),
                                     ("float32", "float32"), ("int64", "int32")])
def test_astype(B, NB, rng, src, dst):
    x = (rng.standard_normal((3, 5)) * 4).astype(src) if src != "bool" else rng.random((3, 5)) > 0.5
    check(B, NB, "astype", x, np.dtype(dst))


def test_float64_is_refused_with_a_clear_error(B):
    with pytest.raises(TypeError, match="float64"):
        B.from_numpy(np.zeros(3))
    with pytest.raises(TypeError, match="float64"):
        B.full((2,), 1.0, np.float64)
    with pytest.raises(TypeError, match="float64"):
        B.astype(B.from_numpy(np.zeros(3, np.float32)), np.float64)


def test_int64_outside_32_bits_is_refused(B):
    with pytest.raises(RuntimeError, match="32-bit"):
        B.from_numpy(np.array([2**40]))
    assert B.to_numpy(B.from_numpy(np.array([-2**31, 2**31 - 1]))).tolist() == [-2**31, 2**31 - 1]


def test_creation(B, NB):
    for shape, value, dtype in [((2, 3), 1.5, np.float32), ((), -7, np.int64), ((4,), True, np.bool_),
                                ((0, 3), 1.0, np.float32), ((3,), np.inf, np.float32)]:
        assert_same(B.full(shape, value, dtype), NB.full(shape, value, dtype))
    for args in [(0, 10, 1, np.int64), (1.0, 2.0, 0.1, np.float32), (5, -3, -2, np.int64)]:
        assert_same(B.arange(*args), NB.arange(*args))


def test_copy_into_views_and_setitem(B, NB, rng):
    dst = sample(rng, (4, 5))
    dev = B.from_numpy(dst)
    src = sample(rng, (5,))
    B.copy_into(B.getitem(dev, (slice(None, None, 2),)), B.from_numpy(src))
    dst[::2] = src
    assert_same(dev, dst)
    B.setitem(dev, (Ellipsis, 1), 9.0)
    dst[..., 1] = 9.0
    assert_same(dev, dst)
    B.setitem(dev, (slice(1, 3), slice(None, None, -1)), B.from_numpy(np.arange(5, dtype=np.float32)))
    dst[1:3, ::-1] = np.arange(5)
    assert_same(dev, dst)
    B.copy_into(dev, B.permute(dev, (0, 1)))  # overlapping source and destination
    assert_same(dev, dst)
    ints = B.from_numpy(np.zeros((2, 2), np.int64))
    B.copy_into(ints, B.from_numpy(np.array([[1.7, -2.2], [3.9, 0.0]], np.float32)))
    assert B.to_numpy(ints).tolist() == [[1, -2], [3, 0]]


def test_large_elementwise_spans_two_dispatch_dimensions(B, NB, rng):
    # 17M elements = 66,407 workgroups of 256: more than 65,535 along x.
    n = 65536 * 256 + 999
    x = np.ones(n, np.float32)
    y = B.add(B.from_numpy(x), 1.0)
    ends = B.to_numpy(B.getitem(y, (slice(n - 1000, None),)))
    assert ends.shape == (1000,) and (ends == 2.0).all()


def test_relu_gradient_edges(B, NB):
    """As PyTorch's `out <= 0 ? 0 : g`: +0.0 where masked whatever g is, g where the output is NaN."""
    out = np.array([-1.0, 0.0, np.nan, 2.0, -0.0, -3.0, -2.0], np.float32)
    g = np.array([-1.0, -2.0, -3.0, -4.0, np.inf, np.nan, -np.inf], np.float32)
    got, expected = B.threshold_backward(gpu(B, g), gpu(B, out)), NB.threshold_backward(g, out)
    np.testing.assert_array_equal(B.to_numpy(got), [0, 0, -3, -4, 0, 0, 0])
    np.testing.assert_array_equal(expected, [0, 0, -3, -4, 0, 0, 0])
    assert not np.signbit(B.to_numpy(got)[[0, 1, 4, 5, 6]]).any()
