"""Rprop: each weight has its own step size, grown by etaplus while its gradient keeps its sign and shrunk by
etaminus when the sign flips; the update uses only the gradient's sign."""
from ..autograd import no_grad
from .optimizer import Optimizer, _check_flags, _step_counter, _zeros_like


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_flags(differentiable, capturable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                etaminus, etaplus = group["etas"]
                smallest, largest = group["step_sizes"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    s = self.state[p]
                    if not s:
                        s.update(step=_step_counter(), prev=_zeros_like(p), step_size=_zeros_like(p, group["lr"]))
                    s["step"]._data += 1
                    g = -p.grad if group["maximize"] else p.grad
                    agreement = (g * s["prev"]).sign()
                    factor = (agreement.masked_fill(agreement > 0, etaplus).masked_fill(agreement < 0, etaminus)
                              .masked_fill(agreement == 0, 1))
                    s["step_size"].mul_(factor).clamp_(smallest, largest)
                    # after a sign flip the weight stays put, and the next step does not count it as a flip
                    g = g.masked_fill(factor == etaminus, 0)
                    p.sub_(g.sign() * s["step_size"])
                    s["prev"].copy_(g)
        return loss
