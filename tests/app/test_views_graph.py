"""app.views.graph: the computation graph view's Bokeh sources after forward and backward."""
import math

import numpy as np
import pytest

from app import i18n
from app.views import graph as graph_view
from app.views.graph import GraphView

from .models import lenet_step, mlp_step

EMPTY = i18n.text("graph.empty", "en")


def drawn_names(view):
    return list(view.nodes.data["name"])


def test_empty_state_guides_the_user():
    view = GraphView()
    view.show(None)
    assert view.caption.object == EMPTY and "Press Forward" in EMPTY
    assert not view.figure.visible and drawn_names(view) == []
    assert view.figure.name == "graph-view" and view.nodes.name == "graph-nodes"


def test_forward_draws_pytorch_node_names_and_shapes_without_gradients():
    _, _, g = mlp_step(backward=False)
    view = GraphView()
    view.show(g)
    view.set_expanded(view._modules)  # opened: left to right it is wider than the panel
    names = drawn_names(view)
    for name in ("AddmmBackward0", "ReluBackward0", "TBackward0", "AccumulateGrad",
                 "BinaryCrossEntropyWithLogitsBackward0", "input"):
        assert name in names
    assert view.figure.visible
    assert "32×8" in view.nodes.data["sub"]  # the hidden layer's output
    assert "0.weight 8×2" in view.nodes.data["sub"]
    assert set(view.nodes.data["grad_text"]) == {""}
    assert set(view.edges.data["colour"]) == {graph_view.NO_GRAD}
    assert "Backward" in view.caption.object
    assert "AddmmBackward0" in view.edges.data["dst_name"]
    assert "32×8" in view.edges.data["shape"]


def test_backward_shows_gradient_magnitudes_on_nodes_and_edges():
    _, _, g = mlp_step()
    view = GraphView()
    view.show(g)
    view.set_expanded(view._modules)  # opened: left to right it is wider than the panel
    norms = {n["id"]: n["grad_norm"] for n in g.nodes}
    for node_id, text, value in zip(view.nodes.data["id"], view.nodes.data["grad_text"],
                                    view.nodes.data["grad_norm"]):
        expected = norms[int(node_id)]
        if expected is None:  # the data and the target get no gradient
            assert text == "" and math.isnan(value)
        else:
            assert text.startswith("grad ") and value == pytest.approx(expected)
    widths = view.edges.data["width"]
    assert min(widths) >= 1 and max(widths) == pytest.approx(6.0) and len(set(widths)) > 2
    assert graph_view.NO_GRAD in view.edges.data["colour"]  # edges from the data carry no gradient
    assert "thicker" in view.caption.object


def test_next_step_updates_gradients_in_place_without_a_new_layout():
    model, _, g1 = mlp_step()
    view = GraphView()
    view.show(g1)
    xs, width = view.nodes.data["x"], view.figure.frame_width
    before = list(view.nodes.data["grad_norm"])
    for p in model.parameters():
        p.data.mul_(1.5)
        p.grad = None
    _, _, g2 = mlp_step(model)
    view.show(g2)
    assert view.nodes.data["x"] is xs and view.figure.frame_width == width
    assert list(view.nodes.data["grad_norm"]) != before


def test_a_structure_change_lays_the_graph_out_again():
    _, _, g1 = mlp_step()
    view = GraphView()
    view.show(g1)
    _, _, g2 = mlp_step(__import__("tests.app.models", fromlist=["mlp"]).mlp(hidden=4))
    view.show(g2)
    assert "32×4" in view.nodes.data["sub"] and "32×8" not in view.nodes.data["sub"]


def test_layers_group_and_open_by_click():
    _, _, g = mlp_step()
    inspected = []
    view = GraphView(on_inspect=inspected.append)
    view.show(g)
    view.set_expanded(())  # "Group by layer"
    assert sorted(drawn_names(view)) == sorted(["0 · Linear", "1 · ReLU", "2 · Linear", "input", "input",
                                                "BinaryCrossEntropyWithLogitsBackward0"])
    assert len(view.groups.data["module"]) == 0
    view.nodes.selected.indices = [drawn_names(view).index("2 · Linear")]  # a tap on the box
    assert view.expanded == {"2"}
    assert "AddmmBackward0" in drawn_names(view) and "0 · Linear" in drawn_names(view)
    assert inspected[-1]["name"] == "AddmmBackward0" and inspected[-1]["module"] == "2"
    selected = view.nodes.selected.indices
    assert [view.nodes.data["name"][i] for i in selected] == ["AddmmBackward0"]
    assert list(view.groups.data["module"]) == ["2"]
    view.groups.selected.indices = [0]  # a tap on the open layer's header
    assert view.expanded == set() and "2 · Linear" in drawn_names(view)


def test_open_layer_boxes_hold_their_own_nodes_only():
    _, _, g = mlp_step()
    view = GraphView()
    view.show(g)
    view.set_expanded(view._modules)  # opened: left to right it is wider than the panel
    d, boxes = view.nodes.data, view.groups.data
    assert sorted(boxes["module"]) == ["0", "1", "2"]
    for module, x, w, y, h in zip(boxes["module"], boxes["x"], boxes["w"], boxes["y"], boxes["h"]):
        for node_module, nx, ny in zip(d["module"], d["x"], d["y"]):
            inside = abs(nx - x) < w / 2 and abs(ny - y) < h / 2
            kind = d["kind"][d["x"].index(nx)]
            if inside and kind != "constant":
                assert node_module == module


def test_the_tutorial_lenet_starts_grouped_by_layer_and_opens_fully():
    _, _, g = lenet_step()
    view = GraphView()
    view.show(g)
    names = drawn_names(view)
    assert "0 · Conv2d" in names and "5 · MaxPool2d" in names and "ConvolutionBackward0" not in names
    assert view.figure.frame_width < 1800
    view.set_expanded(view._modules)  # "Open all layers"
    names = drawn_names(view)
    assert names.count("ConvolutionBackward0") == 2 and "MaxPool2DWithIndicesBackward0" in names
    assert len(names) == len(g.nodes)


def test_boxes_never_overlap():
    for step in (mlp_step, lenet_step):
        _, _, g = step()
        view = GraphView()
        view.show(g)
        view.set_expanded(view._modules)
        d = view.nodes.data
        for i in range(len(d["x"])):
            for j in range(i + 1, len(d["x"])):
                apart_x = abs(d["x"][i] - d["x"][j]) >= (d["w"][i] + d["w"][j]) / 2
                apart_y = abs(d["y"][i] - d["y"][j]) >= d["h"][i]
                assert apart_x or apart_y


def test_picking_a_node_from_the_list_inspects_it_and_nan_gradients_are_marked():
    _, cap, g = mlp_step()
    inspected = []
    view = GraphView(on_inspect=inspected.append)
    view.show(g)
    view.set_expanded(view._modules)  # opened: left to right it is wider than the panel
    assert view.picker.value is None and inspected == []
    relu = next(n for n in g.nodes if n["name"] == "ReluBackward0")
    label = next(k for k, v in view.picker.options.items() if v == relu["id"])
    view.picker.value = view.picker.options[label]
    assert inspected == [relu]
    assert [view.nodes.data["id"][i] for i in view.nodes.selected.indices] == [str(relu["id"])]
    relu["grad_norm"] = float("nan")
    view.show(g)
    i = view.nodes.data["id"].index(str(relu["id"]))
    assert view.nodes.data["line_color"][i] == graph_view.BAD_GRAD
    assert view.nodes.data["grad_text"][i] == "grad NaN"


def test_graphs_too_large_to_read_are_not_drawn_and_the_view_says_why():
    import engine as torch
    import engine.graph as G
    a = torch.ones(3, requires_grad=True)
    with G.capture() as cap:
        b = a
        for _ in range(graph_view.DRAW_LIMIT + 10):
            b = b * 1.01
        loss = b.sum()
    view = GraphView()
    view.show(cap.graph(loss))
    assert not view.figure.visible and drawn_names(view) == []
    assert "too many to draw" in view.caption.object and "smaller computation" in view.caption.object


def test_a_graph_too_wide_for_the_panel_is_drawn_top_down_with_the_loss_on_top():
    from app.views.graph import WIDE
    NAVIGATION, SCROLL_HINT = i18n.text("graph.navigation", "en"), i18n.text("graph.scroll_hint", "en")
    import engine as torch
    import engine.graph as G
    from app.views.graph import GraphView
    model = torch.nn.Sequential(*[m for _ in range(12) for m in (torch.nn.Linear(4, 4), torch.nn.Tanh())])
    with G.capture(model) as cap:
        loss = model(torch.randn(3, 4)).sum()
    view = GraphView()
    view.show(cap.graph(loss))  # twelve layers: left to right, even grouped, about 3,000 px
    assert view.vertical and view.figure.frame_width <= WIDE and SCROLL_HINT not in view.caption.object
    assert NAVIGATION in view.caption.object
    ys = dict(zip(view.nodes.data["name"], view.nodes.data["y"]))
    assert ys["SumBackward0"] == min(view.nodes.data["y"])   # the loss at the top: visible on load
    small = torch.nn.Linear(2, 1)
    with G.capture(small) as cap:
        loss = small(torch.randn(3, 2)).sum()
    view.show(cap.graph(loss))
    assert not view.vertical and view.figure.frame_width <= WIDE and NAVIGATION not in view.caption.object