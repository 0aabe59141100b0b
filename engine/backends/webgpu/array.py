"""`GPUArray`: an n-d view (shape, strides, offset) of a pooled GPU buffer, like numpy's ndarray.

Reshape, permute, broadcast and basic indexing return views sharing the storage; the kernels
read strided operands directly, so views cost nothing until a kernel needs them.

Element types on the GPU: float32 as f32; bool as u32 (0 or 1); int64 and int32 as i32.
int64 values must fit in 32 bits (checked on upload); float64 is refused with PyTorch's
MPS-style message rather than silently rounded.
"""
import math
import operator

import numpy as np

# numpy dtype -> WGSL storage type and its host twin.
STORAGE_TYPES = {
    np.dtype(np.float32): ("f32", np.float32),
    np.dtype(np.int64): ("i32", np.int32),
    np.dtype(np.int32): ("i32", np.int32),
    np.dtype(np.bool_): ("u32", np.uint32),
}
ELEMENT_BYTES = 4


def storage_type(dtype):
    try:
        return STORAGE_TYPES[np.dtype(dtype)][0]
    except KeyError:
        raise unsupported_dtype(dtype) from None


def unsupported_dtype(dtype):
    name = np.dtype(dtype).name
    return TypeError(f"Cannot convert a WebGPU Tensor to {name} dtype as the WebGPU backend "
                     f"doesn't support {name}. Please use float32 instead.")


def contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class GPUArray:
    """`steps` and `offset` count elements (what kernels use); `strides` is in bytes, as numpy's."""
    __slots__ = ("storage", "shape", "steps", "offset", "dtype", "__weakref__")

    def __init__(self, storage, shape, dtype, steps=None, offset=0):
        self.storage = storage
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.steps = contiguous_strides(self.shape) if steps is None else tuple(steps)
        self.offset = offset

    @property
    def strides(self):
        return tuple(s * self.dtype.itemsize for s in self.steps)

    @property
    def device(self):
        return self.storage.device

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    @property
    def is_contiguous(self):
        if 0 in self.shape:
            return True  # no elements, no layout (numpy agrees)
        expected = 1
        for n, s in zip(reversed(self.shape), reversed(self.steps)):
            if n != 1 and s != expected:
                return False
            expected *= n
        return True

    def view(self, shape, steps, offset):
        return GPUArray(self.storage, shape, self.dtype, steps, offset)

    # The few ndarray methods the op table calls on any backend's arrays.
    def copy(self):
        from .elementwise import copy
        return copy(self)

    def astype(self, dtype, copy=True):
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        from .elementwise import astype
        return astype(self, dtype)

    def reshape(self, *shape):
        from .movement import reshape
        return reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def __array__(self, dtype=None, copy=None):
        # numpy must not read GPU memory behind the engine's back (a silent device change).
        raise TypeError("a webgpu array cannot be used as a numpy array: copy it to the host "
                        "with to_numpy() (Tensor.cpu() in the engine)")

    def __repr__(self):
        return f"GPUArray(shape={self.shape}, dtype={self.dtype.name}, device={self.device.name!r})"


def empty(device, shape, dtype):
    shape = tuple(int(n) for n in shape)
    storage_type(dtype)
    return GPUArray(device.alloc(max(math.prod(shape), 1) * ELEMENT_BYTES), shape, dtype)


# ---- views ------------------------------------------------------------------------------------
def normalize_shape(shape, size):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        known = math.prod(n for n in shape if n != -1)
        if known == 0 or size % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        shape[shape.index(-1)] = size // known
    if math.prod(shape) != size:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return tuple(shape)


def view_strides(shape, strides, new_shape):
    """Strides that show the same elements in `new_shape` without copying, or None (numpy's rule)."""
    old = [(n, s) for n, s in zip(shape, strides) if n != 1]
    if math.prod(new_shape) in (0, 1) or not old:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    oi, oj, ni, nj = 0, 1, 0, 1
    while ni < len(new_shape) and oi < len(old):
        np_, op = new_shape[ni], old[oi][0]
        while np_ != op:
            if np_ < op:
                np_ *= new_shape[nj]
                nj += 1
            else:
                op *= old[oj][0]
                oj += 1
        for k in range(oi, oj - 1):
            if old[k][1] != old[k + 1][0] * old[k + 1][1]:
                return None
        new_strides[nj - 1] = old[oj - 1][1]
        for k in range(nj - 1, ni, -1):
            new_strides[k - 1] = new_strides[k] * new_shape[k]
        ni, nj, oi, oj = nj, nj + 1, oj, oj + 1
    last = new_strides[ni - 1] if ni >= 1 else 1
    for k in range(ni, len(new_shape)):
        new_strides[k] = last
    return tuple(new_strides)


def reshape_view(a, shape):
    """The reshaped view of `a`, or None when its layout needs a copy first."""
    shape = normalize_shape(shape, a.size)
    strides = view_strides(a.shape, a.steps, shape)
    return None if strides is None else a.view(shape, strides, a.offset)


def permute(a, axes):
    axes = [operator.index(ax) % a.ndim if a.ndim else 0 for ax in axes]
    if sorted(axes) != list(range(a.ndim)):
        raise ValueError(f"axes {axes} don't match array of {a.ndim} dims")
    return a.view([a.shape[ax] for ax in axes], [a.steps[ax] for ax in axes], a.offset)


def broadcast_shapes(*shapes):
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for d in range(ndim):
        sizes = {s[d - ndim + len(s)] for s in shapes if d - ndim + len(s) >= 0} - {1}
        if len(sizes) > 1:
            raise ValueError(f"shapes {[tuple(s) for s in shapes]} cannot be broadcast together")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_strides(a, shape):
    """Strides of `a` seen as `shape` (0 along broadcast dims)."""
    lead = len(shape) - a.ndim
    if lead < 0:
        raise ValueError(f"cannot broadcast shape {a.shape} to {tuple(shape)}")
    strides = [0] * lead
    for n, s, target in zip(a.shape, a.steps, shape[lead:]):
        if n == target:
            strides.append(s if n != 1 else 0)
        elif n == 1:
            strides.append(0)
        else:
            raise ValueError(f"cannot broadcast shape {a.shape} to {tuple(shape)}")
    return strides


def broadcast_to(a, shape):
    shape = tuple(shape)
    return a.view(shape, broadcast_strides(a, shape), a.offset)


def basic_index(a, index):
    """`a[index]` for ints, slices, None and Ellipsis: a view, as in numpy."""
    if not isinstance(index, tuple):
        index = (index,)
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    if consumed > a.ndim:
        raise IndexError(f"too many indices for tensor of dimension {a.ndim}")
    if sum(1 for i in index if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    shape, strides, offset, d = [], [], a.offset, 0
    for item in index:
        if item is Ellipsis:
            for _ in range(a.ndim - consumed):
                shape.append(a.shape[d])
                strides.append(a.steps[d])
                d += 1
        elif item is None:
            shape.append(1)
            strides.append(0)
        elif isinstance(item, slice):
            start, stop, step = item.indices(a.shape[d])
            n = len(range(start, stop, step))
            shape.append(n)
            strides.append(a.steps[d] * step)
            if n:
                offset += start * a.steps[d]
            d += 1
        else:
            i = operator.index(item)
            if not -a.shape[d] <= i < a.shape[d]:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {a.shape[d]}")
            offset += (i % a.shape[d]) * a.steps[d]
            d += 1
    shape += a.shape[d:]
    strides += a.steps[d:]
    return a.view(shape, strides, offset)
