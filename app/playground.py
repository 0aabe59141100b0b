"""The playground page: the controls, the network builder and the views over one Session.

Left: the lessons (app/lessons/panel.py), presets, the action buttons with the status line, the network builder, then the data,
training, device and file settings. Right: tabs "See it" (the views), "Code cell" and "PyTorch code".
The views that matter most while stepping (the graph, the inspector) and while training (the
decision boundary or the images, the loss curves) come first, so a student sees them without
scrolling. Which of them are shown, and when, is the views' business (app/views).
"""
import panel as pn
from bokeh.models import TabPanel as BkTabPanel

from app import autosave, i18n, panel_updates
from app.builder import code_model_note, network_builder
from app.codecell import TUTORIAL, code_cell
from app.controls import (Controls, code_export, data_widgets, device_widgets, file_widgets, hyper_widgets, presets,
                          recent_menu)
from app import lessons as lesson_files
from app.lessons.panel import LessonsPanel
from app.lessons.progress import Progress
from app.notices import Notices
from app.session import Session
from app.views import Views
from app.views.panels import until_shown, wrapping_row

LEFT_WIDTH = 480   # five action buttons (76 px and their margins) in one line
VIEWS_MIN_WIDTH = 560
# A fixed-width column on a screen narrower than it: as wide as the screen. (Bokeh gives a layout the
# minimum width of its contents, which would keep the page as wide as the widest row.)
NARROW_OK = {"max-width": "100%", "min-width": "0"}
TABS = ("tabs.see_it", "tabs.code_cell", "tabs.pytorch_code")


class Playground:
    def __init__(self, session=None, kept=None, languages=()):
        """`kept`: what the page kept of the last visit (app/autosave.py), restored before anything is drawn;
        `languages`: the browser's (navigator.languages), whose first that we have is the page's language
        unless the kept playground says otherwise."""
        panel_updates.install()
        self.session = session or Session()
        if languages:
            self.session.language = i18n.preferred(languages)
        self.restored = autosave.restore(self.session, kept) if kept else None
        progress = Progress()
        if self.restored and self.restored.ok:
            progress.take_kept(self.restored.lessons, lesson_files.load(self.session.language))
        self.lessons = LessonsPanel(self.session, progress)
        self.notices = Notices()
        self.controls = Controls(self.session, self.notices)
        self.views = Views(self.session)
        self.controls.more_keys.update(self.views.stepthrough.keys())

    def view(self):
        s, c, notices, restored = self.session, self.controls, self.notices, self.restored
        cell = code_cell(s, on_show=lambda: setattr(tabs, "active", 0),
                         source=restored.code if restored and restored.code is not None else TUTORIAL,
                         check=self.lessons.check, on_answer=self.lessons.answered)
        editor = cell.select(pn.widgets.TextAreaInput)[0]
        self.autosave = autosave.Autosave(s, code_editor=editor, undo=c.history, lessons=self.lessons.progress,
                                          playground_id=restored.id if restored and restored.ok else None)
        run = next(b for b in cell.select(pn.widgets.Button) if "pg-run" in b.css_classes)
        self.lessons.attach(editor, run, keeper=self.autosave,
                            open_view=lambda view: setattr(tabs, "active", 1 if view == "code" else 0))
        if restored:
            c.history.take_kept(restored.undo)
            notices.show("file", restored.notice, restored.kind)
        half = {"width": LEFT_WIDTH // 2, "styles": NARROW_OK}
        settings = wrapping_row(pn.Column(data_widgets(s, notices), **half),
                                pn.Column(hyper_widgets(s, notices), device_widgets(s), **half), margin=0)
        files = file_widgets(s, notices, keeper=self.autosave)
        actions = wrapping_row(c.forward, c.backward, c.step, c.train, c.reset, margin=0)
        left = pn.Column(self.lessons.panel(), presets(s, self.autosave), actions,
                         c.keys, wrapping_row(c.status, c.undo, c.redo, recent_menu(self.autosave, notices), margin=0),
                         code_model_note(s), network_builder(s), settings, files, width=LEFT_WIDTH, styles=NARROW_OK)
        parts = self.views.parts()
        for name, part in parts.items():   # where a lesson step's view is (app/lessons/panel.view_class)
            part.css_classes = [*part.css_classes, f"pg-view-{name}"]
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
        tabs = pn.Tabs(("", see_it), sizing_mode="stretch_width",
                       styles={"flex": f"1 1 {VIEWS_MIN_WIDTH}px", "min-width": "0", "overflow-x": "auto"})
        tabs.extend([("", cell), ("", code_export(s))])
        i18n.follow(s, lambda say: retitle(tabs, [say(key) for key in TABS]))
        title = pn.pane.Markdown("", margin=(0, 10))
        tagline = pn.pane.Markdown("", margin=(0, 10))

        def translate(say):
            title.object = f"# {say('page.title')}"
            tagline.object = say("page.tagline")
            notices.dismiss_label = say("notices.dismiss")
        i18n.follow(s, translate)
        top = wrapping_row(title, language_switch(s), margin=0, align="center")
        header = pn.Column(notices, top, tagline, sizing_mode="stretch_width")
        return pn.Column(header, wrapping_row(left, tabs, sizing_mode="stretch_width"), sizing_mode="stretch_width",
                         styles={"min-width": "0"})


def language_switch(session):
    """English / 简体中文, each named in its own language: the page switches in place, nothing is lost."""
    switch = pn.widgets.RadioButtonGroup(options={name: key for key, name in i18n.LANGUAGES.items()},
                                         value=session.language, button_type="light", css_classes=["pg-language"],
                                         margin=(12, 10), align="center")
    switch.param.watch(lambda event: setattr(session, "language", event.new), "value")
    session.param.watch(lambda event: setattr(switch, "value", event.new), "language")
    return switch


def retitle(tabs, titles):
    """New titles for the first len(titles) tabs: the tabs' contents and the open tab stay as they are. BokehJS
    redraws a tab's header only for a new TabPanel, and reuses the drawing of a child it already shows; Panel
    would build the children anew, so its rendered TabPanels are swapped here for ones with the new titles."""
    tabs._names = list(titles) + tabs._names[len(titles):]
    for ref, panels in tabs._panels.items():
        model = tabs._models[ref][0]
        for pane, title in zip(tabs.objects, titles):
            old = panels.get(id(pane))
            if old is not None:
                panels[id(pane)] = BkTabPanel(title=title, name=old.name, child=old.child, closable=old.closable)
        model.tabs = [panels.get(id(pane), tab) for pane, tab in zip(tabs.objects, model.tabs)]
