"""What the code cell sends to the views: the graphs of the tensors its code left, as plain data.

The cell's code runs in a Python of its own (app/cell_runner.py), so none of its engine objects may
cross into the playground: each graph travels as engine.graph's plain records (nodes, edges) with the
values and gradients the inspector shows, packed into one .npz archive (numpy arrays plus one JSON
header, read back without pickle). An array that is shared by several graphs travels once.
"""
import io
import json

import numpy as np

from engine.graph import Graph

MAX_BYTES = 32 * 2**20   # arrays beyond this are left out: the inspector says "not recorded for this graph"
HEADER = "header"


class ShownGraph:
    """One tensor's graph from the cell. The views read it as they read a capture: value(id), grad(id)."""

    def __init__(self, name, graph, loss, values, grads):
        self.name, self.graph, self.loss = name, graph, loss
        self._values, self._grads = values, grads

    def value(self, node_id):
        return self._values.get(node_id)

    def grad(self, node_id):
        return self._grads.get(node_id)


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

    graphs = []
    for (name, tensor), value in zip(tensors.items(), host):
        graph = capture.graph(tensor)   # (node ids are per graph: query them before the next one)
        values = [[n["id"], key_of(capture.value(n["id"]))] for n in graph.nodes]
        grads = [[n["id"], key_of(capture.grad(n["id"]))] for n in graph.nodes]
        graphs.append({"name": name, "graph": graph.to_dict(), "loss": float(value.reshape(-1)[0]) if value.size == 1
                       else None, "values": [p for p in values if p[1]], "grads": [p for p in grads if p[1]]})
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
                       {node: arrays[key] for node, key in g["grads"]}) for g in graphs]
