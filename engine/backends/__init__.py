"""Backends, in both of PyTorch's senses.

The kernels each device runs: primitives.py declares every primitive a backend provides, numpy/
runs them on the CPU and webgpu/ as WGSL shaders (imported on first use of the device).

torch.backends' switches, for code written against torch (`torch.backends.cudnn.deterministic =
True`, `torch.backends.mps.is_available()`): cudnn, cuda, mps, cpu, mkldnn, openmp and opt_einsum,
with the values PyTorch's CPU build reports.
"""
from . import cpu, cuda, cudnn, mkldnn, mps, openmp, opt_einsum
