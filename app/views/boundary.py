"""2-D data: what the network predicts over the whole plane, with the training and test points on top;
and, for small networks, what every hidden neuron computes (TensorFlow Playground's neuron pictures).

The plane is a GRID x GRID lattice evaluated in one batched forward (no graph); after a step only the
image column of one source changes.
"""
import functools

import numpy as np
import panel as pn
from bokeh.models import ColorBar, ColumnDataSource, HoverTool, LinearColorMapper, Range1d
from bokeh.plotting import figure

from app import i18n

from .palettes import CLASS_COLOURS, DIVERGING
from .panels import wrapping_row

GRID = 60              # the decision heatmap: GRID x GRID predictions
NEURON_GRID = 24       # each neuron's picture
NEURON_PX = 54         # thumbnail side on screen
MIN_FRAME_WIDTH = 130  # px: room for the figure's title
MAX_UNITS = 16         # neuron pictures only for layers this narrow...
MAX_NEURONS = 48       # ...and networks this small


class DecisionBoundary:
    def __init__(self):
        self.image = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []}, name="boundary-image")
        self.train = ColumnDataSource({"x": [], "y": [], "colour": [], "label": []}, name="boundary-train")
        self.test = ColumnDataSource({"x": [], "y": [], "colour": [], "label": []}, name="boundary-test")
        self.mapper = LinearColorMapper(palette=DIVERGING, low=0, high=1)
        self.figure = figure(name="boundary-plot", width=360, height=360,
                             x_range=Range1d(-1, 1), y_range=Range1d(-1, 1), toolbar_location=None, tools="hover")
        self.figure.image("image", x="x", y="y", dw="dw", dh="dh", source=self.image, color_mapper=self.mapper)
        points = dict(size=6, fill_color="colour", line_color="white", line_width=0.5)
        self.figure.scatter("x", "y", source=self.train, **points)
        self.figure.scatter("x", "y", source=self.test, **{**points, "line_color": "black", "line_width": 1.2})
        self.colour_bar = ColorBar(color_mapper=self.mapper, width=10, title="P(blue)")
        self.figure.add_layout(self.colour_bar, "right")
        self.figure.grid.visible = False
        self.caption = pn.pane.Markdown("", name="boundary-caption", css_classes=["boundary-caption"],
                                        width=360, margin=(0, 10))
        self.heading = pn.pane.Markdown("", name="boundary-heading", margin=(0, 10))
        self.neurons = NeuronPictures()
        self.grid = None
        self.regression = False
        self.translate(i18n.DEFAULT)

    def translate(self, language):
        """The view's fixed words in `language`; what depends on the data comes with the next set_data."""
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.figure.xaxis[0].axis_label, self.figure.yaxis[0].axis_label = say("boundary.x1"), say("boundary.x2")
        self.figure.select_one(HoverTool).tooltips = [("x₁", "$x{0.00}"), ("x₂", "$y{0.00}"),
                                                      (say("boundary.label"), "@label")]
        self._titles()
        self.neurons.translate(language)

    def _titles(self):
        say = functools.partial(i18n.text, language=self.language)
        kind = "regress" if self.regression else "classify"
        self.colour_bar.title = say("boundary.prediction" if self.regression else "boundary.p_blue")
        self.figure.title.text = say(f"boundary.{kind}_title")
        self.heading.object = f"### {say(f'boundary.{kind}_title')}"
        self.caption.object = say(f"boundary.{kind}")

    def panel(self):
        return pn.Column(self.heading,
                         wrapping_row(pn.Column(self.figure, self.caption), self.neurons.panel()),
                         name="boundary-panel", sizing_mode="stretch_width")

    def set_data(self, dataset):
        """New points (the data set changed): the plane's extent, the dots, the colour scale."""
        points = np.concatenate([dataset.x_train, dataset.x_test])
        low, high = points.min(0) - 0.1, points.max(0) + 0.1
        self.regression = dataset.problem == "regression"
        xs, ys = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
        gx, gy = np.meshgrid(xs, ys)  # row i is height ys[i]: the image's row 0 is drawn at the bottom
        self.grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
        self.figure.x_range.update(start=float(low[0]), end=float(high[0]))
        self.figure.y_range.update(start=float(low[1]), end=float(high[1]))
        if self.regression:
            span = float(np.abs(np.concatenate([dataset.y_train, dataset.y_test])).max()) or 1.0
            self.mapper.update(low=-span, high=span)
        else:
            self.mapper.update(low=0, high=1)
        self._titles()
        self.train.data = self._points(dataset.x_train, dataset.y_train)
        self.test.data = self._points(dataset.x_test, dataset.y_test)
        self.image.data = {"image": [], "x": [], "y": [], "dw": [], "dh": []}
        self._extent = (float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1]))
        self.neurons.set_extent(low, high)

    def _points(self, x, y):
        y = np.asarray(y).reshape(len(x), -1)[:, 0]
        if self.regression:
            colours = [_colour(self.mapper, v) for v in y]
            labels = [f"{v:.2f}" for v in y]
        else:
            colours = [CLASS_COLOURS[int(v) % 2] for v in y]
            names = [i18n.text("boundary.orange", self.language), i18n.text("boundary.blue", self.language)]
            labels = [names[1] if v else names[0] for v in y.astype(int)]
        return {"x": x[:, 0], "y": x[:, 1], "colour": colours, "label": labels}

    def show(self, heat):
        """`heat`: one number per grid point (P(class 1), or the prediction), or None (no model)."""
        if heat is None:
            self.image.data = {"image": [], "x": [], "y": [], "dw": [], "dh": []}
            return
        x, y, dw, dh = self._extent
        plane = np.asarray(heat, dtype=np.float32).reshape(GRID, GRID)
        self.image.data = {"image": [plane], "x": [x], "y": [y], "dw": [dw], "dh": [dh]}


def _no_pictures():
    return {"image": [], "x": [], "y": [], "cx": [], "cy": [], "layer": [], "unit": []}


class NeuronPictures:
    """One small heatmap per hidden neuron: its output over the plane. Columns are layers."""

    def __init__(self):
        self.source = ColumnDataSource(_no_pictures(), name="neuron-images")
        self.labels = ColumnDataSource({"x": [], "y": [], "text": []}, name="neuron-labels")
        self.figure = figure(name="neuron-plot", width=300, height=360,
                             x_range=Range1d(0, 1), y_range=Range1d(0, 1), toolbar_location=None, tools="hover")
        mapper = LinearColorMapper(palette=DIVERGING, low=-1, high=1)
        self.figure.image("image", x="x", y="y", dw=1, dh=1, source=self.source, color_mapper=mapper)
        # A frame, so a picture that is white (zero) over much of the plane still reads as a whole square.
        self.figure.rect("cx", "cy", width=1, height=1, source=self.source, fill_alpha=0,
                         line_color="#b8b8b8", line_width=1)
        self.figure.text("x", "y", "text", source=self.labels, text_font_size="11px", text_align="center",
                         text_baseline="bottom", text_font_style="bold")
        self.figure.axis.visible = False
        self.figure.grid.visible = False
        self.caption = pn.pane.Markdown("", name="neuron-caption", width=300, margin=(0, 10))
        self.points = None
        self._layout = None
        self.language = i18n.DEFAULT

    def translate(self, language):
        """The view's words in `language`; the caption comes with the next show (the layout is placed anew)."""
        self.language = language
        self.figure.title.text = i18n.text("neurons.title", language)
        self.figure.select_one(HoverTool).tooltips = [(i18n.text("neurons.layer", language), "@layer"),
                                                      (i18n.text("neurons.neuron", language), "@unit")]
        self._layout = None
        if not self.caption.object or not self.figure.visible:
            self.caption.object = i18n.text("neurons.empty", language)

    def panel(self):
        return pn.Column(self.figure, self.caption)

    def set_extent(self, low, high):
        xs = np.linspace(low[0], high[0], NEURON_GRID)
        ys = np.linspace(low[1], high[1], NEURON_GRID)
        gx, gy = np.meshgrid(xs, ys)
        self.points = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
        self._layout = None

    def show(self, hidden):
        """`hidden`: {layer name: (NEURON_GRID², units)} of the hidden layers (ordered), or None."""
        if not hidden:
            self._set_empty("neurons.no_hidden" if hidden == {} else "neurons.empty")
            return
        if any(a.shape[1] > MAX_UNITS for a in hidden.values()) or \
                sum(a.shape[1] for a in hidden.values()) > MAX_NEURONS:
            self._set_empty("neurons.empty")
            return
        layout = tuple((name, a.shape[1]) for name, a in hidden.items())
        if layout != self._layout:
            self._place(layout)
        images = []
        for a in hidden.values():
            for unit in range(a.shape[1]):
                v = a[:, unit]
                scale = float(np.abs(v).max()) or 1.0
                images.append((v / scale).reshape(NEURON_GRID, NEURON_GRID).astype(np.float32))
        self.source.data.update(image=images)

    def _place(self, layout):
        """Thumbnails in columns (one per layer), as many rows as the widest layer; 1 unit = 1 thumbnail."""
        self._layout = layout
        gap = 0.15
        rows = max(units for _, units in layout)
        xs, ys, layers, units, images = [], [], [], [], []
        for col, (name, n) in enumerate(layout):
            top = (rows - n) * (1 + gap) / 2  # centre shorter columns
            for unit in range(n):
                xs.append(col * (1 + gap))
                ys.append(-(top + unit * (1 + gap)) - 1)
                layers.append(name)
                units.append(unit)
                images.append(np.zeros((NEURON_GRID, NEURON_GRID), np.float32))
        self.source.data = {"image": images, "x": xs, "y": ys, "cx": [x + 0.5 for x in xs],
                            "cy": [y + 0.5 for y in ys], "layer": layers, "unit": units}
        self.labels.data = {"x": [c * (1 + gap) + 0.5 for c in range(len(layout))], "y": [0.05] * len(layout),
                            "text": [name for name, _ in layout]}
        width, height = len(layout) * (1 + gap) - gap, rows * (1 + gap) - gap
        # At least as wide as the title ("Hidden neurons"), which a one-layer network would clip; the
        # thumbnails stay square and centred.
        frame_width = max(int((width + 0.2) * NEURON_PX), MIN_FRAME_WIDTH)
        margin = (frame_width / NEURON_PX - width) / 2
        self.figure.x_range.update(start=-margin, end=width + margin)
        self.figure.y_range.update(start=-height - 0.1, end=0.45)
        self.figure.update(frame_width=frame_width, frame_height=int((height + 0.55) * NEURON_PX), visible=True)
        self.caption.object = i18n.text("neurons.caption", self.language)

    def _set_empty(self, message):
        if self._layout is not None or self.figure.visible:
            self._layout = None
            self.source.data = _no_pictures()
            self.labels.data = {"x": [], "y": [], "text": []}
            self.figure.visible = False
        self.caption.object = i18n.text(message, self.language)


def hidden_layers(names, groups, activations):
    """The layers worth a neuron picture. `names`: the network's layers in order; `groups`: their palette
    groups ("layers", "activations", "normalization"); `activations`: {name: (points, units)} of the layers
    with vector outputs. The network's output is left out (it is the big picture), and so is a layer whose
    units the next layer only transforms one by one (a Linear followed by Tanh shows as the Tanh)."""
    per_unit = {"activations", "normalization"}
    head = len(names) - 1
    while head > 0 and groups[head] in per_unit:  # Linear then Sigmoid: both are the output
        head -= 1
    return {name: activations[name] for i, name in enumerate(names[:head])
            if name in activations and groups[i + 1] not in per_unit}


def _colour(mapper, value):
    palette, low, high = mapper.palette, mapper.low, mapper.high
    t = (value - low) / (high - low) if high > low else 0.5
    return palette[int(np.clip(t, 0, 1) * (len(palette) - 1))]
