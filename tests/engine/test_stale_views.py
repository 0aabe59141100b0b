"""A stale view (made by split/unbind/chunk or under no_grad, its base since changed in place) meets an op, in
PyTorch's order. PyTorch's rule, found by trying it: with grad mode on, every op that records a graph raises the
view's refusal before it checks its own arguments (its autograd layer reads its inputs' grad_fn first), while ops
that record nothing (comparisons, argmax, isnan, casts to an integer dtype, reading values) work; composite
functions that check an argument in Python before their first recorded op (flatten, narrow, chunk, outer, ...)
give their own error first, as does x[i] with an integer i out of range; under no_grad nothing is refused.
Each case runs on the engine and on torch: the same outcome, error type and message word for word."""
import warnings

import pytest
import torch

import engine


def _stale(T, made_by):
    """A view of x = leaf * 1 (4 x 5) that x.add_(1) made stale."""
    x = T.ones(4, 5, requires_grad=True) * 1
    if made_by == "split":
        v = x.split(2)[0]
    elif made_by == "unbind":
        v = x.unbind(0)[1]
    elif made_by == "chunk":
        v = x.chunk(2)[1]
    else:
        with T.no_grad():
            v = x[1:3]
    x.add_(1)
    return v


def _outcome(T, made_by, op, grad=True):
    v = _stale(T, made_by)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with T.set_grad_enabled(grad):
                op(T, v)
        except Exception as error:
            return f"{type(error).__name__}: {error}"
    return "ok"


MADE_BY = ["split", "unbind", "chunk", "no_grad"]

# each with arguments the op itself refuses: PyTorch's refusal of the stale view comes first
REFUSED_BEFORE_THE_ARGUMENTS = {
    "select-of-0-size": lambda T, v: v[:0].select(0, 0),
    "select-out-of-range": lambda T, v: v.select(0, 9),
    "index-read-out-of-range": lambda T, v: v[[0, 9]],
    "index-read-by-tensor-out-of-range": lambda T, v: v[T.tensor([9])],
    "diagonal-same-dims": lambda T, v: v.diagonal(0, 0, 0),
    "diagonal-dim-5": lambda T, v: v.diagonal(0, 5, 0),
    "softmax(5)": lambda T, v: v.softmax(5),
    "torch.softmax(5)": lambda T, v: T.softmax(v, 5),
    "sum(5)": lambda T, v: v.sum(5),
    "torch.sum(5)": lambda T, v: T.sum(v, 5),
    "torch.sum(dim=5)": lambda T, v: T.sum(v, dim=5),
    "mean(5)": lambda T, v: v.mean(5),
    "amax(5)": lambda T, v: v.amax(5),
    "logsumexp(5)": lambda T, v: v.logsumexp(5),
    "var(5)": lambda T, v: v.var(5),
    "cumsum(5)": lambda T, v: v.cumsum(5),
    "transpose(0, 5)": lambda T, v: v.transpose(0, 5),
    "unsqueeze(5)": lambda T, v: v.unsqueeze(5),
    "view(7)": lambda T, v: v.view(7),
    "reshape(7)": lambda T, v: v.reshape(7),
    "expand(9, 9)": lambda T, v: v.expand(9, 9),
    "v + w-that-does-not-broadcast": lambda T, v: v + T.ones(7),
    "w + v-that-does-not-broadcast": lambda T, v: T.ones(7) + v,
    "w / v-that-does-not-broadcast": lambda T, v: T.ones(7) / v,
    "w.add(v)": lambda T, v: T.ones(7).add(v),
    "torch.add(w, v)": lambda T, v: T.add(T.ones(7), v),
    "torch.maximum(v, w)": lambda T, v: T.maximum(v, T.ones(7)),
    "torch.where(c, v, w)": lambda T, v: T.where(v > 0, v, T.ones(7)),
    "v @ w": lambda T, v: v @ T.ones(7),
    "w @ v": lambda T, v: T.ones(7) @ v,
    "torch.matmul(v, w)": lambda T, v: T.matmul(v, T.ones(7)),
    "torch.cat([w, v])": lambda T, v: T.cat([T.ones(1), v]),
    "layer_norm": lambda T, v: T.nn.functional.layer_norm(v, (7,)),
    "linear": lambda T, v: T.nn.functional.linear(v, T.ones(3, 7)),
    # the function forms, and ops whose stale view is not self
    "torch.transpose(v, 0, 5)": lambda T, v: T.transpose(v, 0, 5),
    "torch.swapaxes(v, 0, 5)": lambda T, v: T.swapaxes(v, 0, 5),
    "torch.permute(v, (0, 5))": lambda T, v: T.permute(v, (0, 5)),
    "torch.unsqueeze(v, 5)": lambda T, v: T.unsqueeze(v, 5),
    "torch.squeeze(v, 5)": lambda T, v: T.squeeze(v, 5),
    "torch.reshape(v, (7,))": lambda T, v: T.reshape(v, (7,)),
    "torch.select(v, 0, 9)": lambda T, v: T.select(v, 0, 9),
    "torch.broadcast_to(v, (7, 7))": lambda T, v: T.broadcast_to(v, (7, 7)),
    "torch.flip(v, (5,))": lambda T, v: T.flip(v, (5,)),
    "torch.roll(v, 1, 5)": lambda T, v: T.roll(v, 1, 5),
    "torch.sort(v, 5)": lambda T, v: T.sort(v, 5),
    "torch.topk(v, 9)": lambda T, v: T.topk(v, 9),
    "torch.split(v, 0, 0)": lambda T, v: T.split(v, 0, 0),
    "torch.hstack([v, w])": lambda T, v: T.hstack([v, T.ones(7, 7)]),
    "torch.scatter(v, 0, 9, 1.0)": lambda T, v: T.scatter(v, 0, T.tensor([[9]]), 1.0),
    "torch.index_add(v, 0, 9, w)": lambda T, v: T.index_add(v, 0, T.tensor([9]), T.ones(1, 5)),
    "torch.einsum-sizes": lambda T, v: T.einsum("ij,jk->ik" if v.dim() == 2 else "j,jk->k", v, T.ones(7, 2)),
    "w.mm(v)": lambda T, v: T.ones(3, 7).mm(v),
    "w.mv(v)": lambda T, v: T.ones(3, 7).mv(v),
    "torch.dot(w, v)": lambda T, v: T.dot(T.ones(7), v),
    "torch.bmm(w, v)": lambda T, v: T.bmm(T.ones(1, 3, 7), v),
    "F.softmax(v, 5)": lambda T, v: T.nn.functional.softmax(v, 5),
    "F.log_softmax(v, 5)": lambda T, v: T.nn.functional.log_softmax(v, 5),
    "F.gelu(approximate=bad)": lambda T, v: T.nn.functional.gelu(v, approximate="bad"),
    "F.nll_loss-target-9": lambda T, v: T.nn.functional.nll_loss(v, T.full(v.shape[:-1], 9)),
    "F.cross_entropy-target-9": lambda T, v: T.nn.functional.cross_entropy(v, T.full(v.shape[:-1], 9)),
    "F.embedding-index-99": lambda T, v: T.nn.functional.embedding(T.tensor([99]), v),
    "F.nll_loss-of-a-vector-and-3-targets": lambda T, v: T.nn.functional.nll_loss(v[0] if v.dim() == 2 else v,
                                                                                  T.tensor([0, 0, 0])),
    "F.normalize(dim=5)": lambda T, v: T.nn.functional.normalize(v, dim=5),
    "F.pixel_shuffle-of-a-matrix": lambda T, v: T.nn.functional.pixel_shuffle(v, 3),
}


@pytest.mark.parametrize("made_by", MADE_BY)
@pytest.mark.parametrize("op", REFUSED_BEFORE_THE_ARGUMENTS)
def test_a_stale_view_is_refused_before_the_ops_argument_errors_as_torch(made_by, op):
    outcome = _outcome(torch, made_by, REFUSED_BEFORE_THE_ARGUMENTS[op])
    assert "modified inplace" in outcome  # (the case is what it says, in torch)
    assert _outcome(engine, made_by, REFUSED_BEFORE_THE_ARGUMENTS[op]) == outcome


@pytest.mark.parametrize("made_by", MADE_BY)
@pytest.mark.parametrize("op", REFUSED_BEFORE_THE_ARGUMENTS)
def test_under_no_grad_a_stale_view_gets_the_ops_own_errors_as_torch(made_by, op):
    outcome = _outcome(torch, made_by, REFUSED_BEFORE_THE_ARGUMENTS[op], grad=False)
    assert "modified inplace" not in outcome
    assert _outcome(engine, made_by, REFUSED_BEFORE_THE_ARGUMENTS[op], grad=False) == outcome


# ops that record no graph, or check their arguments first: PyTorch does not refuse the stale view
NOT_REFUSED = {
    "tolist": lambda T, v: v.tolist(),
    "repr": lambda T, v: repr(v),
    "shape": lambda T, v: v.shape,
    "numel": lambda T, v: v.numel(),
    "detach": lambda T, v: v.detach() + 1,
    "v == 0": lambda T, v: v == 0,
    "v > w-that-does-not-broadcast": lambda T, v: v > T.ones(7),
    "argmax": lambda T, v: v.argmax(),
    "argmax(5)": lambda T, v: v.argmax(5),
    "isnan": lambda T, v: v.isnan(),
    "any": lambda T, v: v.any(),
    "nonzero": lambda T, v: v.nonzero(),
    "long": lambda T, v: v.long(),
    "to-its-own-dtype": lambda T, v: v.to(T.float32),
    "float": lambda T, v: v.float(),
    "zeros_like": lambda T, v: T.zeros_like(v),
    "equal": lambda T, v: T.equal(v, v),
    "allclose": lambda T, v: T.allclose(v, v),
    "requires_grad_": lambda T, v: v.requires_grad_(),
    "requires_grad_(False)": lambda T, v: v.requires_grad_(False),
    "x[9]": lambda T, v: v[9],
    "x[:, 9]": lambda T, v: v[:, 9],
    "x[0, 0, 0]": lambda T, v: v[0, 0, 0],
    "flatten(5)": lambda T, v: v.flatten(5),
    "narrow(5, 0, 1)": lambda T, v: v.narrow(5, 0, 1),
    "chunk(2, 5)": lambda T, v: v.chunk(2, 5),
    "movedim(5, 0)": lambda T, v: v.movedim(5, 0),
    "outer-with-a-matrix": lambda T, v: v.outer(T.ones(3, 3)),
    "mse_loss-that-does-not-broadcast": lambda T, v: T.nn.functional.mse_loss(v, T.ones(7, 7)),
    # functions that check their arguments first (PyTorch's Python or composite code)
    "torch.einsum-subscripts": lambda T, v: T.einsum("ijk->i", v),
    "torch.tensordot-sizes": lambda T, v: T.tensordot(v, T.ones(7, 7), dims=1),
    "torch.cdist-sizes": lambda T, v: T.cdist(v, T.ones(2, 7)),
    "F.cosine_similarity-that-does-not-broadcast": lambda T, v: T.nn.functional.cosine_similarity(v, T.ones(7)),
    "F.nll_loss-batch-sizes": lambda T, v: T.nn.functional.nll_loss(v, T.tensor([0, 0, 0]) if v.dim() == 2 else 0),
    "F.dropout(p=2)": lambda T, v: T.nn.functional.dropout(v, p=2.0),
    "F.pad-odd-length": lambda T, v: T.nn.functional.pad(v, (1,)),
    "F.l1_loss-that-does-not-broadcast": lambda T, v: T.nn.functional.l1_loss(v, T.ones(7)),
}


@pytest.mark.parametrize("made_by", MADE_BY)
@pytest.mark.parametrize("op", NOT_REFUSED)
def test_what_torch_does_not_refuse_on_a_stale_view_the_engine_does_not_either(made_by, op):
    outcome = _outcome(torch, made_by, NOT_REFUSED[op])
    assert "modified inplace" not in outcome
    assert _outcome(engine, made_by, NOT_REFUSED[op]) == outcome


@pytest.mark.parametrize("made_by", MADE_BY)
def test_with_fine_arguments_a_stale_view_is_refused_as_torch(made_by):
    for op in (lambda T, v: v.sum(), lambda T, v: v[0], lambda T, v: 1 - v, lambda T, v: T.softmax(v, 0),
               lambda T, v: v.double(), lambda T, v: T.nn.functional.layer_norm(v, (5,))):
        outcome = _outcome(torch, made_by, op)
        assert "modified inplace" in outcome
        assert _outcome(engine, made_by, op) == outcome


# in-place functions refuse the write to the view itself first, as the in-place methods do
IN_PLACE_FUNCTIONS = {
    "torch.relu_(v)": lambda T, v: T.relu_(v),
    "torch.clamp_(v, 0, 1)": lambda T, v: T.clamp_(v, 0, 1),
    "F.relu(v, inplace=True)": lambda T, v: T.nn.functional.relu(v, inplace=True),
    "F.dropout(v, inplace=True)": lambda T, v: T.nn.functional.dropout(v, 0.5, inplace=True),
}


@pytest.mark.parametrize("made_by", MADE_BY)
@pytest.mark.parametrize("op", IN_PLACE_FUNCTIONS)
def test_an_in_place_function_on_a_stale_view_refuses_the_write_as_torch(made_by, op):
    outcome = _outcome(torch, made_by, IN_PLACE_FUNCTIONS[op])
    assert "is being modified inplace" in outcome
    assert _outcome(engine, made_by, IN_PLACE_FUNCTIONS[op]) == outcome


# --- in-place writes that record no graph (under no_grad) change the views' versions too -------------------------
VIEWS = {
    "split": lambda x: x.split(2)[0],
    "unbind": lambda x: x.unbind(0)[1],
    "chunk": lambda x: x.chunk(2)[1],
    "no_grad": lambda x: x[1:3],  # (made under no_grad below)
    "slice": lambda x: x[1:3],
    "select": lambda x: x[2],
    "transpose": lambda x: x.t(),
    "view-of-a-view": lambda x: x[1:3][:, 1],
}
UNTRACKED_WRITES = {
    "base.add_": lambda T, x, v: x.add_(1),
    "base.zero_": lambda T, x, v: x.zero_(),
    "base.fill_": lambda T, x, v: x.fill_(2.5),
    "base.copy_": lambda T, x, v: x.copy_(T.full((4, 5), 3.)),
    "base[0, 0] = 5": lambda T, x, v: x.__setitem__((0, 0), 5.),
    "base[:, 1] = w": lambda T, x, v: x.__setitem__((slice(None), 1), T.arange(4.)),
    "view.mul_": lambda T, x, v: v.mul_(3),
    "other-view.sub_": lambda T, x, v: x[3].sub_(1),
}


def _observe(T, base_kind, made_by, write):
    """What the view, the base and the leaf's gradient look like after `write` under no_grad, then a use of the
    view with grad mode on: each step's outcome (or error, word for word)."""
    seen = []

    def step(name, fn):
        try:
            seen.append((name, fn()))
        except Exception as error:
            seen.append((name, f"{type(error).__name__}: {error}"))

    leaf = T.arange(20., requires_grad=True).reshape(4, 5).detach().requires_grad_()
    x = leaf if base_kind == "leaf" else leaf * 1
    if made_by == "no_grad":
        with T.no_grad():
            v = VIEWS[made_by](x)
    else:
        v = VIEWS[made_by](x)
    with T.no_grad():
        UNTRACKED_WRITES[write](T, x, v)
    step("view grad_fn", lambda: type(v.grad_fn).__name__)
    step("base grad_fn", lambda: type(x.grad_fn).__name__)
    step("view requires_grad", lambda: v.requires_grad)
    step("view values", lambda: v.tolist())
    step("base values", lambda: x.tolist())
    step("backward through the view", lambda: ((v * T.arange(1., v.numel() + 1).reshape(v.shape)).sum().backward(),
                                                leaf.grad.tolist() if leaf.grad is not None else None))
    step("view values after", lambda: v.tolist())
    return seen


@pytest.mark.parametrize("base_kind", ["leaf", "non-leaf"])
@pytest.mark.parametrize("made_by", VIEWS)
@pytest.mark.parametrize("write", UNTRACKED_WRITES)
def test_an_untracked_in_place_write_changes_the_views_as_in_torch(base_kind, made_by, write):
    """PyTorch: a write under no_grad bumps the shared version counter, so a split/unbind/no_grad view is refused
    when next used with grad mode on, and any other view reads its region of the base again (AsStridedBackward0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _observe(engine, base_kind, made_by, write) == _observe(torch, base_kind, made_by, write)


def test_a_write_when_nothing_needs_grad_leaves_views_alone_as_torch():
    for T in (engine, torch):
        x = T.ones(4, 5)
        s = x.split(2)[0]
        x.add_(1)
        assert s.grad_fn is None and (s * 2).sum().item() == 40.


def test_writing_through_a_bad_index_of_a_stale_view_is_refused_first():
    """The differential fuzz's last case: PyTorch refuses the stale view before it reads the index (v[0:1] of a
    0-d output of unbind whose base was changed in place), a fresh view gets the index's own error."""
    def attempt(T, stale):
        x = T.randn(3, requires_grad=True).clone()
        v = x.unbind(0)[1]
        if stale:
            x.add_(1)
        with pytest.raises((RuntimeError, IndexError)) as raised:
            v[0:1] = -3.0
        return type(raised.value), str(raised.value)
    for stale in (True, False):
        assert attempt(engine, stale) == attempt(torch, stale)
