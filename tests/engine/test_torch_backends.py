"""engine.backends carries torch.backends' switches (cudnn, cuda, mps, cpu, mkldnn, openmp, opt_einsum):
checked attribute by attribute against PyTorch's CPU build, the flags restored after each test."""
import inspect

import pytest
import torch

import engine

FLAGS = {
    "cudnn": ["enabled", "deterministic", "benchmark", "benchmark_limit", "allow_tf32", "fp32_precision"],
    "mkldnn": ["enabled", "deterministic", "allow_tf32", "fp32_precision", "VERBOSE_OFF", "VERBOSE_ON",
               "VERBOSE_ON_CREATION"],
    "opt_einsum": ["enabled", "strategy"],
}
PRECISION_GROUPS = [("cudnn", "conv"), ("mkldnn", "matmul"), ("mkldnn", "conv"), ("mkldnn", "rnn"), ("cuda", "matmul")]
MATMUL_FLAGS = ["allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
                "allow_fp16_accumulation", "fp32_precision"]
QUERIES = {  # functions of no arguments: what they answer on a CPU-only machine
    "cudnn": ["is_available", "version"],
    "mkldnn": ["is_available", "is_acl_available"],
    "mps": ["is_available", "is_built"],
    "cpu": ["get_cpu_capability"],
    "openmp": ["is_available"],
    "opt_einsum": ["is_available"],
    "cuda": ["is_built", "is_flash_attention_available", "flash_sdp_enabled", "mem_efficient_sdp_enabled",
             "math_sdp_enabled", "cudnn_sdp_enabled", "fp16_bf16_reduction_math_sdp_allowed"],
}
SIGNATURES = {
    "cudnn": ["set_flags", "flags", "is_acceptable"], "mkldnn": ["set_flags", "flags", "verbose"],
    "opt_einsum": ["set_flags", "flags", "get_opt_einsum"],
    "mps": ["is_macos_or_newer", "is_macos13_or_newer", "get_core_count", "get_name"],
    "cuda": ["enable_flash_sdp", "enable_mem_efficient_sdp", "enable_math_sdp", "enable_cudnn_sdp",
             "allow_fp16_bf16_reduction_math_sdp"],
}


def both(module):
    return getattr(engine.backends, module), getattr(torch.backends, module)


def state():
    """Every flag of both libraries, to compare and to restore."""
    out = {}
    for lib in (engine, torch):
        for module, names in FLAGS.items():
            for name in names:
                out[lib.__name__, module, name] = getattr(getattr(lib.backends, module), name)
        for module, group in PRECISION_GROUPS:
            out[lib.__name__, module, group, "fp32_precision"] = getattr(getattr(lib.backends, module), group).fp32_precision
        for name in MATMUL_FLAGS:
            out[lib.__name__, "cuda.matmul", name] = getattr(lib.backends.cuda.matmul, name)
        for switch in ("flash", "mem_efficient", "math", "cudnn"):
            out[lib.__name__, "sdp", switch] = getattr(lib.backends.cuda, f"{switch}_sdp_enabled")()
    return out


def same_state(a):
    return {key[1:]: v for key, v in a.items() if key[0] == "engine"} == \
        {key[1:]: v for key, v in a.items() if key[0] == "torch"}


@pytest.fixture(autouse=True)
def restore_flags():
    before = state()
    yield
    for lib in (engine, torch):
        b = lib.backends
        for module, names in FLAGS.items():
            for name in names:
                value = before[lib.__name__, module, name]
                # constants, opt_einsum's (refused without the package) and unset ones (None) stay as they are
                if not name.startswith("VERBOSE") and module != "opt_einsum" and value is not None:
                    setattr(getattr(b, module), name, value)
        for module, group in PRECISION_GROUPS:
            getattr(getattr(b, module), group).fp32_precision = before[lib.__name__, module, group, "fp32_precision"]
        for name in MATMUL_FLAGS:
            setattr(b.cuda.matmul, name, before[lib.__name__, "cuda.matmul", name])
        for switch in ("flash", "mem_efficient", "math", "cudnn"):
            getattr(b.cuda, f"enable_{switch}_sdp")(before[lib.__name__, "sdp", switch])


def test_the_submodules_are_reached_as_torch_backends_are():
    for module in ("cudnn", "cuda", "mps", "cpu", "mkldnn", "openmp", "opt_einsum"):
        assert hasattr(engine.backends, module)
    import engine.backends.cudnn as cudnn  # the import forms work too
    from engine.backends import mps
    assert cudnn is engine.backends.cudnn and mps.is_available() is False


def test_flags_have_torch_values():
    assert same_state(state())


@pytest.mark.parametrize("module", sorted(QUERIES))
def test_queries_answer_as_torch(module):
    ours, theirs = both(module)
    for name in QUERIES[module]:
        assert getattr(ours, name)() == getattr(theirs, name)(), f"{module}.{name}()"


@pytest.mark.parametrize("module", sorted(SIGNATURES))
def test_signatures_match_torch(module):
    ours, theirs = both(module)
    for name in SIGNATURES[module]:
        want = [(p.name, p.default) for p in inspect.signature(getattr(theirs, name)).parameters.values()]
        have = [(p.name, p.default) for p in inspect.signature(getattr(ours, name)).parameters.values()]
        assert have == want, f"{module}.{name}"


def test_assigning_flags_reads_back_as_in_torch():
    for lib in (engine, torch):
        lib.backends.cudnn.deterministic = True
        lib.backends.cudnn.benchmark = True
        lib.backends.cudnn.enabled = False
        lib.backends.cuda.matmul.allow_tf32 = True
        lib.backends.mkldnn.deterministic = True
        lib.backends.cuda.enable_flash_sdp(False)
    assert engine.backends.cudnn.deterministic is True and engine.backends.cuda.matmul.allow_tf32 is True
    assert same_state(state())
    for lib in (engine, torch):
        lib.backends.cuda.matmul.allow_tf32 = False
    assert engine.backends.cuda.matmul.fp32_precision == torch.backends.cuda.matmul.fp32_precision == "ieee"


def test_an_operations_fp32_precision_reads_back_as_in_torch():
    # (read alone: PyTorch refuses to answer cudnn.allow_tf32 once conv and rnn precisions differ)
    for lib in (engine, torch):
        lib.backends.cudnn.conv.fp32_precision = "ieee"
        lib.backends.mkldnn.matmul.fp32_precision = "bf16"
    for module, group in PRECISION_GROUPS:
        assert getattr(getattr(engine.backends, module), group).fp32_precision == \
            getattr(getattr(torch.backends, module), group).fp32_precision, f"{module}.{group}"


@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN")  # both warn: flags() sets allow_tf32
@pytest.mark.parametrize("module", ["cudnn", "mkldnn", "opt_einsum"])
def test_set_flags_and_the_flags_block_as_torch(module):
    ours, theirs = both(module)
    assert ours.set_flags() == theirs.set_flags()
    if module != "opt_einsum":
        with ours.flags(deterministic=True), theirs.flags(deterministic=True):
            assert ours.deterministic is theirs.deterministic is True
            assert same_state(state())
    else:
        with ours.flags(), theirs.flags():
            assert same_state(state())
    assert same_state(state())


def test_bad_settings_are_refused_as_torch_refuses_them():
    for lib in (engine, torch):
        with pytest.raises(AttributeError, match="Unknown attribute allow_tf23"):
            lib.backends.cuda.matmul.allow_tf23 = True
        with pytest.raises(AttributeError, match="Unknown attribute x"):
            lib.backends.cudnn.conv.x = 1
        with pytest.raises(RuntimeError, match="Unknown precision: fast"):
            lib.backends.cudnn.conv.fp32_precision = "fast"
        with pytest.raises(RuntimeError, match="backend 'cuda' does not support precision 'bf16'"):
            lib.backends.cudnn.conv.fp32_precision = "bf16"
        if not lib.backends.opt_einsum.is_available():
            with pytest.raises(ValueError, match="opt_einsum is not available"):
                lib.backends.opt_einsum.set_flags(True)


def test_what_needs_a_device_this_machine_lacks():
    for lib in (engine, torch):
        with pytest.raises(RuntimeError, match="without MPS backend"):
            lib.backends.mps.is_macos13_or_newer()
        assert lib.backends.cudnn.is_acceptable(lib.ones(2)) is False
        assert lib.backends.opt_einsum.get_opt_einsum() is None or lib.backends.opt_einsum.is_available()
    with engine.backends.mkldnn.verbose(engine.backends.mkldnn.VERBOSE_ON) as v:
        assert v is not None
