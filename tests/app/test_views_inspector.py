"""app.views.inspector: a node's value and gradient as heatmaps, histograms and statistics."""
import re

import numpy as np
import pytest

import engine as torch
import engine.graph as G
from app import i18n
from app.views.inspector import MAX_SIDE, Inspector

EMPTY = i18n.text("inspector.empty", "en")

from .models import lenet_step, mlp_step


def stats_table(inspector):
    """{row label: [value cell, gradient cell]} parsed from the stats HTML."""
    rows = re.findall(r"<tr><th style='text-align:left'>(.*?)</th>(.*?)</tr>", inspector.stats.object)
    return {label: re.findall(r"<td[^>]*>(.*?)</td>", cells) for label, cells in rows}


def node_named(g, name):
    return next(n for n in g.nodes if n["name"] == name)


def test_starts_with_guidance():
    inspector = Inspector()
    assert inspector.title.object == EMPTY and "Click a box" in EMPTY
    assert inspector.value.heatmap.name == "inspector-value" and inspector.stats.name == "inspector-stats"
    assert not inspector.plots.visible  # no empty axes before there is something to show


def test_statistics_match_numpy():
    _, cap, g = mlp_step()
    node = node_named(g, "AddmmBackward0")
    inspector = Inspector()
    inspector.show(cap, node)
    assert inspector.plots.visible
    value, grad = cap.value(node["id"]), cap.grad(node["id"])
    table = stats_table(inspector)
    for label, fn in [("min", np.min), ("max", np.max), ("mean", np.mean), ("std", np.std),
                      ("norm (L2)", np.linalg.norm)]:
        for cell, array in zip(table[label], (value, grad)):
            assert float(cell) == pytest.approx(float(fn(array.astype(np.float64))), rel=1e-3)
    assert table["shape"] == ["32×1", "32×1"] or table["shape"][0] == "×".join(map(str, value.shape))
    assert table["NaN count"] == ["0", "0"] and table["Inf count"] == ["0", "0"]
    assert "AddmmBackward0" in inspector.title.object


def test_heatmap_shows_a_2d_tensor_as_a_matrix_and_the_histogram_counts_every_element():
    _, cap, g = mlp_step()
    weight = next(n for n in g.nodes if n["param"] == "0.weight")
    inspector = Inspector()
    inspector.show(cap, weight)
    image = inspector.value.image.data["image"][0]
    np.testing.assert_allclose(image[::-1], cap.value(weight["id"]), rtol=1e-6)  # row 0 drawn on top
    assert sum(inspector.value.bins.data["count"]) == cap.value(weight["id"]).size
    np.testing.assert_allclose(inspector.grad.image.data["image"][0][::-1], cap.grad(weight["id"]), rtol=1e-6)
    assert inspector.value.heatmap.yaxis.axis_label == "row: output unit"
    assert not inspector.sample.visible and not inspector.channel.visible


def test_a_4d_tensor_is_shown_one_sample_and_channel_at_a_time():
    _, cap, g = lenet_step(batch=3)
    conv = node_named(g, "ConvolutionBackward0")  # the second conv: 3×16×13×13
    inspector = Inspector()
    inspector.show(cap, conv)
    value = cap.value(conv["id"])
    assert inspector.sample.visible and inspector.channel.visible
    assert (inspector.sample.end, inspector.channel.end) == (value.shape[0] - 1, value.shape[1] - 1)
    inspector.sample.value, inspector.channel.value = 2, 5
    np.testing.assert_allclose(inspector.value.image.data["image"][0][::-1], value[2, 5], rtol=1e-6)
    np.testing.assert_allclose(inspector.grad.image.data["image"][0][::-1], cap.grad(conv["id"])[2, 5], rtol=1e-6)
    assert "sample 2, channel 5" in inspector.value.heatmap.title.text


def test_large_tensors_are_subsampled_for_the_heatmap_but_counted_whole():
    _, cap, g = lenet_step(batch=2)
    weight = next(n for n in g.nodes if n["param"] and n["shape"] == [120, 576])
    inspector = Inspector()
    inspector.show(cap, weight)
    image = inspector.value.image.data["image"][0]
    assert max(image.shape) <= MAX_SIDE and "every 4th" in inspector.value.heatmap.title.text
    assert sum(inspector.value.bins.data["count"]) == 120 * 576


def test_nan_and_inf_are_counted_and_missing_gradients_explained():
    w = torch.tensor([[1.0, float("nan")], [float("inf"), 2.0]], requires_grad=True)
    x = torch.ones(2, 2)
    with G.capture() as cap:
        loss = (w * x).sum()
    g = cap.graph(loss)
    inspector = Inspector()
    leaf = next(n for n in g.nodes if n["is_leaf"] and n["kind"] == "parameter")
    inspector.show(cap, leaf)
    table = stats_table(inspector)
    assert table["NaN count"][0] == "1" and table["Inf count"][0] == "1"
    assert "press Backward" in inspector.grad.heatmap.title.text and table["mean"][1] == "–"
    data = next(n for n in g.nodes if n["kind"] == "constant")
    inspector.show(cap, data)
    assert "data gets no gradient" in inspector.grad.heatmap.title.text


def test_refresh_follows_the_same_node_into_the_next_step():
    model, cap, g = mlp_step()
    node = node_named(g, "ReluBackward0")
    inspector = Inspector()
    inspector.show(cap, node)
    first = inspector.value.image.data["image"][0].copy()
    for p in model.parameters():
        p.data.mul_(2.0)
    _, cap2, g2 = mlp_step(model)
    inspector.refresh(cap2, g2)
    np.testing.assert_allclose(inspector.value.image.data["image"][0][::-1], cap2.value(node["id"]), rtol=1e-6)
    assert not np.allclose(inspector.value.image.data["image"][0], first)
    inspector.refresh(None, None)
    assert inspector.node is None and inspector.title.object == EMPTY


def test_histogram_axes_have_few_ticks_and_exponents_for_tiny_values():
    inspector = Inspector()
    axis = inspector.grad.histogram.xaxis[0]
    assert axis.ticker.desired_num_ticks <= 4   # labels 300 px apart / 4: they never overlap
    assert axis.formatter.use_scientific and axis.formatter.power_limit_low >= -3 and axis.formatter.power_limit_high <= 3
