"""The torch.* functions and the autograd ops they record, one file per op family.

Each family file holds its public functions (PyTorch's argument rules, type promotion, error messages)
beside the ops they record: classes named after the node PyTorch records (`ExpBackward0`), whose
`forward(ctx, *inputs, **params)` computes with the backend's primitives and whose `backward(ctx, *grads)`
returns one gradient per positional input, written with Tensor ops so that gradients are differentiable
themselves (`create_graph=True`). Gradients may keep a broadcast shape: the backward walk sums them down.

    _args.py       shared argument, device and promotion helpers
    create.py      tensor(), zeros, arange, conversions (to, .float())
    random.py      rand, randn, randint, normal, multinomial, ... and the in-place samplers (PyTorch's streams)
    arithmetic.py  + - * / // % **, comparisons, logic
    pointwise.py   exp, log, trigonometry, rounding, clamp, ...
    index.py       x[...], where, gather, scatter, index_add, ...
    shape.py       view, reshape, transpose, cat, split, flip, ...
    reduce.py      sum, mean, max, var, cumsum, sort, quantile, ...
    linalg.py      mm, matmul, einsum, norms, distances
    nn/            activations and softmax, convolution and pooling, losses, norms, embedding
    _methods.py    the Tensor methods and operators made from all of the above

The families are imported in this order (each imports only from the ones above it, except index.py,
which takes three view ops from shape.py once both exist).
"""
from . import _args, create, random, arithmetic, pointwise, index, shape, reduce, linalg  # noqa: F401
from . import composite  # noqa: F401
from .nn import activation, conv, loss, norm, embedding  # noqa: F401
from . import _methods
from .create import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403
from .arithmetic import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .nn.activation import *  # noqa: F401,F403
from ._methods import *  # noqa: F401,F403
from .composite import *  # noqa: F401,F403
from ._signature import with_out as _with_out, refuse_stale_views_first_in as _refuse_stale_views_first_in

# torch.* functions that also take out= (the Tensor methods above do not)
for _name in ('add', 'sub', 'subtract', 'mul', 'multiply', 'div', 'divide', 'true_divide', 'matmul', 'mm', 'bmm', 'mv',
              'addmm', 'exp', 'log', 'log2', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'abs', 'neg', 'pow', 'cat', 'concat',
              'stack', 'where', 'clamp', 'clip', 'arange', 'linspace', 'zeros', 'ones', 'full', 'empty', 'rand',
              'randn', 'randint', 'tanh', 'sigmoid', 'sin', 'cos', 'maximum', 'minimum', 'floor', 'ceil', 'round',
              'erf', 'reciprocal', 'remainder', 'fmod', 'sign', 'outer', 'dot', 'cumsum', 'gather', 'index_select',
              'masked_select', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or', 'logical_not'):
    if _name in globals():
        globals()[_name] = _with_out(globals()[_name])

__all__ = [name for module in (create, random, arithmetic, pointwise, index, shape, reduce, linalg, activation,
                               _methods, composite)
           for name in module.__all__]

# a stale view among a torch.* function's inputs is refused before the function's argument errors, as in PyTorch
_refuse_stale_views_first_in(globals(), [name for module in (arithmetic, pointwise, index, shape, reduce, linalg,
                                                             activation, _methods, composite)
                                         for name in module.__all__])
