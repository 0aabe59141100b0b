"""RMSprop (with momentum and the centered variant), written with the backend's elementwise kernels."""
from .._device import backend_of
from .optimizer import Optimizer, _check_flags, _effective_grad, _lerp_


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """PyTorch's update, operation for operation (so float32 results round the same way):
        v = alpha*v + (1-alpha)*g*g; avg = sqrt(v - m*m if centered) + eps; p -= lr*g/avg (or via momentum)."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            weight_decay, momentum, centered, maximize = (group["weight_decay"], group["momentum"], group["centered"],
                                                          group["maximize"])
            buffers = ["square_avg"] + ["momentum_buffer"] * (momentum > 0) + ["grad_avg"] * centered
            for p, s, _ in self._stepped_params(group, *buffers):
                param = p._data
                b = backend_of(param)
                g = _effective_grad(b, param, p.grad._data, maximize, weight_decay)
                sq = s["square_avg"]._data
                b.copy_into(sq, b.add(b.mul(sq, alpha), b.mul(b.mul(g, 1 - alpha), g)))
                if centered:
                    ga = s["grad_avg"]._data
                    _lerp_(b, ga, g, 1 - alpha)
                    avg = b.sqrt(b.add(sq, b.mul(b.mul(ga, -1), ga)))
                else:
                    avg = b.sqrt(sq)
                avg = b.add(avg, eps)
                if momentum > 0:
                    buf = s["momentum_buffer"]._data
                    b.copy_into(buf, b.add(b.mul(buf, momentum), b.div(g, avg)))
                    b.copy_into(param, b.add(param, b.mul(buf, -lr)))
                else:
                    b.copy_into(param, b.add(param, b.div(b.mul(g, -lr), avg)))
        return loss
