"""torch.mps: Apple's GPU, absent here. Answers as PyTorch does on a machine without MPS."""


def _without_mps(what):
    def fail(*args, **kwargs):
        raise RuntimeError(f"Cannot execute {what}() without MPS backend.")
    return fail


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Without MPS, PyTorch accepts the seed and does nothing."""
    int(seed)


seed = get_rng_state = set_rng_state = _without_mps("getDefaultGenerator")
synchronize = _without_mps("deviceSynchronize")
empty_cache = _without_mps("emptyCache")
current_allocated_memory = _without_mps("getCurrentAllocatedMemory")
driver_allocated_memory = _without_mps("getDriverAllocatedMemory")
recommended_max_memory = _without_mps("getRecommendedMaxMemory")
