"""Finite-difference checks of gradients (use float64 inputs, as PyTorch asks)."""
import numpy as np

from ..tensor import Tensor


class GradcheckError(RuntimeError):
    pass


def _differentiable_inputs(inputs):
    return [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]


def _outputs(func, inputs):
    out = func(*inputs)
    return out if isinstance(out, (tuple, list)) else (out,)


def _numerical_jacobian(func, inputs, idx, eps):
    """d(flattened outputs) / d(flattened input idx), by central differences."""
    from .grad_mode import no_grad
    x = inputs[idx]
    flat = x._data.reshape(-1)  # a view: perturbing it perturbs the input
    columns = []
    with no_grad():
        for k in range(flat.size):
            orig = flat[k].copy()
            flat[k] = orig + eps
            plus = [o.detach().__array__().astype(np.float64).ravel() for o in _outputs(func, inputs)]
            flat[k] = orig - eps
            minus = [o.detach().__array__().astype(np.float64).ravel() for o in _outputs(func, inputs)]
            flat[k] = orig
            columns.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
    if not columns:  # an empty input: no columns, one row per output element
        return np.zeros((sum(o._data.size for o in _outputs(func, inputs)), 0))
    return np.stack(columns, axis=1)


def _analytical_jacobian(func, inputs, idx):
    from . import grad
    outs = [o for o in _outputs(func, inputs)]
    rows = []
    for o in outs:
        n = o._data.size
        for k in range(n):
            g = np.zeros(n, dtype=o._data.dtype)
            g[k] = 1
            if not o._requires_grad:
                rows.append(np.zeros(inputs[idx]._data.size))
                continue
            (gi,) = grad(o, inputs[idx], Tensor._wrap(g.reshape(o._data.shape)), retain_graph=True,
                         allow_unused=True)
            rows.append(np.zeros(inputs[idx]._data.size) if gi is None else gi.detach().__array__().ravel())
    return np.stack(rows, axis=0) if rows else np.zeros((0, inputs[idx]._data.size))  # empty outputs: 0 rows


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_ignored):
    """True when autograd's gradients of func match finite differences at inputs."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for i in _differentiable_inputs(inputs):
        if inputs[i]._data.dtype != np.float64:
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. This check "
                          "will likely fail if all the inputs are not of double precision floating point.")
        numerical = _numerical_jacobian(func, inputs, i, eps)
        analytical = _analytical_jacobian(func, inputs, i)
        if not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                                 f"numerical:{numerical}\nanalytical:{analytical}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **_ignored):
    """gradcheck of the gradient itself: second derivatives through create_graph=True."""
    from . import grad
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._wrap(rng.standard_normal(o._data.shape)).requires_grad_() for o in outs)
    n_in = len(inputs)
    diff_idx = _differentiable_inputs(inputs)

    def first_grads(*args):
        from .grad_mode import enable_grad
        xs, gos = args[:n_in], args[n_in:]
        with enable_grad():  # the finite differences call this under no_grad; these gradients need a graph
            gs = grad(_outputs(func, xs), [xs[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
