"""torch.backends.opt_einsum: whether einsum plans its contraction order with the opt_einsum package.
The engine contracts as numpy.einsum does; these report, as PyTorch does, whether that package is
installed."""
from contextlib import contextmanager

try:
    import opt_einsum as _opt_einsum
except ImportError:
    _opt_einsum = None


def is_available():
    """Whether the opt_einsum package can be imported."""
    return _opt_einsum is not None


def get_opt_einsum():
    """The opt_einsum package, or None."""
    return _opt_einsum


enabled = is_available()
strategy = "auto" if is_available() else None


def set_flags(_enabled=None, _strategy=None):
    """Set the flags given (not None) and return both as they were."""
    global enabled, strategy
    old = (enabled, strategy if is_available() else None)
    if _enabled is not None:
        if _enabled and not is_available():
            raise ValueError(f"opt_einsum is not available, so setting `enabled` to {_enabled} will not reap the "
                             "benefits of calculating an optimal path for einsum. Install opt-einsum to enable it.")
        enabled = _enabled
    if _strategy is not None:
        if not is_available() or not enabled:
            raise ValueError(f"opt_einsum is not {'enabled' if is_available() else 'available'}, so setting a "
                             f"`strategy` to {_strategy} will not be meaningful.")
        if _strategy not in ("auto", "greedy", "optimal"):
            raise ValueError(f"`strategy` must be one of the following: [auto, greedy, optimal] but is {_strategy}")
        strategy = _strategy
    return old


@contextmanager
def flags(enabled=None, strategy=None):
    """Set the flags inside a `with` block and restore them after it."""
    old = set_flags(enabled, strategy)
    try:
        yield
    finally:
        set_flags(*old)
