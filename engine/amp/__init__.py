"""torch.amp: automatic mixed precision. autocast is accepted with PyTorch's argument checks and warnings but
computes in the tensors' own dtypes (the engine has no bfloat16, and its float16 matmuls would be no faster);
GradScaler scales losses and unscales gradients as PyTorch's does."""
from .autocast_mode import autocast, is_autocast_available, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "is_autocast_available", "GradScaler"]
