"""The WebGPU backend: the primitives of engine/backends/primitives.py as WGSL compute shaders on GPUArrays.

Importing this module registers the `webgpu` device with the engine. The GPU itself is opened
on first use: natively through the `wgpu` package, in Pyodide through `navigator.gpu`.

Element types: float32 (f32), bool (stored as u32) and int64/int32 (stored as i32: int64
values must fit in 32 bits, which uploads check; integer arithmetic wraps at 32 bits).
float64 is refused with a TypeError, as PyTorch's MPS backend does.

Reading values back (`to_numpy`) waits for the GPU. In a browser, Python can only wait when
it was entered through an async entry point (JSPI, see browser.py); `to_numpy_async` is the
awaitable form that works everywhere.
"""
import builtins
import sys

import numpy as np

from . import activations, conv, elementwise, indexing, linalg, movement, optim, pool, reduce
from . import transfer
from .array import GPUArray, basic_index, broadcast_to as _broadcast_to, permute as _permute
from .device import Device

name = "webgpu"

_state = {"device": None, "error": None}


NO_ADAPTER = ("webgpu: no WebGPU adapter found (natively: install the `wgpu` package and a "
              "Vulkan, Metal or D3D12 driver; in a browser: one with WebGPU enabled)")


def get_device():
    """The process's GPU device, opened on first use, and opened anew after the old one was lost
    (its tensors stay unusable, as CUDA's do after a device error)."""
    _forget_lost_device()
    if _state["device"] is None:
        if _state["error"] is not None:
            raise RuntimeError(_state["error"])
        if sys.platform == "emscripten":
            from .browser import request_adapter
        else:
            from .native import request_adapter
        _open(request_adapter())
    return _state["device"]


async def initialize():
    """Open the device without blocking: in a browser, what synchronous Python cannot do."""
    _forget_lost_device()
    if _state["device"] is None:
        if sys.platform == "emscripten":
            from .browser import request_adapter_async
            _open(await request_adapter_async())
        else:
            get_device()
    return _state["device"]


def _forget_lost_device():
    device = _state["device"]
    if device is not None and device.adapter.lost_reason is not None:
        _state["device"] = None


def _open(adapter):
    if adapter is None:
        _state["error"] = NO_ADAPTER
        raise RuntimeError(NO_ADAPTER)
    _state["device"] = Device(adapter)


def is_available():
    """Whether a WebGPU adapter can be opened (the analogue of torch.cuda.is_available())."""
    try:
        get_device()
    except RuntimeError:
        return False
    return True


def adapter_name():
    return get_device().name


def adapter_info():
    """vendor, architecture, device, description, a short label and is_fallback (a software adapter)."""
    return dict(get_device().info)


def memory_stats():
    """Live GPU buffers (in use and pooled), their bytes, pipelines compiled, submits made."""
    return get_device().memory_stats()


def synchronize():
    """Submit recorded work and wait for the GPU to finish it."""
    dev = get_device()
    scratch = elementwise.fill(dev, (1,), 0, np.float32)
    transfer.to_numpy(scratch)


# --- transfer and creation -------------------------------------------------------------
def from_numpy(a):
    return transfer.from_numpy(get_device(), a)


to_numpy = transfer.to_numpy
to_numpy_many = transfer.to_numpy_many
to_numpy_async = transfer.to_numpy_async


def full(shape, value, dtype):
    return elementwise.fill(get_device(), shape, value, dtype)


def arange(start, stop, step, dtype):
    # Computed on the host, where numpy gives the exact values the CPU backend gives.
    return from_numpy(np.arange(start, stop, step, dtype=dtype))


def astype(a, dtype):
    return elementwise.astype(_array(a), dtype)


def copy_into(dst, src):
    """dst[...] = src, broadcasting src: the one in-place write every in-place op reduces to."""
    elementwise.copy_into(dst, _operand(src))


def setitem(dst, index, src):
    """dst[index] = src in place. An index with integer or bool arrays (numpy's advanced indexing)
    writes through flat positions: computed on the host for a host index, or taken as they are
    from a GPU integer array (which indexes dst read flat)."""
    if isinstance(index, GPUArray):
        positions = index
    elif _advanced(index):
        positions = from_numpy(np.arange(dst.size, dtype=np.int64).reshape(dst.shape)[index])
    else:
        copy_into(basic_index(dst, index), src)
        return
    if isinstance(src, GPUArray):
        values = src
    elif isinstance(src, np.ndarray):
        values = from_numpy(src)
    else:
        values = elementwise.fill(dst.device, (), src, dst.dtype)
    if values.dtype != dst.dtype:
        values = astype(values, dst.dtype)
    indexing.put(dst, positions, values)


def _advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(isinstance(i, (np.ndarray, list)) for i in items)


# Host values the engine may hand over: a 0-dim CPU tensor acts as a scalar next to GPU
# tensors (as in PyTorch), and index arrays built on the host are uploaded.
def _operand(x):
    """A GPUArray stays; a host scalar or 0-d array becomes a scalar; a host array is uploaded."""
    if isinstance(x, GPUArray):
        return x
    if isinstance(x, np.ndarray):
        return x.item() if x.ndim == 0 else from_numpy(x)
    return x


def _array(x):
    """x as a GPUArray, uploading host values."""
    return x if isinstance(x, GPUArray) else from_numpy(np.asarray(x))


# --- elementwise -----------------------------------------------------------------------
def _unary(op):
    def fn(a):
        return elementwise.unary(op, a)
    fn.__name__ = op
    return fn


def _binary(op):
    def fn(a, b):
        return elementwise.binary(op, _operand(a), _operand(b))
    fn.__name__ = op
    return fn


neg, exp, log, sqrt, abs, sign = map(_unary, ("neg", "exp", "log", "sqrt", "abs", "sign"))
sin, cos, tanh, floor, ceil, round = map(_unary, ("sin", "cos", "tanh", "floor", "ceil", "round"))
log1p, expm1, reciprocal = map(_unary, ("log1p", "expm1", "reciprocal"))
sigmoid, relu, erf, erfc = map(_unary, ("sigmoid", "relu", "erf", "erfc"))
add, sub, mul, div, pow = map(_binary, ("add", "sub", "mul", "div", "pow"))
maximum, minimum, floor_divide, remainder, atan2 = map(
    _binary, ("maximum", "minimum", "floor_divide", "remainder", "atan2"))
eq, ne, lt, le, gt, ge = map(_binary, ("eq", "ne", "lt", "le", "gt", "ge"))
logical_and, logical_or, logical_xor = map(_binary, ("logical_and", "logical_or", "logical_xor"))
logical_not = elementwise.logical_not
bitwise_and, bitwise_or, bitwise_xor = map(_binary, ("bitwise_and", "bitwise_or", "bitwise_xor"))
bitwise_not = _unary("bitwise_not")


def threshold_backward(g, out):
    # as PyTorch's `out <= 0 ? 0 : g`: g passes where the output is NaN
    return elementwise.run("select(a, 0.0, le_f(b, 0.0))", g.dtype, [g, _operand(out)])


def tanh_backward(g, y):
    return elementwise.run("a * (1.0 - b * b)", g.dtype, [g, _operand(y)])


def sigmoid_backward(g, y):
    return elementwise.run("a * b * (1.0 - b)", g.dtype, [g, _operand(y)])


def where(cond, a, b):
    return elementwise.where(_operand(cond), _operand(a), _operand(b))


# --- reductions ------------------------------------------------------------------------
def _axes(a, axes):
    return tuple(range(a.ndim)) if axes is None else tuple(axes)


def sum(a, axes, keepdims):
    return reduce.reduce("sum", a, _axes(a, axes), keepdims)


def prod(a, axes, keepdims):
    return reduce.reduce("prod", a, _axes(a, axes), keepdims)


def max(a, axes, keepdims):
    return reduce.reduce("max", a, _axes(a, axes), keepdims)


def min(a, axes, keepdims):
    return reduce.reduce("min", a, _axes(a, axes), keepdims)


def any(a, axes, keepdims):
    return reduce.reduce("any", a, _axes(a, axes), keepdims)


def all(a, axes, keepdims):
    return reduce.reduce("all", a, _axes(a, axes), keepdims)


def _argreduce(op, a, axis, keepdims):
    if axis is not None:
        return reduce.argreduce(op, a, axis, keepdims)
    flat = reduce.argreduce(op, reshape(a, (-1,)), 0, False)
    return reshape(flat, (1,) * a.ndim) if keepdims else flat


def argmax(a, axis, keepdims):
    return _argreduce("argmax", a, axis, keepdims)


def argmin(a, axis, keepdims):
    return _argreduce("argmin", a, axis, keepdims)


# --- linear algebra --------------------------------------------------------------------
matmul = linalg.matmul


# --- movement (views where the layout allows) ------------------------------------------
reshape = movement.reshape
view = movement.view


def permute(a, axes):
    return _permute(a, axes)


def broadcast_to(a, shape):
    return _broadcast_to(a, shape)


def getitem(a, index):
    return basic_index(a, index)


contiguous = elementwise.contiguous


def is_contiguous(a):
    return a.is_contiguous


concatenate = movement.concatenate
pad = movement.pad
flip = movement.flip

# --- gather / scatter on flat (linear) indices ------------------------------------------
def take(a, index):
    """a.ravel()[index]: every advanced-indexing read reduces to this."""
    return indexing.take(a, _array(index))


def scatter_add(n, index, values):
    """A length-n array holding the sum of values at each index (advanced-indexing backward)."""
    return indexing.scatter_add(n, _array(index), _array(values))

# --- neural-network kernels --------------------------------------------------------------
def conv2d(x, w, stride, padding, dilation, groups, keep_windows=False, bias=None):
    result = conv.conv2d(x, w, stride, padding, dilation, groups, keep_windows)
    if bias is None:
        return result
    out, windows = result if keep_windows else (result, None)
    out = add(out, reshape(bias, (1, -1, 1, 1)))
    return (out, windows) if keep_windows else out


conv2d_backward_input = conv.conv2d_backward_input
conv2d_backward_weight = conv.conv2d_backward_weight
max_pool2d = pool.max_pool2d
def max_pool2d_backward(grad_out, indices, input_shape, overlapping=True):
    return pool.max_pool2d_backward(grad_out, _array(indices), input_shape)  # accumulates either way
avg_pool2d = pool.avg_pool2d
avg_pool2d_backward = pool.avg_pool2d_backward
softmax = activations.softmax
log_softmax = activations.log_softmax

# --- fused optimizer updates (in place) ---------------------------------------------------
sgd_step = optim.sgd_step
adam_step = optim.adam_step


def _register():
    from ..._device import register_backend
    register_backend(name, sys.modules[__name__], GPUArray)


_register()
