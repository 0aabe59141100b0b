"""A PyTorch-compatible tensor and autograd library on numpy (and WebGPU): `import engine as torch`."""
import warnings as _warnings
from importlib import import_module as _import_module

from . import _dtype
from ._dtype import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64,
                     get_default_dtype, set_default_dtype)
from ._device import device
from .tensor import Tensor, Size
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from . import autograd
from .ops import *  # noqa: F401,F403  (the torch.* functions)
from .random import manual_seed, seed, initial_seed, get_rng_state, set_rng_state, Generator
from .random import default_generator
from ._tensor_str import set_printoptions
from . import linalg, special, nn, optim, utils, webgpu, cuda, graph
# PyTorch's device modules and process-wide switches (torch.cpu is a module there, not the cpu() function)
from . import mps, accelerator, amp, compiler
cpu = _import_module(".cpu", __name__)
from .amp import autocast, is_autocast_enabled
from .compiler import compile
from ._settings import (set_float32_matmul_precision, get_float32_matmul_precision, use_deterministic_algorithms,
                        are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled,
                        set_default_device, get_default_device)
from ._legacy_types import (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,
                            ByteTensor, BoolTensor)
from .serialization import save, load
# torch.conv2d and the like: the torch.* forms of torch.nn.functional's ops that take the same arguments
from .nn.functional import (conv1d, conv2d, conv_transpose1d, conv_transpose2d, max_pool1d, max_pool2d,  # noqa: E402
                            avg_pool1d, pixel_shuffle, pixel_unshuffle, channel_shuffle, cosine_similarity,
                            pairwise_distance, bilinear, prelu, selu, celu, hardshrink, threshold, rrelu, group_norm,
                            layer_norm, rms_norm, dropout, alpha_dropout)
from ._type_info import finfo, iinfo
from . import version
from .version import __version__
from ._settings import set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads

# PyTorch's constants
inf, nan, pi, e, newaxis = float("inf"), float("nan"), 3.141592653589793, 2.718281828459045, None

# PyTorch's aliases for dtypes
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = None

# PyTorch computes IEEE results silently (log(-1) is nan, 1/0 inf); numpy would warn from inside the
# engine's kernels. Only warnings raised in engine code are hidden: the user's own numpy still warns.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"engine(\.|$)")

