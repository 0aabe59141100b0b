"""torch.version: what this build has. There is no CUDA, ROCm or cuDNN here."""
__version__ = "0.1.0"
cuda = None
hip = None
git_version = None
debug = False
