"""The `fp32_precision` setting of torch.backends' per-operation groups (cudnn.conv, mkldnn.matmul, ...).
A flag only: the engine computes float32 in float32 whatever it says."""


class FP32Precision:
    """Holds fp32_precision, one of what its backend supports; like PyTorch's, it takes no other attribute."""
    __slots__ = ("fp32_precision", "_backend", "_supported")

    def __init__(self, backend, value, supported=("none", "ieee", "tf32", "bf16")):
        object.__setattr__(self, "_backend", backend)
        object.__setattr__(self, "_supported", supported)
        self.fp32_precision = value

    def __setattr__(self, name, value):
        if name != "fp32_precision":
            raise AttributeError("Unknown attribute " + name)
        if value not in ("none", "ieee", "tf32", "bf16"):
            raise RuntimeError(f"Unknown precision: {value}")
        if value not in self._supported:
            raise RuntimeError(f"backend '{self._backend}' does not support precision '{value}'")
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        raise AttributeError("Unknown attribute " + name)
