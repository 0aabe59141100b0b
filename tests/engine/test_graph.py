"""engine.graph: the autograd DAG as plain data, for the playground's views."""
import json

import numpy as np
import pytest

import engine as torch
import engine.graph as G


def tutorial_graph():
    x = torch.ones(2, 2, requires_grad=True)
    with G.capture() as cap:
        y = x + 2
        z = y * y * 3
        out = z.mean()
    out.backward()
    return x, out, cap, cap.graph(out)


def test_nodes_carry_pytorch_names_shapes_and_json_ready():
    x, out, cap, g = tutorial_graph()
    names = [n["name"] for n in g.nodes]
    assert names == ["MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"]
    assert g.node(g.root)["shape"] == []
    assert g.node(3)["shape"] == [2, 2]
    assert g.node(4)["is_leaf"] and g.node(4)["kind"] == "parameter"
    json.dumps(g.to_dict())  # plain data only


def test_edges_flow_from_inputs_to_consumers():
    _, _, _, g = tutorial_graph()
    pairs = [(e["src"], e["dst"]) for e in g.edges]
    assert (4, 3) in pairs and (1, 0) in pairs
    assert pairs.count((3, 2)) == 2  # y * y uses y twice


def test_values_and_intermediate_gradients_without_retain_grad():
    x, out, cap, g = tutorial_graph()
    add = next(n for n in g.nodes if n["name"] == "AddBackward0")
    np.testing.assert_allclose(cap.value(add["id"]), np.full((2, 2), 3.0))
    # d out / d y = 6 y / 4 = 4.5
    np.testing.assert_allclose(cap.grad(add["id"]), np.full((2, 2), 4.5))
    assert add["grad_norm"] == pytest.approx(9.0)
    s = cap.summary(add["id"], "grad")
    assert s["mean"] == pytest.approx(4.5) and s["std"] == 0 and sum(s["hist_counts"]) == 4
    leaf = next(n for n in g.nodes if n["is_leaf"])
    np.testing.assert_allclose(cap.grad(leaf["id"]), x.grad.numpy())


def test_saved_tensor_shapes_survive_backward():
    _, _, _, g = tutorial_graph()
    muls = [n for n in g.nodes if n["name"] == "MulBackward0"]
    assert any(n["saved"] == [[2, 2], [2, 2]] for n in muls)


def test_constant_inputs_appear_as_input_nodes():
    w = torch.randn(3, 2, requires_grad=True)
    data = torch.randn(4, 3)
    with G.capture() as cap:
        loss = (data @ w).sum()
    g = cap.graph(loss)
    consts = [n for n in g.nodes if n["kind"] == "constant"]
    assert [c["shape"] for c in consts] == [[4, 3]]
    np.testing.assert_allclose(cap.value(consts[0]["id"]), data.numpy())


def test_structure_without_capture_and_clear_error_without_graph():
    x = torch.ones(3, requires_grad=True)
    g = G.graph((x.exp() * 2).sum())
    assert [n["name"] for n in g.nodes] == ["SumBackward0", "MulBackward0", "ExpBackward0", "AccumulateGrad"]
    with pytest.raises(ValueError, match="no grad_fn"):
        G.graph(torch.ones(3))


def test_summary_flags_nan_and_inf():
    s = G.summarize(np.array([1.0, np.nan, np.inf, -1.0]))
    assert s["nan"] == 1 and s["inf"] == 1 and s["min"] == -1.0 and s["max"] == 1.0


def test_kinds_colour_families():
    assert G.kind_of("AddmmBackward0") == "matmul"
    assert G.kind_of("ConvolutionBackward0") == "conv"
    assert G.kind_of("ReluBackward0") == "activation"
    assert G.kind_of("NllLossBackward0") == "loss"
    assert G.kind_of("ViewBackward0") == "shape"
    assert G.kind_of("AddBackward0") == "arithmetic"


def test_collapsed_groups_one_node_per_module_with_its_output_gradient():
    import engine.nn as nn
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    x, y = torch.randn(5, 2), torch.randn(5, 1)
    with G.capture(model) as cap:
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
    g = cap.graph(loss)
    c = g.collapsed()
    names = sorted(n["name"] for n in c.nodes)
    assert names == ["Linear", "Linear", "MseLossBackward0", "Tanh", "input", "input"]
    first = c.node("module:0")
    addmm = g.node(first["output"])
    assert addmm["name"] == "AddmmBackward0" and first["grad_norm"] == addmm["grad_norm"]
    assert {g.node(m)["param"] for m in first["members"]} >= {"0.weight", "0.bias"}
    # the batch fed into the first Linear stays a visible input of the group
    data = next(n for n in c.nodes if n["kind"] == "constant" and n["shape"] == [5, 2])
    assert {"src": data["id"], "dst": "module:0", "shape": [5, 2]} in c.edges
    opened = g.collapsed(expanded={"0"})
    assert "AddmmBackward0" in [n["name"] for n in opened.nodes] and "module:0" not in [n["id"] for n in opened.nodes]


def test_device_namespaces_like_torch_cuda():
    assert torch.cuda.is_available() is False
    assert isinstance(torch.webgpu.is_available(), bool)
