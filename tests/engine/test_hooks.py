"""Tensor hooks that return something other than a gradient of the same kind are refused, as in PyTorch."""
import pytest
import torch

import engine
from tests.engine.oracle import outcome


def _bad_hook_run(T, leaf_hook, replacement):
    x = T.ones(3, requires_grad=True)
    y = x if leaf_hook else x * 2
    y.register_hook(lambda g: replacement(T))
    (y * 2).sum().backward()
    return x.grad


@pytest.mark.parametrize("leaf_hook", [True, False])
@pytest.mark.parametrize("replacement", [
    lambda T: T.ones(2),                       # wrong shape
    lambda T: T.ones(3, 1),                    # same numel, other shape
    lambda T: T.ones(3, dtype=T.float64),      # wrong dtype
    lambda T: 5,                               # not a tensor
], ids=["shape", "view-shape", "dtype", "int"])
def test_a_hook_that_changes_the_gradient_kind_raises_torchs_error(leaf_hook, replacement):
    run = lambda T: _bad_hook_run(T, leaf_hook, replacement)  # noqa: E731
    theirs = outcome(run, torch)
    assert theirs is not None
    assert outcome(run, engine) == theirs


@pytest.mark.parametrize("leaf_hook", [True, False])
def test_a_hook_returning_a_same_shaped_gradient_replaces_it(leaf_hook):
    def run(T):
        x = T.ones(3, requires_grad=True)
        y = x if leaf_hook else x * 2
        y.register_hook(lambda g: g * 10)
        (y * 2).sum().backward()
        return x.grad.tolist()
    assert run(engine) == run(torch)


def test_the_hook_name_is_its_function_name():
    def double_size(g):
        return g.repeat(2)
    x = engine.ones(3, requires_grad=True)
    x.register_hook(double_size)
    with pytest.raises(RuntimeError, match="^hook 'double_size' has changed the size of value$"):
        x.sum().backward()
