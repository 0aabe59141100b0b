"""Gradient flow: how large each layer's gradient is at every step, on a log scale, with warnings in words.

A layer's gradient norm is the L2 norm of the gradients of all its parameters (the session records it
per step). Below 1e-6 the layer has stopped learning (vanishing gradients); above 1e3 the updates blow
up (exploding gradients); NaN or Inf means training has broken down.
"""
import functools
import math
from contextlib import nullcontext

import panel as pn
from bokeh.models import ColumnDataSource, DataRange1d, Legend, LegendItem, Span, Title
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

from app import i18n

from .formatting import number
from .history import HistoryReader
from .panels import wrapping_row

VANISHING, EXPLODING = 1e-6, 1e3
CAP = 2000


def diagnose(name, norm, language=i18n.DEFAULT):
    """A sentence about a layer's latest gradient norm, or None when it is healthy."""
    name = f"<b>{name}</b>"
    if norm is None or math.isnan(norm) or math.isinf(norm):
        return i18n.text("gradflow.broken", language, name=name)
    if norm < VANISHING:
        return i18n.text("gradflow.vanishing", language, name=name, norm=number(norm))
    if norm > EXPLODING:
        return i18n.text("gradflow.exploding", language, name=name, norm=number(norm))
    return None


class GradientFlow:
    def __init__(self):
        self.source = ColumnDataSource({"step": []}, name="gradflow-source")
        self.latest = ColumnDataSource({"step": []}, name="gradflow-latest")  # the newest row: a dot per layer
        self.figure = figure(name="gradflow-plot", width=460, height=280, y_axis_type="log",
                             toolbar_location=None, tools="hover")
        self.figure.x_range = DataRange1d(start=0)
        for level in (VANISHING, EXPLODING):
            self.figure.add_layout(Span(location=level, dimension="width", line_color="#dc2626",
                                        line_dash="dashed", line_width=1))
        # What the dashed lines mean, above the plot: a label inside it sat on the layers' lines.
        self.thresholds = Title(text="", text_font_size="10px", text_font_style="normal", text_color="#dc2626")
        self.figure.add_layout(self.thresholds, "above")
        self.legend = Legend(items=[], click_policy="hide")
        self.figure.add_layout(self.legend, "right")
        self.flags = pn.pane.HTML("", name="gradflow-flags", css_classes=["gradflow-flags"], width=280,
                                  margin=(30, 10))
        self.heading = pn.pane.Markdown("", margin=(0, 10))
        self.layers = ()
        self._latest = {}
        self._reader = HistoryReader()
        self.translate(i18n.DEFAULT)

    def translate(self, language):
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.heading.object = f"### {say('gradflow.heading')}"
        self.figure.title.text = say("gradflow.title")
        self.figure.xaxis[0].axis_label, self.figure.yaxis[0].axis_label = say("curves.step"), say("gradflow.norm")
        self.thresholds.text = say("gradflow.thresholds")
        self.legend.title = say("gradflow.layer")
        self._tooltips()
        self._write_flags(self._latest)

    def _tooltips(self):
        self.figure.hover.tooltips = [(i18n.text("curves.step", self.language), "@step")] + [
            (n, f"@{_column(i)}{{0.00e+0}}") for i, n in enumerate(self.layers)]

    def panel(self):
        return pn.Column(self.heading, wrapping_row(self.figure, self.flags), name="gradflow-panel",
                         sizing_mode="stretch_width")

    def update(self, history, version):
        norms = history.get("grad_norms", {})
        steps = history.get("step", [])
        start, reload = self._reader.unread(history, version)
        if tuple(norms) != self.layers:
            self._set_layers(tuple(norms))
            reload, start = True, 0
        rows = {"step": steps[start:]}
        for i, name in enumerate(self.layers):
            rows[_column(i)] = [_plottable(v) for v in norms[name][start:len(steps)]]
        if reload:
            self.source.data = {k: v[-CAP:] for k, v in rows.items()}
        elif rows["step"]:
            self.source.stream(rows, rollover=CAP)
        if rows["step"]:
            self.latest.data = {k: v[-1:] for k, v in rows.items()}
        self._write_flags({name: values[-1] for name, values in norms.items() if values})

    def _set_layers(self, layers):
        """A line per layer (the network changed)."""
        # Each new renderer makes Bokeh recollect every model of the page (0.1 s each in the browser):
        # frozen, it does so once.
        document = self.figure.document
        with document.models.freeze() if document is not None else nullcontext():
            self._draw_layers(layers)

    def _draw_layers(self, layers):
        self.layers = layers
        self.figure.renderers = []
        self.source.data = {"step": [], **{_column(i): [] for i in range(len(layers))}}
        self.latest.data = dict(self.source.data)
        items = []
        for i, name in enumerate(layers):
            colour = Category10_10[i % 10]
            line = self.figure.line("step", _column(i), source=self.source, color=colour, line_width=1.5)
            # A dot at the newest value: after a single step a line has nothing to draw, a dot does.
            dots = self.figure.scatter("step", _column(i), source=self.latest, color=colour, size=6)
            items.append(LegendItem(label=name, renderers=[line, dots]))
        self.legend.items = items
        self._tooltips()

    def _write_flags(self, latest):
        self._latest = latest
        if not latest:
            text = i18n.text("gradflow.empty", self.language)
        else:
            problems = [p for p in (diagnose(n, v, self.language) for n, v in latest.items()) if p]
            text = "<br>".join(problems) if problems else i18n.text("gradflow.healthy", self.language)
        if self.flags.object != text:
            self.flags.object = text


def _column(i):
    return f"layer{i}"  # layer names (fc1, conv1.weight, ...) need not be valid column names


def _plottable(v):
    """A log axis cannot show 0, NaN or Inf: those become gaps (the flags report them in words)."""
    return v if v is not None and math.isfinite(v) and v > 0 else math.nan
