"""Adam and AdamW (Adam with decoupled weight decay), through the backend's fused adam_step kernel."""
from .._device import backend_of
from .optimizer import Optimizer, _check_adam_args, _check_flags


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_adam_args(lr, eps, betas, weight_decay)
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            amsgrad, maximize, decoupled = group["amsgrad"], group["maximize"], group["decoupled_weight_decay"]
            buffers = ["exp_avg", "exp_avg_sq"] + ["max_exp_avg_sq"] * amsgrad
            for p, s, step in self._stepped_params(group, *buffers):
                max_sq = s["max_exp_avg_sq"]._data if amsgrad else None
                backend_of(p._data).adam_step(p._data, p.grad._data, s["exp_avg"]._data, s["exp_avg_sq"]._data,
                                              max_sq, step, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled,
                                              maximize)
        return loss


class AdamW(Adam):
    """Adam whose weight decay shrinks the parameters directly instead of adding to the gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
