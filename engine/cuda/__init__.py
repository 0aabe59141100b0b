"""engine.cuda: there is no CUDA here. Everything answers as a PyTorch built without CUDA does, so tutorial
code takes its CPU path: is_available() is False, the seeding and memory queries are silently fine, and what
needs a GPU (synchronize, current_device, tensor.cuda(), ...) raises PyTorch's AssertionError."""
from . import amp


def _not_compiled(*args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled")


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def is_bf16_supported(including_emulation=True):
    return False


def get_arch_list():
    return []


# Seeding is queued in PyTorch until CUDA starts, which never happens: a silent no-op.
def manual_seed(seed):
    int(seed)


def manual_seed_all(seed):
    int(seed)


def seed():
    pass


def seed_all():
    pass


def get_rng_state_all():
    return []


def set_rng_state_all(new_states):
    pass


def set_rng_state(new_state, device="cuda"):
    pass


# The caching allocator has nothing allocated.
def empty_cache():
    pass


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def memory_stats(device=None):
    return {}


init = synchronize = current_device = initial_seed = ipc_collect = current_stream = _not_compiled


def get_device_name(device=None):
    _not_compiled()


def get_device_capability(device=None):
    _not_compiled()


def get_device_properties(device=None):
    _not_compiled()


def get_rng_state(device="cuda"):
    _not_compiled()


def mem_get_info(device=None):
    _not_compiled()


class device:
    """torch.cuda.device(i): a context manager selecting GPU i; entering it fails without CUDA."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *exc):
        return False
