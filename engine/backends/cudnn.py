"""torch.backends.cudnn: NVIDIA's cuDNN, which this engine does not have. Its flags are kept as
PyTorch's CPU build keeps them, so code that sets them (`cudnn.deterministic = True`,
`cudnn.benchmark = False`) runs unchanged; they change nothing here."""
from contextlib import contextmanager

from ._precision import FP32Precision

enabled = True
deterministic = False
benchmark = False
benchmark_limit = None  # an int only where cuDNN exists
allow_tf32 = True
fp32_precision = "none"
depthwise_kernel = "auto"
conv = FP32Precision("cuda", "tf32", ("none", "ieee", "tf32"))


def is_available():
    """False: there is no cuDNN."""
    return False


def version():
    """None: there is no cuDNN."""
    return None


def is_acceptable(tensor):
    """Whether cuDNN could take this tensor: never here (it takes CUDA tensors only)."""
    return False


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None, _allow_tf32=None,
              _fp32_precision="none", _depthwise_kernel=None):
    """Set the flags given (not None) and return all of them as they were, in this order."""
    global enabled, benchmark, deterministic, allow_tf32, fp32_precision, depthwise_kernel
    old = (enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision, depthwise_kernel)
    if _enabled is not None:
        enabled = _enabled
    if _benchmark is not None:
        benchmark = _benchmark
    if _deterministic is not None:
        deterministic = _deterministic
    if _allow_tf32 is not None:
        allow_tf32 = _allow_tf32
    if _fp32_precision is not None:
        fp32_precision = _fp32_precision
    if _depthwise_kernel is not None:
        depthwise_kernel = _depthwise_kernel
    return old


@contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    """Set the flags inside a `with` block and restore them after it."""
    old = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision,
                    depthwise_kernel)
    try:
        yield
    finally:
        set_flags(*old)
