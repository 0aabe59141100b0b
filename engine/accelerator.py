"""torch.accelerator: the current accelerator device, device-agnostically. The engine's only accelerator,
WebGPU, is not one of PyTorch's device types, so the answers are those of a CPU-only PyTorch (choose webgpu
explicitly with engine.webgpu.is_available())."""


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0


def _none_available(*args, **kwargs):
    raise RuntimeError("Cannot access accelerator device when none is available.")


current_device_index = current_device_idx = set_device_index = set_device_idx = synchronize = _none_available
current_stream = empty_cache = empty_host_cache = get_memory_info = get_device_capability = _none_available
memory_allocated = max_memory_allocated = _none_available
memory_reserved = max_memory_reserved = memory_stats = reset_peak_memory_stats = _none_available
reset_accumulated_memory_stats = _none_available
