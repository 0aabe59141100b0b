"""Adamax: Adam with the infinity norm of past gradients in place of their root mean square."""
from .._device import backend_of
from .optimizer import Optimizer, _check_adam_args, _check_flags, _effective_grad, _lerp_


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_adam_args(lr, eps, betas, weight_decay)
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """m = lerp(m, g, 1-beta1); u = max(beta2*u, |g| + eps); p -= lr / (1 - beta1^t) * m / u."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p, s, step in self._stepped_params(group, "exp_avg", "exp_inf"):
                param = p._data
                b = backend_of(param)
                g = _effective_grad(b, param, p.grad._data, group["maximize"], group["weight_decay"])
                exp_avg, exp_inf = s["exp_avg"]._data, s["exp_inf"]._data
                _lerp_(b, exp_avg, g, 1 - beta1)
                b.copy_into(exp_inf, b.maximum(b.mul(exp_inf, beta2), b.add(b.abs(g), group["eps"])))
                clr = group["lr"] / (1 - beta1 ** step)
                b.copy_into(param, b.add(param, b.mul(b.div(exp_avg, exp_inf), -clr)))
        return loss
