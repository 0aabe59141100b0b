"""torch.backends.mps: Apple's Metal backend, which this engine does not have (its GPU device is
"webgpu"), so it reports what PyTorch does on a machine without MPS."""


def is_available():
    """False: there is no MPS device (the GPU device here is "webgpu")."""
    return False


def is_built():
    """False: built without MPS."""
    return False


def _no_mps(what):
    raise RuntimeError(f"Cannot execute {what} without MPS backend.")


def is_macos_or_newer(major, minor):
    _no_mps("isOnMacOSorNewer()")


def is_macos13_or_newer(minor=0):
    _no_mps("isOnMacOSorNewer()")


def get_core_count():
    _no_mps("get_core_count()")


def get_name():
    _no_mps("get_name()")
