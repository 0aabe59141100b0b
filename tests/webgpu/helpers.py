"""Run one primitive on the numpy backend and the WebGPU backend and compare the results."""
import numpy as np

RTOL, ATOL = 1e-5, 1e-6
# numpy's platform integer is int32 on wasm32 (Pyodide): its index results come out int32 and it
# refuses int64 indices; torch (and the GPU backend) use int64 on every platform.
NARROW_INTP = np.dtype(np.intp).itemsize == 4


def gpu(B, x):
    return B.from_numpy(np.asarray(x)) if isinstance(x, np.ndarray) else x


def assert_same(got, expected, rtol=RTOL, atol=ATOL):
    """A GPU result (or tuple of them) equals the numpy backend's: shape, dtype and values."""
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e, rtol, atol)
        return
    from engine.backends import webgpu
    host = webgpu.to_numpy(got)
    expected = np.asarray(expected)
    if NARROW_INTP and expected.dtype == np.int32 and host.dtype == np.int64:
        expected = expected.astype(np.int64)
    assert host.shape == expected.shape, (host.shape, expected.shape)
    assert host.dtype == expected.dtype, (host.dtype, expected.dtype)
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(host, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(host, expected)


def layouts(B, x):
    """x on both backends as the same view: contiguous, permuted, strided slice, flipped.

    Each non-contiguous view is built the same way on both sides (from a differently stored
    array), so the kernels must honour strides and offsets to get the values right.
    """
    yield "contiguous", x, B.from_numpy(x)
    if x.ndim == 0:
        return
    order = tuple(reversed(range(x.ndim)))
    stored = np.ascontiguousarray(x.transpose(order))
    yield "permuted", stored.transpose(order), B.permute(B.from_numpy(stored), order)
    wide = np.zeros(x.shape[:-1] + (2 * x.shape[-1] + 1,), x.dtype)
    wide[..., 1::2] = x
    index = (Ellipsis, slice(1, None, 2))
    yield "strided", wide[index], B.getitem(B.from_numpy(wide), index)
    flipped = np.ascontiguousarray(np.flip(x, 0))
    yield "flipped", np.flip(flipped, 0), B.flip(B.from_numpy(flipped), (0,))


def check(B, NB, fn_name, *args, rtol=RTOL, atol=ATOL, **kwargs):
    """B.fn(*args) equals NB.fn(*args); numpy array arguments are uploaded for the GPU side."""
    expected = getattr(NB, fn_name)(*(_platform_ints(a) for a in args), **kwargs)
    got = getattr(B, fn_name)(*(gpu(B, a) for a in args), **kwargs)
    assert_same(got, expected, rtol, atol)


def _platform_ints(x):
    if NARROW_INTP and isinstance(x, np.ndarray) and x.dtype == np.int64:
        return x.astype(np.intp)
    return x
