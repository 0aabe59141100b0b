"""torch.cpu.amp: the deprecated spelling of torch.amp's autocast and GradScaler for "cpu"."""
from ..amp.deprecated import per_device

autocast, GradScaler = per_device("cpu")
