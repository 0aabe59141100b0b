"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from .._device import backend_of
from .optimizer import Optimizer, _check_flags, _zeros_like


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_flags(differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter with a gradient, through the backend's fused sgd_step kernel."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                data = p._data
                b = backend_of(data)
                if momentum:
                    s = state[p]
                    buf = s.get("momentum_buffer")
                    if buf is None:
                        # PyTorch's first step sets the buffer to the gradient itself: a zero buffer updated
                        # without dampening gives exactly that.
                        buf = s["momentum_buffer"] = _zeros_like(p)
                        b.sgd_step(data, grad._data, buf._data, lr, momentum, 0, weight_decay, nesterov, maximize)
                    else:
                        b.sgd_step(data, grad._data, buf._data, lr, momentum, dampening, weight_decay, nesterov,
                                   maximize)
                else:
                    b.sgd_step(data, grad._data, None, lr, 0, 0, weight_decay, nesterov, maximize)
                p._vc[0] += 1
        return loss
