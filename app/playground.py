"""The playground page: the controls, the network builder and the views over one Session.

Left: presets, the action buttons with the status line, the network builder, then the data,
training, device and file settings. Right: tabs "See it" (the views), "Code cell" and "PyTorch code".
The views that matter most while stepping (the graph, the inspector) and while training (the
decision boundary or the images, the loss curves) come first, so a student sees them without
scrolling. Which of them are shown, and when, is the views' business (app/views).
"""
import panel as pn

from app import autosave
from app.builder import network_builder
from app.codecell import TUTORIAL, code_cell
from app.controls import (Controls, code_export, data_widgets, device_widgets, file_widgets, hyper_widgets, presets,
                          recent_menu)
from app.notices import Notices
from app.session import Session
from app.views import Views
from app.views.panels import until_shown, wrapping_row

LEFT_WIDTH = 470
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

    def view(self):
        s, c, notices, restored = self.session, self.controls, self.notices, self.restored
        cell = code_cell(s, on_show=lambda: setattr(tabs, "active", 0),
                         source=restored.code if restored and restored.code is not None else TUTORIAL)
        self.autosave = autosave.Autosave(s, code_editor=cell.select(pn.widgets.TextAreaInput)[0], undo=c.history,
                                          playground_id=restored.id if restored and restored.ok else None)
        if restored:
            c.history.take_kept(restored.undo)
            notices.show("file", restored.notice, restored.kind)
        settings = pn.Row(pn.Column(data_widgets(s, notices), width=LEFT_WIDTH // 2),
                          pn.Column(hyper_widgets(s, notices), device_widgets(s), width=LEFT_WIDTH // 2), margin=0)
        files = file_widgets(s, notices, keeper=self.autosave)
        left = pn.Column(presets(s, self.autosave), pn.Row(c.forward, c.backward, c.step, c.train, c.reset, margin=0),
                         c.keys, pn.Row(c.status, c.undo, c.redo, recent_menu(self.autosave, notices), margin=0),
                         network_builder(s), settings, files, width=LEFT_WIDTH)
        parts = self.views.parts()
        # Side by side while both fit, one under the other on a narrow page, never cut off. (In CSS only:
        # Panel would give their row the sum of `min_width`s as its own, and the row could never wrap.)
        for name, width in (("boundary", 420), ("curves", 400)):
            parts[name].styles = {**parts[name].styles, "min-width": f"{width}px"}
        see_it = pn.Column(parts["graph"], parts["inspector"],
                           wrapping_row(parts["boundary"], until_shown(parts["images"]), parts["curves"],
                                        sizing_mode="stretch_width"),
                           parts["gradflow"], sizing_mode="stretch_width")
        tabs = pn.Tabs(("See it", see_it), sizing_mode="stretch_width")
        tabs.extend([("Code cell", cell), ("PyTorch code", code_export(s))])
        header = pn.Column(notices, pn.pane.Markdown("# Autograd Playground", margin=(0, 10)),
                           pn.pane.Markdown(TAGLINE, margin=(0, 10)), sizing_mode="stretch_width")
        return pn.Column(header, pn.Row(left, tabs, sizing_mode="stretch_width"), sizing_mode="stretch_width")
