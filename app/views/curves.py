"""Loss and accuracy over training steps, on the training batches and on the held-out test set.

The session records a row per step (thinned when long) and test numbers every few steps; the curves
stream only the new rows into their sources, each capped at CAP points.
"""
import panel as pn
from bokeh.models import ColumnDataSource, DataRange1d
from bokeh.plotting import figure

from .history import HistoryReader, finite_points

CAP = 2000
TRAIN, TEST = "#2563eb", "#ea580c"
EMPTY = ("**Press Step or Train.** The loss on each training batch and on the held-out test set is drawn "
         "here as training goes: both should fall; a test loss that rises while the training loss falls "
         "means the network is memorising (overfitting).")
CAPTION = ("Training loss: on the batch of that step (noisy). Test loss and accuracy: on data the network "
           "never trains on.")
NO_ACCURACY = "Accuracy is for classification; this data set is a regression problem (the loss is MSE)."
SERIES = (("train_loss", "loss"), ("test_loss", "loss"), ("train_acc", "accuracy"), ("test_acc", "accuracy"))


class Curves:
    def __init__(self):
        self.sources = {key: ColumnDataSource({"step": [], "value": []}, name=f"curve-{key.replace('_', '-')}")
                        for key, _ in SERIES}
        self.loss = self._figure("loss-curve", "Loss", "loss", "train_loss", "test_loss")
        self.accuracy = self._figure("accuracy-curve", "Accuracy", "accuracy (share correct)", "train_acc",
                                     "test_acc")
        self.accuracy.y_range = DataRange1d(start=0, end=1.02)
        self.caption = pn.pane.Markdown(EMPTY, name="curves-caption", css_classes=["curves-caption"], margin=(0, 10))
        self._reader = HistoryReader()

    def _figure(self, name, title, y_label, train, test):
        fig = figure(name=name, title=title, width=380, height=260, x_axis_label="step", y_axis_label=y_label,
                     toolbar_location=None, tools="hover", tooltips=[("step", "@step"), (y_label, "@value{0.0000}")])
        fig.x_range = DataRange1d(start=0)
        fig.line("step", "value", source=self.sources[train], color=TRAIN, line_width=1.5,
                 legend_label="train (batch)")
        fig.line("step", "value", source=self.sources[test], color=TEST, line_width=2, legend_label="test")
        fig.scatter("step", "value", source=self.sources[test], color=TEST, size=4, legend_label="test")
        fig.legend.location = "top_right" if name == "loss-curve" else "bottom_right"
        fig.legend.click_policy = "hide"
        fig.legend.background_fill_alpha = 0.7
        return fig

    def panel(self):
        return pn.Column("### Loss and accuracy", self.caption, pn.Row(self.loss, self.accuracy), name="curves-panel")

    def update(self, history, version, regression=False):
        """Draw the rows of `history` (the session's) not drawn yet; everything after `version` changed."""
        start, reload = self._reader.unread(history, version)
        steps = history.get("step", [])
        for key, _ in SERIES:
            new = finite_points(steps, history.get(key, []), start)
            source = self.sources[key]
            if reload:
                source.data = {"step": new["step"][-CAP:], "value": new["value"][-CAP:]}
            elif new["step"]:
                source.stream(new, rollover=CAP)
        if self.accuracy.visible == regression:
            self.accuracy.visible = not regression
        text = EMPTY if not steps else CAPTION + (" " + NO_ACCURACY if regression else "")
        if self.caption.object != text:
            self.caption.object = text
