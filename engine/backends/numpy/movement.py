"""Shapes and layouts: views where numpy can make them, C-ordered copies where PyTorch makes copies."""
import numpy as np


def c_order(out):
    """out itself when C-contiguous, else a C-ordered copy. PyTorch's reductions and softmax return
    contiguous tensors; numpy's keep the input's layout (a transposed input gives a transposed result,
    and a later .view() would fail where PyTorch's works)."""
    return out if out.flags.c_contiguous else out.copy(order="C")


def reshape(a, shape):
    return a.reshape(shape)


def view(a, shape):
    """Reshape without copying, or None when the strides do not allow it (torch's .view rule)."""
    v = a.view()
    try:
        v.shape = shape
    except AttributeError:
        return None
    return v


def permute(a, axes):
    return a.transpose(axes)


def broadcast_to(a, shape):
    return np.broadcast_to(a, shape)


def getitem(a, index):
    out = a[index]
    if out.__class__ is not np.ndarray:  # an element: a 0-d view of it (numpy would give a copied scalar)
        return a[(index if index.__class__ is tuple else (index,)) + (Ellipsis,)]
    return out


def contiguous(a):
    return np.ascontiguousarray(a)


def is_contiguous(a):
    return a.flags.c_contiguous


def concatenate(arrays, axis):
    """C-ordered, as PyTorch's cat (numpy's keeps the inputs' layout: transposed in, transposed out)."""
    out = np.concatenate(arrays, axis=axis)
    return out if out.flags.c_contiguous else np.ascontiguousarray(out)


def pad(a, widths, value):
    return np.pad(a, widths, constant_values=value)


def flip(a, axes):
    """A copy in the input's layout, as PyTorch's flip (numpy's view has negative strides, which torch never shows)."""
    return np.flip(a, axes).copy(order="K")
