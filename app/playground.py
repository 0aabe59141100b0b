"""The playground's first screen: a classifier on 2-D points, trained one step at a time by the engine.

State lives in `Training` (a param.Parameterized); `Playground` lays out the controls and
the Bokeh views and redraws them from that state after every step. The richer UI (network
builder, graph view, ...) grows from here.
"""
import numpy as np
import panel as pn
import param

import engine as torch
from bokeh.models import ColumnDataSource, DataRange1d
from bokeh.plotting import figure

CLASS_COLOURS = ("#1f77b4", "#ff7f0e")


def two_gaussians(n=200, seed=0):
    """n points in two Gaussian clusters, labels 0/1."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    centres = np.array([[-1.0, -0.5], [1.0, 0.5]])
    points = centres[labels] + rng.normal(scale=0.8, size=(n, 2))
    return points, labels.astype(np.float64)


class Training(param.Parameterized):
    """Logistic regression on a 2-D dataset, trained by full-batch gradient descent on the engine."""

    learning_rate = param.Number(0.5, bounds=(0.001, 5.0), step=0.001, doc="Step size of gradient descent")
    step = param.Integer(0, doc="Optimizer steps taken")
    losses = param.List(default=[], item_type=float, doc="Loss of the model after 0, 1, 2, … steps")

    def __init__(self, **params):
        super().__init__(**params)
        self.points, self.labels = two_gaussians()
        self.inputs = torch.tensor(self.points, dtype=torch.float32)
        self.targets = torch.tensor(self.labels, dtype=torch.float32)
        self.weight = torch.zeros(2, requires_grad=True)
        self.bias = torch.zeros((), requires_grad=True)
        self.losses = [self.current_loss()]

    def loss(self):
        """Binary cross-entropy of the model's logits, as a graph the engine can differentiate."""
        logits = self.inputs @ self.weight + self.bias
        # log(1 + e^z) - y z, written to stay finite for large |z|
        return (logits.clamp_min(0) - self.targets * logits + torch.log1p(torch.exp(-logits.abs()))).mean()

    def current_loss(self):
        with torch.no_grad():
            return self.loss().item()

    def take_step(self):
        self.loss().backward()
        with torch.no_grad():
            for parameter in (self.weight, self.bias):
                parameter -= self.learning_rate * parameter.grad
                parameter.grad = None
        self.losses = [*self.losses, self.current_loss()]
        self.step += 1

    def boundary(self, x_range):
        """End points of the line where the model is undecided (probability 0.5)."""
        w0, w1 = self.weight.tolist()
        if abs(w1) < 1e-12:
            return [], []
        xs = np.array(x_range, dtype=float)
        return list(xs), list(-(w0 * xs + self.bias.item()) / w1)


class Playground:
    """The first screen: controls on the left, the data with the decision boundary and the loss curve."""

    def __init__(self, training=None):
        self.training = training or Training()
        self.step_button = pn.widgets.Button(name="Step", button_type="primary", width=120)
        self.step_button.on_click(lambda _event: self.training.take_step())
        points = self.training.points
        # Fixed ranges around the data: the boundary line must not rescale the view of it.
        self.x_range = (float(points[:, 0].min()) - 0.5, float(points[:, 0].max()) + 0.5)
        self.y_range = (float(points[:, 1].min()) - 0.5, float(points[:, 1].max()) + 0.5)
        self.status = pn.pane.Markdown(name="status")
        self.loss_source = ColumnDataSource(name="loss-source")
        self.boundary_source = ColumnDataSource(name="boundary-source")
        self._redraw()
        self.training.param.watch(self._redraw, ["step"])

    def _status_text(self):
        t = self.training
        return f"**Step {t.step}** · loss {t.losses[-1]:.4f}"

    def _redraw(self, _event=None):
        t = self.training
        self.loss_source.data = {"step": list(range(len(t.losses))), "loss": t.losses}
        xs, ys = t.boundary(self.x_range)
        self.boundary_source.data = {"x": xs, "y": ys}
        self.status.object = self._status_text()

    def data_plot(self):
        t = self.training
        colours = [CLASS_COLOURS[int(label)] for label in t.labels]
        points = ColumnDataSource({"x": t.points[:, 0], "y": t.points[:, 1], "colour": colours})
        plot = figure(title="Data and decision boundary", height=320, width=360, x_range=self.x_range,
                      y_range=self.y_range, toolbar_location=None, name="data-plot")
        plot.scatter("x", "y", color="colour", source=points, size=6, alpha=0.7)
        plot.line("x", "y", source=self.boundary_source, line_width=2, color="black")
        return plot

    def loss_plot(self):
        plot = figure(title="Training loss", height=320, width=360, x_axis_label="step",
                      x_range=DataRange1d(start=-0.5, min_interval=10), y_range=DataRange1d(start=0),
                      toolbar_location=None,
                      name="loss-plot")
        plot.line("step", "loss", source=self.loss_source, line_width=2)
        plot.scatter("step", "loss", source=self.loss_source, size=4)
        return plot

    def view(self):
        controls = pn.Column(
            pn.pane.Markdown("Press **Step** to take one gradient-descent step."),
            pn.widgets.FloatSlider.from_param(self.training.param.learning_rate, name="Learning rate", width=200),
            self.step_button,
            self.status,
            width=240,
        )
        return pn.Column(
            pn.pane.Markdown("# Autograd Playground"),
            pn.Row(controls, pn.pane.Bokeh(self.data_plot()), pn.pane.Bokeh(self.loss_plot())),
        )


class SessionPlayground:
    """The whole playground over a Session: presets, data and training settings on the left; the
    buttons and the network builder in the middle; the views, the code cell and the PyTorch code
    on the right. (UI-A's wiring of app/controls.py, app/builder.py, app/codecell.py with UI-B's
    app/views.)"""

    def __init__(self, session=None):
        from app.session import Session
        self.session = session or Session()

    def view(self):
        from app.builder import network_builder
        from app.codecell import code_cell
        from app.controls import Controls, code_export, data_widgets, file_widgets, hyper_widgets, presets
        from app.views import Views
        s = self.session
        self.controls = Controls(s)
        self.views = Views(s)
        settings = pn.Column(presets(s), data_widgets(s), hyper_widgets(s), file_widgets(s), width=280)
        network = pn.Column(self.controls.buttons(), network_builder(s), width=470)
        right = pn.Tabs(("See it", self.views.panel()), sizing_mode="stretch_width")
        right.extend([("Code cell", code_cell(s, on_show=lambda: setattr(right, "active", 0))),
                      ("PyTorch code", code_export(s))])
        return pn.Column(pn.pane.Markdown("# Autograd Playground"),
                         pn.Row(settings, network, right, sizing_mode="stretch_width"), sizing_mode="stretch_width")
