"""The random family: rand, randn, randint, randperm, the *_like versions, normal, bernoulli and
multinomial; and the in-place samplers (uniform_, normal_, bernoulli_,
exponential_, random_, geometric_, cauchy_, log_normal_).

Every draw comes from engine/random.py's generator through engine/_sampling.py's transforms, so a
seed gives PyTorch's numbers. On other devices the numbers are drawn on the CPU generator and
uploaded: the same values on every device, as the seed promises.
"""
import math

import numpy as np

from .. import _dtype, _sampling
from .._device import backend_of
from ..random import generator_or_default
from ..autograd.inplace import count_untracked_write
from ..autograd.node import Op
from ..tensor import Tensor
from ._args import _shape_arg
from .create import _check_size, _factory as _new_tensor, _np_dtype


def _shape(size):
    return tuple(_check_size(_shape_arg(size)))


def _float_dtype(dtype):
    return _np_dtype(dtype)


def _numel(shape):
    return math.prod(shape)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    shape, dt = _shape(size), _float_dtype(dtype)
    values = _sampling.uniform(generator_or_default(generator), _numel(shape), dt).reshape(shape)
    return _new_tensor(values, dtype, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    shape, dt = _shape(size), _float_dtype(dtype)
    values = _sampling.normal(generator_or_default(generator), _numel(shape), dt).reshape(shape)
    return _new_tensor(values, dtype, device, requires_grad)


def _check_from_to(low, high):
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False):
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    low, high = int(low), int(high)
    _check_from_to(low, high)
    shape = _shape((size,) if isinstance(size, int) else size)
    values = _sampling.random_from_to(generator_or_default(generator), _numel(shape), low, high)
    dt = _np_dtype(dtype, _dtype.int64)
    return _new_tensor(values.astype(dt, copy=False).reshape(shape), dtype, device, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    values = _sampling.randperm(generator_or_default(generator), int(n))
    dt = _np_dtype(dtype, _dtype.int64)
    return _new_tensor(values.astype(dt), dtype, device, requires_grad)


def _like(input, dtype, device):
    return (_dtype.to_dtype(dtype) if dtype is not None else input.dtype), (device or input.device)


def _fill_order_strides(input):
    """The strides whose memory order a new tensor shaped like input follows (preserve_format)."""
    return None if input.is_contiguous() else input.stride()


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dtype, device = _like(input, dtype, device)
    values = _sampling.uniform(generator_or_default(generator), input.numel(), dtype.np)
    values = _sampling.in_fill_order(values, tuple(input.shape), _fill_order_strides(input))
    return _new_tensor(values, dtype, device, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dtype, device = _like(input, dtype, device)
    values = _sampling.normal(generator_or_default(generator), input.numel(), dtype.np,
                              contiguous=input.is_contiguous())
    values = _sampling.in_fill_order(values, tuple(input.shape), _fill_order_strides(input))
    return _new_tensor(values, dtype, device, requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    _check_from_to(int(low), int(high))
    dtype, device = _like(input, dtype, device)
    values = _sampling.random_from_to(generator_or_default(generator), input.numel(), int(low), int(high))
    values = _sampling.in_fill_order(values.astype(dtype.np), tuple(input.shape), _fill_order_strides(input))
    return _new_tensor(values, dtype, device, requires_grad)


def _check_std(std):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """torch.normal's four forms. With tensors, PyTorch draws standard (or std-scaled) normals for the
    broadcast shape first, then multiplies by std and adds mean, each in the result's precision."""
    g = generator_or_default(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        _check_std(std)
        shape, dt = _shape(size), _float_dtype(dtype)
        values = _sampling.normal(g, _numel(shape), dt, mean, std).reshape(shape)
        # PyTorch leaves torch.normal out of the factories that follow set_default_device: it stays on the CPU
        return _new_tensor(values, dtype, device or "cpu", requires_grad)
    if isinstance(std, Tensor) and (std.__array__() < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    like = mean if isinstance(mean, Tensor) else std
    dt = like._data.dtype
    shape = np.broadcast_shapes(tuple(mean.shape) if isinstance(mean, Tensor) else (),
                                tuple(std.shape) if isinstance(std, Tensor) else ())
    if isinstance(std, Tensor):
        values = _sampling.normal(g, _numel(shape), dt).reshape(shape)
        values = values * std.__array__().astype(dt)
    else:
        _check_std(std)
        values = _sampling.normal(g, _numel(shape), dt, 0.0, std).reshape(shape)
    values = (values + (mean.__array__().astype(dt) if isinstance(mean, Tensor) else dt.type(mean))).astype(dt)
    return _new_tensor(values, None, like.device, False)


def bernoulli(input, p=None, *, generator=None, out=None):
    """Each element 1 with probability input (or p), in input's dtype."""
    g = generator_or_default(generator)
    if p is None:
        probs = input.__array__()
        _check_probabilities(probs)
        values = _sampling.bernoulli_probs(g, probs.reshape(-1))
    else:
        values = _sampling.bernoulli(g, input.numel(), _check_p(p))
    return _new_tensor(values.astype(input._data.dtype).reshape(tuple(input.shape)), None, input.device, False)


def _check_p(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return float(p)


def _check_probabilities(probs):
    if not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    probs = input.__array__()
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    categories = probs.shape[-1]
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = probs.reshape(-1, categories)
    if not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    picks = _sampling.multinomial(generator_or_default(generator), rows, num_samples, replacement)
    picks = picks.astype(np.int64).reshape(probs.shape[:-1] + (num_samples,))
    return _new_tensor(picks, None, input.device, False)


class PoissonBackward0(Op):
    """poisson(rates): the counts do not change smoothly with the rates; PyTorch's gradient is zero."""

    def forward(ctx, rates, generator):
        values = rates.__array__()
        if not (values >= 0).all():
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
        counts = _sampling.poisson(generator_or_default(generator), values.reshape(-1))
        return backend_of(rates._data).from_numpy(counts.astype(values.dtype).reshape(values.shape))

    def backward(ctx, g):
        return g * 0


def poisson(input, generator=None):
    """A Poisson count for each rate in input, in input's dtype, drawn as PyTorch draws it."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"poisson_cpu" not implemented for \'{input.dtype._legacy[:-6]}\'')
    return PoissonBackward0.apply(input, generator=generator)


# --- in-place samplers ----------------------------------------------------------------------------------------
def _fill(self, values):
    """Writes values (flat, in draw order) into self's elements in PyTorch's fill order."""
    self._check_inplace()
    values = _sampling.in_fill_order(np.asarray(values).astype(self._data.dtype), tuple(self.shape),
                                     _fill_order_strides(self))
    b = backend_of(self._data)
    b.copy_into(self._data, b.from_numpy(values))
    count_untracked_write(self)
    return self


def _floating(self, name):
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"{name} expects a floating point tensor, but got {self.dtype}")
    return self._data.dtype


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    low = kwargs.pop("from", from_)
    if low > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={to}")
    dt = _floating(self, "uniform_")
    return _fill(self, _sampling.uniform(generator_or_default(generator), self.numel(), dt, low, to))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    _check_std(std)
    dt = _floating(self, "normal_")
    return _fill(self, _sampling.normal(generator_or_default(generator), self.numel(), dt, mean, std,
                                        contiguous=self.is_contiguous()))


def bernoulli_(self, p=0.5, *, generator=None):
    g = generator_or_default(generator)
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p.__array__(), tuple(self.shape))
        _check_probabilities(probs)
        order = _fill_order_strides(self)
        flat = probs if order is None else _in_memory_order(probs, order)
        return _fill(self, _sampling.bernoulli_probs(g, np.ascontiguousarray(flat).reshape(-1)))
    return _fill(self, _sampling.bernoulli(g, self.numel(), _check_p(p)))


def _in_memory_order(array, strides):
    """array's elements in the order a tensor with these strides is filled (the inverse of in_fill_order)."""
    index = _sampling.in_fill_order(np.arange(array.size), array.shape, strides)
    flat = np.empty(array.size, array.dtype)
    flat[index.reshape(-1)] = array.reshape(-1)
    return flat


def exponential_(self, lambd=1.0, *, generator=None):
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    dt = _floating(self, "exponential_")
    return _fill(self, _sampling.exponential(generator_or_default(generator), self.numel(), dt, lambd))


def geometric_(self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, _sampling.geometric(generator_or_default(generator), self.numel(), self._data.dtype, p))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    dt = _floating(self, "cauchy_")
    return _fill(self, _sampling.cauchy(generator_or_default(generator), self.numel(), dt, median, sigma))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    dt = _floating(self, "log_normal_")
    return _fill(self, _sampling.log_normal(generator_or_default(generator), self.numel(), dt, mean, std))


def random_(self, from_=None, to=None, *, generator=None, **kwargs):
    """random_(): [0, 2**mantissa] or [0, max]; random_(to): [0, to); random_(from, to): [from, to)."""
    low = kwargs.pop("from", from_)
    g = generator_or_default(generator)
    dt = self._data.dtype
    if low is None and to is None:
        return _fill(self, _sampling.random_full(g, self.numel(), dt))
    if to is None:
        low, to = 0, low
    low, to = int(low), int(to)
    _check_from_to(low, to)
    return _fill(self, _sampling.random_from_to(g, self.numel(), low, to).astype(dt))


Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.bernoulli_ = bernoulli_
Tensor.exponential_ = exponential_
Tensor.geometric_ = geometric_
Tensor.cauchy_ = cauchy_
Tensor.log_normal_ = log_normal_
Tensor.random_ = random_
Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
           "multinomial", "poisson"]
