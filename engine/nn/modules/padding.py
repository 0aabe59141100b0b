"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad in 1, 2 and 3 dims,
each F.pad with a fixed padding (an int pads every side)."""
from .. import functional as F
from .module import Module


class _PadNd(Module):
    _mode, _dims = "constant", 1

    def __init__(self, padding):
        super().__init__()
        self.padding = F._ntuple(2 * self._dims)(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        if input.dim() not in (self._dims + 1, self._dims + 2):  # PyTorch checks only for circular padding
            raise ValueError(f"expected {self._dims + 1}D or {self._dims + 2}D input (got {input.dim()}D input)")
        return super().forward(input)


def _layer(name, base, dims, mode=None):
    attrs = {"_dims": dims, "__module__": __name__}
    if mode:
        attrs["_mode"] = mode
    return type(name, (base,), attrs)


ConstantPad1d, ConstantPad2d, ConstantPad3d = (_layer(f"ConstantPad{d}d", _ConstantPadNd, d) for d in (1, 2, 3))
ZeroPad1d, ZeroPad2d, ZeroPad3d = (_layer(f"ZeroPad{d}d", _ZeroPadNd, d) for d in (1, 2, 3))
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = (_layer(f"ReflectionPad{d}d", _PadNd, d, "reflect")
                                                     for d in (1, 2, 3))
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = (_layer(f"ReplicationPad{d}d", _PadNd, d, "replicate")
                                                        for d in (1, 2, 3))
CircularPad1d, CircularPad2d, CircularPad3d = (_layer(f"CircularPad{d}d", _CircularPadNd, d) for d in (1, 2, 3))
