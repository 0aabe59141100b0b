"""What PyTorch's argument parser does around a function before the math: numpy's keyword spellings
(axis=, keepdims=), a dim of 0 or -1 on a 0-d tensor, and out=. Kept off the fast path: a call with no
keywords on a tensor with dims goes straight to the function."""
import functools
import inspect
import re
import types

from .._device import backend_of
from ..autograd.grad_mode import enabled as _grad_enabled
from ..autograd.inplace import refuse_stale, refuses_stale_first
from ..tensor import Tensor, _wrap_dim

_ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input"}


def reduction(fn, scalar_as_vector=True):
    """A function that reduces, or runs along, a dim: PyTorch accepts dim 0 / -1 on a 0-d tensor and treats it
    as a one-element dim (by calling fn on a one-element vector when `scalar_as_vector`; else fn takes the 0-d
    tensor itself and records its own node, as softmax's SoftmaxBackward0)."""
    refuses_first = refuses_stale_first(fn.__name__)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            if not kwargs and args[0]._data.ndim:
                return fn(*args)
            return _reduce_with_torch_arguments(fn, scalar_as_vector, args, kwargs)
        except (IndexError, RuntimeError, ValueError):
            if refuses_first:  # a stale view's refusal comes before the argument's error, as in PyTorch
                refuse_stale(*args, *kwargs.values())
            raise
        except AttributeError as error:
            raise not_a_tensor(fn, args, kwargs, error) from None
    call.refuses_stale_first = refuses_first
    return call


def _reduce_with_torch_arguments(fn, scalar_as_vector, args, kwargs):
    out = kwargs.pop("out", None)
    if kwargs:
        kwargs = {_ALIASES.get(k, k): v for k, v in kwargs.items()}
    x = args[0] if args else kwargs.pop("input")
    if x._data.ndim == 0:
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        if dim is not None and not isinstance(dim, str):
            for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
                _wrap_dim(d, 0)  # PyTorch's IndexError for anything but 0 and -1
            if not scalar_as_vector:
                return _write_out(fn.__name__, out, fn(x, *args[1:], **kwargs))
            if len(args) > 1:
                args = (x.reshape(1), 0) + args[2:]
            else:
                args, kwargs["dim"] = (x.reshape(1),), 0
            return _write_out(fn.__name__, out, _as_scalar(fn(*args, **kwargs)))
    return _write_out(fn.__name__, out, fn(x, *args[1:], **kwargs))


def with_out(fn):
    """A torch.* function that also takes out=: the result is written into out (resized as PyTorch does)."""
    refuses_first = refuses_stale_first(fn.__name__)

    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except (IndexError, RuntimeError, ValueError):
            if refuses_first:  # as in reduction()
                refuse_stale(*args, *kwargs.values())
            raise
        except AttributeError as error:
            raise not_a_tensor(fn, args, kwargs, error) from None
        return _write_out(fn.__name__, out, result)
    call.refuses_stale_first = refuses_first
    return call


def refusing_stale_first(fn, errors=(IndexError, RuntimeError, ValueError)):
    """A torch.* function (the Tensor methods have their own: autograd/inplace) that, as PyTorch's, raises a stale
    view's refusal before its own argument errors: torch.transpose(v, 0, 5) on a stale view v raises the refusal,
    not the bad dim. Only the error branch looks for stale views: arguments that are fine cost nothing more."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except errors:
            refuse_stale(*args, *kwargs.values())
            raise
        except AttributeError as error:
            raise not_a_tensor(fn, args, kwargs, error) from None
    call.refuses_stale_first = True
    return call


def not_a_tensor(fn, args, kwargs, error):
    """PyTorch's TypeError where a number, list or string was given for one of fn's Tensor arguments (found by the
    engine reading its ._data): the first argument of that type, by name and position; else the error itself."""
    found = re.fullmatch(r"'(\w+)' object has no attribute '_data'", str(error))
    if found is None:
        return error
    names = list(inspect.signature(fn).parameters)
    for position, value in enumerate(args):
        if value.__class__.__name__ == found[1] and position < len(names):
            return TypeError(f"{fn.__name__}(): argument '{names[position]}' (position {position + 1}) must be "
                             f"Tensor, not {found[1]}")
    for name, value in kwargs.items():
        if value.__class__.__name__ == found[1]:
            return TypeError(f"{fn.__name__}(): argument '{name}' must be Tensor, not {found[1]}")
    return error


def refuse_stale_views_first_in(namespace, names, errors=(IndexError, RuntimeError, ValueError)):
    """Make each function in names (of a module's namespace) refusing_stale_first where PyTorch's does so: not
    the ones that record no graph or check their arguments before they record (autograd/inplace), nor those that
    already do (reduction, with_out), nor in-place ones (relu_), which refuse a write to the view first. errors:
    those of the function's that come after PyTorch's refusal."""
    for name in names:
        fn = namespace[name]
        if (fn.__class__ is types.FunctionType and refuses_stale_first(name) and not name.endswith("_")
                and not hasattr(fn, "refuses_stale_first")):
            namespace[name] = refusing_stale_first(fn, errors)


def _as_scalar(result):
    if isinstance(result, Tensor):
        return result.reshape(())
    return result.__class__(*(r.reshape(()) for r in result))


def _write_out(name, out, result):
    if out is None:
        return result
    if isinstance(result, Tensor):
        _copy_result(name, out, result)
        return out
    for o, r in zip(out, result):
        _copy_result(name, o, r)
    return out


def _copy_result(name, out, result):
    if _grad_enabled[0] and (result._requires_grad or out._requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if out._data.shape != result._data.shape:  # PyTorch resizes out to the result's shape
        out._data = backend_of(out._data).full(result._data.shape, 0, out._data.dtype)
    out.copy_(result)
