"""torch.backends.mkldnn: oneDNN (MKL-DNN). PyTorch's CPU build has it and reports it available; its
flags are kept as that build keeps them, so code that tests or sets them runs unchanged. The
engine's CPU kernels are numpy's, whatever they say."""
import warnings
from contextlib import contextmanager

from ._precision import FP32Precision

VERBOSE_OFF = 0
VERBOSE_ON = 1
VERBOSE_ON_CREATION = 2

enabled = True
deterministic = False
allow_tf32 = None  # TF32 on oneDNN exists for Intel GPUs only: PyTorch's CPU build answers None
fp32_precision = "none"
matmul = FP32Precision("mkldnn", "none")
conv = FP32Precision("mkldnn", "none")
rnn = FP32Precision("mkldnn", "none")


def is_available():
    """True, as PyTorch's CPU build reports."""
    return True


def is_acl_available():
    """False: no Arm Compute Library."""
    return False


class verbose:
    """`with mkldnn.verbose(level):` oneDNN's kernel log for a block; the engine's kernels log nothing."""

    def __init__(self, level):
        self.level = level

    def __enter__(self):
        return None if self.level == VERBOSE_OFF else self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None, _fp32_precision="none"):
    """Set the flags given (not None) and return all of them as they were, in this order."""
    global enabled, deterministic, fp32_precision
    old = (enabled, deterministic, allow_tf32, fp32_precision)
    if _enabled is not None:
        enabled = _enabled
    if _deterministic is not None:
        deterministic = _deterministic
    if _allow_tf32 is not None:
        warnings.warn("TF32 acceleration on top of oneDNN is available for Intel GPUs; there is none here, "
                      "so allow_tf32 stays None.", stacklevel=2)
    if _fp32_precision is not None:
        fp32_precision = _fp32_precision
    return old


@contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    """Set the flags inside a `with` block and restore them after it."""
    old = set_flags(enabled, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        set_flags(*old)
