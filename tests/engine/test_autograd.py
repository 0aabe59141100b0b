"""Autograd semantics against real PyTorch: accumulation, graph freeing, the errors, grad modes, hooks,
higher-order gradients, custom Functions, gradcheck on every differentiable op, deep graphs, in-place ops."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import engine
from engine.autograd import gradcheck, gradgradcheck
from tests.engine.oracle import LIBS, assert_same, check, distinct, graph_signature, rand, randint, randn
from tests.engine.test_more_ops import GRADCHECK_MORE  # the gradcheck table of the ops test_more_ops.py adds
from tests.engine.test_torch_functions import GRADCHECK_FUNCTIONS  # and of test_torch_functions.py's


def both(fn):
    """fn(T) run with each library: {engine: result, torch: result}."""
    return {T: fn(T) for T in LIBS}


def same_results(fn, rtol=1e-5, atol=1e-6):
    """fn(T) returns a list of tensors (or values); both libraries must give the same."""
    out = both(fn)
    e, t = out[engine], out[torch]
    assert len(e) == len(t)
    for i, (a, b) in enumerate(zip(e, t)):
        if b is None:
            assert a is None, f"result {i}: {a!r} where torch has None"
        elif isinstance(b, (list, tuple)):
            assert [type(x).__name__ for x in a] == [type(x).__name__ for x in b]
            for x, y in zip(a, b):
                assert_same(x, y, rtol, atol, f"result {i}", layout=False)
        else:  # gradients: PyTorch lays some out strided where the engine's are contiguous
            assert_same(a, b, rtol, atol, f"result {i}", layout=False)


def same_error(fn):
    """fn(T) must raise, in both libraries, the same exception type and message (addresses aside)."""
    caught = {}
    for T in LIBS:
        with pytest.raises(Exception) as info:
            fn(T)
        caught[T] = info.value
    e, t = caught[engine], caught[torch]
    kind = (lambda exc: "RuntimeError" if isinstance(exc, RuntimeError) else type(exc).__name__)
    assert kind(e) == kind(t), f"{type(e).__name__}: {e}  !=  {type(t).__name__}: {t}"
    assert re.sub(r"0x[0-9a-f]+", "0x", str(e)) == re.sub(r"0x[0-9a-f]+", "0x", str(t))


# --- accumulation and graph lifetime -------------------------------------------------------------
def test_gradients_accumulate_over_backward_calls():
    def run(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()
        (x * 3).sum().backward()
        return [first, x.grad]
    same_results(run)


def test_leaf_used_twice_and_shared_subgraphs():
    def run(T):
        p = T.tensor([2.0, -1.0], requires_grad=True)
        q = p * p
        r = (q + p) * q.exp()  # q feeds two paths
        r.sum().backward()
        return [p.grad]
    same_results(run)


def test_zeroing_gradients():
    def run(T):
        x = T.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        x.grad.zero_()
        (x * 5).sum().backward()
        after_zero = x.grad.clone()
        x.grad = None
        (x * 7).sum().backward()
        return [after_zero, x.grad]
    same_results(run)


def test_backward_with_gradient_argument():
    def run(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * x
        y.backward(T.tensor([[1.0, 0.5], [0.0, -1.0]]))
        return [x.grad]
    same_results(run)


def test_backward_with_inputs_only_fills_those():
    def run(T):
        q = T.tensor([1.0, 2.0], requires_grad=True)
        r = T.tensor([3.0, 4.0], requires_grad=True)
        (q * r).sum().backward(inputs=[q])
        return [q.grad, r.grad]
    same_results(run)


def test_retain_graph_allows_a_second_backward():
    def run(T):
        x = T.tensor([0.5, 1.5], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        y.backward()
        return [x.grad]
    same_results(run)


def test_second_backward_through_a_freed_graph():
    def run(T):
        x = T.tensor([0.5, 1.5], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    same_error(run)


def test_freed_saved_tensors_raise_on_access():
    def run(T):
        x = T.tensor([0.5, 1.5], requires_grad=True)
        y = (x.exp() * 2).sum()
        T.autograd.grad(y, x)
        T.autograd.grad(y, x)
    same_error(run)


def test_graph_without_saved_tensors_can_be_walked_twice():
    """Nodes that save nothing (add, sum) have nothing to free: PyTorch allows a second backward."""
    def run(T):
        x = T.tensor([0.5, 1.5], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return [x.grad]
    same_results(run)


# --- the errors autograd raises ---------------------------------------------------------------
def test_backward_on_non_scalar_without_gradient():
    same_error(lambda T: (T.ones(3, requires_grad=True) * 2).backward())


def test_backward_on_tensor_without_grad():
    same_error(lambda T: T.ones(2).sum().backward())
    same_error(lambda T: T.autograd.grad(T.ones(2).sum(), [T.ones(2, requires_grad=True)]))


def test_backward_gradient_of_wrong_shape():
    same_error(lambda T: (T.ones(3, requires_grad=True) * 2).backward(T.ones(2)))


def test_grad_of_unused_input():
    def run(T):
        x = T.ones(2, requires_grad=True)
        T.autograd.grad((x * 2).sum(), [x, T.ones(3, requires_grad=True)])
    same_error(run)


def test_grad_of_input_without_grad():
    same_error(lambda T: T.autograd.grad((T.ones(2, requires_grad=True) * 2).sum(), [T.ones(2)]))


def test_in_place_on_leaf_requiring_grad():
    same_error(lambda T: T.ones(2, requires_grad=True).add_(1))
    same_error(lambda T: T.ones(2, requires_grad=True).relu_())
    same_error(lambda T: T.ones(2, requires_grad=True).zero_())

    def augmented(T):
        x = T.ones(2, requires_grad=True)
        x += 1
    same_error(augmented)


def test_in_place_on_view_of_leaf_requiring_grad():
    def setitem(T):
        x = T.ones(3, requires_grad=True)
        x[0] = 2.0
    same_error(setitem)
    same_error(lambda T: T.ones(3, requires_grad=True)[1:].mul_(2))
    same_error(lambda T: T.ones(2, 3, requires_grad=True).view(6).add_(1))


def test_in_place_allowed_on_leaf_under_no_grad():
    def run(T):
        x = T.ones(3, requires_grad=True)
        with T.no_grad():
            x.mul_(2)
            x[0] = 5.0
            x += 1
        return [x.detach(), x.requires_grad, x.is_leaf]
    same_results(run)


@pytest.mark.parametrize("case", ["saved-input", "saved-output", "leaf-under-no-grad", "setitem", "self-times-self",
                                  "detached-alias"])
def test_in_place_change_of_a_saved_tensor(case):
    def run(T):
        x = T.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        if case == "saved-input":
            y = x * 1.5
            z = y * w
            y.add_(1)
            z.sum().backward()
        elif case == "saved-output":
            y = x.sigmoid()
            y.mul_(2)
            y.sum().backward()
        elif case == "leaf-under-no-grad":
            z = x * w
            with T.no_grad():
                x.add_(1)
            z.sum().backward()
        elif case == "setitem":
            b = T.ones(3)
            z = (x * b).sum()
            b[0] = 2.0
            z.backward()
        elif case == "self-times-self":
            y = x * 1.5
            y.mul_(y)
            y.sum().backward()
        else:
            y = x.tanh()
            y.detach().zero_()
            y.sum().backward()
    same_error(run)


def test_requires_grad_errors():
    same_error(lambda T: T.ones(2, dtype=T.int64).requires_grad_())
    same_error(lambda T: T.tensor([1, 2], requires_grad=True))
    same_error(lambda T: (T.ones(2, requires_grad=True) * 2).requires_grad_(False))

    def setter(T):
        T.zeros(2, dtype=T.bool).requires_grad = True
    same_error(setter)


def test_retain_grad_and_hook_need_requires_grad():
    same_error(lambda T: T.ones(2).retain_grad())
    same_error(lambda T: T.ones(2).register_hook(lambda g: g))


# --- grad modes ----------------------------------------------------------------------------------
def test_grad_modes_as_context_managers():
    def run(T):
        x = T.ones(2, requires_grad=True)
        flags = []
        with T.no_grad():
            flags.append((x * 2).requires_grad)
            with T.enable_grad():
                flags.append((x * 2).requires_grad)
            flags.append(T.is_grad_enabled())
        with T.set_grad_enabled(False):
            flags.append((x * 2).requires_grad)
        flags.append((x * 2).requires_grad)
        with T.inference_mode():
            flags.append((x * 2).requires_grad)
        with T.inference_mode(False):
            flags.append((x * 2).requires_grad)
        T.set_grad_enabled(False)
        flags.append((x * 2).requires_grad)
        T.set_grad_enabled(True)
        flags.append(T.is_grad_enabled())
        return flags
    same_results(run)


def test_grad_modes_as_decorators():
    def run(T):
        x = T.ones(2, requires_grad=True)

        @T.no_grad()
        def no_grad_call(t):
            return t * 2

        @T.no_grad
        def no_grad_bare(t):
            return t * 2

        @T.enable_grad()
        def enable(t):
            return t * 2

        @T.inference_mode()
        def inference(t):
            return t * 2

        @T.set_grad_enabled(False)
        def disabled(t):
            return t * 2
        after_decorating = T.is_grad_enabled()  # as a decorator it does not switch the mode at once
        with T.no_grad():
            inside = enable(x).requires_grad
        return [no_grad_call(x).requires_grad, no_grad_bare(x).requires_grad, inside, inference(x).requires_grad,
                disabled(x).requires_grad, (x * 2).requires_grad, after_decorating]
    same_results(run)


def test_grad_mode_restored_after_an_exception():
    def run(T):
        with pytest.raises(ValueError):
            with T.no_grad():
                raise ValueError
        return [T.is_grad_enabled()]
    same_results(run)


# --- detach, requires_grad_, retain_grad, hooks ---------------------------------------------------------
def test_detach_and_requires_grad():
    def run(T):
        x = T.tensor([1.0, -2.0], requires_grad=True)
        y = x * 2
        d = y.detach()
        e = x.detach().requires_grad_()
        c = x * 3
        c.detach_()
        plain = T.ones(2)
        b = plain * 2
        b.requires_grad_()
        (e * 4).sum().backward()
        return [d.requires_grad, d.is_leaf, d.grad_fn is None, e.requires_grad, e.is_leaf, e.grad, x.grad,
                c.requires_grad, c.is_leaf, b.requires_grad, b.is_leaf, y.is_leaf, x.is_leaf]
    same_results(run)


def test_retain_grad():
    def run(T):
        x = T.tensor([1.0, -2.0, 0.5], requires_grad=True)
        y = x * 2
        y.retain_grad()
        z = y.tanh()
        z.retain_grad()
        x.retain_grad()  # a no-op on leaves
        (z * T.tensor([1.0, 2.0, 3.0])).sum().backward()
        return [y.retains_grad, z.retains_grad, x.retains_grad, y.grad, z.grad, x.grad]
    same_results(run)


def test_hooks_modify_and_observe_gradients():
    def run(T):
        x = T.tensor([1.0, -2.0, 0.5], requires_grad=True)
        y = x * 2
        y.retain_grad()
        seen = []
        h_y = y.register_hook(lambda g: g * 10)
        h_x = x.register_hook(lambda g: g + 1)
        x.register_hook(lambda g: seen.append(g.clone()))  # returns None: the gradient passes unchanged
        z = y.exp().sum()
        z.backward(retain_graph=True)
        first = [x.grad.clone(), y.grad.clone()]
        h_y.remove()
        h_x.remove()
        h_x.remove()  # removing twice is harmless
        x.grad = None
        z.backward()
        return first + [x.grad, seen[0], seen[1]]
    same_results(run)


def test_hooks_see_accumulated_gradient_of_a_tensor_used_twice():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()))
        (y * y + y).sum().backward()
        return [seen[0], len(seen), x.grad]
    same_results(run)


def test_node_hooks():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        n = (x * 2).sum()
        calls = []
        n.grad_fn.register_prehook(lambda go: calls.append(("pre", len(go))))
        n.grad_fn.register_hook(lambda gi, go: calls.append(("post", len(gi), len(go))))
        mul = n.grad_fn.next_functions[0][0]
        mul.register_hook(lambda gi, go: calls.append(("mul", tuple(g is None for g in gi))))
        n.backward()
        return [calls]
    out = both(run)
    assert out[engine] == out[torch]


def test_post_accumulate_grad_hook():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (x * 4).sum().backward()
        return [seen[0]]
    same_results(run)


def test_grad_fn_introspection():
    for T in LIBS:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).sum()
        mul = y.grad_fn.next_functions[0][0]
        acc = mul.next_functions[0][0]
        assert y.grad_fn.name() == "SumBackward0" and mul.name() == "MulBackward0"
        assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
        assert mul.next_functions[1] == (None, 0)
        assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(mul))
        assert x.grad_fn is None and (x * 2).grad_fn is not (x * 2).grad_fn


# --- higher-order gradients ------------------------------------------------------------------------
HIGHER_ORDER = {
    "tanh": lambda T, x: x.tanh(),
    "cube": lambda T, x: x ** 3,
    "softmax": lambda T, x: x.softmax(0) * T.tensor([1.0, 2.0, 3.0], dtype=x.dtype),
    "log_softmax": lambda T, x: x.log_softmax(0)[1] + x[0],
    "sigmoid": lambda T, x: x.sigmoid(),
    "exp-times-x": lambda T, x: x.exp() * x,
    "norm": lambda T, x: (x * x).sum().sqrt(),
    "relu-times-x": lambda T, x: x.relu() * x,
    "abs-pow": lambda T, x: x.abs() ** 2.5,
    "max-times-sum": lambda T, x: x.max() * x.sum(),
    "var-times-mean": lambda T, x: x.var() * x.mean(),
    "std": lambda T, x: x.std(),
    "logsumexp": lambda T, x: x.logsumexp(0),
    "prod": lambda T, x: x.prod(),
    "rational": lambda T, x: 1 / (1 + x * x),
    "sin-cos": lambda T, x: x.cos().sin(),
    "clamp": lambda T, x: x.clamp(-0.5, 0.5) * x,
    "where": lambda T, x: T.where(x > 0, x * x, -x),
    "cumsum": lambda T, x: x.unsqueeze(0).expand(2, 3).reshape(6).cumsum(0) ** 2,
    "matmul": lambda T, x: (x.unsqueeze(1) @ x.unsqueeze(0)).tanh(),
    "pow-tensor": lambda T, x: x.abs() ** x,
    "gelu-like": lambda T, x: x * (x * 1.702).sigmoid(),
}


@pytest.mark.parametrize("name", HIGHER_ORDER)
def test_second_and_third_derivatives(name):
    """autograd.grad with create_graph=True, three times: each order equals PyTorch's."""
    fn = HIGHER_ORDER[name]

    def run(T):
        x = T.tensor([0.3, -0.7, 1.2], dtype=T.float64, requires_grad=True)
        y = fn(T, x).sum()
        g1, = T.autograd.grad(y, x, create_graph=True)
        g2, = T.autograd.grad(g1.sum(), x, create_graph=True)
        g3, = T.autograd.grad(g2.sum(), x, allow_unused=True) if g2.requires_grad else (None,)
        return [g1, g1.requires_grad, g2, g3]
    out = both(run)
    (e1, e_req, e2, e3), (t1, t_req, t2, t3) = out[engine], out[torch]
    for ours, theirs in ((e1, t1), (e2, t2)):
        assert_same(ours, theirs, 1e-10, 1e-12)
    assert e_req == t_req
    if e3 is not None:
        assert_same(e3, t3, 1e-10, 1e-12)
    else:  # the engine's second derivative is a constant: PyTorch's keeps a graph, but its derivative is zero
        assert t3 is None or not t3.any()



def _node_names(fn, limit=16):
    """Node names of a graph, breadth first from fn (each node once)."""
    names, seen, queue = [], set(), [fn]
    while queue and len(names) < limit:
        node = queue.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name().replace("torch::autograd::", ""))
        queue.extend(nxt for nxt, _ in node.next_functions)
    return names


def test_gradient_graph_of_a_batched_matmul_is_pytorchs():
    """bmm's gradients are bmm's with the other operand transposed (no expand/reshape of their own), so a
    create_graph gradient shows PyTorch's nodes, and its derivatives are PyTorch's."""
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 5, 4))

    def run(T):
        a, b = T.tensor(a0, requires_grad=True), T.tensor(b0, requires_grad=True)
        ga, gb = T.autograd.grad((a @ b).sin().sum(), (a, b), create_graph=True)
        return [_node_names(ga.grad_fn), *T.autograd.grad((ga * gb.transpose(-1, -2)).sum(), (a, b))]
    out = both(run)
    (names, *ours), (their_names, *theirs) = out[engine], out[torch]
    assert names == their_names
    for o, t in zip(ours, theirs):  # (PyTorch's second derivatives here are transposed in memory, ours not)
        assert_same(o, t, 1e-10, 1e-12, layout=False)

def test_second_derivative_of_conv2d():
    def conv(T, x, w):
        if T is engine:
            return engine.ops.nn.conv.conv2d_op(x, w, None, (1, 1), (1, 1), (1, 1), 1)
        return torch.nn.functional.conv2d(x, w, padding=1)

    def run(T):
        x = T.tensor(randn(1, 2, 4, 4, rng=np.random.default_rng(5)), requires_grad=True)
        w = T.tensor(randn(3, 2, 3, 3, rng=np.random.default_rng(6)), requires_grad=True)
        y = conv(T, x, w).tanh().sum()
        gx, gw = T.autograd.grad(y, [x, w], create_graph=True)
        hx, hw = T.autograd.grad((gx * gx).sum() + (gw ** 3).sum(), [x, w])
        return [type(conv(T, x, w).grad_fn).__name__, gx, gw, hx, hw]
    same_results(run, rtol=1e-9, atol=1e-10)


def test_grad_with_non_leaf_inputs_and_grad_outputs():
    def run(T):
        q = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        u = q * 3
        v = (u * u).sum()
        gu, gq = T.autograd.grad(v, [u, q], retain_graph=True)
        weighted, = T.autograd.grad(q * 2, q, grad_outputs=T.tensor([1.0, 0.5], dtype=T.float64))
        two_outputs, = T.autograd.grad([q.sum(), (q * q).sum()], q)
        return [gu, gq, weighted, two_outputs, q.grad]
    same_results(run)


def test_grad_allow_unused_and_materialize():
    def run(T):
        x = T.ones(2, requires_grad=True)
        w = T.ones(3, requires_grad=True)
        plain = T.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
        zeros = T.autograd.grad((x * 2).sum(), [x, w], allow_unused=True, materialize_grads=True)
        return [plain[0], plain[1], zeros[0], zeros[1]]
    same_results(run)


def test_grad_does_not_touch_leaf_grads():
    def run(T):
        x = T.ones(2, requires_grad=True)
        w = T.ones(2, requires_grad=True)
        T.autograd.grad((x * w).sum(), [x])
        return [x.grad, w.grad]
    same_results(run)


def test_create_graph_backward_accumulates_differentiable_grad():
    def run(T):
        x = T.tensor([0.5, 2.0], dtype=T.float64, requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        requires = g.requires_grad
        x.grad = None
        g.sum().backward()
        return [requires, x.grad]
    same_results(run)


# --- custom autograd.Function ------------------------------------------------------------------------
def _custom_functions(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    class ScaleBy(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, w):
            ctx.k = k
            ctx.save_for_backward(x, w)
            ctx.seen_needs = ctx.needs_input_grad
            return x * k * w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * ctx.k * w if ctx.needs_input_grad[0] else None
            gw = g * ctx.k * x if ctx.needs_input_grad[2] else None
            return gx, None, gw

    class SortValues(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, indices = x.sort()
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return values, indices

        @staticmethod
        def backward(ctx, g_values, g_indices):
            indices, = ctx.saved_tensors
            out = T.zeros_like(g_values)
            out[indices] = g_values
            return out

    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @T.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    class TooMany(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class Setup(T.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    return Exp, ScaleBy, SortValues, Square, TooMany, Setup


def test_custom_function_forward_backward_and_double_backward():
    def run(T):
        Exp = _custom_functions(T)[0]
        x = T.tensor([0.5, 1.0], dtype=T.float64, requires_grad=True)
        y = Exp.apply(x)
        name = type(y.grad_fn).__name__
        y.sum().backward()
        g, = T.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
        gg, = T.autograd.grad(g.sum(), x)
        with T.no_grad():
            no_graph = Exp.apply(x).requires_grad
        return [y, name, x.grad, g, gg, no_graph, Exp.apply(T.ones(1)).requires_grad]
    same_results(run)


def test_custom_function_needs_input_grad_and_non_tensor_arguments():
    def run(T):
        ScaleBy = _custom_functions(T)[1]
        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([3.0, 4.0])
        out = ScaleBy.apply(x, 3.0, w)
        out.sum().backward()
        return [out, out.grad_fn.seen_needs, x.grad, w.grad]
    same_results(run)


def test_custom_function_mark_non_differentiable():
    def run(T):
        SortValues = _custom_functions(T)[2]
        z = T.tensor([3.0, 1.0, 2.0], requires_grad=True)
        values, indices = SortValues.apply(z)
        (values * T.tensor([1.0, 2.0, 3.0])).sum().backward()
        return [values.requires_grad, indices.requires_grad, indices.grad_fn, z.grad]
    same_results(run)


def test_custom_function_once_differentiable():
    def run(T):
        Square = _custom_functions(T)[3]
        q = T.tensor([1.5], requires_grad=True)
        g, = T.autograd.grad(Square.apply(q).sum(), q, create_graph=True)
        return [g, g.requires_grad]
    same_results(run)


def test_custom_function_wrong_number_of_gradients():
    same_error(lambda T: _custom_functions(T)[4].apply(T.ones(1, requires_grad=True)).sum().backward())


def test_custom_function_setup_context():
    def run(T):
        Setup = _custom_functions(T)[5]
        q = T.tensor([1.5, 2.0], requires_grad=True)
        Setup.apply(q, 4.0).sum().backward()
        return [q.grad]
    same_results(run)


def _doubling_in_place(T, returns_input=True):
    class DoubleInPlace(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x if returns_input else x.clone()

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return DoubleInPlace


def test_custom_function_mark_dirty_makes_the_input_its_output():
    def run(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        x = a * 1
        before = x._version
        y = _doubling_in_place(T).apply(x)
        facts = [y is x, type(x.grad_fn).__name__, type(x.grad_fn.next_functions[0][0]).__name__,
                 x._version - before]
        (y * y).sum().backward()
        plain = T.tensor([1.0, 2.0])
        same = _doubling_in_place(T).apply(plain)
        return [facts, x.detach(), a.grad, [same is plain, plain.grad_fn is None, plain._version], plain]
    same_results(run)


def test_custom_function_mark_dirty_errors():
    same_error(lambda T: _doubling_in_place(T).apply(T.tensor([1.0], requires_grad=True)))  # a leaf
    same_error(lambda T: _doubling_in_place(T, returns_input=False).apply(T.tensor([1.0], requires_grad=True) * 1))

    def stale(T):  # exp saved its output; the in-place Function changed it
        y = (T.tensor([1.0, 2.0], requires_grad=True) * 1).exp()
        _doubling_in_place(T).apply(y)
        y.sum().backward()
    same_error(stale)


def test_custom_function_set_materialize_grads():
    def run(T):
        seen = []

        class Pair(T.autograd.Function):
            @staticmethod
            def forward(ctx, x, materialize):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append(g2)
                return g1 * 2 + (0 if g2 is None else g2 * 3), None
        x = T.tensor([1.0, 2.0], requires_grad=True)
        Pair.apply(x, False)[0].sum().backward()
        Pair.apply(x, True)[0].sum().backward()
        return [seen[0], seen[1], x.grad]
    same_results(run)


# --- gradcheck and gradgradcheck on every differentiable op --------------------------------------------
_g = np.random.default_rng(7)
POS = _g.uniform(0.5, 2.0, (2, 3))
M = distinct(2, 3, rng=_g) + 0.03
GRADCHECK = {
    "add": (lambda x, y: x + y, [randn(2, 3, rng=_g), randn(3, rng=_g)]),
    "add-alpha": (lambda x, y: engine.add(x, y, alpha=2), [randn(2, 3, rng=_g), randn(2, 1, rng=_g)]),
    "sub": (lambda x, y: x - y, [randn(2, 3, rng=_g), randn(2, 3, rng=_g)]),
    "rsub": (lambda x: 2 - x, [randn(3, rng=_g)]),
    "mul": (lambda x, y: x * y, [randn(2, 3, rng=_g), randn(1, 3, rng=_g)]),
    "div": (lambda x, y: x / y, [randn(2, 3, rng=_g), POS]),
    "div-floor": (lambda x, y: engine.div(x, y, rounding_mode="floor") * 0 + x, [M, POS]),
    "reciprocal": (lambda x: x.reciprocal(), [POS]),
    "neg": (lambda x: -x, [randn(3, rng=_g)]),
    "pow-scalar": (lambda x: x ** 3, [randn(3, rng=_g)]),
    "pow-tensor": (lambda x, y: x ** y, [POS, randn(2, 3, rng=_g)]),
    "pow-scalar-base": (lambda x: 2.5 ** x, [randn(3, rng=_g)]),
    "maximum": (lambda x, y: engine.maximum(x, y), [M, M[::-1] + 0.01]),
    "minimum": (lambda x, y: engine.minimum(x, y), [M, M[::-1] + 0.01]),
    "exp": (lambda x: x.exp(), [randn(3, rng=_g)]),
    "log": (lambda x: x.log(), [POS]),
    "log2": (lambda x: x.log2(), [POS]),
    "log10": (lambda x: x.log10(), [POS]),
    "log1p": (lambda x: x.log1p(), [POS]),
    "expm1": (lambda x: x.expm1(), [randn(3, rng=_g)]),
    "sqrt": (lambda x: x.sqrt(), [POS]),
    "rsqrt": (lambda x: x.rsqrt(), [POS]),
    "abs": (lambda x: x.abs(), [M]),
    "sin": (lambda x: x.sin(), [randn(3, rng=_g)]),
    "cos": (lambda x: x.cos(), [randn(3, rng=_g)]),
    "tanh": (lambda x: x.tanh(), [randn(3, rng=_g)]),
    "sigmoid": (lambda x: x.sigmoid(), [randn(3, rng=_g)]),
    "relu": (lambda x: x.relu(), [M]),
    "erf": (lambda x: x.erf(), [randn(3, rng=_g)]),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), [M]),
    "clamp_min": (lambda x: x.clamp_min(0.1), [M]),
    "clamp_max": (lambda x: x.clamp_max(0.1), [M]),
    "clamp-tensors": (lambda x, lo, hi: engine.clamp(x, lo, hi), [M, M * 0 - 0.45, M * 0 + 0.45]),
    "sign-floor-ceil-round-trunc": (lambda x: x.sign() + x.floor() + x.ceil() + x.round() + x.trunc() +
                                    engine.round(x, decimals=1) + x, [M]),
    "frac": (lambda x: x.frac(), [M]),
    "where": (lambda x, y: engine.where(x > 0, x, y), [M, randn(2, 3, rng=_g)]),
    "masked_fill": (lambda x: x.masked_fill(x > 0, 2.0), [M]),
    "masked_fill-tensor": (lambda x, v: x.masked_fill(x > 0, v.sum()), [M, randn(2, rng=_g)]),
    "to-copy": (lambda x: x.to(engine.float32).to(engine.float64), [randn(3, rng=_g)], {"eps": 1e-2, "atol": 1e-4}),
    "clone": (lambda x: x.clone(), [randn(3, rng=_g)]),
    "sum": (lambda x: x.sum(), [randn(2, 3, rng=_g)]),
    "sum-dim": (lambda x: x.sum((0, 1), keepdim=True) + x.sum(1, keepdim=True), [randn(2, 3, rng=_g)]),
    "mean": (lambda x: x.mean() + x.mean(0).sum(), [randn(2, 3, rng=_g)]),
    "prod": (lambda x: x.prod(), [POS]),
    "prod-dim": (lambda x: x.prod(1), [POS]),
    "prod-with-zero": (lambda x: x.prod(1), [np.array([[0.0, 2.0, 3.0], [1.5, 0.5, 2.0]])]),
    "max": (lambda x: x.max() + x.min(), [M]),
    "amax": (lambda x: x.amax(1) + x.amin(0).sum(), [M]),
    "max-dim": (lambda x: x.max(1).values + x.min(1).values, [M]),
    "var": (lambda x: x.var() + x.var(1, correction=0).sum(), [randn(2, 3, rng=_g)]),
    "std": (lambda x: x.std() + x.std(0).sum(), [randn(2, 3, rng=_g)]),
    "logsumexp": (lambda x: x.logsumexp(1), [randn(2, 3, rng=_g)]),
    "norm": (lambda x: x.norm() + x.norm(1, dim=1).sum() + x.norm(3, dim=0).sum() + x.norm(float("inf")),
             [M]),
    "norm-below-2": (lambda x: x.norm(1.5, dim=1) + x.norm(0.5, dim=1), [M]),
    "cumsum": (lambda x: x.cumsum(1), [randn(2, 3, rng=_g)]),
    "sort": (lambda x: x.sort(1).values, [M]),
    "topk": (lambda x: x.topk(2).values, [M]),
    "mm": (lambda x, y: x @ y, [randn(2, 3, rng=_g), randn(3, 2, rng=_g)]),
    "mv": (lambda x, y: x @ y, [randn(2, 3, rng=_g), randn(3, rng=_g)]),
    "dot": (lambda x, y: x @ y, [randn(3, rng=_g), randn(3, rng=_g)]),
    "addmm": (lambda b, x, y: engine.addmm(b, x, y), [randn(2, rng=_g), randn(2, 3, rng=_g), randn(3, 2, rng=_g)]),
    "bmm": (lambda x, y: x @ y, [randn(2, 2, 3, rng=_g), randn(2, 3, 2, rng=_g)]),
    "matmul-fold": (lambda x, y: x @ y, [randn(2, 2, 3, rng=_g), randn(3, 2, rng=_g)]),
    "matmul-broadcast": (lambda x, y: x @ y, [randn(2, 1, 2, 3, rng=_g), randn(2, 3, 1, rng=_g)]),
    "matmul-vector": (lambda x, y: x @ y, [randn(3, rng=_g), randn(2, 3, 2, rng=_g)]),
    "matmul-vector-matrix": (lambda x, y: x @ y, [randn(3, rng=_g), randn(3, 2, rng=_g)]),
    "view-reshape": (lambda x: x.view(3, 2).reshape(6) + x.t().reshape(6) + x[:, ::2].reshape(4).sum(),
                     [randn(2, 3, rng=_g)]),
    "transpose-permute": (lambda x: x.transpose(0, 1).permute(1, 0) + x.t().T, [randn(2, 3, rng=_g)]),
    "squeeze-unsqueeze": (lambda x: x.unsqueeze(0).squeeze() + x[None].squeeze(0) + x[:, None].squeeze((1,)),
                          [randn(2, 3, rng=_g)]),
    "expand": (lambda x: x.expand(4, 2, 3), [randn(2, 1, rng=_g)]),
    "sum_to_size": (lambda x: x.sum_to_size(1, 3), [randn(2, 3, rng=_g)]),
    "cat": (lambda x, y: engine.cat([x, y, engine.tensor([], dtype=engine.float64)], 1),
            [randn(2, 3, rng=_g), randn(2, 1, rng=_g)]),
    "stack": (lambda x, y: engine.stack([x, y], 1), [randn(2, 3, rng=_g), randn(2, 3, rng=_g)]),
    "split-chunk-unbind": (lambda x: x.split(1)[1] * 2 + x.split([2, 1], 1)[0].sum() + x.unbind(1)[2].sum(),
                           [randn(2, 3, rng=_g)]),
    "flip-repeat": (lambda x: x.flip(1).repeat(2, 1), [randn(2, 3, rng=_g)]),
    "index-basic": (lambda x: x[1, ::2] + x[..., 0:2].sum() + x[()].sum(), [randn(2, 3, rng=_g)]),
    "index-advanced": (lambda x: x[[0, 1, 1], [2, 0, 2]] + x[x > 0].sum() + x[1, [0, 0]].sum(),
                       [randn(2, 3, rng=_g)]),
    "masked_select": (lambda x: x.masked_select(engine.tensor([True, False, True])), [randn(2, 3, rng=_g)]),
    "gather": (lambda x: x.gather(1, engine.tensor([[0, 0], [2, 1]])), [randn(2, 3, rng=_g)]),
    "index_select": (lambda x: x.index_select(1, engine.tensor([2, 0, 2])), [randn(2, 3, rng=_g)]),
    "scatter_add": (lambda x, s: x.scatter_add(1, engine.tensor([[0, 0], [2, 1]]), s),
                    [randn(2, 3, rng=_g), randn(2, 2, rng=_g)]),
    "softmax": (lambda x: x.softmax(1) * engine.tensor([1.0, 2.0, 3.0], dtype=engine.float64), [randn(2, 3, rng=_g)]),
    "log_softmax": (lambda x: x.log_softmax(0), [randn(2, 3, rng=_g)]),
    "einsum": (lambda x, y: engine.einsum("ij,kj->ik", x, y), [randn(2, 3, rng=_g), randn(2, 3, rng=_g)]),
    "remainder-fmod": (lambda x, y: x % 0.7 + x.remainder(y) + engine.fmod(x, 0.7) + x.fmod(y), [M, POS]),
    "lerp": (lambda x, y, w: engine.lerp(x, y, 0.3) + engine.lerp(x, y, w), [M, randn(2, 3, rng=_g), POS / 2]),
    "addcmul-addcdiv": (lambda x, y, z: engine.addcmul(x, y, z, value=0.5) + engine.addcdiv(x, y, z, value=2),
                        [randn(2, 3, rng=_g), randn(2, 3, rng=_g), POS]),
    "tril-triu": (lambda x: x.tril() + x.triu(1) * 2, [randn(3, 3, rng=_g)]),
    "diagonal-diag-trace": (lambda x: x.diagonal(1).sum() + x.diag() * 2 + x.trace() + engine.diag(x[0], 1).sum(),
                            [randn(3, 3, rng=_g)]),
    "roll": (lambda x: x.roll(1, 0) + x.roll((1, 2), (0, 1)) + x.roll(4), [randn(2, 3, rng=_g)]),
    "var_mean-std_mean": (lambda x: sum(engine.var_mean(x, 1)) + engine.std_mean(x, 0, keepdim=True)[0].sum()
                          + engine.std_mean(x)[1], [randn(2, 3, rng=_g)]),
    "conv2d": (lambda x, w, b: engine.ops.nn.conv.conv2d_op(x, w, b, (2, 1), (1, 0), (1, 1), 1),
               [randn(1, 2, 4, 3, rng=_g), randn(2, 2, 2, 2, rng=_g), randn(2, rng=_g)]),
    "conv2d-groups-dilation": (lambda x, w: engine.ops.nn.conv.conv2d_op(x, w, None, (1, 1), (1, 1), (2, 1), 2),
                               [randn(1, 2, 4, 3, rng=_g), randn(2, 1, 2, 2, rng=_g)]),
    "max_pool2d": (lambda x: engine.ops.nn.conv.MaxPool2DWithIndicesBackward0.apply(
                       x, kernel=(2, 2), stride=(2, 1), padding=(0, 0), dilation=(1, 1), ceil_mode=False)[0],
                   [distinct(1, 2, 4, 3, rng=_g)]),
    "avg_pool2d": (lambda x: engine.ops.nn.conv.AvgPool2DBackward0.apply(
                       x, kernel=(2, 2), stride=(1, 1), padding=(1, 0), ceil_mode=False, count_include_pad=True,
                       divisor_override=None),
                   [randn(1, 1, 3, 3, rng=_g)]),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck(name):
    """Finite differences agree with the backward rule, and with its own derivative (double backward)."""
    fn, arrays, *options = GRADCHECK[name]
    tolerances = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, **(options[0] if options else {})}
    inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    assert gradcheck(fn, inputs, **tolerances)
    assert gradgradcheck(fn, inputs, **tolerances)


def test_gradcheck_rejects_a_wrong_backward():
    class Wrong(engine.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3
    x = engine.randn(3, dtype=engine.float64, requires_grad=True)
    assert not gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(Wrong.apply, (x,))


def _graph_node_names(fn, arrays):
    """Names of every node in the forward graph and in the first-order gradient's graph."""
    inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    grads = engine.autograd.grad(out.sum(), inputs, create_graph=True, allow_unused=True)
    names, stack, seen = set(), [out.grad_fn] + [g.grad_fn for g in grads if g is not None], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.add(type(node).__name__)
        stack.extend(n for n, _ in node.next_functions)
    return names


def _ops_the_functions_apply():
    """Op classes the public functions of engine/ops/ apply by name (not the ops' backward rules or helpers)."""
    import engine.ops
    used = set()
    for path in Path(engine.ops.__file__).parent.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                used |= {n.value.id for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr == "apply"
                         and isinstance(n.value, ast.Name) and "Backward" in n.value.id}
    return used


def test_gradcheck_covers_every_op_the_functions_use():
    """Every op class the torch.* functions in engine/ops/ apply appears in some graph that test_gradcheck checked."""
    used = _ops_the_functions_apply()
    covered = set()
    for fn, arrays, *_ in [*GRADCHECK.values(), *GRADCHECK_MORE.values(), *GRADCHECK_FUNCTIONS.values()]:
        covered |= _graph_node_names(fn, arrays)
    assert used - covered == set()


# --- deep graphs -------------------------------------------------------------------------------------
def test_backward_through_a_10000_op_chain():
    def run(T):
        x = T.tensor([0.5], requires_grad=True)
        y = x
        for i in range(10_000):
            y = y * 1.0001 if i % 2 else y + 0.0001
        y.sum().backward()
        return [x.grad]
    same_results(run, rtol=1e-5)


def test_double_backward_through_a_deep_chain():
    x = engine.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(3_000):
        y = y.tanh()
    g, = engine.autograd.grad(y.sum(), x, create_graph=True)
    h, = engine.autograd.grad(g.sum(), x)
    assert g.shape == (1,) and np.isfinite(h.item())


# --- in-place operations on intermediate results ------------------------------------------------------
def test_in_place_chain_on_a_non_leaf():
    """y = x * 2; y.add_(1); y.relu_(): PyTorch's values, node chain and gradients."""
    check(lambda T, x: _in_place_chain(x), np.array([[-1.0, 0.25, 2.0], [0.6, -0.1, 1.0]]), depth=4)


def _in_place_chain(x):
    y = x * 2
    y.add_(1)
    y.mul_(3)
    y.relu_()
    return y


def test_in_place_change_of_an_output_an_in_place_op_saved():
    """relu_ saves its result: changing the tensor again in place breaks its backward, as in PyTorch."""
    def run(T):
        x = T.tensor([[-1.0, 0.25, 2.0], [0.6, -0.1, 1.0]], requires_grad=True)
        y = x * 2
        y.relu_()
        y.mul_(2)
        y.sum().backward()
    same_error(run)


def test_in_place_after_use_by_an_op_that_saved_nothing():
    def run(T):
        x = T.tensor([1.0, -2.0], requires_grad=True)
        y = x * 2
        z = y + 1  # add saves nothing: modifying y afterwards is fine
        y.mul_(3)
        (z + y).sum().backward()
        return [x.grad, type(y.grad_fn).__name__]
    same_results(run)


def test_in_place_on_a_tensor_that_requires_no_grad_then_used():
    def run(T):
        x = T.tensor([1.0, -2.0], requires_grad=True)
        b = T.ones(2)
        b.mul_(3)
        y = x * b
        y.sum().backward()
        return [x.grad, y]
    same_results(run)


def test_augmented_assignment_on_non_leaf():
    def run(T):
        x = T.tensor([1.0, -2.0, 0.5], requires_grad=True)
        y = x.sin()
        y += 1
        y *= x
        y /= 2
        y -= x
        y.sum().backward()
        return [y, x.grad, type(y.grad_fn).__name__]
    same_results(run)


SETITEM_WITH_GRAD = {
    "int": (0, "value"), "slice": (slice(1, None), 7.0), "list": ((slice(None), [0, 2]), "value-times-2"),
    "mask": ("mask", 0.5), "int-list": ((1, [0, 2]), "row"), "column": ((slice(None), 1), "column"),
    "ellipsis-list": ((Ellipsis, [1]), 3.0), "none": ((None, 0), 1.5), "float64-value": ((0, 0), "double"),
}


@pytest.mark.parametrize("name", SETITEM_WITH_GRAD)
def test_setitem_on_a_tensor_that_needs_gradients(name):
    """y[index] = value on a non-leaf: CopySlices or IndexPutBackward0, and the gradients, as in PyTorch."""
    key, value = SETITEM_WITH_GRAD[name]

    def run(T):
        x = T.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)
        v = T.tensor([2.0, -3.0], requires_grad=True)
        y = x.sin()
        k = y.detach() > 0 if key == "mask" else key
        values = {"value": v[0], "value-times-2": (v * 2).unsqueeze(1), "row": v, "column": v,
                  "double": v[1].double()}
        y[k] = values[value] if isinstance(value, str) else value
        (y * T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        return [y, type(y.grad_fn).__name__, x.grad, v.grad]
    same_results(run)


def test_setitem_after_an_op_that_saved_the_tensor():
    def run(T):
        y = T.tensor([1.0, 2.0], requires_grad=True).exp()
        y[0] = 1.0
        y.sum().backward()
    same_error(run)


def test_memory_of_saved_tensors_released_after_backward():
    """Without retain_graph, backward frees what nodes saved (a second walk then raises)."""
    import weakref
    x = engine.ones(3, requires_grad=True)
    h = x * 2
    ref = weakref.ref(h)
    y = (h * h).sum()
    del h
    assert ref() is not None  # held by the node as a saved tensor
    y.backward()
    assert ref() is None


def test_leaf_grad_dtype_and_shape_follow_the_leaf():
    def run(T):
        x = T.ones(2, 1, dtype=T.float64, requires_grad=True)
        y = (x.float() * T.ones(2, 3)).sum()
        y.backward()
        return [x.grad]
    same_results(run)


def test_integer_outputs_do_not_require_grad():
    def run(T):
        x = T.tensor([1.5, -0.5], requires_grad=True)
        return [(x > 0).requires_grad, x.argmax().requires_grad, x.long().requires_grad,
                x.max(0).indices.requires_grad, x.sort().indices.requires_grad, (x.detach() * 2).requires_grad]
    same_results(run)


def test_grad_of_a_non_leaf_warns_as_pytorch_does():
    import warnings
    messages = {}
    for T in LIBS:
        x = T.ones(2, requires_grad=True)
        y = x * 2
        z = x * 3
        z.retain_grad()
        (y + z).sum().backward()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None and x.grad is not None and z.grad is not None
        messages[T] = [re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught]
    assert len(messages[torch]) == 1 and messages[engine] == messages[torch]
