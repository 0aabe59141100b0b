"""engine.graph.backward_steps: the backward pass one node at a time, checked against PyTorch.

Every graph is built twice from the same numbers, in the engine and in PyTorch. The engine's steps are
taken one by one; after each, every leaf's .grad must be what a partial backward leaves (the final
gradient once its AccumulateGrad ran, nothing before), each node must come after every node that sends
it a gradient, the gradients flowing into and out of each node must equal PyTorch's for the same node,
and the end state must equal backward()'s and PyTorch's.
"""
import numpy as np
import pytest
import torch

import engine
import engine.graph as G

RNG = np.random.default_rng(11)


def _arrays(*shapes):
    return [RNG.standard_normal(s) for s in shapes]


def tutorial(lib, dtype):
    x = lib.ones(2, 2, dtype=dtype, requires_grad=True)
    y = x + 2
    return (y * y * 3).mean(), [x], {}


def branches_meet(lib, dtype, a=_arrays((3, 4), (3, 4))):
    p, q = (lib.tensor(v, dtype=dtype, requires_grad=True) for v in a)
    c = p * q
    d = c.tanh() + c.sigmoid() * p  # two paths from c meet at the add; p feeds two nodes
    return d.sum(), [p, q], {}


def used_twice(lib, dtype, a=_arrays((4, 3), (3, 3))):
    x = lib.tensor(a[0], dtype=dtype)
    w = lib.tensor(a[1], dtype=dtype, requires_grad=True)
    h = (x @ w).relu() @ w  # the same weight twice: its two gradients add up before AccumulateGrad
    return (h ** 2).mean(), [w], {}


def mlp(lib, dtype, a=_arrays((16, 2), (8, 2), (8,), (8, 8), (8,), (1, 8), (1,), (16, 1))):
    F = lib.nn.functional
    x, *params, y = (lib.tensor(v, dtype=dtype) for v in a)
    for p in params:
        p.requires_grad_()
    w1, b1, w2, b2, w3, b3 = params
    h = F.linear(x, w1, b1).tanh()
    h = F.linear(h, w2, b2).tanh()
    return F.mse_loss(F.linear(h, w3, b3), y), params, {}


def lenet(lib, dtype, a=_arrays((2, 1, 10, 10), (3, 1, 3, 3), (3,), (4, 3, 3, 3), (4,), (5, 16), (5,))):
    F = lib.nn.functional
    x, *params = (lib.tensor(v, dtype=dtype) for v in a)
    for p in params:
        p.requires_grad_()
    cw1, cb1, cw2, cb2, fw, fb = params
    h = F.max_pool2d(F.relu(F.conv2d(x, cw1, cb1)), 2)
    h = F.relu(F.conv2d(h, cw2, cb2))
    h = F.linear(h.reshape(2, -1), fw, fb)
    return F.cross_entropy(h, lib.tensor([1, 3])), params, {}


def retained(lib, dtype, a=_arrays((3, 3))):
    x = lib.tensor(a[0], dtype=dtype, requires_grad=True)
    y = x.exp()
    y.retain_grad()
    z = (y * x).sum()
    return z, [x], {"y": y}


def hooked(lib, dtype, a=_arrays((5,), (5,))):
    x, w = (lib.tensor(v, dtype=dtype, requires_grad=True) for v in a)
    x.register_hook(lambda g: g * 2)       # a leaf's hook changes what accumulates
    h = x * w
    h.register_hook(lambda g: g + 1)       # an intermediate's hook changes what flows on
    return (h.sin() * h).sum(), [x, w], {}


GRAPHS = [tutorial, branches_meet, used_twice, mlp, lenet, retained, hooked]


def _host(t):
    return None if t is None else t.detach().numpy().astype(np.float64)


def _live(node):
    """(slot, node) of each input that gets a gradient (PyTorch lists no slot for some constant inputs)."""
    return [(k, n) for k, (n, _) in enumerate(node.next_functions) if n is not None]


def _pair_nodes(e_root, t_root):
    """{engine node: torch node}, matching the two graphs edge by edge (they must have the same shape)."""
    pairs, stack = {}, [(e_root, t_root)]
    while stack:
        e, t = stack.pop()
        if e in pairs:
            continue
        assert e.name() == t.name().removeprefix("torch::autograd::"), (e.name(), t.name())
        pairs[e] = t
        assert len(_live(e)) == len(_live(t)), e.name()
        stack.extend((en, tn) for (_, en), (_, tn) in zip(_live(e), _live(t)))
    return pairs


def _torch_flows(root):
    """Hooks on every torch node recording what flows into it and out of it during backward."""
    flows, seen, stack = {}, set(), [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        node.register_prehook(lambda g, n=node: flows.setdefault(n, {}).update(into=g) and None)
        if node.name() != "torch::autograd::AccumulateGrad":
            node.register_hook(lambda gi, go, n=node: flows.setdefault(n, {}).update(out=gi) and None)
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return flows


def _close(e, t, dtype):
    if t is None:
        return e is None or not np.any(_host(e))
    tol = 1e-10 if dtype == "float64" else 1e-5
    return e is not None and np.allclose(_host(e), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("build", GRAPHS, ids=lambda f: f.__name__)
def test_steps_match_a_partial_backward_and_pytorch(build, dtype):
    loss, leaves, extra = build(engine, getattr(engine, dtype))
    t_loss, t_leaves, t_extra = build(torch, getattr(torch, dtype))
    pairs = _pair_nodes(loss.grad_fn, t_loss.grad_fn)
    flows = _torch_flows(t_loss.grad_fn)
    t_loss.backward()
    finals = [_host(t.grad) for t in t_leaves]
    assert all(f is not None for f in finals)
    accumulators = {id(leaf): None for leaf in leaves}
    for node in pairs:
        if isinstance(node, engine.autograd.node.AccumulateGrad):
            accumulators[id(node.variable)] = node

    ran = []
    for step in G.backward_steps(loss):
        assert step.name == step.node.name()
        assert engine.is_grad_enabled()  # the caller's grad mode between steps
        # every node that sends this one a gradient has run before it
        senders = {n for n in pairs if any(nxt is step.node for nxt, _ in n.next_functions)}
        assert senders <= set(ran), step.name
        ran.append(step.node)
        theirs = flows[pairs[step.node]]
        assert len(step.grad_outputs) == len(theirs["into"])
        for e, t in zip(step.grad_outputs, theirs["into"]):
            assert _close(e, t, dtype), f"gradient into {step.name}"
        if "out" in theirs:
            assert len(step.grad_inputs) == len(step.node.next_functions)
            for (k, _), (kt, _) in zip(_live(step.node), _live(pairs[step.node])):
                assert _close(step.grad_inputs[k], theirs["out"][kt], dtype), f"gradient out of {step.name}"
        else:
            assert step.grad_inputs == ()
        # a partial backward: a leaf has its whole gradient once its AccumulateGrad ran, nothing before
        for leaf, final in zip(leaves, finals):
            if accumulators[id(leaf)] in ran:
                np.testing.assert_allclose(_host(leaf.grad), final, rtol=1e-5, atol=1e-6)
            else:
                assert leaf.grad is None, f"{step.name}: a leaf got its gradient before its AccumulateGrad ran"
        for name, t in extra.items():  # retain_grad: filled when the node that outputs it runs
            if t.grad_fn in ran:
                np.testing.assert_allclose(_host(t.grad), _host(t_extra[name].grad), rtol=1e-5, atol=1e-6)
            else:
                assert t.grad is None
    assert set(ran) == set(pairs)  # every node ran exactly once
    assert len(ran) == len(set(ran))

    again, again_leaves, _ = build(engine, getattr(engine, dtype))
    again.backward()
    for leaf, other, final in zip(leaves, again_leaves, finals):
        np.testing.assert_array_equal(_host(leaf.grad), _host(other.grad))  # exactly backward()'s
        np.testing.assert_allclose(_host(leaf.grad), final, rtol=1e-5, atol=1e-6)


def test_create_graph_steps_give_differentiable_gradients():
    gens = {}
    for lib in (engine, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        loss = (x.tanh() * x ** 2).sum()
        if lib is engine:
            names = [s.name for s in G.backward_steps(loss, create_graph=True)]
            assert names[-1] == "AccumulateGrad"
        else:
            loss.backward(create_graph=True)
        assert x.grad.requires_grad
        first = _host(x.grad)
        gx = x.grad
        x.grad = None
        gx.sum().backward()
        gens[lib.__name__] = (first, _host(x.grad))
    for e, t in zip(gens["engine"], gens["torch"]):
        np.testing.assert_allclose(e, t, rtol=1e-12)


def test_an_abandoned_walk_keeps_its_gradients_and_frees_the_graph():
    w = engine.tensor([1.0, 2.0], requires_grad=True)
    b = engine.tensor(0.5, requires_grad=True)
    loss = ((w * 3).sum() + b) ** 2
    steps = G.backward_steps(loss)
    names = [next(steps).name for _ in range(3)]
    assert names == ["PowBackward0", "AddBackward0", "AccumulateGrad"]
    steps.close()
    assert b.grad is not None and w.grad is None  # b's step ran, w's did not
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_an_abandoned_walk_with_retain_graph_can_be_run_again():
    w = engine.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    steps = G.backward_steps(loss, retain_graph=True)
    next(steps)
    del steps
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 4.0])


def test_bad_calls_say_what_is_wrong():
    with pytest.raises(RuntimeError, match="does not require grad"):
        G.backward_steps(engine.ones(2))
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        G.backward_steps(engine.ones(2, requires_grad=True) * 2)
    w = engine.ones(2, requires_grad=True)
    grads = [s.grad_outputs[0].tolist() for s in G.backward_steps(w * 2, engine.tensor([1.0, 3.0]))]
    assert grads == [[1.0, 3.0], [2.0, 6.0]]


def test_backward_record_is_the_walk_as_plain_data_with_the_graphs_ids():
    x = engine.ones(2, 2, requires_grad=True)
    with G.capture() as cap:
        out = ((x + 2) * (x + 2) * 3).mean()
    graph = cap.graph(out)
    forward = cap.forward_record(out)
    assert [s["name"] for s in forward] == ["AddBackward0", "AddBackward0", "MulBackward0", "MulBackward0",
                                            "MeanBackward0"]
    assert forward[-1]["value"]["values"] == [27.0]
    record = G.backward_record(out)
    names = {n["id"]: n["name"] for n in graph.nodes}
    assert [names[s["id"]] for s in record] == [s["name"] for s in record]
    assert record[0]["grad_outputs"][0] == {"shape": [], "norm": 1.0, "values": [1.0]}
    leaf = record[-1]
    assert leaf["name"] == "AccumulateGrad" and leaf["grad_outputs"][0]["values"] == x.grad.flatten().tolist()
    big = engine.ones(5, 5, requires_grad=True)
    assert G.backward_record(big.sum(), numbers=16)[-1]["grad_outputs"][0]["values"] is None  # 25 > 16


class _WrongSquare(engine.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x  # should be 2 · x · grad


def test_check_gradient_passes_a_right_rule_and_catches_a_wrong_one():
    w = engine.randn(30, 40, requires_grad=True)
    with G.capture() as cap:
        out = _WrongSquare.apply(engine.nn.functional.linear(engine.randn(8, 40), w).tanh()).mean()
    graph = cap.graph(out)
    by_name = {n["name"]: n["id"] for n in graph.nodes}
    for name in ("MeanBackward0", "TanhBackward0", "MmBackward0", "TBackward0"):
        result = cap.check_gradient(by_name[name])
        assert result["ok"] and result["max_abs"] < 1e-6, name
    mm = cap.check_gradient(by_name["MmBackward0"], samples=24)
    assert mm["checked"] == 48 and mm["of"] == 8 * 40 + 40 * 30  # a bounded sample of each input
    wrong = cap.check_gradient(by_name["_WrongSquareBackward"])
    assert not wrong["ok"] and wrong["max_rel"] == pytest.approx(0.5, rel=1e-6)
    worst = wrong["worst"]
    assert worst["numerical"] == pytest.approx(2 * worst["autograd"], rel=1e-6)
    with pytest.raises(ValueError, match="no backward rule of its own"):
        cap.check_gradient(by_name["AccumulateGrad"])
