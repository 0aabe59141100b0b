"""Same seed, same numbers: the engine's generator against PyTorch's, value for value and byte for byte."""
import numpy as np
import pytest
import torch

import engine
import engine.nn.functional as EF
import torch.nn.functional as TF
from engine import _avx2_box_muller, _sampling, random as erandom

SEEDS = [0, 42, 2147483647, 2 ** 63 + 12345]
SIZES = [1, 15, 16, 17, 1000]
DTYPES = [(np.float32, torch.float32), (np.float64, torch.float64)]


def state_bytes(generator):
    return np.asarray(generator.get_state().__array__() if isinstance(generator, erandom.Generator)
                      else generator.get_state().numpy())


def assert_same_stream(ours, theirs):
    np.testing.assert_array_equal(state_bytes(ours), state_bytes(theirs), err_msg="generator state bytes")


def pair(seed):
    return erandom.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


# --- the generator ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS + [-1, 2 ** 64 - 1])
def test_seeded_state_bytes_are_pytorchs(seed):
    ours, theirs = pair(seed)
    assert ours.initial_seed() == theirs.initial_seed()
    assert_same_stream(ours, theirs)


def test_default_generator_starts_like_a_new_pytorch_generator():
    assert erandom.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert_same_stream(erandom.Generator(), torch.Generator())


@pytest.mark.parametrize("seed", SEEDS)
def test_words_follow_pytorchs_mt19937_across_refills(seed):
    ours, theirs = pair(seed)
    for n in (1, 623, 1000, 1):
        words = ours.random(n).astype(np.int64) % 2 ** 27
        np.testing.assert_array_equal(words, torch.empty(n, dtype=torch.int64).random_(0, 2 ** 27, generator=theirs))
        assert_same_stream(ours, theirs)


@pytest.mark.parametrize("whole_64_bit_draws", [True, False])
def test_64_bit_draws_are_two_words_the_first_high(monkeypatch, whole_64_bit_draws):
    # numpy's own 64-bit draws where its build puts the first word high, else pairs of 32-bit words
    monkeypatch.setattr(erandom, "_NEXT64_FIRST_WORD_HIGH", whole_64_bit_draws and erandom._NEXT64_FIRST_WORD_HIGH)
    ours, words = erandom.Generator().manual_seed(7), erandom.Generator().manual_seed(7)
    pairs = words.random(2 * 1001).astype(np.uint64).reshape(-1, 2)
    np.testing.assert_array_equal(ours.random64(1000), (pairs[:1000, 0] << np.uint64(32)) | pairs[:1000, 1])
    assert ours.random53(1)[0] == ((int(pairs[1000, 0]) << 32) | int(pairs[1000, 1])) % 2 ** 53
    assert_same_stream(ours, words)


def test_set_state_accepts_pytorchs_states_with_a_cached_normal():
    theirs = torch.Generator().manual_seed(3)
    torch.randn(5, generator=theirs, dtype=torch.float64)  # odd count: a cached second sample
    ours = erandom.Generator().set_state(engine.tensor(theirs.get_state().numpy()))
    assert ours.next_double_normal is not None
    assert_same_stream(ours, theirs)
    np.testing.assert_array_equal(_sampling.normal(ours, 7, np.float64), torch.randn(7, generator=theirs,
                                                                                    dtype=torch.float64))


def test_state_round_trip_and_torch_functions():
    engine.manual_seed(11)
    engine.rand(5)
    saved = engine.get_rng_state()
    first = engine.randn(20)
    engine.set_rng_state(saved)
    np.testing.assert_array_equal(engine.randn(20).numpy(), first.numpy())
    torch.manual_seed(11)
    torch.rand(5)
    np.testing.assert_array_equal(saved.numpy(), torch.get_rng_state().numpy())


def test_state_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match="size 5056 but found the input RNG state size to be 10"):
        engine.set_rng_state(engine.zeros(10, dtype=engine.uint8))
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        engine.set_rng_state(engine.zeros(5056))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        engine.set_rng_state(engine.zeros(5056, dtype=engine.uint8))
    with pytest.raises(ValueError, match="Overflow"):
        engine.manual_seed(2 ** 64)


def test_seed_initial_seed_and_fork_rng():
    s = engine.seed()
    assert engine.initial_seed() == s and 0 <= s < 2 ** 64
    engine.manual_seed(5)
    assert engine.initial_seed() == 5
    before = engine.get_rng_state().numpy()
    with engine.random.fork_rng():
        engine.randn(100)
    np.testing.assert_array_equal(engine.get_rng_state().numpy(), before)
    assert engine.default_generator is engine.manual_seed(5)


# --- each transform, against the same draw in PyTorch -------------------------------------------------------------
DISTRIBUTIONS = {
    "rand": (lambda g, n, dt: _sampling.uniform(g, n, dt), lambda t, n, dt: torch.rand(n, dtype=dt, generator=t)),
    "uniform_": (lambda g, n, dt: _sampling.uniform(g, n, dt, -0.123, 0.4567),
                 lambda t, n, dt: torch.empty(n, dtype=dt).uniform_(-0.123, 0.4567, generator=t)),
    "randn": (lambda g, n, dt: _sampling.normal(g, n, dt), lambda t, n, dt: torch.randn(n, dtype=dt, generator=t)),
    "normal_": (lambda g, n, dt: _sampling.normal(g, n, dt, 0.1234, 0.377),
                lambda t, n, dt: torch.empty(n, dtype=dt).normal_(0.1234, 0.377, generator=t)),
    "normal_ strided": (lambda g, n, dt: _sampling.normal(g, n, dt, 0.5, 2.0, contiguous=False),
                        lambda t, n, dt: torch.empty(n, 2, dtype=dt)[:, 0].normal_(0.5, 2.0, generator=t)),
    "exponential_": (lambda g, n, dt: _sampling.exponential(g, n, dt, 1.5),
                     lambda t, n, dt: torch.empty(n, dtype=dt).exponential_(1.5, generator=t)),
    "cauchy_": (lambda g, n, dt: _sampling.cauchy(g, n, dt, 0.1, 2.0),
                lambda t, n, dt: torch.empty(n, dtype=dt).cauchy_(0.1, 2.0, generator=t)),
    "geometric_": (lambda g, n, dt: _sampling.geometric(g, n, dt, 0.3),
                   lambda t, n, dt: torch.empty(n, dtype=dt).geometric_(0.3, generator=t)),
    "log_normal_": (lambda g, n, dt: _sampling.log_normal(g, n, dt, 0.2, 0.5),
                    lambda t, n, dt: torch.empty(n, dtype=dt).log_normal_(0.2, 0.5, generator=t)),
    "bernoulli_(p)": (lambda g, n, dt: _sampling.bernoulli(g, n, 0.3).astype(dt),
                      lambda t, n, dt: torch.empty(n, dtype=dt).bernoulli_(0.3, generator=t)),
    "bernoulli(probs)": (lambda g, n, dt: _sampling.bernoulli_probs(g, np.linspace(0, 1, n).astype(dt)).astype(dt),
                         lambda t, n, dt: torch.bernoulli(torch.linspace(0, 1, n, dtype=dt), generator=t)),
    "random_()": (lambda g, n, dt: _sampling.random_full(g, n, dt),
                  lambda t, n, dt: torch.empty(n, dtype=dt).random_(generator=t)),
}
INTEGER_DRAWS = {
    "randint": (lambda g, n: _sampling.random_from_to(g, n, -5, 10), lambda t, n: torch.randint(-5, 10, (n,),
                                                                                                generator=t)),
    "randint 2**40": (lambda g, n: _sampling.random_from_to(g, n, 0, 2 ** 40),
                      lambda t, n: torch.randint(0, 2 ** 40, (n,), generator=t)),
    "random_() int64": (lambda g, n: _sampling.random_full(g, n, np.int64),
                        lambda t, n: torch.empty(n, dtype=torch.int64).random_(generator=t)),
    "randperm": (lambda g, n: _sampling.randperm(g, n), lambda t, n: torch.randperm(n, generator=t)),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_distribution_is_bit_identical(name, seed):
    ours_fn, theirs_fn = DISTRIBUTIONS[name]
    for dt, tdt in DTYPES:
        ours, theirs = pair(seed)
        for n in SIZES:
            np.testing.assert_array_equal(ours_fn(ours, n, dt), theirs_fn(theirs, n, tdt).numpy(),
                                          err_msg=f"{name} n={n} {dt.__name__}")
            assert_same_stream(ours, theirs)


@pytest.mark.parametrize("seed, n", [(2147483647, 200_003), (0, 1_000_000), (2147483647, 1_000_000)])
@pytest.mark.parametrize("name", ["rand", "randn", "normal_"])
def test_large_draws_are_bit_identical(name, seed, n):
    # 200,003 values: the float32 Box-Muller works through cache-sized chunks and a tail block;
    # 1,000,000: the draw bench/rng.py times
    ours_fn, theirs_fn = DISTRIBUTIONS[name]
    for dt, tdt in DTYPES:
        ours, theirs = pair(seed)
        np.testing.assert_array_equal(ours_fn(ours, n, dt).view(np.uint8),
                                      theirs_fn(theirs, n, tdt).numpy().view(np.uint8),
                                      err_msg=f"{name} {dt.__name__} (bytes)")
        assert_same_stream(ours, theirs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", INTEGER_DRAWS)
def test_integer_draw_is_identical(name, seed):
    ours_fn, theirs_fn = INTEGER_DRAWS[name]
    ours, theirs = pair(seed)
    for n in SIZES:
        np.testing.assert_array_equal(ours_fn(ours, n), theirs_fn(theirs, n).numpy(), err_msg=f"{name} n={n}")
        assert_same_stream(ours, theirs)


# --- the torch.* functions and Tensor methods -------------------------------------------------------------------
def both(fn, seed=0):
    """fn(lib) after manual_seed(seed) in each library: (engine's, PyTorch's) as numpy arrays."""
    engine.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = fn(engine), fn(torch)
    np.testing.assert_array_equal(engine.get_rng_state().numpy(), torch.get_rng_state().numpy(),
                                  err_msg="global generator state after the draws")
    return np.asarray(ours.detach().numpy() if hasattr(ours, "detach") else ours), \
        np.asarray(theirs.detach().numpy() if hasattr(theirs, "detach") else theirs)


STDS = np.linspace(0.1, 2, 20, dtype=np.float32)  # the same numbers in both libraries (linspace may differ)

CALLS = {
    "rand": lambda t: t.rand(3, 7),
    "randn float64": lambda t: t.randn(5, 4, dtype=t.float64),
    "randn 27x10 generator": lambda t: t.randn((27, 10), generator=t.Generator().manual_seed(2147483647)),
    "randint": lambda t: t.randint(3, 10, (4, 5)),
    "randint high only": lambda t: t.randint(10, (17,)),
    "randperm": lambda t: t.randperm(50),
    "rand_like": lambda t: t.rand_like(t.zeros(4, 6)),
    "randn_like transposed": lambda t: t.randn_like(t.zeros(6, 4).t()),
    "randint_like": lambda t: t.randint_like(t.zeros(3, 3), 0, 5),
    "normal scalar": lambda t: t.normal(2.0, 3.0, size=(20,)),
    "normal tensor tensor": lambda t: t.normal(t.arange(20.0), t.tensor(STDS)),
    "normal tensor float": lambda t: t.normal(t.arange(20.0), 0.3),
    "normal float tensor": lambda t: t.normal(0.7, t.tensor(STDS)),
    "normal small": lambda t: t.normal(t.zeros(3), t.ones(3)),
    "bernoulli probs": lambda t: t.bernoulli(t.linspace(0, 1, 40).reshape(5, 8)),
    "bernoulli p": lambda t: t.bernoulli(t.zeros(30), 0.4),
    "multinomial": lambda t: t.multinomial(t.tensor([0.1, 0.5, 0.2, 0.2]), 3),
    "multinomial one": lambda t: t.multinomial(t.tensor([[0.1, 0.5, 0.4], [1.0, 2.0, 3.0]]), 1),
    "multinomial replacement": lambda t: t.multinomial(t.tensor([[0.1, 0.5, 0.4], [1.0, 2.0, 3.0]]), 20, True),
    "uniform_ transposed": lambda t: t.zeros(5, 3).t().uniform_(-2, 3),
    "normal_ transposed": lambda t: t.zeros(20, 3).t().normal_(),
    "normal_ contiguous 48": lambda t: t.zeros(16, 3).normal_(1.0, 0.5),
    "bernoulli_ tensor p": lambda t: t.zeros(4, 5).bernoulli_(t.linspace(0, 1, 5)),
    "exponential_": lambda t: t.zeros(9).exponential_(2.0),
    "random_ to": lambda t: t.zeros(9).random_(7),
    "random_ from to": lambda t: t.zeros(9, dtype=t.int64).random_(-3, 3),
    "geometric_": lambda t: t.zeros(9).geometric_(0.2),
    "cauchy_": lambda t: t.zeros(9).cauchy_(),
    "log_normal_": lambda t: t.zeros(9).log_normal_(),
    "serial normals share the cache": lambda t: t.stack([t.randn(3, dtype=t.float64), t.randn(3, dtype=t.float64)]),
}


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("seed", [0, 2147483647])
def test_torch_function_matches(name, seed):
    ours, theirs = both(CALLS[name], seed)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


# --- dropout masks ----------------------------------------------------------------------------------------------
DROPOUTS = {
    "F.dropout": lambda t, x: t.nn.functional.dropout(x, 0.3),
    "nn.Dropout": lambda t, x: t.nn.Dropout(0.5)(x),
    "dropout transposed": lambda t, x: t.nn.functional.dropout(x.t(), 0.4),
    "dropout p=1": lambda t, x: t.nn.functional.dropout(x, 1.0) + t.rand(1),
    "dropout1d": lambda t, x: t.nn.functional.dropout1d(x.reshape(4, 5, 6), 0.5),
    "dropout2d": lambda t, x: t.nn.Dropout2d(0.5)(x.reshape(2, 5, 3, 4)),
    "alpha_dropout": lambda t, x: t.nn.functional.alpha_dropout(x, 0.2, training=True),
    "AlphaDropout": lambda t, x: t.nn.AlphaDropout(0.3).train()(x),
    "feature_alpha_dropout": lambda t, x: t.nn.functional.feature_alpha_dropout(x.reshape(2, 5, 3, 4), 0.5, True),
}


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_mask_matches(name):
    x = np.linspace(-1, 1, 120, dtype=np.float32).reshape(12, 10)
    ours, theirs = both(lambda t: DROPOUTS[name](t, t.tensor(x)), 3)
    np.testing.assert_array_equal(ours, theirs)


def test_dropout_gradient_uses_the_same_mask():
    x = np.linspace(-1, 1, 40, dtype=np.float32)
    grads = []
    for lib in (engine, torch):
        lib.manual_seed(1)
        v = lib.tensor(x, requires_grad=True)
        lib.nn.functional.dropout(v, 0.5).sum().backward()
        grads.append(v.grad.numpy())
    np.testing.assert_array_equal(*grads)


# --- initialisation -------------------------------------------------------------------------------------------------
MODULES = {
    "Linear": lambda nn: nn.Linear(20, 30),
    "Conv2d": lambda nn: nn.Conv2d(3, 8, 5),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(4, 6, 3),
    "Embedding": lambda nn: nn.Embedding(50, 7),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(4),
    "LayerNorm": lambda nn: nn.LayerNorm(6),
    "GroupNorm": lambda nn: nn.GroupNorm(2, 6),
    "Conv1d": lambda nn: nn.Conv1d(3, 4, 3),
    "Bilinear": lambda nn: nn.Bilinear(3, 4, 5),
    "RNN": lambda nn: nn.RNN(5, 7, num_layers=2),
    "LSTM": lambda nn: nn.LSTM(5, 7, bidirectional=True),
    "GRU": lambda nn: nn.GRU(5, 7, batch_first=True),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2),
    "MultiheadAttention kdim": lambda nn: nn.MultiheadAttention(8, 2, kdim=5, vdim=3),
    "Sequential": lambda nn: nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Linear(8, 1)),
}


@pytest.mark.parametrize("name", MODULES)
def test_default_initialisation_is_pytorchs(name):
    torch.manual_seed(123)
    engine.manual_seed(123)
    theirs, ours = MODULES[name](torch.nn), MODULES[name](engine.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), err_msg=key)
    np.testing.assert_array_equal(engine.get_rng_state().numpy(), torch.get_rng_state().numpy())


INITS = {
    "uniform_": lambda init, w: init.uniform_(w, -0.3, 0.2),
    "normal_": lambda init, w: init.normal_(w, 0.1, 0.02),
    "xavier_uniform_": lambda init, w: init.xavier_uniform_(w, gain=2.0),
    "xavier_normal_": lambda init, w: init.xavier_normal_(w),
    "kaiming_uniform_": lambda init, w: init.kaiming_uniform_(w, nonlinearity="relu"),
    "kaiming_normal_": lambda init, w: init.kaiming_normal_(w, mode="fan_out"),
    "trunc_normal_": lambda init, w: init.trunc_normal_(w, std=0.5),
    "trunc_normal_ narrow": lambda init, w: init.trunc_normal_(w, mean=0.0, std=1.0, a=2.0, b=3.0),
    "sparse_": lambda init, w: init.sparse_(w, 0.3),
}


@pytest.mark.parametrize("name", INITS)
def test_init_function_is_pytorchs(name):
    ours, theirs = both(lambda t: INITS[name](t.nn.init, t.zeros(12, 9)), 4)
    np.testing.assert_array_equal(ours, theirs)


def test_orthogonal_draws_pytorchs_normals():
    # The same normals; the QR then differs in the last float32 bits: PyTorch runs MKL's float32 Householder QR,
    # numpy's QR runs in float64 and rounds once (tests/engine/test_random_leftovers.py measures it)
    ours, theirs = both(lambda t: t.nn.init.orthogonal_(t.zeros(6, 10)), 4)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2.5e-7)


# --- data order -------------------------------------------------------------------------------------------------
def test_random_sampler_dataloader_and_random_split_follow_the_global_stream():
    def run(t):
        data = t.utils.data.TensorDataset(t.arange(10.0))
        loader = t.utils.data.DataLoader(data, batch_size=3, shuffle=True)
        order = [b[0].tolist() for epoch in range(2) for b in loader]
        sampler = list(t.utils.data.RandomSampler(range(7), replacement=True, num_samples=40))
        split = [list(s) for s in t.utils.data.random_split(range(9), [4, 5])]
        return np.array(sum(order, []) + sampler + sum(split, []) + [t.rand(1).item()])

    ours, theirs = both(run, 9)
    np.testing.assert_array_equal(ours, theirs)


def test_webgpu_tensors_get_the_cpu_numbers():
    if not engine.webgpu.is_available():
        pytest.skip("no WebGPU adapter")
    engine.manual_seed(0)
    on_gpu = engine.randn(40, device="webgpu")
    weights = engine.zeros(20, 3, device="webgpu").uniform_(-1, 1)
    engine.manual_seed(0)
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), engine.randn(40).numpy())
    np.testing.assert_array_equal(weights.cpu().numpy(), engine.zeros(20, 3).uniform_(-1, 1).numpy())


# --- the float32 Box-Muller on every input it can get ---------------------------------------------------------------
def _untemper(y):
    """The mt19937 state words that the twister's tempering turns into the words y."""
    def undo_right(y, shift):
        x = y.copy()
        for _ in range(32 // shift):
            x = y ^ (x >> np.uint32(shift))
        return x

    def undo_left(y, shift, mask):
        x = y.copy()
        for _ in range(32 // shift):
            x = y ^ ((x << np.uint32(shift)) & np.uint32(mask))
        return x
    return undo_right(undo_left(undo_left(undo_right(y, 18), 15, 0xEFC60000), 7, 0x9D2C5680), 11)


def test_float32_box_muller_is_pytorchs_for_every_uniform():
    # A float32 uniform is one of 2**24 values, so every radius and every angle the 16-wide blocks can meet is
    # tried: PyTorch's own kernel is fed chosen words through generator states whose next 623 draws need no
    # refill (38 blocks a state), and compared bit for bit.
    k = np.arange(2 ** 24, dtype=np.uint32)
    words = np.empty((2 ** 21, 16), np.uint32)
    words[:, :8] = k.reshape(-1, 8)
    words[:, 8:] = ((k * np.uint32(2654435761)) & np.uint32(2 ** 24 - 1)).reshape(-1, 8)  # angles in another order
    words |= words << np.uint32(24)  # high bits the uniforms must ignore
    ours = _avx2_box_muller.normal_blocks((words & np.uint32(2 ** 24 - 1)).view(np.int32), 0.0, 1.0)
    theirs = np.empty_like(ours)
    pod = np.zeros((), erandom._STATE_LAYOUT)
    pod["left"], pod["seeded"], pod["next"] = 624, 1, 0
    state = torch.from_numpy(np.frombuffer(pod.tobytes(), np.uint8).copy())
    state_words = state.numpy()[erandom._STATE_LAYOUT.fields["state"][1]:].view(np.uint64)[:624]
    untempered = _untemper(words)
    generator, blocks = torch.Generator(), 38
    for start in range(0, len(words), blocks):
        chunk = untempered[start:start + blocks].reshape(-1)
        state_words[:len(chunk)] = chunk
        generator.set_state(state)
        theirs[start:start + blocks] = torch.randn(len(chunk) // 16, 16, generator=generator).numpy()
    mismatched = np.flatnonzero((ours.view(np.uint32) != theirs.view(np.uint32)).any(axis=1))
    assert mismatched.size == 0, f"{mismatched.size} blocks differ, first {words[mismatched[:3]]}"
