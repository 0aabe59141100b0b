"""Introspection of the autograd graph, as plain data, for the playground's views.

    with engine.graph.capture(model) as cap:      # remember values, module paths and gradients
        loss = criterion(model(x), y)
        loss.backward()
    g = cap.graph(loss)                           # nodes and edges, JSON-ready
    cap.summary(node_id, "grad")                  # min/max/mean/std/norm + histogram
    g.collapsed(expanded={"features"})            # one node per module, except those expanded

Without a capture, `graph(tensor)` still gives the structure (names, shapes, saved tensors).
A node's id is stable for the life of the capture: the playground uses it to ask for values.

    for step in engine.graph.backward_steps(loss):  # the backward pass, one node at a time
        print(step.name, [g.shape for g in step.grad_inputs if g is not None])
"""
import math
import re

import numpy as np

from ._device import backend_of
from .autograd import node as _node
from .autograd.backprop import BackwardStep, backward_steps  # noqa: F401  (public here)
from .autograd.node import AccumulateGrad
from .tensor import Tensor

# The colour families of the graph view, by PyTorch node name (without the BackwardN suffix).
_KINDS = {
    "matmul": "Mm Addmm Bmm Mv Dot",
    "conv": "Convolution ConvBackwardInput ConvBackwardWeight",
    "pool": "MaxPool2DWithIndices AvgPool2D MaxPoolScatter AvgPoolScatter",
    "activation": "Relu Tanh Sigmoid Gelu LeakyRelu Elu Silu Softplus Hardtanh Softmax LogSoftmax",
    "norm": "NativeBatchNorm NativeLayerNorm",
    "loss": "MseLoss NllLoss BinaryCrossEntropy BinaryCrossEntropyWithLogits SmoothL1Loss HuberLoss",
    "reduction": "Sum Mean Max Min Amax Amin Var Std Logsumexp Prod Cumsum SumToSize",
    "shape": "View UnsafeView T Transpose Permute Unsqueeze Squeeze Expand Cat Stack Split SplitWithSizes Unbind "
             "Select Slice Index IndexSelect Gather Take IndexPutAdd BasicIndex Clone ToCopy Repeat Flip "
             "ConstantPadNd Embedding",
}
_KIND_OF = {name: kind for kind, names in _KINDS.items() for name in names.split()}
_SUFFIX = re.compile(r"Backward\d*$")


def kind_of(name):
    """The family of an op name: matmul, conv, pool, activation, norm, loss, reduction, shape or arithmetic."""
    if name == "AccumulateGrad":
        return "parameter"
    return _KIND_OF.get(_SUFFIX.sub("", name), "arithmetic")


def summarize(array, bins=20):
    """Statistics of an array for the inspector: what a learner checks first."""
    a = np.asarray(array, dtype=np.float64).ravel()
    finite = a[np.isfinite(a)]
    stats = {"shape": list(np.shape(array)), "numel": int(a.size), "nan": int(np.isnan(a).sum()),
             "inf": int(np.isinf(a).sum())}
    if finite.size == 0:
        stats.update(min=None, max=None, mean=None, std=None, norm=None, hist_counts=[], hist_edges=[])
        return stats
    counts, edges = np.histogram(finite, bins=bins)
    stats.update(min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
                 std=float(finite.std()), norm=float(math.sqrt(float(np.dot(finite, finite)))),
                 hist_counts=counts.tolist(), hist_edges=edges.tolist())
    return stats


def _numpy(array):
    return backend_of(array).to_numpy(array)


class Graph:
    """A recorded autograd DAG as plain data.

    nodes: [{"id", "name", "kind", "shape", "dtype", "device", "module", "module_type", "param", "saved",
             "is_leaf", "grad_norm", and with a capture "values", "grads": the numbers of tensors of at most
             SMALL elements, else None}]
    edges: [{"src", "dst", "shape"}]  -- data flows src -> dst (the reverse of next_functions)
    """

    def __init__(self, nodes, edges, root):
        self.nodes, self.edges, self.root = nodes, edges, root

    def to_dict(self):
        return {"nodes": self.nodes, "edges": self.edges, "root": self.root}

    def node(self, node_id):
        for n in self.nodes:
            if n["id"] == node_id:
                return n
        raise KeyError(f"no node {node_id} in this graph")

    def modules(self):
        """Module paths that own nodes, outermost first."""
        paths = {n["module"] for n in self.nodes if n["module"]}
        return sorted(paths, key=lambda p: (p.count("."), p))

    def collapsed(self, expanded=()):
        """One node per module, except modules in `expanded`, whose children show instead (recursively).
        Edges inside a group disappear; edges between groups remain."""
        expanded = set(expanded)

        def group_of(n):
            if n["kind"] == "constant":  # data fed into a module stays visible as the group's input
                return None
            parts = (n["module"] or "").split(".") if n["module"] else []
            for k in range(1, len(parts) + 1):
                prefix = ".".join(parts[:k])
                if prefix not in expanded:
                    return prefix
            return None

        groups, members = {}, {}
        for n in self.nodes:
            g = group_of(n)
            members[n["id"]] = g
            if g is not None:
                groups.setdefault(g, []).append(n)
        new_nodes, gid = [], {}
        for n in self.nodes:
            g = members[n["id"]]
            if g is None:
                new_nodes.append(dict(n))
            elif g not in gid:
                inner = groups[g]
                last = inner[0]  # nodes are listed output-first: the first is the group's output
                gid[g] = f"module:{g}"
                new_nodes.append({
                    "id": gid[g], "name": last.get("module_type") or g, "kind": "module", "shape": last["shape"],
                    "dtype": last["dtype"], "device": last["device"], "module": g,
                    "module_type": last.get("module_type"), "param": None, "saved": [], "is_leaf": False,
                    "grad_norm": last.get("grad_norm"),  # of the loss with respect to the group's output
                    "members": [m["id"] for m in inner], "output": last["id"],
                })
        def mapped(i):
            g = members.get(i)
            return gid[g] if g is not None else i
        seen, new_edges = set(), []
        for e in self.edges:
            s, d = mapped(e["src"]), mapped(e["dst"])
            if s != d and (s, d) not in seen:
                seen.add((s, d))
                new_edges.append({"src": s, "dst": d, "shape": e["shape"]})
        return Graph(new_nodes, new_edges, mapped(self.root))


class capture:
    """Record, while active, every node's output value and module path; gradients arrive when backward runs
    (even after the block ends), without retain_grad on anything."""

    def __init__(self, model=None, values=True, grads=True):
        self.values, self.grads = values, grads
        self._module_names, self._param_names = {}, {}
        if model is not None:
            self._module_names = {id(m): (name, type(m).__name__) for name, m in model.named_modules()}
            self._param_names = param_names(model)
        self._outputs = {}       # node -> tuple of arrays
        self._grad_out = {}      # node -> tuple of arrays
        self._module = {}        # node -> (path, type)
        self._constants = {}     # node -> [(input position, tensor)] for tensor inputs that need no gradient
        self._saved = {}         # node -> shapes of the tensors it saved for backward
        self._calls = {}         # node -> (inputs, params) it was recorded with: to run it again (check_gradient)
        self._order = []
        self._host = {}          # id(leaf node or constant tensor) -> (value, grad) copied by to_host()
        self._devices = {}       # node -> the device its output was on, for nodes copied by to_host()

    def __enter__(self):
        self._prev = _node.recorder[0]
        _node.recorder[0] = self
        return self

    def __exit__(self, *exc):
        _node.recorder[0] = self._prev

    # called by Op.apply for every recorded node
    def __call__(self, node, inputs, outputs, params=None):
        self._order.append(node)
        self._calls[node] = (inputs, params or {})
        if self.values:
            self._outputs[node] = tuple(o._data for o in outputs)
        self._module[node] = self._current_module()
        self._saved[node] = [list(t._data.shape) for t in node._saved if isinstance(t, Tensor)] \
            if isinstance(node._saved, tuple) else []
        consts = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and not x._requires_grad]
        if consts:
            self._constants[node] = consts
        if self.grads:
            node.register_prehook(self._grad_hook(node))

    def _grad_hook(self, node):
        def hook(grads):
            self._grad_out[node] = tuple(g._data if g is not None else None for g in grads)
        return hook

    def _current_module(self):
        try:
            from .nn import _module_stack
        except ImportError:
            return None
        m = _module_stack.current()
        if m is None:
            return None
        path, type_name = self._module_names.get(id(m), (None, type(m).__name__))
        return (path if path is not None else type_name, type_name)

    def to_host(self, *tensors):
        """Copy every recorded value and gradient, and the values and gradients of the leaves and inputs,
        to numpy in one read-back per device: on a GPU one wait instead of one per node and query.
        Later queries answer from these copies (leaves as they were at this call). Gradients that arrive
        afterwards (a later backward) are copied by the next call. Returns numpy copies of `tensors`,
        read in the same batch."""
        from ._device import to_numpy_many
        places, arrays = [], []

        def want(array, place):
            if array is not None and not isinstance(array, np.ndarray):
                places.append(place)
                arrays.append(array)

        for node, outs in self._outputs.items():
            if outs and not isinstance(outs[0], np.ndarray):
                self._devices[node] = str(Tensor._wrap(outs[0]).device)
        for store in (self._outputs, self._grad_out):
            for node, outs in store.items():
                for k, a in enumerate(outs):
                    want(a, (store, node, k))
        held = {}
        for obj in self._leaves_and_inputs():
            data = obj.variable if isinstance(obj, AccumulateGrad) else obj
            held[id(obj)] = [data._data, data.grad._data if data.grad is not None else None]
            for k in (0, 1):
                want(held[id(obj)][k], (held, id(obj), k))
        for i, t in enumerate(tensors):
            want(t._data, ("extra", i, 0))
        extra = [np.array(t._data) if isinstance(t._data, np.ndarray) else None for t in tensors]
        for (where, key, k), value in zip(places, to_numpy_many(arrays)):
            if where is held:
                held[key][k] = value
            elif where == "extra":
                extra[key] = value
            else:
                outs = list(where[key])
                outs[k] = value
                where[key] = tuple(outs)
        self._host = {key: tuple(pair) for key, pair in held.items()}
        return extra

    def _leaves_and_inputs(self):
        """The leaf nodes (parameters) feeding the recorded nodes, and the constant inputs."""
        seen, out = set(), []
        for node in self._order:
            for nxt, _ in node.next_functions:
                if isinstance(nxt, AccumulateGrad) and id(nxt) not in seen:
                    seen.add(id(nxt))
                    out.append(nxt)
        out += [t for consts in self._constants.values() for _, t in consts]
        return out

    def _leaf_grad(self, node):
        """A leaf's gradient array: the to_host copy when there is one, else the live one."""
        if id(node) in self._host and self._host[id(node)][1] is not None:
            return self._host[id(node)][1]
        g = node.variable.grad
        return None if g is None else g._data

    # --- queries -------------------------------------------------------------------------------
    def graph(self, tensor, param_names=None):
        return graph(tensor, capture=self, param_names=param_names)

    def value(self, node_id):
        """The output value of a node (numpy), or of a leaf/constant tensor."""
        obj = self._ids[node_id]
        if id(obj) in self._host:
            return self._host[id(obj)][0]
        if isinstance(obj, AccumulateGrad):
            return _numpy(obj.variable._data)
        if isinstance(obj, Tensor):
            return _numpy(obj._data)
        out = self._outputs.get(obj)
        return None if out is None else _numpy(out[0])

    def grad(self, node_id):
        """The gradient of the loss with respect to a node's output (numpy), once backward ran."""
        obj = self._ids[node_id]
        if isinstance(obj, AccumulateGrad):
            g = self._leaf_grad(obj)
            return None if g is None else _numpy(g)
        if isinstance(obj, Tensor):
            return None
        g = self._grad_out.get(obj)
        return None if g is None or g[0] is None else _numpy(g[0])

    def forward_record(self, tensor, numbers=16):
        """The forward pass that produced `tensor`, as plain data in the order its nodes ran (ids of
        graph(tensor)): [{"id", "name", "value": {"shape", "norm", "values"}}]."""
        ids = {n: i for i, n in enumerate(_output_first(tensor.grad_fn))}
        ran = [n for n in self._order if n in ids]
        values = [self._outputs.get(n, (None,))[0] for n in ran]
        return [{"id": ids[n], "name": n.name(),
                 "value": _tensor_record(_numpy(v), numbers) if v is not None else None}
                for n, v in zip(ran, values)]

    def check_gradient(self, node_id, samples=24, eps=1e-6, atol=1e-5, rtol=1e-3):
        """Check a node's backward against central differences of its forward, run again in float64 on the
        CPU with the inputs it was recorded with. The output is projected on a fixed random direction v
        (one number, sum(out · v)); at most `samples` elements of each input are perturbed.

        Returns {"ok", "max_abs", "max_rel", "checked", "of", "worst": {"input", "index", "autograd",
        "numerical"}}; raises ValueError with the reason when the node cannot be checked."""
        from .autograd import grad as autograd_grad
        from .autograd.grad_mode import no_grad
        node = self._ids.get(node_id) if hasattr(self, "_ids") else None
        if node is None or node not in self._calls:
            raise ValueError("a leaf or an input has no backward rule of its own: check the node that uses it")
        inputs, params = self._calls[node]
        rerun = node._function.apply if hasattr(node, "_function") else type(node).apply
        xs = [_float64(x) if isinstance(x, Tensor) else x for x in inputs]
        wrt = [k for k, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
        if not wrt:
            raise ValueError("none of this node's inputs is a floating-point tensor to perturb")
        rng = np.random.default_rng(0)

        def outputs():
            out = rerun(*xs, **params)
            return [o for o in (out if isinstance(out, tuple) else (out,))
                    if isinstance(o, Tensor) and o.is_floating_point()]
        first = outputs()
        directions = [Tensor._wrap(rng.standard_normal(o.shape)) for o in first]

        def projected(outs):
            return sum(((o * v).sum() for o, v in zip(outs, directions)), Tensor._wrap(np.zeros(())))
        analytic = autograd_grad(projected(first), [xs[k] for k in wrt], allow_unused=True)
        worst, max_abs, max_rel, checked, total, ok = None, 0.0, 0.0, 0, 0, True
        for k, a in zip(wrt, analytic):
            a = np.zeros(xs[k].shape) if a is None else a.numpy().astype(np.float64)
            flat = xs[k]._data.reshape(-1)  # a view (C order): perturbing it perturbs the input
            total += flat.size
            picks = np.arange(flat.size) if flat.size <= samples else np.sort(rng.choice(flat.size, samples,
                                                                                          replace=False))
            for i in picks:
                keep = flat[i].copy()
                with no_grad():
                    flat[i] = keep + eps
                    plus = float(projected(outputs()).item())
                    flat[i] = keep - eps
                    minus = float(projected(outputs()).item())
                flat[i] = keep
                numerical, got = (plus - minus) / (2 * eps), float(a.reshape(-1)[i])
                err = abs(got - numerical)
                rel = err / max(abs(got), abs(numerical), 1e-12)
                checked += 1
                ok = ok and err <= atol + rtol * abs(numerical)
                if worst is None or err > worst["error"]:
                    worst = {"input": k, "index": [int(j) for j in np.unravel_index(i, a.shape)], "autograd": got,
                             "numerical": numerical, "error": err}
                max_abs, max_rel = max(max_abs, err), max(max_rel, rel)
        return {"ok": bool(ok), "max_abs": max_abs, "max_rel": max_rel, "checked": checked, "of": total,
                "worst": worst, "name": node.name()}

    def summary(self, node_id, what="value"):
        arr = self.value(node_id) if what == "value" else self.grad(node_id)
        return None if arr is None else summarize(arr)


def graph(tensor, capture=None, param_names=None):
    """The autograd DAG that produced `tensor`, as a Graph (structure; values via a capture)."""
    if tensor.grad_fn is None:
        raise ValueError("this tensor has no grad_fn: it was not computed from tensors that require grad "
                         "(or it was computed under no_grad)")
    names = dict(capture._param_names if capture is not None else {})
    names.update(param_names or {})
    order = _output_first(tensor.grad_fn)
    ids = {n: i for i, n in enumerate(order)}
    nodes, edges = [], []
    const_id = len(order)
    id_map = dict((i, n) for n, i in ids.items())
    for n in order:
        nodes.append(_describe(n, ids[n], capture, names))
        for k, (nxt, nr) in enumerate(n.next_functions):
            if nxt is not None:
                shape = list(nxt._meta[nr][0]) if nxt._meta else []
                edges.append({"src": ids[nxt], "dst": ids[n], "shape": shape})
        consts = capture._constants.get(n, ()) if capture is not None else ()
        for pos, t in consts:
            module = capture._module.get(n)
            nodes.append({"id": const_id, "name": "input", "kind": "constant",
                          "shape": list(t._data.shape), "dtype": t.dtype.name, "device": str(t.device),
                          "module": module[0] if module else None, "module_type": module[1] if module else None,
                          "param": None, "saved": [], "is_leaf": True, "grad_norm": None,
                          "values": _small(capture._host.get(id(t), (t._data,))[0])})
            edges.append({"src": const_id, "dst": ids[n], "shape": list(t._data.shape)})
            id_map[const_id] = t
            const_id += 1
    if capture is not None:
        capture._ids = id_map
    return Graph(nodes, edges, ids[tensor.grad_fn])


def _output_first(root):
    """The nodes that produced root's output, listed output-first (iterative DFS): a node's graph id is
    its place in this list."""
    order, seen, stack = [], set(), [root]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        order.append(n)
        for nxt, _ in n.next_functions:
            if nxt is not None and nxt not in seen:
                stack.append(nxt)
    return order


def backward_record(tensor, gradient=None, retain_graph=None, numbers=16):
    """Run tensor's backward pass through backward_steps and return each step as plain data, in the order
    the nodes ran, with the ids of graph(tensor) (call before the pass: it needs the whole graph):

        [{"id", "name", "grad_outputs": [tensor], "grad_inputs": [{"to": id or None, **tensor}]}]
        tensor: {"shape", "norm", "values" (flat list, when it has at most `numbers` elements) or None}

    Every gradient is read back in one batch at the end (one wait on a GPU)."""
    from ._device import to_numpy_many
    ids = {n: i for i, n in enumerate(_output_first(tensor.grad_fn))} if tensor.grad_fn is not None else {}
    steps, arrays = [], []

    def slot(g):
        if g is None:
            return None
        arrays.append(g._data)
        return len(arrays) - 1

    for step in backward_steps(tensor, gradient, retain_graph):
        node = step.node
        steps.append((ids.get(node), step.name, [slot(g) for g in step.grad_outputs],
                      [(ids.get(nxt), slot(g) if nxt is not None else None)  # a constant gets none
                       for (nxt, _), g in zip(node.next_functions, step.grad_inputs)]))
    host = to_numpy_many(arrays)

    def described(k):
        return None if k is None else _tensor_record(host[k], numbers)
    return [{"id": i, "name": name, "grad_outputs": [described(k) for k in outs],
             "grad_inputs": [{"to": to, **(described(k) or {"shape": None, "norm": None, "values": None})}
                             for to, k in ins]}
            for i, name, outs, ins in steps]


def _tensor_record(array, numbers):
    a = np.asarray(array)
    return {"shape": list(a.shape), "norm": _norm(a),
            "values": a.astype(np.float64).ravel().tolist() if a.size <= numbers else None}


def _describe(n, node_id, capture, names):
    is_leaf = isinstance(n, AccumulateGrad)
    shape, dtype = (n._meta[0] if n._meta else ((), None))
    module = capture._module.get(n) if capture is not None else None
    d = {"id": node_id, "name": n.name(), "kind": kind_of(n.name()), "shape": list(shape),
         "dtype": str(np.dtype(dtype)) if dtype is not None else None, "device": "cpu",
         "module": module[0] if module else None, "module_type": module[1] if module else None,
         "param": None, "saved": [], "is_leaf": is_leaf, "grad_norm": None}
    if is_leaf:
        var = n.variable
        d["device"] = str(var.device)
        d["param"] = names.get(id(var))
        if d["param"] and "." in d["param"]:
            d["module"] = d["param"].rsplit(".", 1)[0]
        grad = capture._leaf_grad(n) if capture is not None else (var.grad._data if var.grad is not None else None)
        if grad is not None:
            d["grad_norm"] = _norm(grad)
        if capture is not None:
            d["values"], d["grads"] = _small(capture._host.get(id(n), (var._data,))[0]), _small(grad)
    else:
        saved = n._saved if isinstance(n._saved, tuple) else ()
        d["saved"] = [list(t._data.shape) for t in saved if isinstance(t, Tensor)]
        if capture is not None and n in capture._saved:
            d["saved"] = capture._saved[n]
        if capture is not None:
            out = capture._outputs.get(n)
            if out:
                d["device"] = capture._devices.get(n) or str(Tensor._wrap(out[0]).device)
            g = capture._grad_out.get(n)
            if g and g[0] is not None:
                d["grad_norm"] = _norm(g[0])
            d["values"], d["grads"] = _small(out[0] if out else None), _small(g[0] if g else None)
    return d


SMALL = 4  # a tensor with at most this many elements has its numbers in the graph's records


def _small(array):
    """The numbers of a tiny tensor (a flat list), else None."""
    if array is None or array.size > SMALL:
        return None
    return _numpy(array).astype(np.float64).ravel().tolist()


def _float64(t):
    """A float64 CPU copy of a recorded input (requires_grad when it is floating point); others as they are."""
    data = _numpy(t._data)
    if not np.issubdtype(data.dtype, np.floating):
        return Tensor._wrap(np.array(data))
    return Tensor._wrap(np.array(data, dtype=np.float64, order="C")).requires_grad_()  # C order: see check_gradient


def _norm(array):
    a = _numpy(array).astype(np.float64, copy=False).ravel()
    return float(math.sqrt(float(np.dot(a, a))))


def param_names(model):
    """{id(parameter): dotted name} for labelling leaves."""
    return {id(p): name for name, p in model.named_parameters()}
