"""Moving arrays between host (numpy) and GPU."""
import numpy as np

from . import elementwise
from .array import ELEMENT_BYTES, STORAGE_TYPES, GPUArray, empty, unsupported_dtype

INT32 = np.iinfo(np.int32)


def from_numpy(device, x):
    x = np.asarray(x)
    if x.dtype not in STORAGE_TYPES:
        raise unsupported_dtype(x.dtype)
    host_type = STORAGE_TYPES[x.dtype][1]
    if x.dtype == np.int64 and x.size and (x.min() < INT32.min or x.max() > INT32.max):
        raise RuntimeError("webgpu stores int64 tensors as 32-bit integers: values outside "
                           f"[{INT32.min}, {INT32.max}] cannot be moved to webgpu")
    out = empty(device, x.shape, x.dtype)
    if x.size:
        device.write(out.storage, np.ascontiguousarray(x, dtype=host_type).tobytes())
    return out


def _readable(a):
    """A contiguous array holding a's elements, and its byte range in the buffer."""
    a = elementwise.contiguous(a)
    return a, a.offset * ELEMENT_BYTES, a.size * ELEMENT_BYTES


def _to_host(a, data):
    host = np.frombuffer(data, dtype=STORAGE_TYPES[a.dtype][1]).reshape(a.shape)
    return host != 0 if a.dtype == np.bool_ else host.astype(a.dtype, copy=True)


def to_numpy(a):
    if a.size == 0:
        return np.empty(a.shape, a.dtype)
    c, start, nbytes = _readable(a)
    return _to_host(a, a.device.read(c.storage, start, nbytes))


def to_numpy_many(arrays):
    """to_numpy of several arrays with a single read-back: the GPU is waited for once, not once
    per array (what a view showing many small tensors needs)."""
    out = [np.empty(a.shape, a.dtype) if a.size == 0 else None for a in arrays]
    pending = [(i, a, *_readable(a)) for i, a in enumerate(arrays) if a.size]
    if pending:
        device = pending[0][1].device
        data = device.read_many([(c.storage, start, nbytes) for _, _, c, start, nbytes in pending])
        for (i, a, *_), raw in zip(pending, data):
            out[i] = _to_host(a, raw)
    return out


async def to_numpy_async(a):
    """to_numpy without blocking: for browsers where Python cannot wait on a promise."""
    if a.size == 0:
        return np.empty(a.shape, a.dtype)
    c, start, nbytes = _readable(a)
    return _to_host(a, await a.device.read_async(c.storage, start, nbytes))


__all__ = ["from_numpy", "to_numpy", "to_numpy_many", "to_numpy_async", "GPUArray"]
