"""NAdam: Adam with Nesterov momentum, whose momentum coefficient warms up by momentum_decay."""
from .._device import backend_of
from .optimizer import Optimizer, _adam_moments_, _check_adam_args, _check_flags, _effective_grad, _step_counter


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_adam_args(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """PyTorch's update: mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)); the step mixes the gradient
        (weighted by 1 - mu_t) and the running average (weighted by mu_{t+1}), each over the product of the mus."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, momentum_decay = group["lr"], group["momentum_decay"]
            for p, s, step in self._stepped_params(group, "exp_avg", "exp_avg_sq"):
                # a float32 scalar as in PyTorch, so its rounding (and the step sizes below) match
                mu_product = s.setdefault("mu_product", _step_counter(1.0))._data
                param = p._data
                b = backend_of(param)
                g = _effective_grad(b, param, p.grad._data, group["maximize"], group["weight_decay"], lr,
                                    group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product *= mu
                product = float(mu_product)
                exp_avg, exp_avg_sq = s["exp_avg"]._data, s["exp_avg_sq"]._data
                _adam_moments_(b, exp_avg, exp_avg_sq, g, beta1, beta2)
                denom = b.add(b.sqrt(b.div(exp_avg_sq, 1 - beta2 ** step)), group["eps"])
                b.copy_into(param, b.add(param, b.mul(b.div(g, denom), -lr * (1.0 - mu) / (1.0 - product))))
                b.copy_into(param, b.add(param, b.mul(b.div(exp_avg, denom),
                                                      -lr * mu_next / (1.0 - product * mu_next))))
        return loss
