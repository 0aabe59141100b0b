"""Reductions, argmax/argmin and matmul against the numpy backend."""
import numpy as np
import pytest

from .helpers import assert_same, check, layouts

AXES = [(0,), (1,), (2,), (0, 2), (1, 2), (0, 1, 2), ()]


@pytest.mark.parametrize("op", ["sum", "prod", "max", "min"])
def test_float_reductions_every_axis_set_and_layout(B, NB, rng, op):
    x = rng.uniform(0.5, 1.5, (3, 5, 7)).astype(np.float32)
    for name, cpu, dev in layouts(B, x):
        for axes in AXES:
            for keepdims in (False, True):
                assert_same(getattr(B, op)(dev, axes, keepdims), getattr(NB, op)(cpu, axes, keepdims),
                            rtol=2e-5), (name, axes, keepdims)


@pytest.mark.parametrize("op", ["sum", "prod", "max", "min", "any", "all"])
def test_int_and_bool_reductions(B, NB, rng, op):
    check(B, NB, op, rng.integers(-3, 4, (4, 6)), (1,), False)
    check(B, NB, op, rng.random((4, 6)) > 0.3, (0, 1), True)


def test_any_all_of_floats(B, NB, rng):
    x = np.where(rng.random((5, 4)) > 0.5, 0.0, 1.5).astype(np.float32)
    check(B, NB, "any", x, (0,), False)
    check(B, NB, "all", x, (1,), True)


def test_long_reductions_split_in_chunks(B, NB, rng):
    # 300k elements per output: the kernel splits each row in chunks and combines them after.
    x = rng.standard_normal((2, 300_001)).astype(np.float32)
    check(B, NB, "sum", x, (1,), False, rtol=1e-4, atol=1e-3)
    check(B, NB, "max", x, (0, 1), False)
    check(B, NB, "min", x, (1,), True)


def test_reductions_over_broadcast_views(B, NB, rng):
    x = rng.standard_normal((1, 5)).astype(np.float32)
    assert_same(B.sum(B.broadcast_to(B.from_numpy(x), (4, 5)), (0,), False),
                NB.sum(np.broadcast_to(x, (4, 5)), (0,), False))


def test_max_min_propagate_nan_and_keep_inf(B, NB):
    x = np.array([[1.0, np.nan, 3.0], [-np.inf, -np.inf, -np.inf]], np.float32)
    check(B, NB, "max", x, (1,), False)
    check(B, NB, "min", x, (1,), False)


def test_empty_reductions(B, NB):
    x = np.zeros((0, 3), np.float32)
    check(B, NB, "sum", x, (0,), False)
    check(B, NB, "prod", x, (0,), True)
    check(B, NB, "sum", x, (1,), False)
    with pytest.raises(ValueError):
        B.max(B.from_numpy(x), (0,), False)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_reductions(B, NB, rng, op):
    x = rng.integers(0, 4, (3, 5, 70)).astype(np.float32)  # many ties: the first index must win
    for name, cpu, dev in layouts(B, x):
        for axis in (0, 1, 2):
            assert_same(getattr(B, op)(dev, axis, False), getattr(NB, op)(cpu, axis, False)), (name, axis)
    check(B, NB, op, x, None, False)
    check(B, NB, op, x, None, True)
    check(B, NB, op, x, 1, True)
    check(B, NB, op, rng.integers(-5, 5, (6, 9)), 1, False)
    check(B, NB, op, np.array([[1.0, np.nan, 5.0, np.nan], [2.0, 2.0, -1.0, 7.0]], np.float32), 1, False)


MATMUL_SHAPES = [((5, 7), (7, 3)), ((3,), (3, 5)), ((4, 3), (3,)), ((3,), (3,)), ((2, 3, 5, 7), (7, 6)),
                 ((7,), (2, 7, 5)), ((2, 1, 9, 7), (3, 7, 6)), ((1, 1), (1, 1)), ((33, 1), (1, 17)),
                 ((64, 65), (65, 63))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes(B, NB, rng, sa, sb):
    a, b = rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32)
    check(B, NB, "matmul", a, b, rtol=1e-4, atol=1e-5)


def test_matmul_strided_operands(B, NB, rng):
    a = rng.standard_normal((6, 5)).astype(np.float32)
    b = rng.standard_normal((5, 9)).astype(np.float32)
    for (na, ca, da), (nb, cb, db) in zip(layouts(B, a), layouts(B, b)):
        assert_same(B.matmul(da, db), NB.matmul(ca, cb), rtol=1e-4, atol=1e-5), (na, nb)
    at = np.ascontiguousarray(a.T)
    assert_same(B.matmul(B.permute(B.from_numpy(at), (1, 0)), B.from_numpy(b)), NB.matmul(a, b),
                rtol=1e-4, atol=1e-5)
    expanded = B.broadcast_to(B.from_numpy(b[None]), (3, 5, 9))
    assert_same(B.matmul(B.from_numpy(a), expanded), NB.matmul(a, np.broadcast_to(b, (3, 5, 9))),
                rtol=1e-4, atol=1e-5)


def test_matmul_shape_mismatch(B):
    with pytest.raises(ValueError):
        B.matmul(B.from_numpy(np.zeros((2, 3), np.float32)), B.from_numpy(np.zeros((4, 2), np.float32)))
