"""app.views.dag_layout: the layered drawing of the computation graph."""
import itertools
import random

import pytest

from app.views.dag_layout import _crossings, layered_layout


def layout_of(edges, n=None, width=60):
    ids = sorted({v for e in edges for v in e} | set(range(n or 0)))
    return ids, layered_layout(ids, edges, {v: width for v in ids})


def assert_no_overlaps(ids, lay, width, height=32):
    for a, b in itertools.combinations(ids, 2):
        (xa, ya), (xb, yb) = lay.positions[a], lay.positions[b]
        assert abs(xa - xb) >= width or abs(ya - yb) >= height, (a, b)


def random_dag(rng, n, p):
    return [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p]


def test_every_edge_points_right_and_boxes_do_not_overlap():
    rng = random.Random(0)
    for n, p in [(5, 0.5), (20, 0.15), (40, 0.08)]:
        edges = random_dag(rng, n, p)
        ids, lay = layout_of(edges, n)
        for s, d in edges:
            assert lay.layers[s] < lay.layers[d]
            assert lay.positions[s][0] < lay.positions[d][0]
        assert_no_overlaps(ids, lay, 60)
        assert all(0 <= x <= lay.width and 0 <= y <= lay.height for x, y in lay.positions.values())


def test_longest_path_layers_with_parameters_pulled_next_to_their_consumer():
    # x -> mm -> add -> loss; weight -> mm; bias -> add
    edges = [("x", "mm"), ("w", "mm"), ("mm", "add"), ("b", "add"), ("add", "loss")]
    _, lay = layout_of(edges)
    assert lay.layers == {"x": 0, "w": 0, "mm": 1, "b": 1, "add": 2, "loss": 3}


def test_long_edges_are_routed_through_one_waypoint_per_skipped_layer():
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")]
    _, lay = layout_of(edges)
    route = lay.routes[3]
    assert len(route) == 2 + 2  # two ports plus waypoints in layers 1 and 2
    xs = [x for x, _ in route]
    assert xs == sorted(xs)
    assert route[0] == (lay.positions["a"][0] + 30, lay.positions["a"][1])
    assert route[-1] == (lay.positions["d"][0] - 30, lay.positions["d"][1])


def test_barycentric_ordering_removes_avoidable_crossings():
    # two independent chains whose sources are listed in the crossing order
    edges = [(0, 3), (1, 2), (2, 4), (3, 5)]
    ids = [0, 1, 2, 3, 4, 5]
    lay = layered_layout(ids, edges, {v: 40 for v in ids})
    rows = {}
    for v, l in lay.layers.items():
        rows.setdefault(l, []).append(v)
    ordered = [sorted(r, key=lambda v: lay.positions[v][1]) for _, r in sorted(rows.items())]
    succ = {v: [d for s, d in edges if s == v] for v in ids}
    assert _crossings(ordered, succ) == 0


def test_columns_are_as_wide_as_their_widest_box():
    edges = [("a", "b"), ("b", "c")]
    lay = layered_layout(["a", "b", "c"], edges, {"a": 40, "b": 200, "c": 40}, column_gap=50, margin=10)
    xa, xb, xc = (lay.positions[v][0] for v in "abc")
    assert xb - xa == pytest.approx(20 + 50 + 100)
    assert xc - xb == pytest.approx(100 + 50 + 20)
    assert lay.width == pytest.approx(10 + 40 + 50 + 200 + 50 + 40 + 10)


def test_doubled_edges_share_a_route_and_cycles_are_refused():
    _, lay = layout_of([("y", "mul"), ("y", "mul")])
    assert lay.routes[0] == lay.routes[1]
    with pytest.raises(ValueError, match="cycle"):
        layout_of([(0, 1), (1, 0)])


def test_groups_get_columns_of_their_own_and_their_inputs_sit_left_of_them():
    # Linear (w -> t -> mm, b -> mm) fed by data x, then a Tanh, then a loss that also reads a target
    edges = [("w", "t"), ("t", "mm"), ("b", "mm"), ("x", "mm"), ("mm", "tanh"), ("tanh", "loss"), ("y", "loss")]
    groups = {"w": "0", "t": "0", "b": "0", "mm": "0", "tanh": "1"}
    ids = sorted({v for e in edges for v in e})
    lay = layered_layout(ids, edges, {v: 50 for v in ids}, groups=groups)
    linear = {lay.layers[v] for v in ("w", "t", "b", "mm")}
    assert lay.layers["x"] < min(linear)
    assert max(linear) < lay.layers["tanh"] < lay.layers["loss"]
    assert lay.layers["y"] == lay.layers["loss"] - 1


def test_groups_that_feed_each_other_fall_back_to_plain_layers():
    edges = [("a1", "b1"), ("b1", "a2")]
    lay = layered_layout(["a1", "a2", "b1"], edges, {"a1": 9, "a2": 9, "b1": 9},
                         groups={"a1": "A", "a2": "A", "b1": "B"})
    assert lay.layers["a1"] < lay.layers["b1"] < lay.layers["a2"]


def test_an_input_joining_after_a_group_sits_right_of_it():
    edges = [("w", "mm"), ("mm", "loss"), ("target", "loss")]
    lay = layered_layout(["w", "mm", "loss", "target"], edges, {v: 9 for v in ["w", "mm", "loss", "target"]},
                         groups={"w": "fc", "mm": "fc"})
    assert lay.layers["mm"] < lay.layers["target"] < lay.layers["loss"]
