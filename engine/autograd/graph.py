"""torch.autograd.graph: the Node type every grad_fn is."""
from .node import Node  # noqa: F401
