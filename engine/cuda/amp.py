"""torch.cuda.amp: the deprecated spellings of torch.amp's autocast and GradScaler for "cuda"."""
from ..amp.deprecated import per_device

autocast, GradScaler = per_device("cuda")
