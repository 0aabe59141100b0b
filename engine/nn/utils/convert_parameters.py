"""One flat vector from many parameters, and back."""
from ...autograd import grad_mode


def parameters_to_vector(parameters):
    from ... import ops as _f
    return _f.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    offset = 0
    with grad_mode.no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[offset:offset + n].view_as(p))
            offset += n
