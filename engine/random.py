"""The random number generator behind rand, randn, randint, dropout and nn.init.

One numpy Generator, seeded by manual_seed. PyTorch's default seed is fixed, so runs are
repeatable by default; so are ours. The numbers differ from PyTorch's (a different algorithm).
"""
import numpy as np

_DEFAULT_SEED = 67280421310721
_state = {"seed": _DEFAULT_SEED, "rng": np.random.default_rng(_DEFAULT_SEED)}


class Generator:
    """torch.Generator: an independent stream, usable as the `generator=` argument."""

    def __init__(self, device="cpu"):
        self._seed = _DEFAULT_SEED
        self.rng = np.random.default_rng(self._seed)
        self.device = device

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


def rng(generator=None):
    return generator.rng if generator is not None else _state["rng"]


def manual_seed(seed):
    _state["seed"] = int(seed)
    _state["rng"] = np.random.default_rng(int(seed))
    return _default_generator


def seed():
    s = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(s)
    return s


def initial_seed():
    return _state["seed"]


def get_rng_state():
    return _state["rng"].bit_generator.state


def set_rng_state(state):
    _state["rng"].bit_generator.state = state


class _DefaultGenerator(Generator):
    """The global generator, as `torch.default_generator`."""

    def __init__(self):
        self.device = "cpu"

    @property
    def rng(self):
        return _state["rng"]

    def manual_seed(self, seed):
        manual_seed(seed)
        return self

    def initial_seed(self):
        return _state["seed"]


_default_generator = _DefaultGenerator()
