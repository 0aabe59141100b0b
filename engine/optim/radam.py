"""RAdam: Adam whose adaptive step is rectified (scaled down, or left out) while the variance estimate is young."""
from .._device import backend_of
from .optimizer import Optimizer, _adam_moments_, _check_adam_args, _check_flags, _effective_grad


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_adam_args(lr, eps, betas, weight_decay)
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """rho_t, the length of the approximated simple moving average, decides: above 5 the Adam step times the
        rectification term; otherwise plain momentum SGD on the bias-corrected average."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr = group["lr"]
            for p, s, step in self._stepped_params(group, "exp_avg", "exp_avg_sq"):
                param = p._data
                b = backend_of(param)
                g = _effective_grad(b, param, p.grad._data, group["maximize"], group["weight_decay"], lr,
                                    group["decoupled_weight_decay"])
                exp_avg, exp_avg_sq = s["exp_avg"]._data, s["exp_avg_sq"]._data
                _adam_moments_(b, exp_avg, exp_avg_sq, g, beta1, beta2)
                bias_correction2 = 1 - beta2 ** step
                update = b.mul(b.div(exp_avg, 1 - beta1 ** step), lr)
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive_lr = b.div(bias_correction2 ** 0.5, b.add(b.sqrt(exp_avg_sq), group["eps"]))
                    update = b.mul(b.mul(update, adaptive_lr), rect)
                b.copy_into(param, b.sub(param, update))
        return loss
