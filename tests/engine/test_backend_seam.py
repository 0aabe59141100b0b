"""Every backend implements every primitive of engine/backends/primitives.py with a signature the
op table can call. Only signatures are read, so the WebGPU backend is checked without a GPU."""
import inspect
import types

import numpy as np
import pytest

from engine.backends.primitives import Backend, primitive_names

BACKENDS = ("cpu", "webgpu")


def backend_module(device_type):
    if device_type == "webgpu":
        pytest.importorskip("wgpu")
    from engine._device import backend
    return backend(device_type)


def declared_parameters(name):
    return list(inspect.signature(getattr(Backend, name)).parameters.values())[1:]  # without self


def incompatibility(declared, implementation):
    """Why `implementation` cannot be called as the declared primitive is, or None when it can."""
    if isinstance(implementation, np.ufunc):  # no inspectable signature: its arity is what counts
        if any(p.default is not p.empty for p in declared):
            return "a ufunc cannot take the declared optional arguments"
        if (implementation.nin, implementation.nout) != (len(declared), 1):
            return f"a ufunc of {implementation.nin} inputs and {implementation.nout} outputs, " \
                   f"declared with {len(declared)} arguments"
        return None
    if not callable(implementation):
        return f"not callable: {implementation!r}"
    try:
        given = list(inspect.signature(implementation).parameters.values())
    except (TypeError, ValueError):
        return "has no inspectable signature"
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if len(given) < len(declared):
        return f"takes {len(given)} arguments, declared with {len(declared)}"
    for want, have in zip(declared, given):
        if have.name != want.name or have.kind not in positional:
            return f"argument {have.name!r} ({have.kind.description}) where {want.name!r} is declared"
        if want.default is not want.empty and have.default != want.default:
            return f"argument {want.name!r} defaults to {have.default!r}, declared {want.default!r}"
    for extra in given[len(declared):]:
        if extra.default is extra.empty and extra.kind not in (extra.VAR_POSITIONAL, extra.VAR_KEYWORD):
            return f"needs the undeclared argument {extra.name!r}"
    return None


@pytest.mark.parametrize("device_type", BACKENDS)
def test_backend_implements_every_primitive(device_type):
    b = backend_module(device_type)
    assert b.name == device_type
    problems = {}
    for name in primitive_names():
        if not hasattr(b, name):
            problems[name] = "missing"
            continue
        why = incompatibility(declared_parameters(name), getattr(b, name))
        if why:
            problems[name] = why
    assert problems == {}, f"the {device_type} backend breaks the seam: {problems}"


def test_cpu_backend_provides_only_declared_primitives():
    """A primitive added to the CPU backend is declared too, so the other backends are held to it."""
    b = backend_module("cpu")
    public = {k for k, v in vars(b).items() if not k.startswith("_") and callable(v)
              and not isinstance(v, (types.ModuleType, type))}
    assert public - set(primitive_names()) == set()


def test_the_seam_declares_each_primitive_with_a_contract():
    names = primitive_names()
    assert len(names) == len(set(names)) > 80
    for name in names:
        doc = inspect.getdoc(getattr(Backend, name))
        assert doc and doc.strip(), f"{name} has no one-line contract"
