"""engine.webgpu: the GPU device of the browser (and of wgpu natively), as torch.cuda is PyTorch's.

    device = "webgpu" if engine.webgpu.is_available() else "cpu"
    model.to(device); x = x.to(device)
"""


def is_available():
    """True when a WebGPU adapter can be opened here (navigator.gpu in a browser, wgpu natively)."""
    try:
        from .backends import webgpu
    except ImportError:
        return False
    return webgpu.is_available()


def adapter_name():
    """The adapter's description, e.g. 'llvmpipe (LLVM 15.0.6, 256 bits)' or 'SwiftShader'."""
    from .backends import webgpu
    return webgpu.adapter_name()


def adapter_info():
    """What the adapter says about itself: vendor, architecture, device, description, a short
    `label`, and `is_fallback` (True for a software implementation such as SwiftShader or
    llvmpipe, where WebGPU is an emulation on the CPU)."""
    from .backends import webgpu
    return webgpu.adapter_info()


def read_back(tensors):
    """numpy copies of the values of several tensors, read back from the GPU together: one wait for
    all of them rather than one per `.numpy()`. CPU tensors are copied as they are."""
    from ._device import to_numpy_many
    return to_numpy_many([t._data for t in tensors])


async def to_numpy_async(tensor):
    """A numpy copy of the tensor's values, awaiting the GPU's answer: the read-back that works in every
    browser, also where synchronous Python cannot wait for a promise (no JS Promise Integration)."""
    data = tensor.detach()._data
    if not hasattr(data, "storage"):         # a CPU tensor: a numpy array already
        return data.copy()
    from .backends import webgpu
    return await webgpu.to_numpy_async(data)


def synchronize():
    """Wait until every submitted GPU command has finished."""
    from .backends import webgpu
    webgpu.synchronize()


def memory_stats():
    """Live and pooled GPU buffers (counts and bytes) of the caching allocator."""
    from .backends import webgpu
    return webgpu.memory_stats()
