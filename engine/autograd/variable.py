"""autograd.Variable: the pre-0.4 wrapper, kept by PyTorch for old code. Variable(t) is a Tensor sharing t's
data, a new leaf that requires grad if asked; every Tensor is an instance of Variable."""
import warnings


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        from ..tensor import Tensor
        return isinstance(other, Tensor)

    def __call__(cls, data=None, requires_grad=False, volatile=False):
        from ..tensor import Tensor
        from ..ops import empty
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          stacklevel=2)
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad and not data.is_floating_point():
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        return data.detach().requires_grad_(requires_grad)


class Variable(metaclass=_VariableMeta):
    pass
