"""The playground kept in the browser across visits: a reload, a closed tab or a crash loses nothing.

As the playground changes, Python hands the page a document (a saved playground file, app/persist.py,
plus the code cell's text) and the page keeps it in localStorage. On the next visit the loader
(app/site/web/loader.js) gives what it kept to the worker before the playground is built, so the page opens
as it was left, unless it was opened with a share link, which wins. What was kept is validated as a
file is; one that cannot be loaded is dropped with a notice, and the page starts afresh.

Saving costs a snapshot (one read-back on a GPU) and a message to the page, so it waits until the
playground has been still for QUIET_MS (a burst of changes is saved once) and, while training, happens
at most every TRAINING_SAVE_S.
"""
import json
import time
from dataclasses import dataclass

import panel as pn
import param

from app import persist

STORAGE_KEY = "autograd-playground/last"   # (app/site/web/loader.js reads the same key)
FORMAT = "autograd-playground-autosave"
VERSION = 1
QUIET_MS = 800
TRAINING_SAVE_S = 10.0
# A site gets about 5 MB of localStorage: a playground whose text with its weights would take more
# than this is kept without them (its layers and settings still are).
MAX_KEPT_CHARS = 2_000_000
MAX_CODE_CHARS = 200_000


class BrowserStorage(pn.custom.JSComponent):
    """Writes `text` into the page's localStorage whenever Python changes it."""

    text = param.String(default="", doc="Python -> page: the playground to keep (a JSON document)")
    key = param.String(default=STORAGE_KEY, constant=True)

    _esm = r"""
export function render({ model }) {
  const keep = () => {
    if (!model.text) return;
    try {
      localStorage.setItem(model.key, model.text);
    } catch (error) {}  // storage full, or disabled (some private windows): the page works on without it
  };
  model.on("text", keep);
  keep();
}
"""


@dataclass(frozen=True)
class Restored:
    """What restoring the last visit's playground gave: the code cell's text (None: keep the default),
    and a notice for the user."""
    code: str = None
    notice: str = ""
    kind: str = "success"


def restore(session, text):
    """Load what the last visit kept into `session`; a document that cannot be loaded changes nothing."""
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise persist.PlaygroundFileError("it is not a playground this version keeps")
        code = doc.get("code")
        if code is not None and (not isinstance(code, str) or len(code) > MAX_CODE_CHARS):
            raise persist.PlaygroundFileError("its code cell text is not text, or too long")
        persist.apply(session, persist.parse(doc.get("playground")))
    except ValueError as error:   # PlaygroundFileError and JSON's errors alike
        return Restored(notice=f"The playground of your last visit could not be restored ({error}); "
                               "this is a new one.", kind="warning")
    too_big = "weights" not in doc["playground"] and session.model is not None   # (an unbuilt network has none)
    weights = " (its layers and settings: the weights were too big to keep)" if too_big else ""
    return Restored(code=code, notice=f"Restored your playground as you left it, at step {session.step}{weights}. "
                                      "A preset starts a new one.")


def _later(action, ms):
    """Run `action` once, `ms` from now; the returned timer's stop() cancels it."""
    return pn.state.add_periodic_callback(action, period=ms, count=1)


class Autosave:
    """Keeps the session (and the code cell's `code_editor`, when given) in `storage` as they change."""

    def __init__(self, session, code_editor=None, storage=None, schedule=_later):
        self.session, self.code_editor = session, code_editor
        self.storage = storage if storage is not None else BrowserStorage(width=0, height=0, margin=0)
        self._schedule = schedule
        self._timer = None
        self._saved_at = float("-inf")
        session.param.watch(self._changed, ["version"])
        if code_editor is not None:
            code_editor.param.watch(self._changed, ["value"])

    def _changed(self, *_events):
        if self.session.running:      # every chunk of training is a change: at most every TRAINING_SAVE_S
            if self._timer is None and time.monotonic() - self._saved_at >= TRAINING_SAVE_S:
                self._timer = self._schedule(self.save, QUIET_MS)
            return
        # Once the user has paused for QUIET_MS: a burst of clicks is saved once, after it, not during it.
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._schedule(self.save, QUIET_MS)

    def save(self):
        self._timer = None
        self._saved_at = time.monotonic()
        try:
            self.storage.text = self.document()
        except Exception:   # e.g. a GPU that just failed: the session falls back, and its next change saves
            return

    def document(self):
        code = self.code_editor.value if self.code_editor is not None else None
        kept = {"format": FORMAT, "version": VERSION, "playground": persist.snapshot(self.session), "code": code}
        text = json.dumps(kept, separators=(",", ":"))
        if len(text) > MAX_KEPT_CHARS:
            kept["playground"] = persist.snapshot(self.session, weights=False)
            text = json.dumps(kept, separators=(",", ":"))
        return text
