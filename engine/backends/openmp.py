"""torch.backends.openmp."""


def is_available():
    """Whether the build has OpenMP: True, as PyTorch's CPU wheels report (a flag code may test;
    the engine's threads are numpy's and its BLAS's)."""
    return True
