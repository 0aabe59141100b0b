"""Process-wide switches PyTorch programs set: float32 matmul precision, deterministic algorithms, the
default device. The engine's CPU kernels are always full float32 precision and deterministic, so the first
two are recorded and reported back, as PyTorch does. The default device is where the factories (zeros, randn,
tensor, arange, ...) create a tensor when no device= is given."""
import warnings

from ._device import device as _device, backend as _backend

_state = {"matmul_precision": "highest", "deterministic": False, "warn_only": False, "threads": 1,
          "interop_threads": 1, "device": None}
_CPU = _device("cpu")


def set_float32_matmul_precision(precision):
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", stacklevel=2)
        return
    _state["matmul_precision"] = precision
    # as PyTorch, the precision is also what the backends' matmul switches read back
    from .backends import cuda, mkldnn
    cuda.matmul.fp32_precision = "ieee" if precision == "highest" else "tf32"
    mkldnn.matmul.fp32_precision = {"highest": "ieee", "high": "tf32", "medium": "bf16"}[precision]


def get_float32_matmul_precision():
    return _state["matmul_precision"]


def use_deterministic_algorithms(mode, *, warn_only=False):
    for argument, value in (("'mode' (position 1)", mode), ("'warn_only'", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"_set_deterministic_algorithms(): argument {argument} must be bool, not "
                            f"{type(value).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["warn_only"]


def set_default_device(device):
    """Factories called without device= create on `device` from now on (None: the CPU again). As in
    PyTorch, a device this build lacks (cuda) is accepted here and refused when a factory uses it; tensors
    that share memory (from_numpy) and the *_like forms keep their own device."""
    if device is not None and not isinstance(device, _device):
        device = _device(device) if not isinstance(device, int) else _device("cuda", device)
    _state["device"] = device


def get_default_device():
    device = _state["device"]
    if device is None:
        return _CPU
    _backend(device.type)  # PyTorch makes a tensor there to learn the index: a missing device raises
    return device


def default_device():
    """The device a factory uses when given none; None means the CPU (the fast path)."""
    return _state["device"]


# Thread counts: the engine's kernels run where numpy puts them (one Python thread; BLAS threads are numpy's
# own setting), so these record the request and report it back.
def set_num_threads(num):
    if not isinstance(num, int) or isinstance(num, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["threads"] = num


def get_num_threads():
    return _state["threads"]


def set_num_interop_threads(num):
    _state["interop_threads"] = int(num)


def get_num_interop_threads():
    return _state["interop_threads"]
