"""Adagrad: each parameter's step shrinks with the sum of its squared gradients so far."""
from .._device import backend_of
from .optimizer import Optimizer, _check_flags, _effective_grad, _step_counter, _zeros_like


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_flags(differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # Unlike the other optimizers, PyTorch creates Adagrad's state up front, so a state_dict taken before the
        # first step already holds every parameter's sum.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(step=_step_counter(), sum=_zeros_like(p, initial_accumulator_value))

    def step(self, closure=None):
        """sum += g*g; p -= lr / (1 + (step-1)*lr_decay) * g / (sqrt(sum) + eps)."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            # a group added later starts from the constructor's accumulator value, even if it names its own (as in
            # PyTorch)
            for p, s, step in self._stepped_params(group, "sum", fill=self.defaults["initial_accumulator_value"]):
                param = p._data
                b = backend_of(param)
                g = _effective_grad(b, param, p.grad._data, group["maximize"], group["weight_decay"])
                total = s["sum"]._data
                b.copy_into(total, b.add(total, b.mul(g, g)))
                std = b.add(b.sqrt(total), eps)
                b.copy_into(param, b.add(param, b.mul(b.div(g, std), -lr / (1 + (step - 1) * lr_decay))))
        return loss
