"""The CPU backend: the primitives of engine/backends/primitives.py on numpy arrays, one file per
family as in engine/backends/webgpu/."""
import ctypes
import sys

from .activations import log_softmax, sigmoid_backward, softmax, tanh_backward, threshold_backward
from .conv import conv2d, conv2d_backward_input, conv2d_backward_weight
from .elementwise import (abs, add, atan2, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, copy_into,
                          cos, div, eq, erf, erfc, exp, expm1, floor, floor_divide, ge, gt, le, log, log1p, logical_and,
                          logical_not, logical_or, logical_xor, lt, maximum, minimum, mul, ne, neg, pow, reciprocal,
                          relu, remainder, round, sigmoid, sign, sin, sqrt, sub, tanh, where)
from .indexing import scatter_add, setitem, take
from .linalg import matmul
from .movement import (broadcast_to, concatenate, contiguous, flip, getitem, is_contiguous, pad, permute, reshape,
                       view)
from .optim import adam_step, sgd_step
from .pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .reduce import all, any, argmax, argmin, max, min, prod, sum
from .transfer import arange, astype, from_numpy, full, to_numpy

name = "cpu"


def _reuse_freed_buffers():
    """glibc gives every buffer over 128 KiB fresh pages from the kernel and returns them when it is
    freed, so each step's activations page-fault their memory in again: about a fifth of a LeNet
    step. Buffers up to 32 MiB are kept in the heap for reuse instead. glibc only; elsewhere
    (Pyodide, macOS) nothing changes."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 256 << 20)


_reuse_freed_buffers()
