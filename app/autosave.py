"""The playground kept in the browser across visits: a reload, a closed tab or a crash loses nothing,
and nothing kept is ever overwritten beyond recall.

As the playground changes, Python hands the page a document (a saved playground file, app/persist.py,
with the loss curves, the undo record and the code cell's text) and the page keeps it in localStorage
at once (BrowserStorage, below). Each playground has its own slot: the last RECENT playgrounds stay,
each with its time, step and a summary, and the Recent menu reopens any of them. A share link, a loaded
file, a preset or a reopened playground starts a new slot (or takes the reopened one's), so the work
before it stays in Recent.

When it is kept: once the playground has been still for QUIET_MS (a burst of clicks is kept once), at
once on Pause, at least every TRAINING_SAVE_S while training, and when the page is hidden (another
tab, a closed window: the page asks Python to keep it now). What the page writes is always Python's
last word, and the page writes it synchronously as it arrives, so a reload or `pagehide` finds it
written; localStorage is the page's, and the Python state lives in the worker.

On the next visit the loader (app/site/web/loader.js) hands the newest slot to the worker before the
playground is built, so the page opens as it was left. What was kept is validated as a file is; one
that cannot be loaded is left in its slot (still in Recent) with a notice, and the page starts afresh.
"""
import json
import re
import time
import uuid
from dataclasses import dataclass, field

import panel as pn
import param

from app import i18n, persist

PREFIX = "autograd-playground/"   # (app/site/web/loader.js reads the same keys)
FORMAT = "autograd-playground-autosave"
VERSION = 1
RECENT = 10
QUIET_MS = 500
TRAINING_SAVE_S = 2.0
# A site gets about 5 MB of localStorage: a playground whose text with its weights would take more
# than this is kept without its undo record, then without its weights (its layers and settings still are).
MAX_KEPT_CHARS = 2_000_000
UNDO_KEPT_CHARS = 400_000
MAX_CODE_CHARS = 200_000
ID = re.compile(r"[A-Za-z0-9-]{1,40}")


class BrowserStorage(pn.custom.JSComponent):
    """The page's localStorage, in slots: writes `text` into the slot of `entry` whenever Python changes
    them, keeps the index of the last `limit` slots (newest first) and reports it as `recent`; reads a
    slot back for `wanted`; and asks Python to keep the playground when the page is hidden."""

    text = param.String(default="", doc="Python -> page: the playground to keep (a JSON document)")
    entry = param.String(default="", doc="Python -> page: its slot, as JSON {id, time, step, summary}")
    wanted = param.String(default="", doc="Python -> page: '<id>#<n>', a slot to read back")
    opened = param.String(default="", doc="page -> Python: '<wanted>\\n<the slot's text>'")
    recent = param.String(default="[]", doc="page -> Python: the index of slots, newest first (JSON)")
    flushes = param.Integer(default=0, doc="page -> Python: +1 when the page is hidden: keep it now")
    prefix = param.String(default=PREFIX, constant=True)
    limit = param.Integer(default=RECENT, constant=True)

    _esm = r"""
export function render({ model }) {
  const INDEX = model.prefix + "recent", SLOT = model.prefix + "kept/";
  const read = (key) => { try { return localStorage.getItem(key); } catch (error) { return null; } };
  const drop = (key) => { try { localStorage.removeItem(key); } catch (error) {} };
  const index = () => {
    try {
      const list = JSON.parse(read(INDEX) || "[]");
      return Array.isArray(list) ? list.filter((e) => e && typeof e.id === "string") : [];
    } catch (error) { return []; }
  };
  const publish = () => { model.recent = JSON.stringify(index()); };
  // (in the site, what is set before the page listens to Python's document would be lost: app/site/web/loader.js)
  const whenConnected = (report) => (window.playground?.connected ?? Promise.resolve()).then(report);
  let due = false;
  const keep = () => {
    due = false;
    if (!model.text || !model.entry) return;
    const entry = JSON.parse(model.entry);
    const list = [entry, ...index().filter((e) => e.id !== entry.id)];
    for (const old of list.splice(model.limit)) drop(SLOT + old.id);
    for (;;) {
      try {
        localStorage.setItem(SLOT + entry.id, model.text);
        localStorage.setItem(INDEX, JSON.stringify(list));
        break;
      } catch (error) {
        // Full (or disabled): the oldest other playground makes room; the page works on without storage.
        if (list.length <= 1) return;
        drop(SLOT + list.pop().id);
      }
    }
    publish();
  };
  // `entry` and `text` arrive in one patch: written once, after both.
  const soon = () => { if (!due) { due = true; queueMicrotask(keep); } };
  model.on("text", soon);
  model.on("entry", soon);
  // Answered after the patch that asked: a change made while the page applies Python's patch is not
  // sent back (app/site/web/loader.js), so it would never reach Python.
  model.on("wanted", () => queueMicrotask(() => {
    const id = model.wanted.split("#")[0];
    model.opened = model.wanted + "\n" + (read(SLOT + id) || "");
  }));
  const hidden = () => {
    if (due) keep();
    if (document.visibilityState === "hidden") model.flushes = model.flushes + 1;
  };
  document.addEventListener("visibilitychange", hidden);
  window.addEventListener("pagehide", () => { if (due) keep(); });
  whenConnected(publish);
}
"""


@dataclass(frozen=True)
class Restored:
    """What restoring a kept playground gave: the code cell's text (None: keep the default), the
    playground's id, its undo record, and a notice for the user."""
    code: str = None
    lessons: dict = None               # the lesson progress (app/lessons/progress.py), checked as it is taken
    notice: str = ""
    kind: str = "success"
    id: str = None
    undo: dict = field(default_factory=dict)

    @property
    def ok(self):
        return self.kind == "success"


def new_id():
    return uuid.uuid4().hex[:12]


def restore(session, text, what="autosave.last_visit", instead="autosave.new_instead"):
    """Load a kept playground into `session`; a document that cannot be loaded changes nothing. `what` and
    `instead`: the keys (app/i18n.py) of what it is and of what happens when it cannot be restored."""
    try:
        doc = persist.read_json(text, i18n.text("autosave.kept", session.language), 2 * MAX_KEPT_CHARS + MAX_CODE_CHARS,
                                session.language)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise persist.PlaygroundFileError(i18n.text("autosave.other_version", session.language))
        code = doc.get("code")
        if code is not None and (not isinstance(code, str) or len(code) > MAX_CODE_CHARS):
            raise persist.PlaygroundFileError(i18n.text("autosave.bad_code", session.language))
        kept_id = doc.get("id")
        if kept_id is not None and not (isinstance(kept_id, str) and ID.fullmatch(kept_id)):
            raise persist.PlaygroundFileError(i18n.text("autosave.bad_id", session.language))
        parsed = persist.parse(doc.get("playground"), language=session.language)
        history = persist.parse_history(doc["history"]) if "history" in doc and "weights" in parsed else None
        persist.apply(session, parsed)
    except persist.PlaygroundFileError as error:
        language = session.language
        return Restored(notice=i18n.text("autosave.not_restored", language, what=i18n.text(what, language),
                                         error=error, instead=i18n.text(instead, language)), kind="warning")
    if history is not None:
        session.restore_history(history)
    too_big = "weights" not in parsed and session.model is not None   # (an unbuilt network has none)
    return Restored(code=code, id=kept_id, undo=doc.get("undo") or {}, lessons=doc.get("lessons"),
                    notice=i18n.text("autosave.restored_without_weights" if too_big else "autosave.restored",
                                     session.language, step=session.step))


def summary(session):
    """One line that tells playgrounds apart in the Recent menu: the layers, the data, the loss."""
    losses = [v for v in session.history.get("train_loss", []) if v == v]
    language = session.language
    loss = " · " + i18n.text("autosave.loss", language, loss=f"{losses[-1]:.3g}") if losses else ""
    data = i18n.text(f"datasets.{session.data.dataset}", language)
    if session.model_expression:
        expression = session.model_expression
        expression = expression if len(expression) <= 40 else expression[:39] + "…"
        return i18n.text("autosave.from_cell", language, expression=expression, data=data) + loss
    types = [spec.get("type") if isinstance(spec, dict) and isinstance(spec.get("type"), str) else "?"
             for spec in session.network.layers]
    types = [t[:20] for t in types]
    layers = "·".join(types)
    layers = layers if len(layers) <= 48 else layers[:47] + "…"
    return i18n.text("autosave.layers", language, n=len(types), layers=layers, data=data) + loss


def _later(action, ms):
    """Run `action` once, `ms` from now; the returned timer's stop() cancels it."""
    return pn.state.add_periodic_callback(action, period=ms, count=1)


class Autosave:
    """Keeps the session (with `undo`'s record, the code cell's `code_editor` and the `lessons` progress, when
    given) in `storage` as they change, under the playground's id."""

    def __init__(self, session, code_editor=None, storage=None, schedule=_later, undo=None, playground_id=None,
                 lessons=None):
        self.session, self.code_editor, self.undo, self.lessons = session, code_editor, undo, lessons
        self.storage = storage if storage is not None else BrowserStorage(width=0, height=0, margin=0)
        self.id = playground_id or new_id()
        self._schedule = schedule
        self._timer = None
        self._saved_at = float("-inf")
        self._requests = 0
        self.on_reopened = None     # called with the Restored of a playground reopened from Recent
        session.param.watch(self._changed, ["version", "language"])
        session.param.watch(self._running, ["running"])
        if code_editor is not None:
            code_editor.param.watch(self._changed, ["value"])
        if lessons is not None:
            lessons.param.watch(self._changed, ["at", "passed", "drafts"])
        self.storage.param.watch(lambda _event: self.save(), ["flushes"])
        self.storage.param.watch(self._opened, ["opened"])

    def _changed(self, *_events):
        if self.session.running:
            # Every chunk of training is a change: kept at most every TRAINING_SAVE_S, and at least.
            due = time.monotonic() - self._saved_at >= TRAINING_SAVE_S - QUIET_MS / 1000
            if self._timer is None and due:
                self._timer = self._schedule(self._due, QUIET_MS)
            return
        # Once the user has paused for QUIET_MS: a burst of clicks is saved once, after it, not during it.
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._schedule(self._due, QUIET_MS)

    def _running(self, event):
        if event.old and not event.new:     # Pause (or an error stopped training): keep it now
            self.save()

    def _due(self):
        self._timer = None
        self.save()

    def save(self):
        """Keep the playground now (a save that was due is then done)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._saved_at = time.monotonic()
        try:
            text = self.document()
        except Exception:   # e.g. a GPU that just failed: the session falls back, and its next change saves
            return
        entry = {"id": self.id, "time": round(time.time() * 1000), "step": self.session.step,
                 "summary": summary(self.session)}
        self.storage.param.update(entry=json.dumps(entry), text=text)

    def document(self):
        code = self.code_editor.value if self.code_editor is not None else None
        kept = {"format": FORMAT, "version": VERSION, "id": self.id, "code": code,
                "playground": persist.snapshot(self.session), "history": self.session.kept_history(),
                "undo": self.undo.kept(UNDO_KEPT_CHARS) if self.undo is not None else {},
                "lessons": self.lessons.kept() if self.lessons is not None else None}
        text = persist.dumps(kept, separators=(",", ":"))
        if len(text) > MAX_KEPT_CHARS:
            kept["undo"] = {}
            text = persist.dumps(kept, separators=(",", ":"))
        if len(text) > MAX_KEPT_CHARS:
            kept["playground"] = persist.snapshot(self.session, weights=False)
            del kept["history"]
            text = persist.dumps(kept, separators=(",", ":"))
        return text

    # ---- more than one playground --------------------------------------------------------------
    def start_new(self):
        """What follows is another playground (a link, a file, a preset): the one so far stays in its
        slot, kept as it is now."""
        self.save()
        self.id = new_id()

    def recent(self):
        """The index of kept playgrounds, newest first: [{id, time, step, summary}] (as the page reports)."""
        try:
            entries = json.loads(self.storage.recent)
        except ValueError:
            return []
        if not isinstance(entries, list):
            return []
        return [e for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)
                and ID.fullmatch(e["id"])][:RECENT]

    def reopen(self, playground_id):
        """Ask the page for a kept playground; it comes back through `opened`."""
        if playground_id == self.id:
            return
        self._requests += 1
        self.storage.wanted = f"{playground_id}#{self._requests}"

    def _opened(self, event):
        request, _, text = event.new.partition("\n")
        if request != self.storage.wanted:
            return
        playground_id = request.split("#")[0]
        if not text:
            restored = Restored(notice=i18n.text("autosave.gone", self.session.language), kind="warning")
        else:
            self.save()
            restored = restore(self.session, text, what="autosave.that_one", instead="autosave.as_it_was")
        if restored.ok:
            self.id = restored.id or playground_id
            if self.undo is not None:
                self.undo.take_kept(restored.undo)
            if self.code_editor is not None and restored.code is not None:
                self.code_editor.value = restored.code
            restored = Restored(notice=i18n.text("autosave.reopened", self.session.language, step=self.session.step),
                                id=self.id)
            self.save()
        if self.on_reopened is not None:
            self.on_reopened(restored)
