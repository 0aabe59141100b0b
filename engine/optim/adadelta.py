"""Adadelta: steps scaled by the ratio of running RMS averages of past updates and of past gradients, so
the units of the update match the parameter's (lr only rescales)."""
from .._device import backend_of
from .optimizer import Optimizer, _check_flags, _effective_grad


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """square_avg = rho*square_avg + (1-rho)*g*g; delta = sqrt(acc_delta+eps) / sqrt(square_avg+eps) * g;
        acc_delta = rho*acc_delta + (1-rho)*delta*delta; p -= lr*delta."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p, s, _ in self._stepped_params(group, "square_avg", "acc_delta"):
                param = p._data
                b = backend_of(param)
                g = _effective_grad(b, param, p.grad._data, group["maximize"], group["weight_decay"])
                square_avg, acc_delta = s["square_avg"]._data, s["acc_delta"]._data
                b.copy_into(square_avg, b.add(b.mul(square_avg, rho), b.mul(b.mul(g, g), 1 - rho)))
                std = b.sqrt(b.add(square_avg, eps))
                delta = b.mul(b.div(b.sqrt(b.add(acc_delta, eps)), std), g)
                b.copy_into(acc_delta, b.add(b.mul(acc_delta, rho), b.mul(b.mul(delta, delta), 1 - rho)))
                b.copy_into(param, b.add(param, b.mul(delta, -lr)))
        return loss
