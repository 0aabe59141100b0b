"""A layered left-to-right drawing of a DAG (the Sugiyama scheme, kept small).

1. Layers: every node sits as far right as its consumers allow (longest path to the output), so a
   parameter sits just left of the op that uses it. Nodes can be grouped (the ops of one module):
   a group then gets columns of its own, and whatever feeds it sits left of all of them, so a box
   drawn around a group holds no one else.
2. Edges that skip layers get invisible waypoints, one per skipped layer, so they can be routed
   between the nodes instead of through them.
3. Order within a layer: barycentric sweeps (each node moves to the mean position of its
   neighbours in the adjacent layer), keeping the order with the fewest crossings.
4. Coordinates: columns as wide as their widest node; rows nudged towards their neighbours'
   height but never closer than one row apart.

Everything is in pixels, so labels sized in pixels fit their boxes at any graph size.
"""
from dataclasses import dataclass

SWEEPS = 6


@dataclass
class Layout:
    positions: dict      # node id -> (x, y): the centre of its box
    routes: list         # per input edge: [(x, y), ...] from the source's right side to the target's left side
    layers: dict         # node id -> layer index (0 = leftmost)
    width: float
    height: float


def layered_layout(node_ids, edges, widths, groups=None, height=32, column_gap=48, row_gap=14, margin=12):
    """Place `node_ids` (boxes of `widths[id]` x `height` pixels) so every edge (src, dst) points right.
    `groups` ({id: group or None}) keeps each group's nodes in columns of their own where that is possible."""
    node_ids = list(node_ids)
    edges = list(edges)
    try:
        layer = _layers(node_ids, edges + _group_constraints(edges, groups or {}))
    except ValueError:  # groups that feed each other cannot have columns of their own
        layer = _layers(node_ids, edges)
    rows, chain_pred, chain_succ = _with_waypoints(node_ids, edges, layer)
    _order_rows(rows, chain_pred, chain_succ)

    box_w = {v: widths[v] for v in node_ids}
    col_w = [max((box_w.get(v, 0) for v in row), default=0) for row in rows]
    col_x, x = [], margin
    for w in col_w:
        col_x.append(x + w / 2)
        x += w + column_gap
    pitch = height + row_gap
    ys = _rows_y(rows, chain_pred, chain_succ, pitch)
    top = min(ys.values(), default=0)
    positions = {v: (col_x[i], ys[v] - top + margin + height / 2) for i, row in enumerate(rows) for v in row}

    routes = []
    for s, d in edges:
        points = [_port(positions[s], box_w[s], +1)]
        for w in _waypoints_between(s, d, layer):
            points.append(positions[w])
        points.append(_port(positions[d], box_w[d], -1))
        routes.append(points)
    real = {v: positions[v] for v in node_ids}
    height_px = max((y for _, y in positions.values()), default=0) + height / 2 + margin
    return Layout(real, routes, {v: layer[v] for v in node_ids}, x - column_gap + margin, height_px)


def _port(centre, width, side):
    return (centre[0] + side * width / 2, centre[1])


def _layers(node_ids, edges):
    succ = {v: [] for v in node_ids}
    pred = {v: [] for v in node_ids}
    for s, d in dict.fromkeys(edges):  # a doubled edge (y * y) counts once
        succ[s].append(d)
        pred[d].append(s)
    order = _topological(node_ids, succ, pred)
    to_output = {}
    for v in reversed(order):
        to_output[v] = max((to_output[s] + 1 for s in succ[v]), default=0)
    last = max(to_output.values(), default=0)
    return {v: last - to_output[v] for v in node_ids}


def _group_constraints(edges, groups):
    """Extra edges (for layering only) that put everything feeding a group left of the whole group,
    and everything a group feeds right of it."""
    members = {}
    for v, g in groups.items():
        if g is not None:
            members.setdefault(g, []).append(v)
    extra = set()
    for s, d in edges:
        gs, gd = groups.get(s), groups.get(d)
        if gs == gd:
            continue
        for a in members.get(gs, [s]):
            for b in members.get(gd, [d]):
                extra.add((a, b))
    # an input that joins after a group (the target of a loss) sits right of that group, not inside its box
    has_input = {d for _, d in edges}
    for s, d in edges:
        if groups.get(s) is None and groups.get(d) is None and s not in has_input:
            for other, d2 in edges:
                if d2 == d and groups.get(other) is not None:
                    extra.update((a, s) for a in members[groups[other]])
    return list(extra)


def _topological(node_ids, succ, pred):
    missing = {v: len(pred[v]) for v in node_ids}
    ready = [v for v in node_ids if missing[v] == 0]
    order = []
    while ready:
        v = ready.pop()
        order.append(v)
        for s in succ[v]:
            missing[s] -= 1
            if missing[s] == 0:
                ready.append(s)
    if len(order) != len(node_ids):
        raise ValueError("the graph has a cycle; only a DAG can be laid out in layers")
    return order


def _waypoint(s, d, k):
    return ("waypoint", s, d, k)


def _waypoints_between(s, d, layer):
    return [_waypoint(s, d, k) for k in range(layer[s] + 1, layer[d])]


def _with_waypoints(node_ids, edges, layer):
    """Rows of node ids (and waypoints) per layer, plus the neighbour lists of that chain graph."""
    n_layers = max(layer.values(), default=-1) + 1
    rows = [[] for _ in range(n_layers)]
    for v in node_ids:
        rows[layer[v]].append(v)
    chain_pred = {v: [] for v in node_ids}
    chain_succ = {v: [] for v in node_ids}
    for s, d in dict.fromkeys(edges):
        path = [s, *_waypoints_between(s, d, layer), d]
        for w in path[1:-1]:
            rows[w[3]].append(w)
            chain_pred[w], chain_succ[w] = [], []
        for a, b in zip(path, path[1:]):
            chain_succ[a].append(b)
            chain_pred[b].append(a)
    return rows, chain_pred, chain_succ


def _order_rows(rows, pred, succ):
    """Reorder each row in place to reduce edge crossings (barycentric heuristic)."""
    best, best_cross = [list(r) for r in rows], _crossings(rows, succ)
    for sweep in range(SWEEPS):
        layers = range(1, len(rows)) if sweep % 2 == 0 else range(len(rows) - 2, -1, -1)
        neighbours = pred if sweep % 2 == 0 else succ
        for i in layers:
            ref = rows[i - 1] if sweep % 2 == 0 else rows[i + 1]
            pos = {v: k for k, v in enumerate(ref)}
            rows[i] = _by_barycentre(rows[i], neighbours, pos)
        cross = _crossings(rows, succ)
        if cross < best_cross:
            best, best_cross = [list(r) for r in rows], cross
    rows[:] = best


def _by_barycentre(row, neighbours, pos):
    def key(item):
        k, v = item
        ns = [pos[n] for n in neighbours[v] if n in pos]
        return (sum(ns) / len(ns) if ns else k, k)
    return [v for _, v in sorted(enumerate(row), key=key)]


def _crossings(rows, succ):
    total = 0
    for upper, lower in zip(rows, rows[1:]):
        pos = {v: k for k, v in enumerate(lower)}
        ends = [pos[d] for v in upper for d in sorted(succ[v], key=pos.get) if d in pos]
        # crossings between two adjacent layers = inversions in the sequence of target positions
        total += sum(1 for i in range(len(ends)) for j in range(i + 1, len(ends)) if ends[i] > ends[j])
    return total


def _rows_y(rows, pred, succ, pitch):
    """y of every node and waypoint: rows keep their order and pitch, and drift towards their neighbours."""
    y = {}
    for row in rows:
        for k, v in enumerate(row):
            y[v] = k * pitch - (len(row) - 1) * pitch / 2
    for sweep in range(4):
        order = rows if sweep % 2 == 0 else rows[::-1]
        neighbours = pred if sweep % 2 == 0 else succ
        for row in order:
            wanted = []
            for v in row:
                ns = [y[n] for n in neighbours[v]]
                wanted.append(sum(ns) / len(ns) if ns else y[v])
            for v, w in zip(row, _spaced(wanted, pitch)):
                y[v] = w
    return y


def _spaced(wanted, pitch):
    """Positions as close to `wanted` as a left-to-right pass allows, at least `pitch` apart, in order,
    then shifted so their mean matches the mean of `wanted`."""
    placed = []
    for w in wanted:
        placed.append(w if not placed else max(w, placed[-1] + pitch))
    if placed:
        shift = (sum(wanted) - sum(placed)) / len(placed)
        placed = [p + shift for p in placed]
    return placed
