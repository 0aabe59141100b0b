"""The inspector: the value and the gradient of one node of the graph, as heatmaps, histograms and numbers.

A 2-D tensor is drawn as it is (rows down, columns across); a 4-D one (N, C, H, W) one image at a time,
with sliders for the sample and the channel; 1-D as a single row. Statistics (min, max, mean, std,
norm, NaN and Inf counts) are computed on the whole tensor, by engine.graph.summarize.

"Check numerically" tests the node's backward rule against central differences of its forward in
float64 (engine.graph.capture.check_gradient): pass or fail, the largest errors and the worst element.
"""
import functools
import html

import numpy as np
import panel as pn
from bokeh.models import BasicTicker, BasicTickFormatter, ColorBar, ColumnDataSource, HoverTool, LinearColorMapper
from bokeh.plotting import figure

from app import i18n
from engine.graph import summarize

from .formatting import number, shape_text
from .palettes import DIVERGING, NAN_COLOUR
from .panels import until_shown, wrapping_row

MAX_SIDE = 160           # heatmaps show at most this many rows and columns (every k-th beyond)

STAT_ROWS = ("shape", "min", "max", "mean", "std", "norm", "nan", "inf")   # their words: inspector.stat_<row>


class Inspector:
    def __init__(self):
        self.node = None        # the node (plain dict from engine.graph) being shown
        self.language = i18n.DEFAULT
        self.title = pn.pane.Markdown(i18n.text("inspector.empty", self.language), name="inspector-title",
                                      css_classes=["inspector-title"], margin=(0, 10))
        self.sample = pn.widgets.IntSlider(start=0, end=1, value=0, width=200,
                                           visible=False, css_classes=["inspector-sample"])
        self.channel = pn.widgets.IntSlider(start=0, end=1, value=0, width=200,
                                            visible=False, css_classes=["inspector-channel"])
        self.stats = pn.pane.HTML("", name="inspector-stats", css_classes=["inspector-stats"], margin=(0, 10))
        # (no hover tip: it covered the verdict printed beside the button)
        self.check = pn.widgets.Button(css_classes=["pg-gradcheck"], width=150, disabled=True)
        self.check_result = pn.pane.HTML("", css_classes=["gradcheck-result"], margin=(0, 10),
                                         sizing_mode="stretch_width")
        self.check.on_click(lambda _e: self.check_node())
        self._capture = None
        self.value = _Tensor("value")
        self.grad = _Tensor("grad")
        # hidden until a node is chosen: empty axes would only be clutter
        self.plots = wrapping_row(pn.Column(self.value.heatmap, self.value.histogram),
                            pn.Column(self.grad.heatmap, self.grad.histogram), self.stats, visible=False)
        self.sample.param.watch(lambda _e: self._draw(), "value")
        self.channel.param.watch(lambda _e: self._draw(), "value")
        self.heading = pn.pane.Markdown("", margin=(0, 10))
        self.translate(self.language)

    def translate(self, language):
        """The view's words in `language`; the node shown is shown again in them."""
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.heading.object = f"### {say('inspector.heading')}"
        self.sample.name, self.channel.name = say("inspector.sample"), say("inspector.channel")
        self.check.name = say("inspector.check")
        for tensor in (self.value, self.grad):
            tensor.translate(language)
        if self.node is not None:
            self.show(self._capture, self.node)     # (a check's verdict goes: press Check again)
        else:
            self.clear()

    def panel(self):
        return pn.Column(self.heading, self.title, pn.Row(self.check, self.check_result, margin=0),
                         pn.Row(self.sample, self.channel), until_shown(self.plots),
                         name="inspector-panel", sizing_mode="stretch_width")

    def show(self, capture, node):
        """Show `node` of the graph recorded by `capture` (None: nothing chosen)."""
        self.node, self._capture = node, capture
        if self.check_result.object:
            self.check_result.object = ""
        if node is None or capture is None:
            self.clear()
            return
        self.check.disabled = node["kind"] in ("constant", "parameter", "module")
        self.plots.visible = True
        value, grad = _array(capture.value, node["id"]), _array(capture.grad, node["id"])
        self._set_sliders(value if value is not None else grad)
        title = _title(node, self.language)
        if self.title.object != title:
            self.title.object = title
        summaries = [summarize(a) if a is not None else None for a in (value, grad)]
        self.stats.object = _stats_html(*summaries, language=self.language)
        self.value.set(value, summaries[0], node, i18n.text("inspector.not_recorded", self.language))
        self.grad.set(grad, summaries[1], node, _missing_grad(node, self.language))
        self._draw()

    def refresh(self, capture, graph):
        """After another forward/backward: the same node, new numbers (if the graph still has it)."""
        if self.node is None:
            return
        node = next((n for n in graph.nodes if n["id"] == self.node["id"] and n["name"] == self.node["name"]),
                    None) if graph is not None else None
        self.show(capture, node)

    def check_node(self):
        """Check the shown node's gradient numerically and say how it went."""
        if self.node is None or self._capture is None:
            return
        try:
            result = self._capture.check_gradient(self.node["id"])
        except Exception as error:  # the node cannot be run again: say why, keep the page working
            self.check_result.object = ("<span class='gradcheck-fail'>" + i18n.text(
                "inspector.cannot_check", self.language, name=html.escape(self.node["name"]),
                error=html.escape(str(error))) + "</span>")
            return
        self.check_result.object = _check_html(result, self.language)

    def clear(self, message=None):
        self.node = None
        self.check.disabled = True
        self.title.object = message or i18n.text("inspector.empty", self.language)
        self.stats.object = ""
        self.sample.visible = self.channel.visible = self.plots.visible = False
        self.value.clear()
        self.grad.clear()

    def _set_sliders(self, array):
        ndim = 0 if array is None else array.ndim
        self.sample.visible = ndim >= 3
        self.channel.visible = ndim == 4
        if ndim >= 3:
            self.sample.param.update(end=max(array.shape[0] - 1, 1), value=min(self.sample.value, array.shape[0] - 1),
                                     disabled=array.shape[0] == 1)
        if ndim == 4:
            self.channel.param.update(end=max(array.shape[1] - 1, 1),
                                      value=min(self.channel.value, array.shape[1] - 1), disabled=array.shape[1] == 1)

    def _draw(self):
        if self.node is None:
            return
        where = (self.sample.value, self.channel.value)
        self.value.draw(where)
        self.grad.draw(where)


class _Tensor:
    """A heatmap and a histogram of one tensor."""

    def __init__(self, key):
        self.key, self.language = key, i18n.DEFAULT
        self.label = i18n.text(f"inspector.{key}_title", self.language)
        self.array = None
        self.image = ColumnDataSource({"image": [], "dw": [], "dh": []}, name=f"inspector-{key}-image")
        self.bins = ColumnDataSource({"left": [], "right": [], "count": []}, name=f"inspector-{key}-hist")
        self.mapper = LinearColorMapper(palette=DIVERGING, low=-1, high=1, nan_color=NAN_COLOUR)
        self.heatmap = figure(name=f"inspector-{key}", width=300, height=260, toolbar_location=None,
                              tools="hover", match_aspect=False)
        self.heatmap.x_range.range_padding = self.heatmap.y_range.range_padding = 0
        self.heatmap.image("image", x=0, y=0, dw="dw", dh="dh", source=self.image, color_mapper=self.mapper)
        self.heatmap.add_layout(ColorBar(color_mapper=self.mapper, width=8), "right")
        self.heatmap.grid.visible = False
        self.histogram = figure(name=f"inspector-{key}-histogram", width=300, height=180, toolbar_location=None)
        self.histogram.quad(left="left", right="right", bottom=0, top="count", source=self.bins,
                            fill_color="#60a5fa", line_color="#1e40af")
        # Values like 0.000123 in 300 px: few ticks, and exponents beyond 1e±3, so the labels never overlap.
        self.histogram.xaxis.ticker = BasicTicker(desired_num_ticks=4)
        self.histogram.xaxis.formatter = BasicTickFormatter(power_limit_low=-3, power_limit_high=3)
        self.translate(self.language)

    def translate(self, language):
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.label = say(f"inspector.{self.key}_title")
        self.heatmap.select_one(HoverTool).tooltips = [(say("inspector.row"), "$y{0}"),
                                                       (say("inspector.column"), "$x{0}"),
                                                       (say("inspector.value"), "@image")]
        self.histogram.xaxis[0].axis_label = say("inspector.value")
        self.histogram.yaxis[0].axis_label = say("inspector.count")
        self.heatmap.title.text = self.label
        self.histogram.title.text = say("inspector.histogram", label=self.label)

    def clear(self, title=None):
        self.array = None
        self.heatmap.yaxis.axis_label = self.heatmap.xaxis.axis_label = ""
        self.image.data = {"image": [], "dw": [], "dh": []}
        self.bins.data = {"left": [], "right": [], "count": []}
        self.heatmap.title.text = title or self.label
        self.histogram.title.text = i18n.text("inspector.histogram", self.language, label=self.label)

    def set(self, array, summary, node, missing):
        """A new tensor: its histogram (of all its elements) now, its heatmap at draw()."""
        if array is None:
            self.clear(f"{self.label}: {missing}")
            return
        self.array = array
        edges = summary["hist_edges"]
        edges = np.asarray(edges)
        self.bins.data = {"left": edges[:-1], "right": edges[1:], "count": np.asarray(summary["hist_counts"])}
        rows, cols = (i18n.text(f"inspector.axis_{name}", self.language) if name else ""
                      for name in _axis_names(array.ndim, node))
        self.heatmap.yaxis.axis_label, self.heatmap.xaxis.axis_label = rows, cols

    def draw(self, where):
        """The heatmap of the slice `where` = (sample, channel) of a 3-D/4-D tensor."""
        if self.array is None:
            return
        plane, what, step = _plane(self.array, where, self.language)
        finite = plane[np.isfinite(plane)]
        bound = float(np.abs(finite).max()) if finite.size else 1.0
        bound = bound if bound > 0 else 1.0
        # keep the colour scale while it fits (within 2x): fewer changes to send to the page as training goes
        if not (bound <= self.mapper.high <= 2 * bound):
            self.mapper.update(low=-bound, high=bound)
        # Bokeh draws row 0 at the bottom: flip, so rows read top-down like a printed matrix
        self.image.data = {"image": [np.ascontiguousarray(plane[::-1], dtype=np.float32)],
                           "dw": [plane.shape[1]], "dh": [plane.shape[0]]}
        shown = " " + i18n.text("inspector.every", self.language, step=step) if step > 1 else ""
        self.heatmap.title.text = f"{self.label}{what}{shown}"


def _array(fetch, node_id):
    try:
        a = fetch(node_id)
    except KeyError:
        return None
    return None if a is None else np.asarray(a)


def _plane(array, where, language=i18n.DEFAULT):
    """The 2-D slice a heatmap shows, words for which slice it is, and the subsampling step."""
    sample, channel = where
    if array.ndim == 0:
        plane, what = array.reshape(1, 1), " " + i18n.text("inspector.single_number", language)
    elif array.ndim == 1:
        plane, what = array.reshape(1, -1), ""
    elif array.ndim == 2:
        plane, what = array, ""
    elif array.ndim == 3:
        i = min(sample, array.shape[0] - 1)
        plane, what = array[i], f" [{i}]"
    else:
        i, c = min(sample, array.shape[0] - 1), min(channel, array.shape[1] - 1)
        plane, what = array[i, c].reshape(array.shape[-2], -1), " " + i18n.text("inspector.slice", language, i=i, c=c)
    step = max(1, -(-max(plane.shape) // MAX_SIDE))
    return plane[::step, ::step].astype(np.float64), what, step


def _axis_names(ndim, node):
    """The keys (inspector.axis_<name>) of a heatmap's row and column axes; "" for none."""
    if ndim >= 3:
        return "height", "width"
    if node.get("param"):
        return ("", "element") if ndim == 1 else ("output_unit", "input")
    return ("", "element") if ndim <= 1 else ("dim0", "dim1")


def _title(node, language=i18n.DEFAULT):
    say = functools.partial(i18n.text, language=language)
    what = (say("inspector.parameter", name=f"**{node['param']}**") if node.get("param")
            else f"**{node['name']}**")
    where = say("inspector.in_layer", what=what, layer=f"**{node['module']}**") if node.get("module") else what
    dtype = f", {node['dtype']}" if node.get("dtype") else ""
    return say("inspector.title", what=where, shape=shape_text(node["shape"], language)) + dtype


def _missing_grad(node, language=i18n.DEFAULT):
    return i18n.text("inspector.no_grad_data" if node["kind"] == "constant" else "inspector.no_grad_yet", language)


def _check_html(r, language=i18n.DEFAULT):
    say = functools.partial(i18n.text, language=language)
    verdict = (f"<b class='gradcheck-pass' style='color:#15803d'>✔ {say('inspector.pass')}</b>" if r["ok"] else
               f"<b class='gradcheck-fail' style='color:#dc2626'>✘ {say('inspector.fail')}</b>")
    w = r["worst"]
    where = ",".join(map(str, w["index"]))
    return f"{verdict} {html.escape(r['name'])}: " + say(
        "inspector.check_result", max_abs=number(r["max_abs"]), max_rel=number(r["max_rel"]), checked=r["checked"],
        of=r["of"], input=w["input"], where=where, autograd=number(w["autograd"], 6),
        numerical=number(w["numerical"], 6))


def _stats_html(value, grad, language=i18n.DEFAULT):
    say = functools.partial(i18n.text, language=language)
    columns = [(say("inspector.value_column"), value), (say("inspector.gradient_column"), grad)]
    head = "".join(f"<th>{name}</th>" for name, _ in columns)
    body = []
    for key in STAT_ROWS:
        label = say(f"inspector.stat_{key}")
        cells = []
        for _, s in columns:
            if s is None:
                cells.append("<td>–</td>")
            elif key == "shape":
                cells.append(f"<td>{shape_text(s['shape'], language)}</td>")
            elif key in ("nan", "inf"):
                bad = ' style="color:#dc2626;font-weight:bold"' if s[key] else ""
                cells.append(f"<td{bad}>{s[key]}</td>")
            else:
                cells.append(f"<td>{number(s[key], 4)}</td>")
        body.append(f"<tr><th style='text-align:left'>{label}</th>{''.join(cells)}</tr>")
    return (f'<table class="inspector-stats-table" style="font-size:13px;border-spacing:10px 2px">'
            f'<tr><th></th>{head}</tr>{"".join(body)}</table>')
