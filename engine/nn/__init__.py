"""torch.nn: modules, parameters, functional, init."""
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer
from .modules import *  # noqa: F401,F403
from . import modules, functional, init, utils
