"""The legacy typed constructors torch.FloatTensor, LongTensor, ...: FloatTensor(2, 3) is an uninitialised
(here: zero) float32 tensor of that size, FloatTensor([1, 2]) copies data into float32, FloatTensor(t) aliases
a float32 tensor t, and isinstance(t, torch.FloatTensor) asks whether t is a float32 CPU tensor."""
import numpy as np

from . import _dtype
from .tensor import Tensor, Size

# The C++ type names PyTorch's TensorOptions messages use
_CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
              "int64": "long int", "float16": "c10::Half", "float32": "float", "float64": "double"}


def _options(dtype):
    return (f"TensorOptions(dtype={_CPP_NAMES[dtype.name]}, device=cpu, layout=Strided, requires_grad=false "
            "(default), pinned_memory=false (default), memory_format=(nullopt))")


class tensortype(type):
    """The type of torch.FloatTensor and its kin."""

    def __instancecheck__(cls, other):
        return isinstance(other, Tensor) and other.dtype is cls.dtype and other.device.type == "cpu"

    def __call__(cls, *args, device=None, **kwargs):
        from . import ops as _f
        if kwargs:
            got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
            raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                            " * (*, torch.device device = None)\n * (Tensor other)\n"
                            " * (tuple of ints size, *, torch.device device = None)\n"
                            " * (object data, *, torch.device device = None)")
        if not args:
            return _f.empty(0, dtype=cls.dtype, device=device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            other = args[0]
            if other.dtype is not cls.dtype:
                raise TypeError(f"expected {_options(cls.dtype)} (got {_options(other.dtype)})")
            return other.detach()
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args) or \
                (len(args) == 1 and isinstance(args[0], Size)):
            size = tuple(args[0]) if isinstance(args[0], Size) else args
            return _f.zeros(size, dtype=cls.dtype, device=device)
        if len(args) == 1:
            data = args[0]
            if isinstance(data, str):
                raise TypeError("new(): invalid data type 'str'")
            if not isinstance(data, (list, tuple, np.ndarray)):
                raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
            return _f.tensor(data, dtype=cls.dtype, device=device)
        bad = next(i for i, a in enumerate(args) if not isinstance(a, (int, np.integer)))
        raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {bad + 1} with error \"type must "
                        f"be tuple of ints,but got {type(args[bad]).__name__}\"")

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(dtype):
    return tensortype(dtype._legacy, (), {"dtype": dtype, "is_cuda": False, "is_sparse": False,
                                          "__module__": "torch"})


FloatTensor = _legacy_type(_dtype.float32)
DoubleTensor = _legacy_type(_dtype.float64)
HalfTensor = _legacy_type(_dtype.float16)
LongTensor = _legacy_type(_dtype.int64)
IntTensor = _legacy_type(_dtype.int32)
ShortTensor = _legacy_type(_dtype.int16)
CharTensor = _legacy_type(_dtype.int8)
ByteTensor = _legacy_type(_dtype.uint8)
BoolTensor = _legacy_type(_dtype.bool_)
