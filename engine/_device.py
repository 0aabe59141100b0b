"""Devices, as in PyTorch, and the backend (the module of primitive kernels) behind each."""
import numpy as np

from .backends import numpy as numpy_backend


class device:
    """`engine.device("cpu")`, `engine.device("webgpu")`; compares equal to its string."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        type = str(type)
        if ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in _BACKENDS and type not in _LAZY and type not in _ABSENT:
            known = ", ".join(sorted({*_BACKENDS, *_LAZY, *_ABSENT}))
            raise RuntimeError(f"Expected one of {known} device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and \
            (self.index == other.index or None in (self.index, other.index))

    def __hash__(self):
        return hash(self.type)

    def __enter__(self):
        """`with engine.device("webgpu"):` makes it the default device for the block, as PyTorch's does."""
        from . import _settings
        _OUTER_DEFAULTS.append(_settings.default_device())
        _settings.set_default_device(self)
        return self

    def __exit__(self, *exc):
        from . import _settings
        _settings.set_default_device(_OUTER_DEFAULTS.pop())


_OUTER_DEFAULTS = []                         # default devices outside the `with device(...)` blocks we are in
_BACKENDS = {"cpu": numpy_backend}           # device type -> backend module
_ARRAY_TYPES = {np.ndarray: "cpu"}           # backend array class -> device type
# Backends imported on first use, so `import engine` stays light where no GPU exists.
_LAZY = {"webgpu": "engine.backends.webgpu"}
# PyTorch's devices that cannot exist here: naming one is fine, putting a tensor there fails as it does in a
# PyTorch built without them.
_ABSENT = {"cuda": AssertionError("Torch not compiled with CUDA enabled"),
           "xpu": AssertionError("Torch not compiled with XPU enabled"),
           "mps": RuntimeError("PyTorch is not linked with support for mps devices")}
CPU = device("cpu")
_DEVICES = {"cpu": CPU}


def register_backend(type_name, backend, array_type):
    """Make a device type usable: its backend module and the array class its tensors hold."""
    _BACKENDS[type_name] = backend
    _ARRAY_TYPES[array_type] = type_name
    _DEVICES[type_name] = device(type_name)


def backend(type_name):
    if type_name in _ABSENT:
        error = _ABSENT[type_name]
        raise type(error)(*error.args)
    if type_name not in _BACKENDS and type_name in _LAZY:
        import importlib
        importlib.import_module(_LAZY[type_name])  # registers itself
    return _BACKENDS[type_name]


def device_of(array):
    return _DEVICES[_ARRAY_TYPES[array.__class__]]


def backend_of(array):
    return _BACKENDS[_ARRAY_TYPES[array.__class__]]


def to_numpy_many(arrays):
    """numpy copies of backend arrays of any devices. A backend that can read several arrays at once
    (`to_numpy_many`: the GPU waited for once instead of once per array) gets all of its arrays together."""
    out = [None] * len(arrays)
    groups = {}
    for i, a in enumerate(arrays):
        groups.setdefault(_ARRAY_TYPES[a.__class__], []).append(i)
    for type_name, positions in groups.items():
        b = _BACKENDS[type_name]
        many = getattr(b, "to_numpy_many", None)
        values = many([arrays[i] for i in positions]) if many else [np.array(b.to_numpy(arrays[i]))
                                                                     for i in positions]
        for i, value in zip(positions, values):
            out[i] = value
    return out
