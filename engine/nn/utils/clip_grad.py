"""Gradient clipping, as torch.nn.utils does it (in place on .grad)."""
from ...autograd import grad_mode
from ...tensor import Tensor
from ..functional import _vector_norm


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so their joint norm is at most max_norm; returns the joint norm."""
    from ... import ops as _f
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return _f.tensor(0.0)
    with grad_mode.no_grad():
        total = _vector_norm(_f.stack([_vector_norm(g, norm_type, None, False) for g in grads]), norm_type, None,
                             False)
        if error_if_nonfinite and not bool(_f.isfinite(total)):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                               "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                               "norm anyway, set `error_if_nonfinite=False`")
        coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    with grad_mode.no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
