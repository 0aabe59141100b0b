"""The step-through (app/stepper.py, app/views/stepthrough.py): Step backward lights the nodes in the
engine's own order, with the rule card and the numbers of the engine's gradients."""
import html

import numpy as np

import engine.graph
from app.session import Session
from app.state import PRESETS
from app.views import Views
from app.views.rules import rule


def views_for(preset):
    s = Session()
    p = PRESETS[preset]
    s.configure(p["network"], p["data"], p["hyper"])
    return s, Views(s)


def engine_order(s):
    """The backward of the same batch, walked by the engine itself: the names in the order they ran."""
    p = s._pending
    loss = s.criterion(s.model(engine.tensor(p["x"])), s._targets(p["y"], 1 if s.problem != "images" else 10))
    return [step.name for step in engine.graph.backward_steps(loss)]


def lit(views):
    """The drawn box the step-through lights: (its id, its label), or None."""
    g = views.graph
    if not g.lit.data["x"]:
        return None
    k = next(i for i, (x, y) in enumerate(zip(g.nodes.data["x"], g.nodes.data["y"]))
             if x == g.lit.data["x"][0] and y == g.lit.data["y"][0])
    return g.nodes.data["id"][k], g.nodes.data["name"][k]


def lights_step(views, step):
    """The lit box is the step's node, or the grouped layer that holds it."""
    drawn_id, _ = lit(views)
    node = next(n for n in views.graph.drawn.nodes if str(n["id"]) == drawn_id)
    return node["id"] == step["id"] or step["id"] in node.get("members", ())


def test_step_backward_walks_the_mlp_in_the_engines_order_with_its_numbers():
    s, v = views_for("mlp")
    v.stepper.step_backward()
    bias = s.model[-1].bias.grad.numpy().copy()   # what the engine accumulated (before engine_order adds more)
    order = engine_order(s)
    steps = v.stepper.steps
    assert [st["name"] for st in steps] == order
    seen = []
    for k in range(len(order)):
        if k:
            v.stepper.step_backward()
        assert v.stepper.position == k
        assert lights_step(v, steps[k])
        card = v.stepthrough.card.value
        assert f"data-node='{order[k]}'" in card and html.escape(rule(order[k])[1]) in card
        assert v.stepthrough.card.keep_tallest      # the walk's cards do not move the graph under them
        seen.append(order[k])
    # the bias of the last layer: its AccumulateGrad card shows the engine's gradient numbers
    last_bias = next(st for st in steps if st["name"] == "AccumulateGrad" and st["grad_outputs"][0]["shape"] == [1])
    assert last_bias["grad_outputs"][0]["values"] == [float(np.float32(bias[0]))]
    v.stepper.step_backward()           # past the end: finished, everything shown
    assert v.stepper.kind is None and lit(v) is None
    assert not v.stepthrough.card.keep_tallest   # the hint's box fits its one line again


def test_gradients_appear_only_on_nodes_the_walk_reached():
    s, v = views_for("mlp")
    v.stepper.step_backward()
    texts = v.graph.nodes.data["grad_text"]
    assert sum(1 for t in texts if t) == 1   # only the loss so far
    v.stepper.step_backward()
    assert sum(1 for t in v.graph.nodes.data["grad_text"] if t) == 2
    assert v.graph.flow.data["colour"]        # the gradient arriving and leaving is drawn on the edges
    v.stepper.back()
    assert v.stepper.position == 0 and sum(1 for t in v.graph.nodes.data["grad_text"] if t) == 1
    v.stepper.finish()
    assert all(t for t, kind in zip(v.graph.nodes.data["grad_text"], v.graph.nodes.data["kind"])
               if kind != "constant")


def test_lenet_grouped_lights_the_layer_box_while_its_inside_runs():
    s, v = views_for("lenet")
    v.stepper.step_backward()
    assert any(n["kind"] == "module" for n in v.graph.drawn.nodes)   # LeNet starts grouped
    names = []
    for step in list(v.stepper.steps):
        assert lights_step(v, step)  # every step lights a box: its own, or its layer's
        names.append(lit(v)[1])
        v.stepper.step_backward()
    assert any("Linear" in n for n in names) and any("Conv2d" in n for n in names)


def test_step_forward_replays_the_forward_in_execution_order():
    s, v = views_for("mlp")
    v.stepper.step_forward()
    steps = v.stepper.steps
    assert v.stepper.kind == "forward" and steps[-1]["name"] == "BinaryCrossEntropyWithLogitsBackward0"
    assert "data-kind='forward'" in v.stepthrough.card.value
    alpha = v.graph.nodes.data["alpha"]
    assert min(alpha) < 1     # nodes not computed yet are faded
    s.forward()               # another action replaces the graph: the step-through stops
    assert v.stepper.kind is None


WRONG_OP = """
import torch

class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x      # wrong: the derivative of x³ is 3x²

w = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
y = Cube.apply(w * 2).sum()
"""


def shown(result, name):
    """The graph of the cell's tensor `name` as it reaches the playground: plain data (app/cell_record.py)."""
    from app import cell_record
    return next(g for g in cell_record.unpack(result.plain()["record"]) if g.name == name)


def test_check_numerically_passes_the_engines_rules_and_fails_a_wrong_custom_function():
    from app.codecell import run_cell
    s, v = views_for("mlp")
    s.backward()
    addmm = next(n for n in s.last["graph"].nodes if n["name"] == "AddmmBackward0")
    v.graph.select(addmm["id"])
    assert not v.inspector.check.disabled
    v.inspector.check.clicks += 1
    assert "✔ pass" in v.inspector.check_result.object and "AddmmBackward0" in v.inspector.check_result.object

    result = run_cell(WRONG_OP)
    assert result.error is None
    s.show_graph(shown(result, "y"))
    cube = next(n for n in s.last["graph"].nodes if n["name"] == "CubeBackward")
    v.graph.select(cube["id"])
    v.inspector.check.clicks += 1
    assert "✘ fail" in v.inspector.check_result.object and "CubeBackward" in v.inspector.check_result.object

    v.stepper.step_backward()        # the code cell's graph steps through too, leaving w.grad alone
    assert [st["name"] for st in v.stepper.steps] == ["SumBackward0", "CubeBackward", "MulBackward0",
                                                      "AccumulateGrad"]
    assert result.tensors["w"].grad is None


def test_arrow_keys_walk_the_graph_along_its_edges_and_enter_opens_a_layer():
    s, v = views_for("lenet")
    s.backward()
    g = v.graph
    assert g.vertical   # LeNet's layers, left to right, are wider than the panel

    def pointed():
        return g.nodes.data["name"][g.nodes.selected.indices[0]]
    g.move("down")                       # nothing chosen yet: the loss first (a grouped module here)
    assert pointed() == "CrossEntropyLoss"
    g.move("down")                       # towards the data, along an edge: the layer that feeds the loss
    assert pointed() == "fc3 · Linear"
    g.move("up")                         # and back towards the loss
    assert pointed() == "CrossEntropyLoss"
    g.move("down")
    g.enter()                            # opens the layer pointed at and inspects its output
    assert "fc3" in g.expanded and pointed() == "AddmmBackward0"
    assert v.inspector.node["name"] == "AddmmBackward0"


def test_a_new_graph_with_another_node_under_the_same_id_can_be_picked():
    from app.codecell import run_cell
    s, v = views_for("mlp")
    s.backward()
    first = s.last["graph"].node(1)
    v.graph.picker.value = first["id"]
    result = run_cell(WRONG_OP)
    s.show_graph(shown(result, "y"))
    other = s.last["graph"].node(1)
    assert other["id"] == first["id"] and other["name"] != first["name"]
    v.graph.picker.value = other["id"]       # the list's choice of the same id, now another node
    assert v.inspector.node["name"] == other["name"]
