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
