"""What the code cell sends to the views: the graphs of the tensors its code left, as plain data.

The cell's code runs in a Python of its own (app/cell_runner.py), so none of its engine objects may
cross into the playground: each graph travels as engine.graph's plain records (nodes, edges) with the
values and gradients the inspector shows, packed into one .npz archive (numpy arrays plus one JSON
header, read back without pickle). An array that is shared by several graphs travels once.
"""
import io
import json
import time

import numpy as np

import engine.graph
from engine.autograd.node import AccumulateGrad
from engine.graph import Graph

MAX_BYTES = 32 * 2**20   # arrays beyond this are left out: the inspector says "not recorded for this graph"
HEADER = "header"
# The gradient checks run where the graph lives (the cell's Python), before the record travels: a few
# seconds at most, so a large graph still arrives promptly; nodes past the budget say so in the inspector.
CHECK_SECONDS = 3.0


class ShownGraph:
    """One tensor's graph from the cell. The views read it as they read a capture: value(id), grad(id),
    check_gradient(id); the step-through reads its recorded passes: `forward` and `steps` (or
    `steps_error`, why its backward cannot be stepped through)."""

    def __init__(self, name, graph, loss, values, grads, forward=(), steps=None, steps_error=None, checks=None):
        self.name, self.graph, self.loss = name, graph, loss
        self._values, self._grads = values, grads
        self.forward, self.steps, self.steps_error = list(forward), steps, steps_error
        self._checks = checks or {}

    def value(self, node_id):
        return self._values.get(node_id)

    def grad(self, node_id):
        return self._grads.get(node_id)

    def check_gradient(self, node_id):
        """The check the cell's Python ran on this node (engine.graph.capture.check_gradient's result);
        ValueError with the reason where it could not run."""
        result = self._checks.get(node_id)
        if result is None:
            raise ValueError(f"the code cell checks at most {CHECK_SECONDS:g} s of nodes per run, and this "
                             "node was past that: show a smaller graph to check it")
        if "error" in result:
            raise ValueError(result["error"])
        return result


def _checks(capture, graph, deadline):
    """node id -> the numerical check of its backward, or {"error": why}; nodes past the deadline are left out."""
    checks = {}
    for node in graph.nodes:
        if time.monotonic() > deadline:
            break
        try:
            checks[node["id"]] = capture.check_gradient(node["id"])
        except Exception as error:   # a node that cannot be re-run says why in the inspector
            checks[node["id"]] = {"error": str(error)}
    return checks


def _backward_steps(tensor, capture):
    """The backward pass of `tensor`, recorded node by node for the step-through (the graph kept and the
    leaves' .grad put back as the cell's code left them); (steps, None) or (None, why not)."""
    leaves = [n.variable for n in capture._ids.values() if isinstance(n, AccumulateGrad)]
    kept = [(leaf, leaf.grad) for leaf in leaves]
    for leaf in leaves:   # accumulation may add in place: the arrays already recorded stay as the cell left them
        leaf.grad = None
    gradient = None if tensor.numel() == 1 else engine.ones_like(tensor)   # as if summed
    try:
        return engine.graph.backward_record(tensor, gradient, retain_graph=True), None
    except RuntimeError as error:
        if "second time" in str(error):
            return None, ("its backward already ran in the code cell and freed its graph: show the tensor "
                          "before calling .backward(), or call .backward(retain_graph=True)")
        return None, str(error)
    finally:
        for leaf, grad in kept:
            leaf.grad = grad


def pack(tensors, capture):
    """The graphs of `tensors` (name -> engine Tensor with a grad_fn, in the order to offer them),
    recorded by `capture`, as bytes."""
    host = capture.to_host(*tensors.values())   # one read-back, should the cell have used the GPU
    arrays, keys, budget = {}, {}, [MAX_BYTES]

    def key_of(array):
        if array is None:
            return None
        if id(array) not in keys:
            if array.nbytes > budget[0]:
                return None
            budget[0] -= array.nbytes
            keys[id(array)] = f"a{len(arrays)}"
            arrays[keys[id(array)]] = array   # held here, so its id stays its own
        return keys[id(array)]

    graphs, deadline = [], time.monotonic() + CHECK_SECONDS
    for (name, tensor), value in zip(tensors.items(), host):
        graph = capture.graph(tensor)   # (node ids are per graph: query them before the next one)
        values = [[n["id"], key_of(capture.value(n["id"]))] for n in graph.nodes]
        grads = [[n["id"], key_of(capture.grad(n["id"]))] for n in graph.nodes]
        checks = _checks(capture, graph, deadline)
        forward = capture.forward_record(tensor)
        steps, steps_error = _backward_steps(tensor, capture)
        graphs.append({"name": name, "graph": graph.to_dict(), "loss": float(value.reshape(-1)[0]) if value.size == 1
                       else None, "values": [p for p in values if p[1]], "grads": [p for p in grads if p[1]],
                       "forward": forward, "steps": steps, "steps_error": steps_error,
                       "checks": [[node, result] for node, result in checks.items()]})
    out = io.BytesIO()
    np.savez(out, **{HEADER: np.array(json.dumps(graphs))}, **arrays)
    return out.getvalue()


def unpack(data):
    """The ShownGraphs packed into `data` by `pack`, in the same order."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    graphs = json.loads(str(arrays.pop(HEADER)))
    return [ShownGraph(g["name"], Graph(**g["graph"]), g["loss"],
                       {node: arrays[key] for node, key in g["values"]},
                       {node: arrays[key] for node, key in g["grads"]},
                       g["forward"], g["steps"], g["steps_error"], dict((node, r) for node, r in g["checks"]))
            for g in graphs]
