"""Views, copies, concatenation, padding, gather and scatter against the numpy backend."""
import numpy as np
import pytest

from .helpers import assert_same, check


@pytest.fixture
def x(rng):
    return rng.standard_normal((4, 5, 6)).astype(np.float32)


def test_reshape_views_share_storage_and_copies_do_not(B, NB, x):
    dev = B.from_numpy(x)
    assert B.reshape(dev, (20, 6)).storage is dev.storage
    t = B.permute(dev, (1, 0, 2))
    assert B.view(t, (5, 24)) is None and NB.view(x.transpose(1, 0, 2), (5, 24)) is None
    assert B.view(t, (5, 4, 3, 2)).storage is dev.storage
    assert_same(B.view(t, (5, 4, 3, 2)), NB.view(x.transpose(1, 0, 2), (5, 4, 3, 2)))
    assert_same(B.reshape(t, (-1, 6)), NB.reshape(x.transpose(1, 0, 2), (-1, 6)))
    assert_same(B.reshape(B.flip(t, (2,)), (-1,)), NB.reshape(np.flip(x.transpose(1, 0, 2), 2), (-1,)))
    assert B.reshape(B.from_numpy(np.float32(3.0)), (1, 1)).shape == (1, 1)


def test_permute_broadcast_contiguous(B, NB, x):
    check(B, NB, "permute", x, (2, 0, 1))
    check(B, NB, "broadcast_to", x[:, :1], (3, 4, 5, 6))
    v = B.permute(B.from_numpy(x), (2, 0, 1))
    assert not B.is_contiguous(v)
    c = B.contiguous(v)
    assert B.is_contiguous(c) and c.storage is not v.storage
    assert_same(c, NB.contiguous(x.transpose(2, 0, 1)))
    assert B.contiguous(c) is c


@pytest.mark.parametrize("index", [(1,), (-1, slice(None, None, 2)), (Ellipsis, None, 3), (slice(5, 1, -2),),
                                   (None, slice(None), 0, slice(-2, None)), (slice(7, 9),), ()])
def test_getitem_basic(B, NB, x, index):
    check(B, NB, "getitem", x, index)


def test_getitem_out_of_range(B, x):
    with pytest.raises(IndexError):
        B.getitem(B.from_numpy(x), (4,))


def test_concatenate_pad_flip(B, NB, rng, x):
    y = rng.standard_normal((4, 2, 6)).astype(np.float32)
    dev = [B.from_numpy(x), B.flip(B.from_numpy(y), (1,))]
    assert_same(B.concatenate(dev, 1), NB.concatenate([x, np.flip(y, 1)], 1))
    assert_same(B.concatenate([B.from_numpy(x), B.from_numpy(x)], -1), NB.concatenate([x, x], -1))
    check(B, NB, "pad", x, ((1, 0), (0, 2), (3, 1)), -1.5)
    check(B, NB, "pad", np.arange(6).reshape(2, 3), ((0, 0), (2, 2)), 7)
    check(B, NB, "flip", x, (0, 2))


def test_take_any_layout_and_negative_indices(B, NB, rng, x):
    index = rng.integers(-120, 120, (7, 3))
    check(B, NB, "take", x, index)
    v = B.permute(B.from_numpy(x), (2, 0, 1))
    assert_same(B.take(v, B.from_numpy(index)), NB.take(x.transpose(2, 0, 1), index.astype(np.intp)))
    strided_index = B.permute(B.from_numpy(index), (1, 0))
    assert_same(B.take(v, strided_index), NB.take(x.transpose(2, 0, 1), index.T.astype(np.intp)))
    check(B, NB, "take", rng.integers(0, 9, (3, 3)), np.array([0, 8, 4]))


def test_scatter_add_accumulates_collisions(B, NB, rng):
    index = rng.integers(0, 10, (50, 3))
    values = rng.standard_normal((50, 3)).astype(np.float32)
    check(B, NB, "scatter_add", 10, index, values, rtol=1e-5, atol=1e-5)
    many = B.scatter_add(3, B.from_numpy(np.zeros(20_000, np.int64)), B.from_numpy(np.ones(20_000, np.float32)))
    assert B.to_numpy(many).tolist() == [20_000.0, 0.0, 0.0]


@pytest.mark.parametrize("key", [(np.array([0, 2]), np.array([3, 1])), (slice(None), np.array([1, 0])),
                                 (np.array([[2], [0]]), slice(1, 3)), "mask"], ids=["pairs", "mixed", "rows", "mask"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_setitem_with_index_arrays_writes_through_any_view(B, rng, key, dtype):
    x = np.arange(12).reshape(3, 4).astype(dtype)
    key = np.arange(12).reshape(3, 4) > 5 if isinstance(key, str) else key
    values = rng.integers(20, 30, x[key].shape).astype(dtype)
    expected = x.copy()
    expected[key] = values
    contiguous = B.from_numpy(x)
    transposed = B.permute(B.from_numpy(np.ascontiguousarray(x.T)), (1, 0))   # the same values, strided
    for view in (contiguous, transposed):
        B.setitem(view, key, B.from_numpy(values))
        np.testing.assert_array_equal(B.to_numpy(view), expected)


def test_setitem_at_flat_positions_from_the_gpu(B):
    x = B.from_numpy(np.zeros(6, np.float32))
    B.setitem(x, B.from_numpy(np.array([1, -1])), 2.5)                       # a number, a negative position
    B.setitem(x, B.from_numpy(np.array([[0], [2]])), B.from_numpy(np.array([7], np.float32)))  # broadcast
    assert B.to_numpy(x).tolist() == [7, 2.5, 7, 0, 0, 2.5]
