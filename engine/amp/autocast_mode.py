"""autocast: a context manager (and decorator) that records that mixed precision was asked for."""
import functools
import warnings

from .. import _dtype
from .._device import device as _device

_AVAILABLE = ("cpu", "cuda")
# What torch.is_autocast_enabled(device_type) answers: changed only inside `with autocast(...)`.
_enabled = {name: False for name in _AVAILABLE}


def is_autocast_available(device_type):
    return device_type in _AVAILABLE


def is_autocast_enabled(device_type="cuda"):
    return _enabled.get(device_type, False)


class autocast:
    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _device(device_type)  # an unknown device name raises the device's own error
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = dtype  # None: the device's default (bfloat16 on cpu, float16 on cuda in PyTorch)
        self._cache_enabled = cache_enabled
        if enabled:
            if device_type == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                enabled = False
            elif dtype is not None and dtype is not _dtype.float16:
                warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                              "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                              stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev = _enabled[self.device]
        _enabled[self.device] = self._enabled
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        _enabled[self.device] = self.prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorated
