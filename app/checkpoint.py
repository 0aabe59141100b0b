"""A host (numpy) copy of the training state: the model's weights and buffers, the optimizer's
state (momentum buffers, Adam's moments and step counts) and the progress counters.

The session keeps one of these at every step boundary while it trains on a GPU, so that a lost
device costs at most the step in flight, and it rebuilds the model from one when it falls back
to the CPU. Playground files (app/persist.py) save and load the same content.

Optimizer state is keyed by parameter name (fc1.weight) rather than by PyTorch's parameter
index, so that a file says what each buffer belongs to.
"""
from dataclasses import dataclass, field

import numpy as np

import engine as torch

# The state each optimizer of the playground keeps per parameter (app/state.OPTIMIZERS).
OPTIMIZER_STATE = {"SGD": (), "SGD+momentum": ("momentum_buffer",), "Adam": ("step", "exp_avg", "exp_avg_sq")}


@dataclass
class Checkpoint:
    weights: dict                                  # state_dict name -> numpy array
    optimizer: dict = field(default_factory=dict)  # parameter name -> {state key -> numpy array}
    progress: dict = field(default_factory=dict)   # step, epoch and where the batches are


def tensors(model, optimizer):
    """What a checkpoint copies, as (keys, tensors) in one order: read them back together."""
    keys, values = [], []
    for name, t in model.state_dict().items():
        keys.append(("weights", name))
        values.append(t)
    names = {id(p): name for name, p in model.named_parameters()}
    if optimizer is not None:
        for p, state in optimizer.state.items():
            for key, value in state.items():
                if isinstance(value, torch.Tensor):
                    keys.append(("optimizer", names[id(p)], key))
                    values.append(value)
    return keys, values


def assemble(keys, arrays, progress):
    """A Checkpoint from the host copies of `tensors()`' tensors."""
    weights, optimizer = {}, {}
    for key, array in zip(keys, arrays):
        if key[0] == "weights":
            weights[key[1]] = array
        else:
            optimizer.setdefault(key[1], {})[key[2]] = array
    return Checkpoint(weights, optimizer, dict(progress))


def take(model, optimizer, progress):
    """A checkpoint now: every tensor read back at once (one wait on a GPU)."""
    keys, values = tensors(model, optimizer)
    return assemble(keys, torch.webgpu.read_back(values), progress)


def load_weights(model, weights):
    model.load_state_dict({name: torch.tensor(array) for name, array in weights.items()})


def load_optimizer(model, optimizer, state):
    """Put saved per-parameter state into an optimizer over `model`'s parameters (on their device)."""
    index = {name: i for i, (name, _p) in enumerate(model.named_parameters())}
    packed = optimizer.state_dict()
    packed["state"] = {index[name]: {key: torch.tensor(np.asarray(a)) for key, a in entries.items()}
                       for name, entries in state.items()}
    optimizer.load_state_dict(packed)
