"""The computation graph: the autograd DAG of the last forward, inputs on the left, the loss on the right.

Boxes carry PyTorch's node names (AddmmBackward0, ReluBackward0, AccumulateGrad for a parameter) and the
shape of the tensor each one outputs; their colour is the kind of op. Nodes of one module (a layer) can be
shown as a single box: click it to open it, click the header of an open module to group it again. After
Backward, every edge is as thick and dark as the gradient that flows back along it.

The drawing is computed here (app.views.dag_layout), and done again only when the graph's structure
changes; after a training step only the gradient columns of the two data sources are replaced.
"""
import functools
import math

import panel as pn
from bokeh.models import ColumnDataSource, CustomJS, HoverTool, PanTool, Range1d, TapTool, WheelZoomTool
from bokeh.palettes import Blues9
from bokeh.plotting import figure

from app import i18n

from .dag_layout import layered_layout
from .formatting import number, shape_text, text_width

# kind (from engine.graph.kind_of) -> fill colour; its words in the legend are graph.kind_<kind> (app/i18n.py)
KINDS = {"constant": "#e5e7eb", "parameter": "#fde68a", "module": "#f5d0fe", "matmul": "#bfdbfe", "conv": "#c7d2fe",
         "pool": "#ddd6fe", "activation": "#bbf7d0", "norm": "#a5f3fc", "loss": "#fecaca", "reduction": "#fbcfe8",
         "shape": "#f5f5f4", "arithmetic": "#fed7aa"}
NAME_PX, SUB_PX = 10, 9
BOX_H, HEADER_H, TOP = 44, 16, 26
GRAD_COLOURS = Blues9[::-1][3:]  # light (small gradient) to dark (large gradient)
NO_GRAD, BAD_GRAD = "#9ca3af", "#dc2626"
GRAD_TEXT_WIDTH = text_width("grad 0.00123", SUB_PX)
TALL = 1800  # px: a new graph starts fully open if its drawing is at most WIDE wide and this tall
DRAW_LIMIT = 300
VIEW_H = 540  # px: the graph's window; a taller drawing is seen through it (drag, Fit, or it follows a step)
WIDE = 760  # px: a drawing wider than this overflows the panel on a 1280-pixel screen: drawn top-down instead

NODE_COLUMNS = ("id", "name", "sub", "grad_text", "kind", "fill", "x", "y", "w", "h", "y_name", "y_sub",
                "y_grad", "line_color", "line_width", "grad_norm", "dtype", "module", "param", "saved", "alpha")
LIT_COLUMNS = ("x", "y", "w", "h")
FLOW_COLUMNS = ("xs", "ys", "colour", "lx", "ly", "label")
ARRIVING, LEAVING, LIT = "#ea580c", "#16a34a", "#f97316"  # the step-through's colours
NOT_YET = 0.3  # fill alpha of the nodes a forward step-through has not reached
EDGE_COLUMNS = ("xs", "ys", "x_end", "y_end", "angle", "shape", "src_name", "dst_name", "grad_text", "width",
                "colour")
GROUP_COLUMNS = ("x", "y", "w", "h", "hx", "hy", "hw", "label", "module")


class GraphView:
    """Draws an engine.graph.Graph; `on_inspect(node)` is called with the node (a plain dict) a user picks."""

    def __init__(self, on_inspect=None):
        self.on_inspect = on_inspect
        self.graph = None          # the full graph of the last forward
        self.drawn = None          # what is drawn: the graph with unopened modules grouped
        self.expanded = set()      # module paths shown open
        self.selected = None       # id (in the full graph) of the node being inspected
        self._selected_name = None
        self._signature = None
        self._modules = None
        self._handling_tap = False
        self._syncing = False
        self.nodes = ColumnDataSource({c: [] for c in NODE_COLUMNS}, name="graph-nodes")
        self.edges = ColumnDataSource({c: [] for c in EDGE_COLUMNS}, name="graph-edges")
        self.groups = ColumnDataSource({c: [] for c in GROUP_COLUMNS}, name="graph-modules")
        self.lit = ColumnDataSource({c: [] for c in LIT_COLUMNS}, name="graph-lit")
        self.flow = ColumnDataSource({c: [] for c in FLOW_COLUMNS}, name="graph-flow")
        self.step = None           # the step-through's step shown (see show_step), or None
        self._drawn_of, self._routes = {}, {}
        self.figure = self._figure()
        self.nodes.selected.on_change("indices", self._on_node_tap)
        self.groups.selected.on_change("indices", self._on_header_tap)
        self.language = i18n.DEFAULT
        self.caption = pn.pane.Markdown(i18n.text("graph.empty", self.language), name="graph-caption",
                                        css_classes=["graph-caption"], margin=(0, 10))
        self.legend = pn.pane.HTML("", name="graph-legend", css_classes=["graph-legend"], margin=(0, 10))
        self.open_all = pn.widgets.Button(css_classes=["graph-open-all"], width=130, disabled=True)
        self.group_all = pn.widgets.Button(css_classes=["graph-group-all"], width=130, disabled=True)
        self.picker = pn.widgets.Select(options={}, css_classes=["graph-node-select"], width=260, disabled=True)
        self.fit = pn.widgets.Button(css_classes=["graph-fit"], width=60, disabled=True)
        # in the page: the ranges may have moved there (pan, zoom) without Python knowing
        self.fit.js_on_click(args={"xr": self.figure.x_range, "yr": self.figure.y_range}, code="""
            xr.setv({start: xr.reset_start, end: xr.reset_end});
            yr.setv({start: yr.reset_start, end: yr.reset_end});""")
        self.vertical = False      # drawn top-down (loss at the top) because left-to-right is too wide
        self._height = 0           # of the whole drawing (the figure shows at most VIEW_H of it)
        self.open_all.on_click(lambda _e: self.set_expanded(self._modules or ()))
        self.group_all.on_click(lambda _e: self.set_expanded(()))
        self.picker.param.watch(self._on_pick, "value")
        self.heading = pn.pane.Markdown("", margin=(0, 10))
        self.translate(self.language)

    def panel(self, stepping=None):
        """`stepping`: the step-through's controls and card, shown above the drawing."""
        tools = pn.Row(self.open_all, self.group_all, self.fit, self.picker, margin=(0, 5))
        # scroll both ways: `scroll=True` scrolls a Column only vertically, and a wide graph was cut off
        plot = pn.Column(pn.pane.Bokeh(self.figure), scroll="both-auto", sizing_mode="stretch_width", max_height=620)
        return pn.Column(self.heading, self.caption, tools, *([stepping] if stepping else []),
                         self.legend, plot, name="graph-panel", css_classes=["graph-panel"],
                         sizing_mode="stretch_width")

    # --- drawing ------------------------------------------------------------------------------
    def _figure(self):
        # drawn in pixels (1 data unit = 1 px) at a fixed size; a wider graph scrolls, it never shrinks
        fig = figure(name="graph-view", x_range=Range1d(0, 1), y_range=Range1d(1, 0), tools=[],
                     toolbar_location=None, min_border=4, outline_line_color=None, visible=False,
                     frame_width=400, frame_height=200, width_policy="fixed", height_policy="fixed")
        fig.axis.visible = False
        fig.grid.visible = False
        fig.rect("x", "y", "w", "h", source=self.groups, fill_color="#f9fafb", line_color="#9ca3af",
                 line_dash="dashed")
        headers = fig.rect("hx", "hy", "hw", HEADER_H, source=self.groups, fill_color="#f3e8ff",
                           line_color="#9ca3af", nonselection_fill_alpha=1, nonselection_line_alpha=1)
        fig.text("hx", "hy", "label", source=self.groups, text_font_size="10px", text_align="center",
                 text_baseline="middle", text_color="#4b5563", nonselection_text_alpha=1)
        edges = fig.multi_line("xs", "ys", source=self.edges, line_width="width", line_color="colour",
                               line_join="round")
        fig.scatter("x_end", "y_end", source=self.edges, marker="triangle", angle="angle", size=7,
                    color="colour")
        fig.multi_line("xs", "ys", source=self.flow, line_width=5, line_color="colour", line_alpha=0.8)
        boxes = fig.rect("x", "y", "w", "h", source=self.nodes, fill_color="fill", fill_alpha="alpha",
                         line_color="line_color",
                         line_width="line_width", selection_line_color="#111827", selection_line_width=3,
                         nonselection_fill_alpha=1, nonselection_line_alpha=1)
        text = dict(source=self.nodes, text_align="center", text_baseline="middle", nonselection_text_alpha=1)
        fig.text("x", "y_name", "name", text_font_size=f"{NAME_PX}px", text_font_style="bold",
                 text_color="#111827", **text)
        fig.text("x", "y_sub", "sub", text_font_size=f"{SUB_PX}px", text_color="#374151", **text)
        fig.text("x", "y_grad", "grad_text", text_font_size=f"{SUB_PX}px", text_color="#1d4ed8", **text)
        fig.rect("x", "y", "w", "h", source=self.lit, fill_alpha=0, line_color=LIT, line_width=4)
        fig.text("lx", "ly", "label", source=self.flow, text_font_size="10px", text_color="colour",
                 text_font_style="bold", text_align="center", text_baseline="bottom",
                 background_fill_color="white", background_fill_alpha=0.85)
        self.node_hover = HoverTool(renderers=[boxes])
        self.edge_hover = HoverTool(renderers=[edges], line_policy="interp")
        fig.add_tools(PanTool(), WheelZoomTool(modifiers={"ctrl": True}), TapTool(renderers=[boxes, headers]),
                      self.node_hover, self.edge_hover)
        return fig

    def translate(self, language):
        """The view's words in `language`; the drawing's own (legend, node menu, caption) at the next show."""
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.heading.object = f"### {say('graph.heading')}"
        self.open_all.name, self.group_all.name = say("graph.open_all"), say("graph.group_all")
        self.picker.name = say("graph.inspect_node")
        self.fit.param.update(name=say("graph.fit"), description=say("graph.fit_tip"))
        self.node_hover.tooltips = [(say(f"graph.tip_{key}"), f"@{column}") for key, column in (
            ("node", "name"), ("output", "sub"), ("dtype", "dtype"), ("layer", "module"), ("parameter", "param"),
            ("saved", "saved"), ("gradient", "grad_text"))]
        self.edge_hover.tooltips = [(say(f"graph.tip_{key}"), f"@{column}") for key, column in (
            ("tensor", "shape"), ("from", "src_name"), ("to", "dst_name"), ("gradient", "grad_text"))]
        self._signature = None      # laid out again at the next show, in the new words
        if self.graph is None:
            self.caption.object = say("graph.empty")

    def show(self, graph, message=None):
        """Draw `graph` (an engine.graph.Graph), or say `message` (else: press Forward) when there is none."""
        message = message or i18n.text("graph.empty", self.language)
        self.graph = graph
        if self.selected is not None and not _same_node(graph, self.selected, self._selected_name):
            self.selected = None   # another graph (e.g. from the code cell): the same id is another node
        if graph is None:
            self._clear(message)
            return
        modules = tuple(graph.modules())
        if modules != self._modules:  # a new network: open if it fits, else group by layer
            self._modules = modules
            fits = (len(graph.nodes) <= DRAW_LIMIT
                    and _fits(_oriented_layout(graph.collapsed(modules), self.language)[0][0]))
            self.expanded = set(modules) if fits else set()
        self._draw()

    def set_expanded(self, modules):
        self.expanded = set(modules)
        if self.graph is not None:
            self._draw()

    def expand(self, module):
        self.set_expanded(self.expanded | _ancestors(module))

    def collapse(self, module):
        self.set_expanded({m for m in self.expanded if m != module and not m.startswith(module + ".")})

    def _draw(self):
        drawn = self.graph.collapsed(self.expanded)
        if len(drawn.nodes) > DRAW_LIMIT:
            advice = "graph.press_group" if self._modules and self.expanded else "graph.smaller"
            self._clear(i18n.text("graph.too_many", self.language, n=len(drawn.nodes),
                                  advice=i18n.text(advice, self.language)))
            self.group_all.disabled = not self._modules
            return
        self.drawn = drawn
        self._drawn_of = {}
        for n in drawn.nodes:
            for member in n.get("members", (n["id"],)):
                self._drawn_of[member] = n["id"]
        signature = (tuple((n["id"], n["name"], tuple(n["shape"]), n["param"]) for n in drawn.nodes),
                     tuple((e["src"], e["dst"]) for e in drawn.edges))
        if signature != self._signature:
            self._signature = signature
            self._relayout()
        elif any(n.get("values") for n in drawn.nodes):  # tiny tensors' numbers change at every step
            _update_changed(self.nodes, {"sub": [_labels(n, self.language)[1] for n in drawn.nodes]})
        self._show_gradients()
        has_grad = any(n["grad_norm"] is not None for n in drawn.nodes)
        self._set_caption(has_grad)
        self._show_step()

    def _clear(self, message):
        self.drawn, self._signature = None, None
        self.nodes.data = {c: [] for c in NODE_COLUMNS}
        self.edges.data = {c: [] for c in EDGE_COLUMNS}
        self.groups.data = {c: [] for c in GROUP_COLUMNS}
        self.lit.data = {c: [] for c in LIT_COLUMNS}
        self.flow.data = {c: [] for c in FLOW_COLUMNS}
        self.figure.visible = False
        self.caption.object = message
        self.legend.object = ""
        self.picker.options, self.picker.disabled = {}, True
        self.open_all.disabled = self.group_all.disabled = self.fit.disabled = True

    def _set_caption(self, has_grad):
        say = functools.partial(i18n.text, language=self.language)
        text = say("graph.caption", groups=say("graph.caption_groups") if self._modules else "",
                   backward=say("graph.after_backward" if has_grad else "graph.before_backward"))
        text += say("graph.navigation") if self.vertical else ""
        if self.figure.width and self.figure.width > WIDE + 2 * self.figure.min_border:
            text += say("graph.scroll_hint")
        if self.caption.object != text:
            self.caption.object = text

    def _relayout(self):
        nodes, edges = self.drawn.nodes, self.drawn.edges
        (layout, labels, widths), self.vertical = _oriented_layout(self.drawn, self.language)
        pos = {i: (x, y + TOP) for i, (x, y) in layout.positions.items()}
        self.nodes.data = {
            "id": [str(n["id"]) for n in nodes],
            "name": [labels[n["id"]][0] for n in nodes],
            "sub": [labels[n["id"]][1] for n in nodes],
            "grad_text": [""] * len(nodes),
            "kind": [n["kind"] for n in nodes],
            "fill": [KINDS.get(n["kind"], KINDS["arithmetic"]) for n in nodes],
            "x": [pos[n["id"]][0] for n in nodes],
            "y": [pos[n["id"]][1] for n in nodes],
            "w": [widths[n["id"]] for n in nodes],
            "h": [BOX_H] * len(nodes),
            "y_name": [pos[n["id"]][1] - 13 for n in nodes],
            "y_sub": [pos[n["id"]][1] + 1 for n in nodes],
            "y_grad": [pos[n["id"]][1] + 14 for n in nodes],
            "line_color": ["#6b7280"] * len(nodes),
            "line_width": [1] * len(nodes),
            "grad_norm": [math.nan] * len(nodes),
            "dtype": [n["dtype"] or "" for n in nodes],
            "module": [n["module"] or "" for n in nodes],
            "param": [n["param"] or "" for n in nodes],
            "saved": [", ".join(shape_text(s, self.language) for s in n["saved"]) for n in nodes],
            "alpha": [1.0] * len(nodes),
        }
        by_id = {n["id"]: n for n in nodes}
        routes = [[(x, y + TOP) for x, y in r] for r in layout.routes]
        self._routes = {(e["src"], e["dst"]): r for e, r in zip(edges, routes)}
        self.edges.data = {
            "xs": [[x for x, _ in r] for r in routes],
            "ys": [[y for _, y in r] for r in routes],
            "x_end": [r[-1][0] if self.vertical else r[-1][0] - 4 for r in routes],
            "y_end": [r[-1][1] + 4 if self.vertical else r[-1][1] for r in routes],
            "angle": [0.0 if self.vertical else -math.pi / 2] * len(routes),  # up (to the loss) or right
            "shape": [shape_text(e["shape"], self.language) for e in edges],
            "src_name": [_title(by_id[e["src"]]) for e in edges],
            "dst_name": [_title(by_id[e["dst"]]) for e in edges],
            "grad_text": [""] * len(edges),
            "width": [1.5] * len(edges),
            "colour": [NO_GRAD] * len(edges),
        }
        self._draw_groups(pos, widths)
        width, height = layout.width, layout.height + TOP
        self.figure.x_range.update(start=0, end=width, reset_start=0, reset_end=width)
        shown = min(height, VIEW_H)  # at 1:1 from the top (the loss's end of a top-down drawing)
        self.figure.y_range.update(start=shown, end=0, reset_start=height, reset_end=0)
        self._height = height
        margin = 2 * self.figure.min_border
        self.figure.update(frame_width=int(width), frame_height=int(shown), width=int(width) + margin,
                           height=int(shown) + margin, visible=True)
        self.legend.object = _legend_html(sorted({n["kind"] for n in nodes}, key=list(KINDS).index), self.language)
        self._syncing = True  # a Select picks its first option by itself: that is not the user's choice
        try:
            self.picker.options = {i18n.text("graph.pick_prompt", self.language): None,
                                   **{f"#{n['id']} {_title(n)} · {shape_text(n['shape'], self.language)}": n["id"]
                                      for n in nodes if n["kind"] != "module"}}
            self.picker.value = self.selected if self.selected in self.picker.options.values() else None
        finally:
            self._syncing = False
        self.picker.disabled = self.fit.disabled = False
        self.open_all.disabled = self.group_all.disabled = not self._modules
        self._restore_selection()

    def _draw_groups(self, pos, widths):
        """A dashed box with a header around the nodes of every open module."""
        rows = {c: [] for c in GROUP_COLUMNS}
        types = _module_types(self.graph)
        for module in sorted(self.expanded, key=lambda m: m.count(".")):
            inside = [n["id"] for n in self.drawn.nodes if n["kind"] != "constant" and n["module"]
                      and (n["module"] == module or n["module"].startswith(module + "."))]
            if not inside:
                continue
            pad = 8
            left = min(pos[i][0] - widths[i] / 2 for i in inside) - pad
            right = max(pos[i][0] + widths[i] / 2 for i in inside) + pad
            top = min(pos[i][1] for i in inside) - BOX_H / 2 - pad - HEADER_H
            bottom = max(pos[i][1] for i in inside) + BOX_H / 2 + pad
            label = f"▾ {_module_title(module, types.get(module))}"
            rows["x"].append((left + right) / 2)
            rows["y"].append((top + bottom) / 2)
            rows["w"].append(right - left)
            rows["h"].append(bottom - top)
            rows["hx"].append((left + right) / 2)
            rows["hy"].append(top + HEADER_H / 2)
            rows["hw"].append(right - left)
            rows["label"].append(label)
            rows["module"].append(module)
        self.groups.data = rows

    def _show_gradients(self, known=None):
        """Replace only the gradient columns (the drawing stays). `known`: the drawn ids whose gradient
        has been computed so far (a step-through); None: all."""
        nodes, edges = self.drawn.nodes, self.drawn.edges
        norms = {n["id"]: n["grad_norm"] if known is None or n["id"] in known else None for n in nodes}
        node_cols = {
            "grad_text": [_grad_text(norms[n["id"]], label=True, values=n.get("grads")) for n in nodes],
            "grad_norm": [math.nan if norms[n["id"]] is None else norms[n["id"]] for n in nodes],
            "line_color": [BAD_GRAD if _bad(norms[n["id"]]) else "#6b7280" for n in nodes],
            "line_width": [3 if _bad(norms[n["id"]]) else (2 if n["kind"] == "module" else 1) for n in nodes],
        }
        along = [norms[e["src"]] for e in edges]
        logs = [math.log10(v) for v in along if v is not None and math.isfinite(v) and v > 0]
        low, high = (min(logs), max(logs)) if logs else (0.0, 0.0)
        widths, colours = [], []
        for norm in along:
            w, c = _edge_style(norm, low, high)
            widths.append(w)
            colours.append(c)
        edge_cols = {"grad_text": [_grad_text(norms[e["src"]]) for e in edges], "width": widths,
                     "colour": colours}
        _update_changed(self.nodes, node_cols)
        _update_changed(self.edges, edge_cols)

    # --- the step-through -----------------------------------------------------------------------
    def show_step(self, step):
        """Light one step of a pass: step = {"kind": "forward" or "backward", "id": node id in the full
        graph, "reached": ids that have run so far, "flows": [(src id, dst id, label, "arriving" or
        "leaving")]}; None: no step, everything shown."""
        self.step = step
        if self.drawn is not None:
            self._show_step()

    def _show_step(self):
        step = self.step
        if step is None:
            self._show_gradients()
            _update_changed(self.nodes, {"alpha": [1.0] * len(self.drawn.nodes)})
            if self.lit.data["x"]:
                self.lit.data = {c: [] for c in LIT_COLUMNS}
            if self.flow.data["xs"]:
                self.flow.data = {c: [] for c in FLOW_COLUMNS}
            return
        drawn_of = self._drawn_of
        reached = {drawn_of.get(i, i) for i in step["reached"]}
        nodes = self.drawn.nodes
        if step["kind"] == "backward":
            self._show_gradients(known={n["id"] for n in nodes if (n.get("output", n["id"]) in step["reached"])})
            alpha = [1.0] * len(nodes)
        else:
            self._show_gradients(known=set())
            alpha = [1.0 if n["id"] in reached or n["kind"] in ("parameter", "constant") else NOT_YET
                     for n in nodes]
        _update_changed(self.nodes, {"alpha": alpha})
        ids = self.nodes.data["id"]
        lit = str(drawn_of.get(step["id"], step["id"]))
        if lit in ids:
            k = ids.index(lit)
            self.lit.data = {c: [self.nodes.data[c][k]] for c in LIT_COLUMNS}
            self._follow(self.nodes.data["y"][k])
        rows = {c: [] for c in FLOW_COLUMNS}
        for src, dst, label, direction in step["flows"]:
            route = self._routes.get((drawn_of.get(src, src), drawn_of.get(dst, dst)))
            if route is None:
                continue  # inside a grouped layer
            mid = route[len(route) // 2] if len(route) > 2 else ((route[0][0] + route[-1][0]) / 2,
                                                                  (route[0][1] + route[-1][1]) / 2)
            rows["xs"].append([x for x, _ in route])
            rows["ys"].append([y for _, y in route])
            rows["colour"].append(ARRIVING if direction == "arriving" else LEAVING)
            rows["lx"].append(mid[0])
            rows["ly"].append(mid[1] - 3)
            rows["label"].append(label)
        self.flow.data = rows

    # --- the keyboard ----------------------------------------------------------------------------
    def move(self, arrow):
        """Arrow keys: "left"/"right"/"up"/"down" move the selection along an edge (towards the data or the
        loss) or to the next box of the same layer; a grouped layer is only pointed at (enter opens it)."""
        if self.drawn is None:
            return
        nodes = {str(n["id"]): n for n in self.drawn.nodes}
        pos = {i: (x, y) for i, x, y in zip(self.nodes.data["id"], self.nodes.data["x"], self.nodes.data["y"])}
        here = self._cursor()
        if here is None:
            self._point_at(str(self.drawn.root), nodes)
            return
        # `across`: the coordinate that tells boxes of one layer apart (y left to right, x top-down)
        across = 0 if self.vertical else 1
        if self.vertical:
            toward = "loss" if arrow == "up" else "data" if arrow == "down" else None
            side = {"left": -1, "right": 1}.get(arrow)
        else:
            toward = "loss" if arrow == "right" else "data" if arrow == "left" else None
            side = {"up": -1, "down": 1}.get(arrow)
        if toward is not None:
            ends = [str(e["dst"]) for e in self.drawn.edges if str(e["src"]) == here] if toward == "loss" else \
                   [str(e["src"]) for e in self.drawn.edges if str(e["dst"]) == here]
            choices = [i for i in ends if i in pos]
        else:
            main = 1 - across
            choices = [i for i, p in pos.items() if abs(p[main] - pos[here][main]) < 1 and
                       (p[across] - pos[here][across]) * side > 0]
        if choices:
            # the nearest; data (the input, the target) last: the computation is what one follows
            best = min(choices, key=lambda i: (nodes[i]["kind"] == "constant", abs(pos[i][0] - pos[here][0])
                                               + abs(pos[i][1] - pos[here][1])))
            self._point_at(best, nodes)

    def enter(self):
        """Enter: open the grouped layer pointed at (and inspect its output)."""
        here = self._cursor()
        node = next((n for n in self.drawn.nodes if str(n["id"]) == here), None) if self.drawn else None
        if node is not None and node["kind"] == "module":
            self.expand(node["module"])
            self.select(node["output"])

    def _follow(self, y):
        """Move the window of a tall drawing so that height y (a box's centre) is in it."""
        yr = self.figure.y_range
        top, bottom = yr.end, yr.start
        if top + BOX_H / 2 <= y <= bottom - BOX_H / 2 or bottom - top >= self._height:
            return
        span = bottom - top
        top = min(max(y - span / 2, 0), self._height - span)
        yr.update(start=top + span, end=top)

    def _cursor(self):
        indices = self.nodes.selected.indices
        return self.nodes.data["id"][indices[0]] if indices else None

    def _point_at(self, drawn_id, nodes):
        node = nodes[drawn_id]
        self._follow(self.nodes.data["y"][self.nodes.data["id"].index(drawn_id)])
        if node["kind"] == "module":
            self._handling_tap = True
            try:
                self.nodes.selected.indices = [self.nodes.data["id"].index(drawn_id)]
            finally:
                self._handling_tap = False
        else:
            self.select(node["id"])

    # --- selection ----------------------------------------------------------------------------
    def select(self, node_id):
        """Inspect a node of the full graph (opening the layer that hides it)."""
        if self.graph is None:
            return
        node = self.graph.node(node_id)
        if self.drawn is not None and node_id not in {n["id"] for n in self.drawn.nodes} and node["module"]:
            self.expand(node["module"])
        self.selected, self._selected_name = node_id, node["name"]
        drawn = str(self._drawn_of.get(node_id, node_id))
        if drawn in self.nodes.data["id"]:
            self._follow(self.nodes.data["y"][self.nodes.data["id"].index(drawn)])
        self._restore_selection()
        if self.on_inspect is not None:
            self.on_inspect(node)

    def _restore_selection(self):
        ids = self.nodes.data["id"]
        want = [ids.index(str(self.selected))] if str(self.selected) in ids else []
        if self.nodes.selected.indices != want:
            self._handling_tap = True
            try:
                self.nodes.selected.indices = want
            finally:
                self._handling_tap = False
        if self.selected is not None and self.picker.value != self.selected and want:
            self.picker.value = self.selected

    def _on_node_tap(self, _attr, _old, new):
        if self._handling_tap or not new or self.drawn is None:
            return
        node = self.drawn.nodes[new[0]]
        if node["kind"] == "module":
            self.expand(node["module"])
            self.select(node["output"])
        else:
            self.select(node["id"])

    def _on_header_tap(self, _attr, _old, new):
        if not new:
            return
        module = self.groups.data["module"][new[0]]
        self.groups.selected.indices = []
        self.collapse(module)

    def _on_pick(self, event):
        if not self._syncing and event.new is not None and event.new != self.selected:
            self.select(event.new)


def _same_node(graph, node_id, name):
    try:
        return graph is not None and graph.node(node_id)["name"] == name
    except KeyError:
        return False


def _fits(layout):
    return layout.width <= WIDE and layout.height <= TALL


def _oriented_layout(drawn, language=i18n.DEFAULT):
    """Left to right when that fits the panel's width, else top-down with the loss at the top:
    ((layout, labels, widths), vertical)."""
    across = _layout(drawn, language=language)
    if across[0].width <= WIDE:
        return across, False
    return _layout(drawn, vertical=True, language=language), True


def _layout(drawn, vertical=False, language=i18n.DEFAULT):
    """The layered drawing of a graph, the text lines of its boxes and their widths. Vertical: the layers
    are rows, the loss's at the top, each row as tall as a box and its boxes as far apart as the widest."""
    labels = {n["id"]: _labels(n, language) for n in drawn.nodes}
    # room for a tiny tensor's gradient numbers, which come with Backward (as many as its values)
    grads = {n["id"]: _grad_text(1.0, label=True, values=[-0.123] * len(n.get("values") or ())) for n in drawn.nodes}
    widths = {i: max(text_width(name, NAME_PX, bold=True), text_width(sub, SUB_PX), GRAD_TEXT_WIDTH,
                     text_width(grads[i], SUB_PX)) + 12 for i, (name, sub) in labels.items()}
    groups = {n["id"]: _group_of(n) for n in drawn.nodes}
    ids, edges = [n["id"] for n in drawn.nodes], [(e["src"], e["dst"]) for e in drawn.edges]
    if not vertical:
        return layered_layout(ids, edges, widths, groups=groups, height=BOX_H, column_gap=26), labels, widths
    # lay the rows out as columns of boxes BOX_H wide and pitch-tall, then turn the drawing: x -> height - y
    pitch = max(widths.values(), default=0)
    turned = layered_layout(ids, edges, {i: BOX_H for i in ids}, groups=groups, height=pitch, column_gap=30,
                            row_gap=12)
    flip = turned.width  # layer 0 (the data) at the bottom, the loss at the top

    def moved(point):
        x, y = point
        return y, flip - x
    turned.positions = {i: moved(p) for i, p in turned.positions.items()}
    turned.routes = [[moved(p) for p in r] for r in turned.routes]
    turned.width, turned.height = turned.height, turned.width
    return turned, labels, widths


def _group_of(n):
    """The open module a drawn node sits in (None: outside every module)."""
    if n["kind"] == "constant" or not n["module"]:
        return None
    if n["kind"] == "module":  # a grouped module sits in its parent, which is open
        return n["module"].rsplit(".", 1)[0] if "." in n["module"] else None
    return n["module"]


def _labels(n, language=i18n.DEFAULT):
    """The two text lines of a box: PyTorch's node name, then what it outputs."""
    shape = shape_text(n["shape"], language)
    if n.get("values") and n["kind"] != "module":  # a tiny tensor: its numbers sit in the box
        shape = f"{shape} = {_numbers(n['values'])}" if n["shape"] else f"= {_numbers(n['values'])}"
    if n["kind"] == "module":
        return _module_title(n["module"], n["module_type"]), shape
    if n["param"]:
        return n["name"], f"{n['param']} {shape}"
    return n["name"], shape


def _title(n):
    if n["kind"] == "module":
        return _module_title(n["module"], n["module_type"])
    return f"{n['name']} ({n['param']})" if n["param"] else n["name"]


def _module_title(path, module_type):
    return f"{path} · {module_type}" if module_type and module_type != path else path


def _module_types(graph):
    return {n["module"]: n["module_type"] for n in graph.nodes if n["module"] and n["module_type"]}


def _ancestors(module):
    parts = module.split(".")
    return {".".join(parts[:k]) for k in range(1, len(parts) + 1)}


def _bad(norm):
    return norm is not None and not math.isfinite(norm)


def _grad_text(norm, label=False, values=None):
    """A gradient's size (its L2 norm); on a box, a tiny gradient's own numbers instead."""
    if norm is None:
        return ""
    if label and values:
        return "grad " + _numbers(values)
    text = number(norm)
    return f"grad {text}" if label else text


def _numbers(values):
    return ", ".join(number(v) for v in values)


def _edge_style(norm, low, high):
    """Line width and colour for the gradient that flows back along an edge."""
    if norm is None:
        return 1.5, NO_GRAD
    if not math.isfinite(norm):
        return 3.0, BAD_GRAD
    if norm <= 0:
        return 1.0, GRAD_COLOURS[0]
    t = (math.log10(norm) - low) / (high - low) if high > low else 1.0
    return 1.0 + 5.0 * t, GRAD_COLOURS[min(int(t * len(GRAD_COLOURS)), len(GRAD_COLOURS) - 1)]


def _update_changed(source, columns):
    """One data event for the columns whose values changed (none if nothing did)."""
    changed = {k: v for k, v in columns.items() if list(source.data[k]) != v}
    if changed:
        source.data.update(changed)


def _legend_html(kinds, language):
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:12px;font-size:12px">'
        f'<span style="width:12px;height:12px;background:{KINDS[k]};border:1px solid #6b7280;'
        f'margin-right:4px;display:inline-block"></span>{i18n.text(f"graph.kind_{k}", language)}</span>'
        for k in kinds)
    return f'<div class="graph-legend-items">{items}</div>'
