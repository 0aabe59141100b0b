"""The text of a tensor, character for character what PyTorch prints.

It works on a numpy array plus the few facts about the tensor that show in the text (dtype, device,
autograd state), so it knows nothing of the Tensor class; `Tensor.__repr__` calls `format_tensor`.
The rules are those of PyTorch's `torch/_tensor_str.py`, quirks included, because a learner compares
what the playground prints with what PyTorch prints.
"""

import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_options = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

_NUMPY_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "float16": np.float16,
    "int64": np.int64,
    "int32": np.int32,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "bool": np.bool_,
}

# Tensors of these dtypes never print `dtype=` (unless empty), whatever the default dtype is.
_DTYPES_INFERRED_FROM_TEXT = ("int64", "bool")


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
):
    """Set how tensors print, as `torch.set_printoptions` does.

    `profile` ("default", "short" or "full") sets the four numeric options first; the others then
    override it. As in PyTorch, an unknown profile is ignored and every call sets `sci_mode`, so a
    call without it returns to automatic choice of scientific notation.
    """
    for name, value in _PROFILES.get(profile, {}).items():
        setattr(_options, name, value)
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth)
    for name, value in given.items():
        if value is not None:
            setattr(_options, name, value)
    _options.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keyword arguments for `set_printoptions`."""
    return dataclasses.asdict(_options)


def format_tensor(
    array: np.ndarray,
    *,
    dtype_name: str,
    default_dtype_name: str = "float32",
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    device: str | None = None,
    default_device: str = "cpu",
) -> str:
    """What PyTorch's `repr(tensor)` (and `str(tensor)`) returns for a tensor holding `array`.

    `dtype_name` is the tensor's dtype without the "torch." prefix ("float32", "int64", ...);
    `grad_fn_name` is the class name of its grad_fn ("MulBackward0"), if it has one. `device` is
    printed only when it is not `default_device`, as PyTorch does.
    """
    array = np.asarray(array, dtype=_NUMPY_DTYPES[dtype_name])
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if device is not None and device != default_device:
        suffixes.append(f"device='{device}'")
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        # No digits to tell an integer tensor from a float one, so any non-default dtype shows.
        if dtype_name != default_dtype_name:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if not _options.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype_name != default_dtype_name and dtype_name not in _DTYPES_INFERRED_FROM_TEXT:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = _body_text(array, indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)


def _body_text(array: np.ndarray, indent: int) -> str:
    summarize = array.size > _options.threshold
    shown = _summarized(array, _options.edgeitems) if summarize else array
    formatter = _ElementFormatter(shown)
    return _nested_text(array, indent, summarize, formatter)


def _summarized(array: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements a summarised print shows: the first and last `edgeitems` along every long axis."""
    for axis, size in enumerate(array.shape):
        if size > 2 * edgeitems:
            edges = np.r_[0:edgeitems, size - edgeitems : size]
            array = array.take(edges, axis=axis)
    return array


class _ElementFormatter:
    """One style and one width for every element, chosen from the elements that are shown."""

    def __init__(self, shown: np.ndarray):
        self.precision = _options.precision
        self.is_float = shown.dtype.kind == "f"
        self.int_mode = True  # floats that are all whole numbers print as "2."
        self.sci_mode = False
        self.width = 1
        if shown.size == 0:
            return
        if not self.is_float:
            # The longest integer text belongs to the smallest or the largest value (likewise bools).
            self.width = max(len(str(shown.min().item())), len(str(shown.max().item())))
            return
        # Zeros, infinities and NaNs do not take part in the choice of style and width.
        values = shown[np.isfinite(shown) & (shown != 0)]
        if values.size == 0:
            return
        self.int_mode = bool(np.all(np.ceil(values) == values))
        magnitudes = np.abs(values).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        if _options.sci_mode is None:
            with np.errstate(over="ignore"):  # an infinite ratio rightly means a wide range
                ratio = largest / smallest
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = _options.sci_mode
        # Python floats hold float16/float32 values exactly, so this formats what PyTorch formats.
        self.width = max(len(self.text(value)) for value in values.tolist())

    def text(self, value) -> str:
        if not self.is_float:
            return str(value)
        if self.sci_mode:
            return f"{value:.{self.precision}e}"
        if self.int_mode:
            digits = f"{value:.0f}"
            return digits if math.isinf(value) or math.isnan(value) else digits + "."
        return f"{value:.{self.precision}f}"

    def format(self, value) -> str:
        return self.text(value).rjust(self.width)


def _nested_text(array: np.ndarray, indent: int, summarize: bool, formatter: _ElementFormatter) -> str:
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector_text(array, indent, summarize, formatter)
    edgeitems = _options.edgeitems
    if summarize and len(array) > 2 * edgeitems:
        kept = list(range(edgeitems)) + [None] + list(range(len(array) - edgeitems, len(array)))
    else:
        kept = list(range(len(array)))
    slices = [
        "..." if i is None else _nested_text(array[i], indent + 1, summarize, formatter)
        for i in kept
    ]
    # Blocks of a 3-D tensor are separated by one blank line, of a 4-D tensor by two, and so on.
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _vector_text(array: np.ndarray, indent: int, summarize: bool, formatter: _ElementFormatter) -> str:
    edgeitems = _options.edgeitems
    if summarize and not edgeitems:
        items = ["..."]
    elif summarize and len(array) > 2 * edgeitems:
        head, tail = array[:edgeitems].tolist(), array[-edgeitems:].tolist()
        items = [formatter.format(v) for v in head] + [" ..."] + [formatter.format(v) for v in tail]
    else:
        items = [formatter.format(v) for v in array.tolist()]
    # Every element, the "..." marker included, is budgeted its width plus ", ".
    per_line = max(1, math.floor((_options.linewidth - indent) / (formatter.width + 2)))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ", name=value" suffixes and the closing parenthesis, wrapping before the line width."""
    # PyTorch's own measure of the last line (one or two more than its length); kept for equal wrapping.
    line_length = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > _options.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(parts) + ")"
