"""The Optimizer base class: parameter groups, per-parameter state, zero_grad and state_dict,
with PyTorch's rules and messages."""
import copy
from collections import defaultdict

from .._device import backend_of
from ..nn.modules.module import zero_grads
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must be given."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return f"torch.{obj.dtype._legacy}"
    return type(obj).__name__


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got {_typename(params)}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if seen.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        raise NotImplementedError

    @staticmethod
    def _closure_loss(closure):
        if closure is None:
            return None
        from ..autograd import enable_grad
        with enable_grad():
            return closure()

    def _stepped_params(self, group, *buffers, fill=0):
        """The group's parameters that have a gradient, each as (parameter, its state, step number), the step
        counter already advanced. State is created on first use: the step counter and a buffer of `fill` shaped
        like the parameter for each name. Once the caller has updated a parameter, its version counter moves, so
        autograd sees the in-place change."""
        for p in group["params"]:
            if p.grad is None:
                continue
            s = self.state[p]
            if not s:
                s["step"] = _step_counter()
                for name in buffers:
                    s[name] = _zeros_like(p, fill)
            s["step"]._data += 1
            yield p, s, float(s["step"]._data)
            p._vc[0] += 1

    # --- state_dict ---------------------------------------------------------------------------------
    def state_dict(self):
        """{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}, parameters numbered
        in the order the groups list them."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                             "group")
        id_map = {saved: p for g, s in zip(self.param_groups, saved_groups) for saved, p in zip(s["params"], g["params"])}
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast(param, value, key) for key, value in v.items()}
            else:
                state[k] = v
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
        self.param_groups = saved_groups
        self.state = state

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)


def _cast(param, value, key):
    """A loaded state tensor as a copy of the parameter's dtype and device ("step" counters stay as saved).
    PyTorch may alias the loaded tensors; a copy keeps two optimizers from sharing their buffers."""
    if isinstance(value, Tensor):
        if key == "step":
            return value.clone()
        if param.is_floating_point() and value.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device).clone()
        return value.to(device=param.device).clone()
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    return value


def _check_flags(differentiable=False, capturable=False):
    """foreach and fused choose how PyTorch computes the same update: accepted and ignored here.
    These two change what the step means, which this engine does not support."""
    if differentiable:
        raise NotImplementedError("differentiable=True (autograd through optimizer.step) is not supported by this "
                                  "engine")
    if capturable:
        raise NotImplementedError("capturable=True (CUDA graph capture) is not supported by this engine")


def _check_adam_args(lr, eps, betas, weight_decay):
    """The checks, in PyTorch's order and words, shared by the Adam family."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _zeros_like(p, value=0):
    """A state buffer: the value (zero unless given) in the parameter's shape, dtype and device."""
    data = p._data
    return Tensor._wrap(backend_of(data).full(data.shape, value, data.dtype))


def _step_counter(value=0.0):
    """The step count PyTorch keeps per parameter (and NAdam's mu_product): a float32 scalar tensor on the CPU."""
    import numpy as np
    return Tensor._wrap(np.array(value, np.float32))


def _effective_grad(b, param, grad, maximize, weight_decay, lr=0.0, decoupled=False):
    """The gradient an update follows: negated to maximize, with L2 weight decay added; decoupled weight decay
    shrinks the parameter in place instead (AdamW's rule)."""
    g = b.neg(grad) if maximize else grad
    if weight_decay:
        if decoupled:
            b.copy_into(param, b.mul(param, 1 - lr * weight_decay))
        else:
            g = b.add(g, b.mul(param, weight_decay))
    return g


def _lerp_(b, avg, target, weight):
    """avg += weight * (target - avg) in place: a running average, as torch's lerp_."""
    b.copy_into(avg, b.add(avg, b.mul(b.sub(target, avg), weight)))


def _adam_moments_(b, exp_avg, exp_avg_sq, g, beta1, beta2):
    """Adam's running averages of the gradient and of its square, updated in place."""
    _lerp_(b, exp_avg, g, 1 - beta1)
    b.copy_into(exp_avg_sq, b.add(b.mul(exp_avg_sq, beta2), b.mul(b.mul(g, g), 1 - beta2)))
