"""torch.cpu: the device every engine tensor can live on."""
from . import amp


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    """CPU ops finish before they return: nothing to wait for."""


def is_initialized():
    return True
