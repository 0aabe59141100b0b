"""The playground page: the controls, the network builder and the views over one Session.

Left: presets, the action buttons with the status line, the network builder, then the data,
training, device and file settings. Right: tabs "See it" (the views), "Code cell" and "PyTorch code".
The views that matter most while stepping (the graph, the inspector) and while training (the
decision boundary or the images, the loss curves) come first, so a student sees them without
scrolling. Which of them are shown, and when, is the views' business (app/views).
"""
import panel as pn

from app import autosave
from app.builder import code_model_note, network_builder
from app.codecell import TUTORIAL, code_cell
from app.controls import (Controls, code_export, data_widgets, device_widgets, file_widgets, hyper_widgets, presets,
                          recent_menu)
from app.notices import Notices
from app.session import Session
from app.views import Views
from app.views.panels import until_shown, wrapping_row

LEFT_WIDTH = 480   # five action buttons (76 px and their margins) in one line
VIEWS_MIN_WIDTH = 560
# A fixed-width column on a screen narrower than it: as wide as the screen. (Bokeh gives a layout the
# minimum width of its contents, which would keep the page as wide as the widest row.)
NARROW_OK = {"max-width": "100%", "min-width": "0"}
TAGLINE = ("Build a network, press **Forward**, **Backward** and **Step**, and watch PyTorch's autograd work "
           "— it runs in your browser.")


class Playground:
    def __init__(self, session=None, kept=None):
        """`kept`: what the page kept of the last visit (app/autosave.py), restored before anything is drawn."""
        self.session = session or Session()
        self.restored = autosave.restore(self.session, kept) if kept else None
        self.notices = Notices()
        self.controls = Controls(self.session, self.notices)
        self.views = Views(self.session)
        self.controls.more_keys.update(self.views.stepthrough.keys())

    def view(self):
        s, c, notices, restored = self.session, self.controls, self.notices, self.restored
        cell = code_cell(s, on_show=lambda: setattr(tabs, "active", 0),
                         source=restored.code if restored and restored.code is not None else TUTORIAL)
        self.autosave = autosave.Autosave(s, code_editor=cell.select(pn.widgets.TextAreaInput)[0], undo=c.history,
                                          playground_id=restored.id if restored and restored.ok else None)
        if restored:
            c.history.take_kept(restored.undo)
            notices.show("file", restored.notice, restored.kind)
        half = {"width": LEFT_WIDTH // 2, "styles": NARROW_OK}
        settings = wrapping_row(pn.Column(data_widgets(s, notices), **half),
                                pn.Column(hyper_widgets(s, notices), device_widgets(s), **half), margin=0)
        files = file_widgets(s, notices, keeper=self.autosave)
        actions = wrapping_row(c.forward, c.backward, c.step, c.train, c.reset, margin=0)
        left = pn.Column(presets(s, self.autosave), actions,
                         c.keys, wrapping_row(c.status, c.undo, c.redo, recent_menu(self.autosave, notices), margin=0),
                         code_model_note(s), network_builder(s), settings, files, width=LEFT_WIDTH, styles=NARROW_OK)
        parts = self.views.parts()
        # Side by side while both fit, one under the other on a narrow page, never cut off. (In CSS only:
        # Panel would give their row the sum of `min_width`s as its own, and the row could never wrap.)
        for name, width in (("boundary", 420), ("curves", 400)):
            parts[name].styles = {**parts[name].styles, "min-width": f"{width}px"}
        see_it = pn.Column(parts["graph"], parts["inspector"],
                           wrapping_row(parts["boundary"], until_shown(parts["images"]), parts["curves"],
                                        sizing_mode="stretch_width"),
                           parts["gradflow"], sizing_mode="stretch_width")
        # Beside the controls while at least VIEWS_MIN_WIDTH is left for them, else under them (a tablet, a
        # phone). A plot wider than a phone scrolls inside its tab, never the page.
        tabs = pn.Tabs(("See it", see_it), sizing_mode="stretch_width",
                       styles={"flex": f"1 1 {VIEWS_MIN_WIDTH}px", "min-width": "0", "overflow-x": "auto"})
        tabs.extend([("Code cell", cell), ("PyTorch code", code_export(s))])
        header = pn.Column(notices, pn.pane.Markdown("# Autograd Playground", margin=(0, 10)),
                           pn.pane.Markdown(TAGLINE, margin=(0, 10)), sizing_mode="stretch_width")
        return pn.Column(header, wrapping_row(left, tabs, sizing_mode="stretch_width"), sizing_mode="stretch_width",
                         styles={"min-width": "0"})
