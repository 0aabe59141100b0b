"""torch.backends.cpu: the CPU's vector capability, named as PyTorch names it."""

__all__ = ["get_cpu_capability"]


def get_cpu_capability():
    """The widest vector instruction set the CPU offers the kernels: "AVX512", "AVX2", "VSX",
    "Z VECTOR" or "DEFAULT" (as PyTorch reports it; here read from numpy's own CPU dispatch,
    which is what runs our CPU kernels, so Pyodide's wasm reports "DEFAULT")."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:
        return "DEFAULT"
    if all(features.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    if features.get("AVX2") and features.get("FMA3"):
        return "AVX2"
    if features.get("VSX"):
        return "VSX"
    if features.get("VX"):
        return "Z VECTOR"
    return "DEFAULT"
