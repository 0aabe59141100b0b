"""Whether ops record the autograd graph: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools

# A one-element list so every module reads the same flag with one index (the hot path of every op).
enabled = [True]


def is_grad_enabled():
    return enabled[0]


class _GradMode:
    """A context manager and a decorator, as in PyTorch."""
    mode = None

    def __enter__(self):
        self._prev = enabled[0]
        enabled[0] = self.mode

    def __exit__(self, *exc):
        enabled[0] = self._prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class _BareDecorator(_GradMode):
    """Also usable as a decorator without parentheses: `@torch.no_grad`."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_BareDecorator):
    mode = False


class enable_grad(_BareDecorator):
    mode = True


class inference_mode(_GradMode):
    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(not self.mode):
                return fn(*args, **kwargs)
        return wrapper


class set_grad_enabled(_GradMode):
    """Takes effect at once (a plain call), or for a with-block."""

    def __init__(self, mode):
        self._prev = enabled[0]
        self.mode = bool(mode)
        enabled[0] = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        enabled[0] = self._prev

    def __call__(self, fn):
        """As a decorator it leaves the mode as it was and switches it only around each call."""
        enabled[0] = self._prev
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
