"""nn.Parameter: a tensor that a Module registers as one of its parameters."""
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that Module.__setattr__ registers.

    It shares memory (and the in-place version counter) with the tensor it wraps, as in PyTorch.
    """
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        p = object.__new__(cls)
        if data is None:
            from ..ops.create import empty
            data = empty(0)
        Tensor._init(p, data._data, False, None, 0)
        p._vc = data._vc
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass  # all done in __new__; Tensor.__init__ is the legacy constructor

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (Parameter, (Tensor._wrap(self.numpy(force=True)), self._requires_grad))


class Buffer(Tensor):
    """A tensor that Module.__setattr__ registers as a buffer (`self.mask = nn.Buffer(t)`), persistent (saved in
    the state_dict) unless persistent=False. It shares t's data."""
    __slots__ = ("persistent",)

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..ops import empty
            data = empty(0)
        shared = data.detach()
        b = object.__new__(cls)
        Tensor._init(b, shared._data, False, None, 0)
        b._vc = shared._vc
        if data.requires_grad:
            b.requires_grad_(True)
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass  # all done in __new__


class UninitializedTensorMixin:
    """A placeholder whose shape is not known yet (a Lazy module's weight before its first forward):
    materialize(shape) gives it storage and turns it into cls_to_become, keeping the same object (so an
    optimizer built before the first forward still holds it)."""
    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        from ..ops import empty
        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        self._data = empty(tuple(shape), device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def _refuse(self, what):
        raise ValueError(f"Attempted to use an uninitialized parameter in <method '{what}' of "
                         "'torch._C.TensorBase' objects>. This error happens when you are using a `LazyModule` or "
                         f"explicitly manipulating `torch.nn.parameter.{type(self).__name__}` objects. When using "
                         "LazyModules Call `forward` with a dummy batch to initialize the parameters before calling "
                         "torch functions")

    # the questions a student's code asks of a parameter; PyTorch refuses every op but a few conversions
    def numel(self):
        self._refuse("numel")

    def dim(self):
        self._refuse("dim")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from ..ops import empty
        p = Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        from ..ops import empty
        b = object.__new__(cls)
        Tensor._init(b, empty(0, device=device, dtype=dtype)._data, False, None, 0)
        if requires_grad:
            b.requires_grad_(True)
        return b

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass
