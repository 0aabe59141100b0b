"""Shape changes: views where the layout allows (as numpy), copies through strided writes otherwise."""
from . import elementwise
from .array import basic_index, empty, normalize_shape, reshape_view, view_strides


def reshape(a, shape):
    v = reshape_view(a, shape)
    return v if v is not None else reshape_view(elementwise.copy(a), shape)


def view(a, shape):
    """Reshape without copying, or None when the strides do not allow it (torch's .view rule)."""
    shape = normalize_shape(shape, a.size)
    steps = view_strides(a.shape, a.steps, shape)
    return None if steps is None else a.view(shape, steps, a.offset)


def flip(a, axes):
    """A copy in the input's layout, as PyTorch's flip (the kernel reads a negative-step view)."""
    steps, offset = list(a.steps), a.offset
    for ax in axes:
        if a.shape[ax]:
            offset += (a.shape[ax] - 1) * steps[ax]
        steps[ax] = -steps[ax]
    return elementwise.run("a", a.dtype, [a.view(a.shape, steps, offset)])


def concatenate(arrays, axis):
    first = arrays[0]
    axis %= first.ndim
    shape = list(first.shape)
    shape[axis] = sum(x.shape[axis] for x in arrays)
    out = empty(first.device, shape, first.dtype)
    start = 0
    for x in arrays:
        part = (slice(None),) * axis + (slice(start, start + x.shape[axis]),)
        elementwise.copy_into(basic_index(out, part), x)
        start += x.shape[axis]
    return out


def pad(a, widths, value):
    """Constant padding; widths is ((before, after), ...) per dim, as numpy.pad."""
    widths = [tuple(w) for w in widths]
    shape = [n + lo + hi for n, (lo, hi) in zip(a.shape, widths)]
    out = elementwise.fill(a.device, shape, value, a.dtype)
    inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(a.shape, widths))
    elementwise.copy_into(basic_index(out, inner), a)
    return out
