"""The Lessons panel of the page: the lessons and their steps, the open step's text and task, Run and check,
Back / Next, the verdict in words, and a link to the step.

Opening a step puts its code (or the student's own edit of it, kept in Progress.drafts) into the code cell and
brings the cell forward. "Run and check" presses the cell's Run: the code runs in the cell's own Python, and
the step's check is evaluated there right after it (app/codecell.run_cell), so it shares the cell's Stop. Any
run of the cell while a step is open is checked the same way. After a run without an error the step's view
is brought forward (`open_view`) and scrolled to (ViewOpener). A `#lesson=2.3` link opens that step
(LessonAddress).

Hooks for browser tests: .pg-lessons (the card), .pg-lesson-select, .pg-lesson-steps, .pg-lesson-text,
.pg-lesson-task, .pg-lesson-run, .pg-lesson-back, .pg-lesson-next, .pg-lesson-verdict (data: its text),
.pg-lesson-progress, .pg-lesson-link (an <a href="#lesson=2.3">).
"""
import html

import panel as pn
import param

from app import lessons as lesson_files
from app.codecell import TUTORIAL
from app.i18n import text
from app.lessons.progress import Progress
from app.state import PRESETS


class LessonAddress(pn.custom.JSComponent):
    """The page's `#lesson=2.3` address: found at load or pasted later, it comes in as `incoming` and leaves
    the address bar once Python has read it (`clear`), as a share link does (app/controls.ShareLink), so that a
    reload reopens the progress kept since. (Drawn outside the card: a collapsed card's contents are not.)"""

    incoming = param.String(default="", doc="page -> Python: the step a #lesson= address names")
    clear = param.Integer(default=0, doc="Python -> page: +1 to take #lesson= out of the address bar")

    _esm = r"""
export function render({ model }) {
  model.on("clear", () => {
    if (location.hash.startsWith("#lesson=")) history.replaceState(null, "", location.pathname + location.search);
  });
  // (in the site, what is set before the page listens to Python's document would be lost: app/site/web/loader.js)
  const whenConnected = (report) => (window.playground?.connected ?? Promise.resolve()).then(report);
  const receive = () => {
    if (location.hash.startsWith("#lesson=")) model.incoming = decodeURIComponent(location.hash.slice(8));
  };
  window.addEventListener("hashchange", receive);
  model.on("remove", () => window.removeEventListener("hashchange", receive));
  whenConnected(receive);
}
"""


class ViewOpener(pn.custom.JSComponent):
    """Scrolls the page to the element with the class `target` (searched through the shadow roots BokehJS
    draws into) each time `requests` grows, unless its top is in sight: a step's view, once its tab is shown."""

    target = param.String(default="")
    requests = param.Integer(default=0)

    _esm = r"""
function find(root, name) {
  const hit = root.querySelector("." + name);
  if (hit) return hit;
  for (const el of root.querySelectorAll("*")) {
    const inside = el.shadowRoot && find(el.shadowRoot, name);
    if (inside) return inside;
  }
  return null;
}
export function render({ model }) {
  // after the patch that shows the view's tab has been laid out and painted; a view whose top is in sight
  // already (the graph, at the top of its tab) leaves the page where it is
  model.on("requests", () => requestAnimationFrame(() => setTimeout(() => {
    const view = find(document, model.target);
    const top = view?.getBoundingClientRect().top;
    if (view && (top < 0 || top > 0.6 * window.innerHeight)) view.scrollIntoView({ behavior: "smooth", block: "start" });
  }, 50)));
}
"""


def view_class(view):
    """The class the page gives the panel of a step's view (lessons.VIEWS), for ViewOpener to find."""
    return f"pg-view-{'graph' if view == 'stepthrough' else view}"


class LessonsPanel:
    """The lessons over one code cell. Build it, give the code cell its `check` and `answered`, then `attach`
    the cell: `panel()` is the card for the page. The lessons and the panel's words follow the session's
    language."""

    def __init__(self, session, progress=None):
        self.session, self.language = session, session.language
        self.progress = progress if progress is not None else Progress()
        self.lessons = lesson_files.load(self.language)
        self.editor = self.run_button = self.keeper = None
        self.open_view = lambda view: None
        self._checking = None     # the step whose check the run in flight evaluates
        self._moving = False      # the panel sets its own widgets: their watchers must not act
        t = self.t
        self.select = pn.widgets.Select(name=t("lesson"), options={}, css_classes=["pg-lesson-select"],
                                        sizing_mode="stretch_width")
        self.steps = pn.widgets.RadioButtonGroup(options={}, css_classes=["pg-lesson-steps"], button_type="default",
                                                 button_style="outline", sizing_mode="stretch_width")
        self.text = pn.pane.Markdown("", css_classes=["pg-lesson-text"], sizing_mode="stretch_width", margin=(0, 10))
        self.task = pn.pane.Markdown("", css_classes=["pg-lesson-task"], sizing_mode="stretch_width", margin=(0, 10),
                                     styles={"background": "#fff8e1", "border-left": "3px solid #f0b400",
                                             "padding": "0 6px"})
        self.run = pn.widgets.Button(name=t("run"), button_type="primary", css_classes=["pg-lesson-run"], width=135,
                                     margin=(5, 5))
        self.back = pn.widgets.Button(name=t("back"), css_classes=["pg-lesson-back"], width=85, margin=(5, 5))
        self.next = pn.widgets.Button(name=t("next"), css_classes=["pg-lesson-next"], width=85, margin=(5, 5))
        self.start_over = pn.widgets.Button(name=t("start_over"), css_classes=["pg-lesson-start-over"], width=95,
                                            margin=(5, 5), description=t("start_over_help"))
        self.verdict = pn.pane.Markdown("", css_classes=["pg-lesson-verdict"], sizing_mode="stretch_width",
                                        margin=(0, 10))
        self.count = pn.pane.Markdown("", css_classes=["pg-lesson-progress"], margin=(0, 10))
        self.link = pn.pane.HTML("", css_classes=["pg-lesson-link"], margin=(8, 10))
        self.address = LessonAddress(width=0, height=0, margin=0)
        self.opener = ViewOpener(width=0, height=0, margin=0)
        self.intro = pn.pane.Markdown(t("intro"), margin=(0, 10), styles={"color": "#555", "font-size": "12px"})
        self.card = pn.Card(
            self.intro,
            self.select, self.steps, self.text, self.task,
            pn.Row(self.run, self.back, self.next, self.start_over, margin=0, styles={"flex-wrap": "wrap"}),
            self.verdict, pn.Row(self.count, self.link, margin=0), title=t("title"),
            collapsed=not self.progress.at,
            css_classes=["pg-lessons"], sizing_mode="stretch_width", margin=(5, 5))
        self.select.param.watch(self._lesson_chosen, "value")
        self.steps.param.watch(self._step_chosen, "value")
        self.run.on_click(lambda _e: self.run_step())
        self.back.on_click(lambda _e: self._move(-1))
        self.next.on_click(lambda _e: self._move(+1))
        self.start_over.on_click(lambda _e: self._start_over())
        self.address.param.watch(self._link_opened, "incoming")
        self.progress.param.watch(lambda _e: self._show(), ["passed"])
        self._waiting_language = None   # a language switch made while the card was collapsed
        session.param.watch(lambda event: self._language_changed(event.new), "language")
        self.card.param.watch(self._card_toggled, "collapsed")
        self._shown = lesson_files.find(self.lessons, self.progress.at) or (0, 0)
        self._show()

    def t(self, key, **fields):
        return text(f"lessons.{key}", self.language, **fields)

    def set_language(self, language):
        """The lessons and the panel's words in `language`, at the same step, with the same progress."""
        self.language, self.lessons = language, lesson_files.load(language)
        t = self.t
        self.card.title, self.intro.object, self.select.name = t("title"), t("intro"), t("lesson")
        self.run.name, self.back.name, self.start_over.name = t("run"), t("back"), t("start_over")
        self.start_over.description = t("start_over_help")
        self.verdict.object = ""   # (said in the other language)
        self._show()

    def _language_changed(self, language):
        # A collapsed card's widgets are not drawn in the page, and BokehJS fails on new options for a Select or
        # a button group it never drew (and then drops the rest of the patch): only the card's title changes
        # now, the rest when the card opens.
        if self.card.collapsed:
            self._waiting_language = language
            self.card.title = text("lessons.title", language)
        else:
            self.set_language(language)

    def _card_toggled(self, event):
        if not event.new and self._waiting_language is not None:
            language, self._waiting_language = self._waiting_language, None
            self.set_language(language)

    def attach(self, editor, run_button, open_view=None, keeper=None):
        """The code cell's editor and Run button; `open_view(name)` brings a view (lessons.VIEWS) forward;
        `keeper` (app/autosave.Autosave): a preset a step applies starts a new playground there."""
        self.editor, self.run_button, self.keeper = editor, run_button, keeper
        if open_view is not None:
            self.open_view = open_view

    def panel(self):
        return pn.Column(self.card, self.address, self.opener, margin=0, sizing_mode="stretch_width")

    # ---- the step shown and the step open --------------------------------------------------------
    @property
    def step(self):
        lesson, step = self._shown
        return self.lessons[lesson].steps[step]

    def open(self, lesson, step):
        """Open a step: its code (or the student's edit of it) into the code cell, the cell forward. The first
        step opened over code of the student's own starts a new playground: that code stays in Recent."""
        if not self.progress.at and self.keeper is not None and self.editor is not None \
                and self.editor.value.strip() != TUTORIAL.strip():
            self.keeper.start_new()
        self._keep_draft()
        self._shown = (lesson, step)
        opened = self.step
        self.progress.at = opened.id
        if self.editor is not None:
            self.editor.value = self.progress.drafts.get(opened.id, opened.code)
        if opened.preset is not None:
            self._use_preset(opened.preset)
        self.verdict.object = ""
        self._show()
        self.open_view("code")

    def run_step(self):
        """Run and check: open the shown step first if it is not open, then press the cell's Run."""
        if self.progress.at != self.step.id:
            self.open(*self._shown)
        if self.run_button.disabled:   # the cell is running already: its answer will be checked
            return
        self.verdict.object = self.t("running")
        self.run_button.clicks += 1

    def check(self):
        """The code cell asks before each run: the open step's check, or None."""
        opened = lesson_files.find(self.lessons, self.progress.at)
        self._checking = self.lessons[opened[0]].steps[opened[1]] if opened else None
        return self._checking.check if self._checking else None

    def answered(self, answer):
        """The code cell's answer to a run: the verdict in words, the step passed, its view forward."""
        step, self._checking = self._checking, None
        if step is None:
            return
        if answer.get("stopped"):
            verdict = self.t("stopped")
        elif answer.get("passed"):
            verdict = self.t("passed", check=step.check)
            self.progress.mark_passed(step.id)
        elif answer.get("error"):
            verdict = self.t("not_yet_error", error=answer["error"].splitlines()[0])
        elif answer.get("check_error"):
            verdict = self.t("not_yet_check", check=step.check, error=answer["check_error"])
        else:
            verdict = self.t("not_yet", check=step.check)
        if step.id == self.step.id:
            self.verdict.object = verdict
        if not answer.get("stopped") and not answer.get("error"):
            self.open_view(step.view)
            if step.view != "code":
                self.opener.param.update(target=view_class(step.view), requests=self.opener.requests + 1)

    # ---- internals -----------------------------------------------------------------------------
    def _keep_draft(self):
        opened = lesson_files.find(self.lessons, self.progress.at)
        if opened is not None and self.editor is not None:
            lesson, step = opened
            original = self.lessons[lesson].steps[step].code
            self.progress.keep_draft(self.progress.at, self.editor.value, original)

    def _start_over(self):
        if self.progress.at == self.step.id and self.editor is not None:
            self.editor.value = self.step.code
        self.open(*self._shown)

    def _use_preset(self, key):
        preset = PRESETS[key]
        if self.session.data.dataset == preset["data"]["dataset"] and \
                self.session.data.image_mode == preset["data"].get("image_mode", self.session.data.image_mode):
            return   # its data is there already: the student's network and weights stay
        if self.keeper is not None:
            self.keeper.start_new()
        self.session.configure(preset["network"], preset["data"], preset["hyper"])

    def _move(self, by):
        lesson, step = self._shown
        steps = self.lessons[lesson].steps
        if 0 <= step + by < len(steps):
            self.open(lesson, step + by)
        elif by > 0 and lesson + 1 < len(self.lessons):
            self.open(lesson + 1, 0)
        elif by < 0 and lesson > 0:
            self.open(lesson - 1, len(self.lessons[lesson - 1].steps) - 1)

    def _lesson_chosen(self, event):
        if not self._moving and event.new is not None:
            self.open(event.new, 0)

    def _step_chosen(self, event):
        if not self._moving and event.new is not None:
            self.open(self._shown[0], event.new)

    def _link_opened(self, event):
        if not event.new:
            return
        found = lesson_files.find(self.lessons, event.new)
        self.card.collapsed = False
        if found is None:
            self.verdict.object = self.t("bad_link", step=event.new[:20], lessons=len(self.lessons))
        elif lesson_files.find(self.lessons, self.progress.at) != found:
            self.open(*found)
        else:
            self.open_view("code")
        self.address.incoming = ""
        self.address.clear += 1

    def _show(self):
        """The widgets as the shown step and the progress say."""
        lesson_index, step_index = self._shown
        lesson, step, passed = self.lessons[lesson_index], self.step, set(self.progress.passed)
        done = lambda l: sum(s.id in passed for s in l.steps)
        total = sum(len(l.steps) for l in self.lessons)
        self._moving = True
        try:
            self.select.options = {self.t("lesson_option", number=l.number, title=l.title, done=done(l),
                                          total=len(l.steps)): i for i, l in enumerate(self.lessons)}
            self.select.value = lesson_index
            self.steps.options = {f"{i} ✓" if s.id in passed else str(i): i - 1 for i, s in enumerate(lesson.steps, 1)}
            self.steps.value = step_index
        finally:
            self._moving = False
        self.text.object = (f"#### {self.t('step_heading', number=step_index + 1, total=len(lesson.steps), title=step.title)}"
                            f"\n\n{step.text}")
        self.task.object = f"**{self.t('try_this')}** {step.task}"
        last = lesson_index == len(self.lessons) - 1 and step_index == len(lesson.steps) - 1
        self.next.name = self.t("done") if last else self.t("next")
        self.next.disabled = last
        self.back.disabled = lesson_index == 0 and step_index == 0
        all_done = sum(done(l) for l in self.lessons)
        self.count.object = self.t("finished") if all_done == total else self.t("progress", done=all_done, total=total)
        self.link.object = (f'<a href="#lesson={step.id}" title="{html.escape(self.t("link_help"))}" '
                            f'style="font-size: 12px">{html.escape(self.t("link"))}</a>')
