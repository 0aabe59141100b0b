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


class no_grad(_GradMode):
    mode = False


class enable_grad(_GradMode):
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
