"""dtypes as PyTorch names them, and PyTorch's type-promotion rules."""
import numpy as np


class dtype:
    """A tensor element type; prints as PyTorch does (`torch.float32`) so printed code runs on PyTorch."""
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_kind", "_legacy")

    def __init__(self, name, np_dtype, kind, legacy):
        self.name = name
        self.np = np.dtype(np_dtype)
        self._kind = kind  # 0 bool, 1 integer, 2 floating: the promotion category
        self.is_floating_point = kind == 2
        self.is_signed = kind == 2 or self.np.kind == "i"
        self.itemsize = self.np.itemsize
        self._legacy = legacy  # the legacy type name PyTorch uses in some messages, e.g. FloatTensor

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_from_name, (self.name,))


bool_ = dtype("bool", np.bool_, 0, "BoolTensor")
uint8 = dtype("uint8", np.uint8, 1, "ByteTensor")
int8 = dtype("int8", np.int8, 1, "CharTensor")
int16 = dtype("int16", np.int16, 1, "ShortTensor")
int32 = dtype("int32", np.int32, 1, "IntTensor")
int64 = dtype("int64", np.int64, 1, "LongTensor")
float16 = dtype("float16", np.float16, 2, "HalfTensor")
float32 = dtype("float32", np.float32, 2, "FloatTensor")
float64 = dtype("float64", np.float64, 2, "DoubleTensor")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "bool": bool_}


def _from_name(name):
    return _BY_NAME[name]


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_numpy_dtype(np_dtype):
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(d):
    """Accept an engine dtype, a numpy dtype or a Python type (float, int, bool) as PyTorch does."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return _default[0]
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):  # numpy would read "float32"; PyTorch's parser refuses it
        raise TypeError(f"argument 'dtype' must be torch.dtype, not str")
    return from_numpy_dtype(d)


def scalar_dtype(value):
    """The dtype PyTorch gives a Python scalar when it becomes a tensor."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return _default[0]


def _promote_pair(a, b):
    if a is b:
        return a
    if a._kind != b._kind:
        return a if a._kind > b._kind else b
    return _BY_NP[np.promote_types(a.np, b.np)]


def result_type(*operands):
    """PyTorch's promotion: tensors with dims outrank 0-dim tensors, which outrank Python scalars;
    a lower tier only counts when its category is higher (bool < integer < floating)."""
    tiers = [None, None, None]  # dimensioned tensors, 0-dim tensors, Python scalars
    for x in operands:
        if hasattr(x, "_data"):
            d, tier = x.dtype, 0 if x._data.ndim else 1
        elif isinstance(x, (bool, int, float, np.number, np.bool_)):
            d, tier = scalar_dtype(x), 2
        else:
            continue
        tiers[tier] = d if tiers[tier] is None else _promote_pair(tiers[tier], d)
    result = None
    for d in tiers:
        if d is not None and (result is None or d._kind > result._kind):
            result = d
    return result
