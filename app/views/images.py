"""Images: a test sample (or, with MNIST, a digit the student draws) as the network sees it, the class it
predicts with every class's probability, the first convolution's filters, and the feature maps each
conv/pool layer makes of it.

Each picture set is one image glyph over one source (a thumbnail per row), so a step updates a handful
of columns, not dozens of figures.
"""
import functools

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, HoverTool, LinearColorMapper, Range1d
from bokeh.plotting import figure

from app import i18n

from .drawpad import DrawPad
from .palettes import DIVERGING, GREYS
from .panels import wrapping_row

MAX_CHANNELS = 16     # feature maps and filters shown per layer
MAX_IN_CHANNELS = 3   # filter rows (input channels) shown
THUMB_PX = 44
GAP = 0.15
LABEL = 0.45          # room above a row of thumbnails for its name, in thumbnail units

RIGHT, WRONG, OTHER, GUESS = "#16a34a", "#dc2626", "#93c5fd", "#2563eb"


class ImageViews:
    def __init__(self):
        self.language = i18n.DEFAULT
        self.sample = pn.widgets.IntSlider(start=0, end=1, value=0, width=260, css_classes=["images-sample"])
        self.input = ColumnDataSource({"image": [], "dw": [], "dh": []}, name="images-input")
        self.input_figure = figure(name="images-input-plot", width=260, height=260,
                                   toolbar_location=None, x_range=Range1d(0, 1), y_range=Range1d(0, 1), tools="")
        self.input_figure.image("image", x=0, y=0, dw="dw", dh="dh", source=self.input,
                                color_mapper=LinearColorMapper(palette=GREYS, low=0, high=1))
        self.input_figure.axis.visible = False
        self.input_figure.grid.visible = False

        self.classes = ColumnDataSource({"label": [], "p": [], "colour": [], "text": []}, name="images-probabilities")
        self.probabilities = figure(name="images-probabilities-plot", width=260,
                                    height=220, x_range=[str(i) for i in range(10)], y_range=Range1d(0, 1.05),
                                    toolbar_location=None, tools="hover")
        self.probabilities.vbar(x="label", top="p", width=0.8, source=self.classes, fill_color="colour",
                                line_color="#374151")
        self.probabilities.xgrid.visible = False

        self.filters = _Thumbnails("images-filters")
        self.maps = _Thumbnails("images-feature-maps")
        self.caption = pn.pane.Markdown("", name="images-caption", css_classes=["images-caption"],
                                        margin=(0, 10))
        self.classes_names = [str(i) for i in range(10)]
        self.pad = DrawPad(name="images-draw", css_classes=["images-draw"])
        self.draw_how = pn.pane.Markdown("", width=260, margin=(0, 5))
        self.draw_box = pn.Column(self.draw_how, self.pad, visible=False)
        self.heading = pn.pane.Markdown("", margin=(0, 10))
        self.translate(self.language)

    def translate(self, language):
        """The view's fixed words in `language`; what depends on the sample comes with the next show."""
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.heading.object = f"### {say('images.heading')}"
        self.sample.name = say("images.sample")
        self.input_figure.title.text = say("images.sample")
        self.probabilities.title.text = say("images.probabilities")
        self.probabilities.xaxis[0].axis_label = say("images.class")
        self.probabilities.yaxis[0].axis_label = say("images.probability")
        self.probabilities.select_one(HoverTool).tooltips = [(say("images.class"), "@label"),
                                                             (say("images.probability"), "@text")]
        self.filters.figure.title.text = say("images.filters")
        self.maps.figure.title.text = say("images.maps")
        self.caption.object = say("images.empty")
        self.draw_how.object = say("images.draw_how")
        self.pad.translate(language)

    def panel(self):
        left = pn.Column(self.draw_box, self.sample, self.input_figure, self.probabilities)
        pictures = pn.Column(self.filters.figure, self.maps.figure)
        return pn.Column(self.heading, self.caption, wrapping_row(left, pictures),
                         name="images-panel", sizing_mode="stretch_width")

    def set_data(self, dataset):
        """The data set changed: the sample slider's range, the class axis, and the drawing pad for MNIST."""
        self.draw_box.visible = dataset.name == "mnist"
        n = len(dataset.x_test)
        self.sample.param.update(end=max(n - 1, 1), value=min(self.sample.value, n - 1))
        classes = [str(i) for i in range(max(dataset.classes, 2))]
        if classes != self.classes_names:
            self.classes_names = classes
            self.probabilities.x_range.factors = classes

    def show(self, image, label, probabilities, first_conv_weight, feature_maps, built=True):
        """image (C, H, W) in [0, 1]; label: the test sample's class, or None for a drawing; probabilities
        (classes,) or None; first_conv_weight (out, in, kh, kw) or None; feature_maps {layer name: (C, H, W)}
        (ordered); built: False while the network cannot be built."""
        plane = np.asarray(image, dtype=np.float32)[0]
        self.input.data = {"image": [plane[::-1]], "dw": [1], "dh": [1]}  # row 0 on top
        say = functools.partial(i18n.text, language=self.language)
        self.input_figure.title.text = (say("images.sample_is", n=self.sample.value, label=label)
                                        if label is not None else say("images.drawing"))
        self._show_probabilities(label, probabilities)
        if first_conv_weight is None:
            self.filters.clear()
            self.maps.clear()
            self.caption.object = say("images.no_conv" if built else "images.unbuilt")
            return
        w = np.asarray(first_conv_weight)
        shown = range(min(w.shape[0], MAX_CHANNELS))
        rows = [(say("images.input_channel", c=c) if w.shape[1] > 1 else "", [w[o, c] for o in shown])
                for c in range(min(w.shape[1], MAX_IN_CHANNELS))]
        self.filters.show(rows, per_row_scale=False)
        self.maps.show([(f"{name} ({'×'.join(map(str, m.shape))})", list(m[:MAX_CHANNELS]))
                        for name, m in feature_maps.items()], per_row_scale=True)
        self.caption.object = say("images.caption")

    def _show_probabilities(self, label, probabilities):
        if probabilities is None:
            self.classes.data = {"label": [], "p": [], "colour": [], "text": []}
            self.probabilities.title.text = i18n.text("images.probabilities", self.language)
            return
        p = np.asarray(probabilities, dtype=np.float64)
        guess = int(p.argmax())
        colours = [OTHER] * len(p)
        colours[guess] = GUESS if label is None else RIGHT if guess == int(label) else WRONG
        self.classes.data = {"label": self.classes_names[:len(p)], "p": p, "colour": colours,
                             "text": [f"{v:.1%}" for v in p]}
        say = functools.partial(i18n.text, language=self.language)
        verdict = "" if label is None else " " + (say("images.right") if guess == int(label)
                                                  else say("images.wrong", label=int(label)))
        self.probabilities.title.text = say("images.predicts", guess=guess, p=f"{p[guess]:.0%}") + verdict


class _Thumbnails:
    """Rows of small heatmaps with a label above each row, in one figure."""

    def __init__(self, name):
        self.source = ColumnDataSource({"image": [], "x": [], "y": []}, name=name)
        self.labels = ColumnDataSource({"x": [], "y": [], "text": []}, name=f"{name}-labels")
        self.figure = figure(name=f"{name}-plot", title="", x_range=Range1d(0, 1), y_range=Range1d(-1, 0),
                             toolbar_location=None, tools="", frame_width=200, frame_height=60, visible=False)
        self.figure.image("image", x="x", y="y", dw=1, dh=1, source=self.source,
                          color_mapper=LinearColorMapper(palette=DIVERGING, low=-1, high=1))
        self.figure.text("x", "y", "text", source=self.labels, text_font_size="11px", text_baseline="bottom")
        self.figure.axis.visible = False
        self.figure.grid.visible = False
        self._shape = None

    def clear(self):
        if self._shape is not None:
            self._shape = None
            self.source.data = {"image": [], "x": [], "y": []}
            self.labels.data = {"x": [], "y": [], "text": []}
            self.figure.visible = False

    def show(self, rows, per_row_scale):
        """rows: [(label, [2-D arrays])]; every picture is scaled to [-1, 1] by its row's (or all rows')
        largest magnitude."""
        shape = tuple((label, len(pictures)) for label, pictures in rows)
        if shape != self._shape:
            self._place(shape)
        overall = max((float(np.abs(p).max()) for _, ps in rows for p in ps), default=1.0) or 1.0
        images = []
        for _, pictures in rows:
            scale = (max(float(np.abs(p).max()) for p in pictures) or 1.0) if per_row_scale else overall
            images += [np.ascontiguousarray(p[::-1] / scale, dtype=np.float32) for p in pictures]
        self.source.data.update(image=images)

    def _place(self, shape):
        self._shape = shape
        label_room = LABEL if any(label for label, _ in shape) else 0
        xs, ys, label_y = [], [], []
        top = 0.0
        for label, n in shape:
            top -= label_room
            label_y.append(top + 0.02)
            xs += [i * (1 + GAP) for i in range(n)]
            ys += [top - 1] * n
            top -= 1 + GAP
        self.source.data = {"image": [np.zeros((1, 1), np.float32)] * len(xs), "x": xs, "y": ys}
        self.labels.data = {"x": [0] * len(shape), "y": label_y, "text": [label for label, _ in shape]}
        width = max(n for _, n in shape) * (1 + GAP) - GAP
        height = -top - GAP
        self.figure.x_range.update(start=-0.05, end=width + 0.05)
        self.figure.y_range.update(start=-height - 0.05, end=0.05)
        self.figure.update(frame_width=int((width + 0.1) * THUMB_PX), frame_height=int((height + 0.1) * THUMB_PX),
                           visible=True)
