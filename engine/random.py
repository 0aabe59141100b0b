"""torch.random: PyTorch's CPU generator, so a seed gives PyTorch's numbers.

A `Generator` is PyTorch's CPUGeneratorImpl: a Mersenne Twister (mt19937) seeded from the low
32 bits of the seed, a cached second normal sample, and the 5,056-byte state that
`get_rng_state` returns (the same bytes as PyTorch's, so states move between the two).
numpy's MT19937 bit generator runs the twister (the same algorithm, in C); this module seeds it
as PyTorch does and keeps PyTorch's bookkeeping around it. engine/_sampling.py turns its words
into each distribution with PyTorch's transforms.

As in PyTorch, `torch.Generator()` starts from seed 67280421310721. PyTorch seeds its global
generator from the operating system at start-up; ours starts from the same fixed seed as a new
Generator, so a playground run is repeatable even before anyone calls manual_seed.
"""
import contextlib
import os

import numpy as np

_DEFAULT_SEED = 67280421310721
_N = 624  # words of mt19937 state

# PyTorch's CPUGeneratorImplState (the legacy THGeneratorState followed by the float normal cache),
# laid out as the C++ compiler lays it out on a 64-bit machine.
_STATE_LAYOUT = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state", "normal_x", "normal_y", "normal_rho", "normal_is_valid",
              "next_float_normal", "next_float_normal_is_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", _N), "<f8", "<f8", "<f8", "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": 5056,
})


def _as_uint64(seed):
    """A seed as PyTorch reads it: any int in [-2**63, 2**64); negative ones in two's complement."""
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2 ** 64


def _seeded_key(seed):
    """mt19937's 624 state words from the low 32 bits of the seed (Matsumoto and Nishimura's
    init_genrand, as PyTorch's mt19937 constructor and numpy's legacy RandomState seeding do)."""
    return np.random.RandomState(seed & 0xFFFFFFFF).get_state()[1]


class Generator:
    """torch.Generator: an independent stream, usable as the `generator=` argument."""

    def __init__(self, device="cpu"):
        self.device = device
        self._twister = np.random.MT19937(0)
        # numpy's integers() over the full uint32 range hands out the twister's words themselves, in order;
        # the legacy RandomState's randint() draws 64-bit words, each two of them (see random64)
        self._words = np.random.Generator(self._twister)
        self._words64 = np.random.RandomState(self._twister)
        self.manual_seed(_DEFAULT_SEED)

    def __repr__(self):
        return f"<engine.Generator object at {hex(id(self))}>"

    def manual_seed(self, seed):
        seed = _as_uint64(seed)
        self._load(seed, _seeded_key(seed), left=1, next_=0)
        self.next_double_normal = None
        self.next_float_normal = None
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Seeds from the operating system's entropy and returns that seed (torch.Generator.seed)."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    def _load(self, seed, key, left, next_):
        # PyTorch counts `left` down to a refill; numpy counts `pos` up to 624. `next` is PyTorch's
        # read index, which equals pos except straight after seeding (0, and a refill is due).
        self._seed = seed
        self._twister.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N + 1 - left}}
        self._next_after_seed = next_

    # --- the raw stream --------------------------------------------------------------------------------
    def random(self, n):
        """The next n 32-bit words (PyTorch's generator->random()), as uint32."""
        if n:
            self._next_after_seed = None
        if n < 4096:  # integers() costs a few microseconds more per call; random_raw twice the memory per word
            return self._twister.random_raw(n).astype(np.uint32)
        return self._words.integers(0, 2 ** 32, size=n, dtype=np.uint32)

    def random24(self, n):
        """The low 24 bits of the next n words, as int32: all a float32 uniform uses of its word. (Masking
        the words here costs fewer instructions than the legacy randint's masked draw.)"""
        words = self.random(n)
        words &= np.uint32(2 ** 24 - 1)
        return words.view(np.int32)

    def random64(self, n):
        """The next n 64-bit words (generator->random64(): the first 32-bit word is the high half)."""
        if _NEXT64_FIRST_WORD_HIGH:
            if n:
                self._next_after_seed = None
            return self._words64.randint(0, 2 ** 64, size=n, dtype=np.uint64)
        pairs = self.random(2 * n).view(np.uint64)  # little-endian (x86, ARM, wasm): the second word is high
        return (pairs << np.uint64(32)) | (pairs >> np.uint64(32))

    def random53(self, n):
        """The low 53 bits of the next n 64-bit words, as int64: all a double uniform uses of its word."""
        if _NEXT64_FIRST_WORD_HIGH:
            if n:
                self._next_after_seed = None
            return self._words64.randint(0, 2 ** 53, size=n, dtype=np.int64)
        return (self.random64(n) & np.uint64(2 ** 53 - 1)).view(np.int64)

    # --- PyTorch's state bytes -------------------------------------------------------------------------
    def get_state(self):
        twister = self._twister.state["state"]
        pod = np.zeros((), _STATE_LAYOUT)
        pod["seed"] = self._seed
        pod["left"] = _N + 1 - twister["pos"]
        pod["seeded"] = 1
        pod["next"] = twister["pos"] if self._next_after_seed is None else self._next_after_seed
        pod["state"] = twister["key"]
        if self.next_double_normal is not None:
            pod["normal_is_valid"] = 1
            pod["normal_y"] = self.next_double_normal
        if self.next_float_normal is not None:
            pod["next_float_normal_is_valid"] = 1
            pod["next_float_normal"] = self.next_float_normal
        from .tensor import Tensor
        return Tensor._wrap(np.frombuffer(pod.tobytes(), np.uint8).copy())

    def set_state(self, new_state):
        from . import _dtype
        from .tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state.dtype != _dtype.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = np.ascontiguousarray(new_state.__array__()).reshape(-1)
        if raw.size != _STATE_LAYOUT.itemsize:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_LAYOUT.itemsize} but found the "
                               f"input RNG state size to be {raw.size}")
        pod = np.frombuffer(raw.tobytes(), _STATE_LAYOUT)[0]
        left, next_ = int(pod["left"]), int(pod["next"])
        if not (pod["seeded"] and 0 < left <= _N and next_ <= _N):
            raise RuntimeError("Invalid mt19937 state")
        self._load(int(pod["seed"]), pod["state"].astype(np.uint32), left, next_)
        self.next_double_normal = float(pod["normal_y"]) if pod["normal_is_valid"] else None
        self.next_float_normal = np.float32(pod["next_float_normal"]) if pod["next_float_normal_is_valid"] else None
        return self


def _next64_first_word_high():
    """Whether numpy's 64-bit draws from MT19937 put the first word high, as PyTorch's random64 does (C leaves
    the order of the two calls in numpy's mt19937_next64 to the compiler), so they can be taken whole."""
    twister = np.random.MT19937(0)
    state = twister.state
    words = twister.random_raw(2)
    twister.state = state
    whole = np.random.RandomState(twister).randint(0, 2 ** 64, dtype=np.uint64)
    return int(whole) == int(words[0]) << 32 | int(words[1])


_NEXT64_FIRST_WORD_HIGH = _next64_first_word_high()
default_generator = Generator()


def generator_or_default(generator):
    return default_generator if generator is None else generator


def manual_seed(seed):
    """Seeds the global generator; returns it (torch.manual_seed)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restores the global generator's state on exit, so draws inside leave the stream outside unchanged."""
    if not enabled:
        yield
        return
    saved = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)
