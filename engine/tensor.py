"""The Tensor: an n-d array on a device plus the autograd state PyTorch keeps with it.

Math lives in engine/ops/, one file per op family: each torch.* function beside the op it records
(engine/ops/_methods.py makes the functions Tensor methods, as in PyTorch).
"""
import warnings

import numpy as np

from . import _dtype
from ._device import backend_of, device_of


class Size(tuple):
    """A shape: a tuple that prints as `torch.Size([2, 3])`."""

    def __repr__(self):
        return f"torch.Size([{', '.join(map(str, self))}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


class Tensor:
    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_vc", "_acc", "_base", "_hooks",
                 "_post_accumulate_hooks", "_views", "_creation", "__weakref__")
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray * tensor -> Tensor

    def __init__(self, *args):
        """Legacy constructor, as torch.Tensor: Tensor(2, 3) is uninitialised float; Tensor([1, 2]) copies data."""
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = np.array(_to_array(args[0]), dtype=_dtype.get_default_dtype().np)
        else:
            data = np.zeros(tuple(int(a) for a in args), dtype=_dtype.get_default_dtype().np)
        Tensor._init(self, data, False, None, 0)

    @staticmethod
    def _init(t, data, requires_grad, grad_fn, output_nr):
        t._data = data
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = [0]
        t._acc = None
        t._base = None
        t._hooks = None
        t._post_accumulate_hooks = None

    @staticmethod
    def _wrap(data, requires_grad=False, grad_fn=None, output_nr=0):
        """A new tensor around a backend array (the fast path every op uses)."""
        if isinstance(data, np.generic):  # numpy reductions of 0-d arrays give scalars
            data = np.asarray(data)
        t = _new(Tensor)
        Tensor._init(t, data, requires_grad, grad_fn, output_nr)
        return t

    @staticmethod
    def _zeros(shape, np_dtype, like=None):
        b = backend_of(like._data) if like is not None else _np_backend
        return Tensor._wrap(b.full(shape, 0, np_dtype))

    # --- what a tensor is -------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtype._BY_NP[self._data.dtype]

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return False

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """There is no CUDA here: raises what a PyTorch built without CUDA raises."""
        from ._device import backend
        if isinstance(device, int):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        backend("cuda")

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.dtype.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self, memory_format=None):
        return backend_of(self._data).is_contiguous(self._data)

    def stride(self, dim=None):
        strides = tuple(s // self._data.dtype.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0] if isinstance(self._data, np.ndarray) else id(self._data)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    # --- autograd state -----------------------------------------------------------------
    @property
    def grad(self):
        """The gradient backward() accumulated (leaves, and non-leaves that retain_grad())."""
        if self._grad is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self._data.dtype.kind not in "fc":  # PyTorch words each way of asking differently
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if _node_of(self) is not None and not requires_grad:  # (a stale view's grad_fn would refuse)
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def data(self):
        """The same memory without autograd history (prefer detach(), as in PyTorch)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data

    def detach(self):
        t = Tensor._wrap(self._data)
        t._vc = self._vc  # shares memory, so in-place changes through either are seen by autograd
        return t

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        import weakref
        if self.grad_fn._retained is None:
            self.grad_fn._retained = {}
        self.grad_fn._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        node = self.grad_fn
        return node is not None and bool(node._retained) and self._output_nr in node._retained

    def register_hook(self, hook):
        """hook(grad) -> new grad or None, called when this tensor's gradient is computed."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        from .autograd.node import _Handle
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.node import _Handle
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _Handle(self._post_accumulate_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # --- conversion -----------------------------------------------------------------------
    def numpy(self, *, force=False):
        if self._requires_grad and not force and _grad_enabled[0]:  # as PyTorch, fine under no_grad
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if self.device.type != "cpu" and not force:
            raise TypeError(f"can't convert {self.device.type} device type tensor to numpy. Use Tensor.cpu() to "
                            "copy the tensor to host memory first.")
        return backend_of(self._data).to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        a = backend_of(self._data).to_numpy(self._data)
        return a if dtype is None else a.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return backend_of(self._data).to_numpy(self._data).reshape(()).item()

    def tolist(self):
        return backend_of(self._data).to_numpy(self._data).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import format_tensor
        data = backend_of(self._data).to_numpy(self._data)
        dev = self.device
        return format_tensor(data, dtype_name=self.dtype.name,
                             default_dtype_name=_dtype.get_default_dtype().name,
                             requires_grad=self._requires_grad and _node_of(self) is None,
                             grad_fn_name=_node_of(self).name() if _node_of(self) is not None else None,
                             device=None if dev.type == "cpu" else str(dev))

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild, (self.numpy(force=True), self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        new = type(self).__new__(type(self))
        Tensor._init(new, self._data.copy(), self._requires_grad, None, 0)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    # --- in-place writes ------------------------------------------------------------------
    @property
    def _version(self):
        """How many times the tensor's memory was written in place (PyTorch's version counter)."""
        return self._vc[0]

    def _check_inplace(self, value_needs_grad=False):
        """PyTorch's refusals of an in-place write to self (value_needs_grad: the written value needs grad)."""
        if not _grad_enabled[0]:
            return
        base = self._base
        if base is not None and (self._requires_grad or value_needs_grad or base._requires_grad):
            from .autograd.inplace import check_view_write
            check_view_write(self)
        elif self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")

    def _write(self, result, store=None):
        """Make self hold result (an out-of-place op's output): how every in-place op ends. store(), when given,
        writes only the elements the op changed (index_put_ into expanded memory, where copying all of result
        would write each shared element several times, the old value last)."""
        self._check_inplace(result._requires_grad)
        if result._data.dtype != self._data.dtype and not np.can_cast(result._data.dtype, self._data.dtype,
                                                                        "same_kind"):
            raise RuntimeError(f"result type {_dtype._BY_NP[result._data.dtype]._legacy[:-6]} can't be cast to the "
                               f"desired output type {self.dtype._legacy[:-6]}")
        if result._data.shape != self._data.shape and np.broadcast_shapes(result._data.shape,
                                                                            self._data.shape) != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(result._data.shape, self._data.shape))}")
        if result.grad_fn is not None:
            if self._base is not None:
                from .autograd.inplace import rebase_view
                return rebase_view(self, result, store)
            self.grad_fn = node = result.grad_fn
            self._output_nr = result._output_nr
            self._requires_grad = True
            saved = node._saved_output
            if saved.__class__ is tuple and saved[1] is result._vc:
                # the node's output is now self: a later in-place change of self must fail its backward
                node._saved_output = (saved[0], self._vc, self._vc[0] + 1)
            if getattr(self, "_views", None):
                from .autograd.inplace import refresh_views
                refresh_views(self)
        if store is not None:
            store()
        else:
            backend_of(self._data).copy_into(self._data, result._data)
        self._vc[0] += 1
        if result.grad_fn is None and (self._base is not None or getattr(self, "_views", None)):
            from .autograd.inplace import after_untracked_write
            after_untracked_write(self)
        return self

    def _inplace_source(self):
        """self as an op input for an in-place op: a snapshot when the op records a graph, so the
        node keeps the old value and autograd does not see the write as modifying its input."""
        if _grad_enabled[0] and self._requires_grad and self.grad_fn is not None:
            snap = Tensor._wrap(self._data.copy(), True, self.grad_fn, self._output_nr)
            return snap
        return self

    def _add_inplace(self, other):
        """self += other without autograd (gradient accumulation)."""
        b = backend_of(self._data)
        b.copy_into(self._data, b.add(self._data, other._data))
        self._vc[0] += 1


_new = object.__new__
_node_of = Tensor.__dict__["grad_fn"].__get__  # the grad_fn slot, read past a stale view's refusal (autograd/inplace)
_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, "
    "use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
    "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.")
_np_backend = backend_of(np.empty(0))


def _rebuild(array, requires_grad):
    t = Tensor._wrap(array)
    t._requires_grad = requires_grad
    return t


def _wrap_dim(dim, ndim):
    if dim.__class__ is not int:
        dim = _dim_index(dim)
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _dim_index(dim, expected="int"):
    """A dim given as other than a Python int, as PyTorch's argument parser takes it: numpy's integers and a
    one-element integer tensor are ints; a bool, float, string or list is a TypeError."""
    if dim.__class__ is not bool and hasattr(dim, "__index__") and (not isinstance(dim, Tensor) or
                                                                      dim._data.dtype.kind in "iu"):
        return dim.__index__()
    raise TypeError(f"argument 'dim' must be {expected}, not {_type_name(dim)}")


def _type_name(value):
    """A value's type as PyTorch's argument errors name it (str, float, Tensor, numpy.float64)."""
    cls = value.__class__
    if isinstance(value, Tensor):
        return "Tensor"
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def _to_array(data):
    """Nested lists/tuples of numbers and tensors -> numpy array (what torch.tensor accepts)."""
    if isinstance(data, Tensor):
        return data.__array__()
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        return np.array([_to_array(x) for x in data])
    return np.asarray(data)


# At the end: the autograd package, which this import runs first, imports this module.
from .autograd.grad_mode import enabled as _grad_enabled  # noqa: E402
from . import autograd as _autograd  # noqa: E402  (its functions are looked up when called)
