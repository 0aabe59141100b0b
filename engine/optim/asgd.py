"""ASGD: SGD with a decaying step size eta, and a running average `ax` of the iterates (Polyak averaging)
that starts after t0 steps."""
import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _check_flags, _step_counter, _zeros_like


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
                 differentiable=False, capturable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """p = p * (1 - lambd*eta) - eta*g; ax follows p with weight mu; then eta = lr / (1 + lambd*lr*step)^alpha
        and mu = 1 / max(1, step - t0). eta and mu are float32 scalars, as in PyTorch."""
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    s = self.state[p]
                    if not s:
                        s.update(step=_step_counter(), eta=_step_counter(lr), mu=_step_counter(1.0),
                                 ax=_zeros_like(p))
                    s["step"]._data += 1
                    g = -p.grad if group["maximize"] else p.grad
                    if group["weight_decay"]:
                        g = g.add(p, alpha=group["weight_decay"])
                    eta = s["eta"].item()
                    p.mul_(1 - lambd * eta)
                    p.add_(g, alpha=-eta)
                    if s["mu"].item() != 1:
                        s["ax"].add_(p.sub(s["ax"]).mul_(s["mu"].item()))
                    else:
                        s["ax"].copy_(p)
                    step = s["step"].item()
                    s["eta"] = Tensor._wrap(np.array(lr / ((1 + lambd * lr * step) ** alpha), np.float32))
                    s["mu"] = Tensor._wrap(np.array(1 / max(1, step - t0), np.float32))
        return loss
