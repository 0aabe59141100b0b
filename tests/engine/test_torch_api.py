"""The PyTorch API around devices and global switches, compared with what a CPU-only PyTorch does: torch.cuda,
torch.accelerator, torch.mps, torch.cpu, autocast and GradScaler, torch.compile, matmul precision,
determinism, the default device, autograd.Variable and the legacy typed constructors."""
import warnings

import numpy as np
import pytest
import torch

import engine
from tests.engine.oracle import outcome


def _same(fn):
    """fn(lib) gives the same value (or raises the same error, word for word) in both libraries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, ours = outcome(fn, torch), outcome(fn, engine)
        assert ours == theirs
        if theirs is None:
            assert _plain(fn(engine)) == _plain(fn(torch))


def _plain(value):
    if isinstance(value, (torch.Tensor, engine.Tensor)):
        return (str(value.dtype).replace("torch.", ""), value.tolist())
    if isinstance(value, (torch.device, engine.device)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


CALLS = {
    # torch.cuda without CUDA
    "cuda.is_available": lambda T: T.cuda.is_available(),
    "cuda.device_count": lambda T: T.cuda.device_count(),
    "cuda.is_initialized": lambda T: T.cuda.is_initialized(),
    "cuda.manual_seed": lambda T: T.cuda.manual_seed(42),
    "cuda.manual_seed_all": lambda T: T.cuda.manual_seed_all(42),
    "cuda.seed": lambda T: T.cuda.seed(),
    "cuda.seed_all": lambda T: T.cuda.seed_all(),
    "cuda.empty_cache": lambda T: T.cuda.empty_cache(),
    "cuda.memory_allocated": lambda T: T.cuda.memory_allocated(),
    "cuda.max_memory_allocated": lambda T: T.cuda.max_memory_allocated(),
    "cuda.memory_reserved": lambda T: T.cuda.memory_reserved(),
    "cuda.is_bf16_supported": lambda T: T.cuda.is_bf16_supported(),
    "cuda.get_arch_list": lambda T: T.cuda.get_arch_list(),
    "cuda.get_rng_state_all": lambda T: T.cuda.get_rng_state_all(),
    "cuda.synchronize": lambda T: T.cuda.synchronize(),
    "cuda.current_device": lambda T: T.cuda.current_device(),
    "cuda.get_device_name": lambda T: T.cuda.get_device_name(0),
    "cuda.get_device_capability": lambda T: T.cuda.get_device_capability(),
    "cuda.get_device_properties": lambda T: T.cuda.get_device_properties(0),
    "cuda.init": lambda T: T.cuda.init(),
    "cuda.initial_seed": lambda T: T.cuda.initial_seed(),
    "cuda.get_rng_state": lambda T: T.cuda.get_rng_state(),
    "cuda.mem_get_info": lambda T: T.cuda.mem_get_info(),
    "cuda.device-enter": lambda T: T.cuda.device(0).__enter__(),
    # putting things on the GPU
    "tensor.cuda": lambda T: T.ones(2).cuda(),
    "tensor.cuda(0)": lambda T: T.ones(2).cuda(0),
    "tensor.to(cuda)": lambda T: T.ones(2).to("cuda"),
    "tensor.to(device(cuda:0))": lambda T: T.ones(2).to(T.device("cuda:0")),
    "factory-on-cuda": lambda T: T.zeros(2, device="cuda"),
    "tensor-on-cuda": lambda T: T.tensor([1.0], device="cuda"),
    "module.cuda": lambda T: T.nn.Linear(2, 2).cuda(),
    "module.to(cuda)": lambda T: T.nn.Linear(2, 2).to("cuda"),
    "parameterless-module.cuda": lambda T: str(T.nn.ReLU().cuda()),
    "to(xpu)": lambda T: T.ones(1).to("xpu"),
    "to(mps)": lambda T: T.ones(1).to("mps"),
    "device(cuda)": lambda T: T.device("cuda"),
    "is_cuda": lambda T: T.ones(1).is_cuda,
    # torch.accelerator
    "accelerator.is_available": lambda T: T.accelerator.is_available(),
    "accelerator.current_accelerator": lambda T: T.accelerator.current_accelerator(),
    "accelerator.device_count": lambda T: T.accelerator.device_count(),
    "accelerator.current_device_index": lambda T: T.accelerator.current_device_index(),
    "accelerator.synchronize": lambda T: T.accelerator.synchronize(),
    "accelerator.memory_allocated": lambda T: T.accelerator.memory_allocated(),
    # torch.mps and torch.cpu
    "mps.is_available": lambda T: T.mps.is_available(),
    "mps.device_count": lambda T: T.mps.device_count(),
    "mps.manual_seed": lambda T: T.mps.manual_seed(1),
    "mps.synchronize": lambda T: T.mps.synchronize(),
    "mps.empty_cache": lambda T: T.mps.empty_cache(),
    "mps.seed": lambda T: T.mps.seed(),
    "cpu.is_available": lambda T: T.cpu.is_available(),
    "cpu.device_count": lambda T: T.cpu.device_count(),
    "cpu.current_device": lambda T: T.cpu.current_device(),
    "cpu.synchronize": lambda T: T.cpu.synchronize(),
    # switches
    "matmul-precision": lambda T: (T.set_float32_matmul_precision("high"), T.get_float32_matmul_precision(),
                                   T.set_float32_matmul_precision("fast"), T.get_float32_matmul_precision(),
                                   T.set_float32_matmul_precision("highest")),
    "deterministic": lambda T: (T.use_deterministic_algorithms(True, warn_only=True),
                                T.are_deterministic_algorithms_enabled(),
                                T.is_deterministic_algorithms_warn_only_enabled(),
                                T.use_deterministic_algorithms(False), T.are_deterministic_algorithms_enabled()),
    "deterministic-int": lambda T: T.use_deterministic_algorithms(1),
    "deterministic-warn-only-int": lambda T: T.use_deterministic_algorithms(True, warn_only=0),
    "default-device": lambda T: (T.set_default_device("cpu"), T.get_default_device(), T.set_default_device(None)),
    "default-device-cuda": lambda T: _on_default_device(T, "cuda"),
    # compile
    "compile-function": lambda T: T.compile(lambda x: x * 2)(T.ones(2)),
    "compile-decorator": lambda T: T.compile(mode="reduce-overhead")(lambda x: x + 1)(T.ones(2)),
    "compile-module": lambda T: T.compile(_seeded_linear(T))(T.ones(1, 2)).detach(),
    "compile-bad-mode": lambda T: T.compile(lambda x: x, mode="fastest"),
    "compile-mode-and-options": lambda T: T.compile(lambda x: x, mode="default", options={}),
    "compile-none": lambda T: T.compile()(None),
    "compiler.is_compiling": lambda T: T.compiler.is_compiling(),
    # autocast
    "autocast-cpu": lambda T: _autocast_state(T, T.autocast("cpu")),
    "autocast-cpu-float16": lambda T: _autocast_state(T, T.autocast("cpu", dtype=T.float16)),
    "autocast-cpu-float32": lambda T: _autocast_state(T, T.autocast("cpu", dtype=T.float32)),
    "autocast-cpu-disabled": lambda T: _autocast_state(T, T.autocast("cpu", enabled=False)),
    "amp.autocast-cpu": lambda T: _autocast_state(T, T.amp.autocast("cpu")),
    "cpu.amp.autocast": lambda T: _autocast_state(T, T.cpu.amp.autocast()),
    "autocast-cuda": lambda T: _autocast_state(T, T.autocast("cuda")),
    "cuda.amp.autocast": lambda T: _autocast_state(T, T.cuda.amp.autocast()),
    "autocast-not-a-string": lambda T: T.autocast(3),
    "autocast-keeps-dtypes": lambda T: _under_autocast(T),
    "amp.is_autocast_available": lambda T: (T.amp.is_autocast_available("cpu"),
                                            T.amp.is_autocast_available("cuda")),
    # autograd.Variable
    "Variable": lambda T: _variable(T, T.ones(2), requires_grad=True),
    "Variable-non-leaf": lambda T: _variable(T, T.ones(2, requires_grad=True) * 2),
    "Variable-empty": lambda T: T.autograd.Variable(),
    "Variable-list": lambda T: T.autograd.Variable([1, 2]),
    "Variable-long-grad": lambda T: T.autograd.Variable(T.ones(2, dtype=T.long), requires_grad=True),
    "Variable-volatile": lambda T: T.autograd.Variable(T.ones(1), volatile=True),
    "Variable-isinstance": lambda T: isinstance(T.ones(1), T.autograd.Variable),
    # legacy typed constructors
    "FloatTensor(sizes)": lambda T: T.FloatTensor(2, 3).shape,
    "FloatTensor(Size)": lambda T: T.FloatTensor(T.Size([4])).shape,
    "FloatTensor()": lambda T: T.FloatTensor(),
    "FloatTensor(list)": lambda T: T.FloatTensor([[1, 2], [3, 4]]),
    "FloatTensor(tuple)": lambda T: T.FloatTensor((1, 2)),
    "FloatTensor(ndarray)": lambda T: T.FloatTensor(np.array([1.5, 2.5])),
    "FloatTensor(float)": lambda T: T.FloatTensor(2.5),
    "FloatTensor(str)": lambda T: T.FloatTensor("a"),
    "FloatTensor(2, [3])": lambda T: T.FloatTensor(2, [3]),
    "FloatTensor(double tensor)": lambda T: T.FloatTensor(T.ones(2, dtype=T.float64)),
    "LongTensor(float tensor)": lambda T: T.LongTensor(T.ones(2)),
    "HalfTensor(float tensor)": lambda T: T.HalfTensor(T.ones(2)),
    "ByteTensor(bool tensor)": lambda T: T.ByteTensor(T.ones(2, dtype=T.bool)),
    "FloatTensor(float tensor)-aliases": lambda T: _aliases(T),
    "LongTensor(list)": lambda T: T.LongTensor([1, 2]),
    "IntTensor(floats)": lambda T: T.IntTensor([1.7, -2.7]),
    "BoolTensor": lambda T: T.BoolTensor([1, 0]),
    "ByteTensor": lambda T: T.ByteTensor([1, 0]),
    "DoubleTensor": lambda T: T.DoubleTensor([1, 2]),
    "ShortTensor": lambda T: T.ShortTensor(3).shape,
    "CharTensor": lambda T: T.CharTensor([1]),
    "isinstance-legacy": lambda T: (isinstance(T.ones(2), T.FloatTensor), isinstance(T.ones(2), T.LongTensor),
                                    isinstance(T.ones(2, dtype=T.long), T.LongTensor),
                                    isinstance(T.ones(2, dtype=T.bool), T.BoolTensor), isinstance(3, T.FloatTensor)),
    "legacy-repr": lambda T: (repr(T.FloatTensor), str(T.LongTensor.dtype).replace("torch.", ""),
                              type(T.FloatTensor).__name__, T.FloatTensor.is_cuda),
}


def _on_default_device(T, device):
    try:
        T.set_default_device(device)
        return T.zeros(1)
    finally:
        T.set_default_device(None)


def _seeded_linear(T):
    m = T.nn.Linear(2, 1)
    with T.no_grad():
        m.weight.copy_(T.tensor([[1.0, -2.0]]))
        m.bias.fill_(0.5)
    return m


def _autocast_state(T, context):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with context:
            inside = (T.is_autocast_enabled("cpu"), T.is_autocast_enabled("cuda"), T.is_autocast_enabled())
    return inside, T.is_autocast_enabled("cpu"), sorted(f"{w.category.__name__}: {w.message}" for w in caught)


def _under_autocast(T):
    """float64 work under cpu autocast stays float64 (PyTorch lowers only float32 ops)."""
    x = T.ones(2, 2, dtype=T.float64)
    with T.autocast("cpu"):
        return (x @ x).dtype == T.float64


def _variable(T, data, **kwargs):
    v = T.autograd.Variable(data, **kwargs)
    return v is data, v.requires_grad, data.requires_grad, v.is_leaf, v.grad_fn is None, type(v).__name__


def _aliases(T):
    x = T.zeros(2)
    y = T.FloatTensor(x)
    y.add_(1)
    return y is x, x.tolist()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_matches_cpu_only_pytorch(name):
    _same(CALLS[name])


def test_grad_scaler_training_matches_torch():
    """GradScaler on the cpu: scaled losses, unscaled gradients, a skipped step after an overflow, and the
    scale backing off and growing, step by step as PyTorch's."""
    def run(T):
        torch.manual_seed(0)
        model = T.nn.Linear(3, 1).double()
        with T.no_grad():
            model.weight.copy_(T.tensor([[0.1, -0.2, 0.3]], dtype=T.float64))
            model.bias.zero_()
        opt = T.optim.SGD(model.parameters(), lr=0.1)
        scaler = T.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
        history = []
        for step in range(6):
            x = T.tensor([[1.0, 2.0, 3.0]], dtype=T.float64) * (1e308 if step == 2 else 1.0)
            opt.zero_grad()
            loss = model(x).pow(2).sum()
            scaled = scaler.scale(loss)
            scaled.backward()
            scaler.unscale_(opt)
            grad = model.weight.grad.clone()
            scaler.step(opt)
            scaler.update()
            history.append((float(scaled.detach() / 1.0) if step != 2 else None, scaler.get_scale(),
                            model.weight.detach().tolist(), grad.tolist() if step != 2 else None))
        return history, scaler.state_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (ours, our_state), (theirs, their_state) = run(engine), run(torch)
    assert our_state == their_state
    for step, (e, t) in enumerate(zip(ours, theirs)):
        assert e[1] == t[1], f"step {step}: scale"
        assert (e[0] is None, e[3] is None) == (t[0] is None, t[3] is None)
        for a, b in zip(e, t):
            if b is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=f"step {step}")


@pytest.mark.parametrize("case", ["disabled-cuda", "growth", "backoff", "twice-unscale", "no-scale", "closure"])
def test_grad_scaler_edges_match_torch(case):
    def run(T):
        p = T.nn.Parameter(T.ones(2))
        opt = T.optim.SGD([p], lr=0.1)
        if case == "disabled-cuda":
            s = T.amp.GradScaler()
            return s.is_enabled(), s.get_scale(), s.state_dict(), s.scale(p).tolist()
        if case == "growth":
            T.amp.GradScaler("cpu", growth_factor=1.0)
        if case == "backoff":
            T.amp.GradScaler("cpu", backoff_factor=1.0)
        s = T.amp.GradScaler("cpu")
        if case == "no-scale":
            s.step(opt)
        s.scale(p.sum()).backward()
        s.unscale_(opt)
        if case == "twice-unscale":
            s.unscale_(opt)
        if case == "closure":
            s.step(opt, closure=lambda: None)
    _same(run)


TYPE_INFO = {
    "finfo-float32": lambda T: repr(T.finfo(T.float32)),
    "finfo-float64": lambda T: repr(T.finfo(T.float64)),
    "finfo-float16": lambda T: repr(T.finfo(T.float16)),
    "finfo-default": lambda T: repr(T.finfo()),
    "finfo-fields": lambda T: [(f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal, f.resolution, f.dtype)
                               for f in (T.finfo(T.float32), T.finfo(T.float64))],
    "iinfo": lambda T: [(repr(i), i.bits, i.max, i.min, i.dtype) for i in (T.iinfo(d) for d in (
        T.int64, T.int32, T.int16, T.int8, T.uint8))],
    "finfo-int": lambda T: T.finfo(T.int32),
    "iinfo-float": lambda T: T.iinfo(T.float32),
    "iinfo-bool": lambda T: T.iinfo(T.bool),
    "finfo-str": lambda T: T.finfo("float32"),
    "constants": lambda T: (T.inf, T.pi, T.e, T.newaxis, str(T.nan)),
    "version.cuda": lambda T: T.version.cuda,
    "num-threads": lambda T: (T.set_num_threads(3), T.get_num_threads(), T.set_num_threads(1)),
    "num-threads-zero": lambda T: T.set_num_threads(0),
    "num-threads-float": lambda T: T.set_num_threads(1.5),
}


@pytest.mark.parametrize("name", sorted(TYPE_INFO))
def test_type_info_and_constants_match_torch(name):
    _same(TYPE_INFO[name])
