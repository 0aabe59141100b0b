"""Adafactor: Adam-like steps whose second moment of a matrix is stored factored, as running means of squared
gradients per row and per column (their outer product, normalised, estimates the full matrix); steps are scaled
by the parameter's RMS and clipped to an RMS of at most d."""
import numpy as np

from ..autograd import no_grad
from .optimizer import Optimizer, _step_counter, _zeros_like


class Adafactor(Optimizer):
    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *, foreach=None,
                 maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _state_of(self, p):
        s = self.state[p]
        if not s:
            s["step"] = _step_counter()
            if p.grad.dim() > 1:
                s["row_var"] = p.grad.new_zeros((*p.grad.shape[:-1], 1))
                s["col_var"] = p.grad.new_zeros((*p.grad.shape[:-2], 1, p.grad.shape[-1]))
            else:
                s["variance"] = _zeros_like(p)
        return s

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, d, weight_decay, beta2_decay = group["lr"], group["d"], group["weight_decay"], group["beta2_decay"]
                eps1, eps2 = group["eps"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    s = self._state_of(p)
                    g = -p.grad if group["maximize"] else p.grad
                    if eps1 is None:  # the first parameter's dtype decides, for the whole group (as in PyTorch)
                        eps1 = float(np.finfo(p.dtype.np).eps)
                    s["step"]._data += 1
                    t = s["step"].item()
                    one_minus_beta2 = t ** beta2_decay
                    rho = min(lr, 1 / t ** 0.5)
                    alpha = max(eps2, p.norm(2).item() / p.numel() ** 0.5) * rho
                    if weight_decay != 0:
                        p.mul_(1 - lr * weight_decay)
                    if g.dim() > 1:
                        s["row_var"].lerp_(g.norm(dim=-1, keepdim=True).square().div(g.size(-1)), one_minus_beta2)
                        s["col_var"].lerp_(g.norm(dim=-2, keepdim=True).square().div(g.size(-2)), one_minus_beta2)
                        estimate = s["row_var"] @ s["col_var"]
                        estimate = estimate / s["row_var"].mean(dim=-2, keepdim=True).clamp(min=eps1)
                    else:
                        s["variance"].lerp_(g * g, one_minus_beta2)
                        estimate = s["variance"].clone()
                    update = estimate.clamp(min=eps1 * eps1).rsqrt() * g
                    denom = max(1.0, update.norm(2).item() / (update.numel() ** 0.5 * d))
                    p.add_(update, alpha=-alpha / denom)
        return loss
