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


def synchronize():
    """Wait until every submitted GPU command has finished."""
    from .backends import webgpu
    webgpu.synchronize()


def memory_stats():
    """Live and pooled GPU buffers (counts and bytes) of the caching allocator."""
    from .backends import webgpu
    return webgpu.memory_stats()
