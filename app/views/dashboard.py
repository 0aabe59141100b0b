"""All the views, kept in step with a Session (what they may read of it: app/session.py's docstring).

Every action bumps `session.version`; the views then redraw from what the session reports. While the
session trains continuously (`session.running`), the costly views (graph, inspector, images, neuron
pictures) redraw only every HEAVY_EVERY-th time; when training stops, everything is redrawn, so the
numbers on screen are those of the last step.
"""
import panel as pn

from app import datasets, i18n
from app.drawing import decode_canvas, mnist_style
from app.layers import KINDS

from .boundary import DecisionBoundary, hidden_layers
from .curves import Curves
from .gradflow import GradientFlow
from .graph import GraphView
# Imported at start though the images view is built only when needed: the page learns the drawing pad's
# model (a custom component) only from the first document Python sends it.
from .drawpad import RESOLUTION
from .inspector import Inspector
from .stepthrough import StepThrough
from app.stepper import Stepper

HEAVY_EVERY = 10


class Views:
    def __init__(self, session):
        self.session = session
        self.inspector = Inspector()
        self.graph = GraphView(on_inspect=self._inspect)
        self.stepper = Stepper(session)
        self.stepthrough = StepThrough(self.stepper, self.graph)
        self.gradflow = GradientFlow()
        self.curves = Curves()
        self.boundary = DecisionBoundary()
        self._images = None    # built when first needed (`images`): most visits never choose images
        self._boundary_panel = self.boundary.panel()
        self._images_panel = pn.Column(margin=0, sizing_mode="stretch_width", visible=False)
        self._dataset = None
        self._redraws = 0
        self._drawing = None   # the student's drawn digit as MNIST's 28×28, while it is what the images show
        session.param.watch(lambda _e: self.refresh(full=not session.running), "version")
        session.param.watch(lambda e: None if e.new else self.refresh(full=True), "running")
        session.param.watch(lambda e: self.translate(e.new), "language")
        self.translate(session.language)

    def translate(self, language):
        """Every view's words in `language`, then everything drawn again: what they show stays as it was."""
        for view in (self.inspector, self.graph, self.stepthrough, self.gradflow, self.curves, self.boundary,
                     self._images):
            if view is not None:   # (the images view, until it is first needed)
                view.translate(language)
        self._dataset = None     # the data's words (the points' labels, the images' classes) are drawn anew
        self.refresh(full=True)

    def panel(self):
        return pn.Column(*self.parts().values(), name="views", sizing_mode="stretch_width")

    def parts(self):
        """Each view's panel by name, for a page to lay out as it likes (the boundary or the images panel
        is hidden, depending on the data)."""
        return {"graph": self.graph.panel(self.stepthrough.panel()), "inspector": self.inspector.panel(), "curves": self.curves.panel(),
                "gradflow": self.gradflow.panel(), "boundary": self._boundary_panel, "images": self._images_panel}

    @property
    def images(self):
        """The images view, built the first time a data set of images is chosen: it costs the page's start
        nearly a second of Python and its Bokeh models, for a view that starts hidden."""
        if self._images is None:
            from .images import ImageViews
            self._images = ImageViews()
            self._images.translate(self.session.language)
            self._images.sample.param.watch(self._on_sample, "value")
            self._images.pad.param.watch(self._on_drawing, "ink")
            self._images_panel.objects = [self._images.panel()]
        return self._images

    def refresh(self, full=True):
        """Redraw from the session; `full=False` (continuous training) skips the costly views most times."""
        s = self.session
        heavy = full or self._redraws % HEAVY_EVERY == 0
        self._redraws += 1
        if s.dataset is not self._dataset:
            self._set_data(s.dataset)
        regression = s.problem == "regression"
        self.curves.update(s.history, s.history_version, regression=regression)
        self.gradflow.update(s.history, s.history_version)
        if heavy:
            self._draw_graph()
        if s.problem == "images":
            if heavy:
                self._draw_images()
        else:
            self.boundary.show(s.decision(self.boundary.grid) if s.model is not None else None)
            if heavy:
                self._draw_neurons()

    def _set_data(self, dataset):
        self._dataset = dataset
        self._drawing = None
        images = dataset.problem == "images"
        self._boundary_panel.visible = not images
        self._images_panel.visible = images
        if images:
            self.images.set_data(dataset)
        else:
            self.boundary.set_data(dataset)

    def _draw_graph(self):
        s = self.session
        graph = s.last.get("graph")
        if graph is None and s.model is None:
            self.graph.show(None, message=i18n.text("graph.invalid", self.session.language))
        else:
            self.graph.show(graph)
        self.inspector.refresh(s.last.get("capture"), graph)

    def _inspect(self, node):
        self.inspector.show(self.session.last.get("capture"), node)

    def _draw_neurons(self):
        s = self.session
        if s.model is None:
            self.boundary.neurons.show(None)
            return
        names = s.layer_names()
        groups = [_group({"type": t}) for t in s.layer_types()]
        self.boundary.neurons.show(hidden_layers(names, groups, s.activations(self.boundary.neurons.points)))

    def _on_sample(self, _event):
        self._drawing = None
        self._draw_images()

    def _on_drawing(self, event):
        self._drawing = mnist_style(decode_canvas(event.new, RESOLUTION)) if event.new else None
        self._draw_images()

    def _draw_images(self):
        s = self.session
        if s.problem != "images":
            return
        if self._drawing is not None and s.dataset.name == "mnist":
            self._draw_drawing()
            return
        i = self.images.sample.value
        image, label = s.sample(i)
        if s.model is None:
            self.images.show(image, label, None, None, {}, built=False)
            return
        # through the session: on a GPU, the sample's maps, probabilities and filters come back in one read
        self.images.show(image, label, s.probabilities(i), s.conv_filters(), s.feature_maps(i))

    def _draw_drawing(self):
        """The drawn digit through the network, fed as the test samples are (the data's image mode)."""
        s = self.session
        x = datasets.resize_images(self._drawing[None, None], s.data.image_mode)[0]
        seen = s.examine(x)
        if seen is None:
            self.images.show(x, None, None, None, {}, built=False)
        else:
            self.images.show(x, None, seen["probabilities"], seen["filters"], seen["maps"])


def _group(spec):
    """The layer's palette group: "activations" and "normalization" layers act on each unit alone."""
    kind = KINDS.get(spec.get("type"))
    return kind.group if kind else "layers"
