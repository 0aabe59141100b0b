"""The deprecated per-device spellings torch.cpu.amp and torch.cuda.amp: torch.amp's autocast and
GradScaler for one device, with PyTorch's FutureWarning."""
import warnings

from .autocast_mode import autocast as _autocast
from .grad_scaler import GradScaler as _GradScaler


def per_device(device):
    """The (autocast, GradScaler) classes of torch.<device>.amp."""
    class autocast(_autocast):
        def __init__(self, enabled=True, dtype=None, cache_enabled=True):
            warnings.warn(f"`torch.{device}.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast("
                          f"'{device}', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    class GradScaler(_GradScaler):
        def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                     enabled=True):
            warnings.warn(f"`torch.{device}.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler("
                          f"'{device}', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__(device, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)
    for cls in (autocast, GradScaler):
        cls.__qualname__, cls.__module__ = cls.__name__, f"engine.{device}.amp"
    return autocast, GradScaler
