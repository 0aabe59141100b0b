"""Loss and accuracy over training steps, on the training batches and on the held-out test set.

The session records a row per step (thinned when long) and test numbers every few steps; the curves
stream only the new rows into their sources, each capped at CAP points.
"""
import functools
import math

import panel as pn
from bokeh.core.properties import value
from bokeh.models import (BasicTicker, BasicTickFormatter, ColumnDataSource, DataRange1d, HoverTool, LinearScale,
                          LogScale, LogTicker, LogTickFormatter)
from bokeh.plotting import figure

from app import i18n

from .history import HistoryReader
from .panels import wrapping_row

CAP = 2000
TRAIN, TEST = "#2563eb", "#ea580c"


class Curves:
    def __init__(self):
        # one source per set: a step's train loss and accuracy arrive together, so do the test ones
        self.train = ColumnDataSource({"step": [], "loss": [], "acc": []}, name="curve-train")
        self.test = ColumnDataSource({"step": [], "loss": [], "acc": []}, name="curve-test")
        self.language = i18n.DEFAULT
        self.loss = self._figure("loss-curve", "loss")
        self.accuracy = self._figure("accuracy-curve", "acc")
        self.accuracy.y_range = DataRange1d(start=0, end=1.02)
        # On a linear axis one diverging step (a loss of 1e12) flattens everything before it to zero;
        # on a log axis the history stays readable beside the spike.
        self.log_scale = pn.widgets.Checkbox(value=True, css_classes=["pg-loss-log"], margin=(0, 10))
        self.log_scale.param.watch(lambda event: self._set_loss_scale(event.new), "value")
        self._set_loss_scale(self.log_scale.value)
        self.caption = pn.pane.Markdown("", name="curves-caption", css_classes=["curves-caption"], margin=(0, 10))
        self.heading = pn.pane.Markdown("", margin=(0, 10))
        self._reader = HistoryReader()
        self._steps, self._regression = False, False
        self.translate(self.language)

    def translate(self, language):
        """Every word of the view in `language` (app/i18n.py)."""
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.heading.object = f"### {say('curves.heading')}"
        self.log_scale.name = say("curves.log_scale")
        for fig, key in ((self.loss, "loss"), (self.accuracy, "accuracy")):
            fig.title.text = say(f"curves.{key}_title")
            fig.xaxis[0].axis_label = say("curves.step")
            fig.legend[0].items[0].label = value(say("curves.train"))
            fig.legend[0].items[1].label = value(say("curves.test"))
            fig.select_one(HoverTool).tooltips = [(say("curves.step"), "@step"),
                                                  (say(f"curves.{key}"), f"@{fig.tags[0]}{{0.0000}}")]
        self.accuracy.yaxis[0].axis_label = say("curves.accuracy")
        self._set_loss_scale(self.log_scale.value)
        self._caption()

    def _figure(self, name, column):
        fig = figure(name=name, width=380, height=260, toolbar_location=None, tools="hover", tags=[column])
        fig.x_range = DataRange1d(start=0)
        fig.line("step", column, source=self.train, color=TRAIN, line_width=1.5, legend_label="train")
        fig.line("step", column, source=self.test, color=TEST, line_width=2, legend_label="test")
        fig.scatter("step", column, source=self.test, color=TEST, size=4, legend_label="test")
        fig.legend.location = "top_right" if name == "loss-curve" else "bottom_right"
        fig.legend.click_policy = "hide"
        fig.legend.background_fill_alpha = 0.7
        return fig

    def _set_loss_scale(self, log):
        axis = self.loss.yaxis[0]
        if log:
            self.loss.y_scale, axis.ticker, axis.formatter = LogScale(), LogTicker(), LogTickFormatter()
        else:
            self.loss.y_scale, axis.ticker, axis.formatter = LinearScale(), BasicTicker(), BasicTickFormatter()
        axis.axis_label = i18n.text("curves.loss_log" if log else "curves.loss", self.language)

    def panel(self):
        return pn.Column(self.heading, self.caption, self.log_scale, wrapping_row(self.loss, self.accuracy),
                         name="curves-panel", sizing_mode="stretch_width")

    def update(self, history, version, regression=False):
        """Draw the rows of `history` (the session's) not drawn yet; everything after `version` changed."""
        start, reload = self._reader.unread(history, version)
        for source, prefix in ((self.train, "train"), (self.test, "test")):
            new = rows(history, prefix, start)
            if reload:
                source.data = {k: v[-CAP:] for k, v in new.items()}
            elif new["step"]:
                source.stream(new, rollover=CAP)
        if self.accuracy.visible == regression:
            self.accuracy.visible = not regression
        self._steps, self._regression = bool(history.get("step")), regression
        self._caption()

    def _caption(self):
        say = functools.partial(i18n.text, language=self.language)
        text = (say("curves.empty") if not self._steps
                else say("curves.caption") + (" " + say("curves.no_accuracy") if self._regression else ""))
        if self.caption.object != text:
            self.caption.object = text


def rows(history, prefix, start):
    """{"step", "loss", "acc"} of the rows from `start` that have a `prefix` loss (the test set is evaluated
    only every few steps); accuracy is NaN where there is none (regression)."""
    steps = history.get("step", [])
    losses = history.get(f"{prefix}_loss", [])
    accs = history.get(f"{prefix}_acc", [])
    out = {"step": [], "loss": [], "acc": []}
    for i in range(start, len(steps)):
        loss = losses[i] if i < len(losses) else math.nan
        if loss is None or not math.isfinite(loss):
            continue
        acc = accs[i] if i < len(accs) and accs[i] is not None else math.nan
        out["step"].append(steps[i])
        out["loss"].append(loss)
        out["acc"].append(acc)
    return out
