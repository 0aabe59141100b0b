"""Notices where the eye is: what went wrong (or what just happened) shown at the top of the window,
over the playground, whatever part of the page is scrolled into view, until the student dismisses it
or the cause is fixed.

Each notice has a key: a new notice with the same key replaces the old one (one per cause: "error" for
the session's last error, "file" for files, links and kept playgrounds, "field-lr" for a refused
setting), and `clear(key)` takes it away once fixed. The strip floats at the top of the window (fixed
position), so a notice appearing moves nothing under the mouse of someone dragging layers.

Stable hooks for browser tests: .pg-notices, .pg-notice[data-key=...], .pg-notice-dismiss; the notice
of key "error" also has the class pg-alert, of key "file" pg-file-message.
"""
import panel as pn
import param

KINDS = ("info", "success", "warning", "danger")
EXTRA_CLASS = {"error": "pg-alert", "file": "pg-file-message"}


class Notices(pn.custom.JSComponent):
    items = param.List(default=[], doc="Python -> page: [{key, kind, text}], newest first")
    dismissed = param.String(default="", doc="page -> Python: '<key>#<count>' of the notice closed")
    dismiss_label = param.String(default="Dismiss this notice", doc="Python -> page: what the × button says")

    _esm = r"""
export function render({ model, el }) {
  const strip = document.createElement("div");
  strip.className = "pg-notices";
  strip.setAttribute("role", "status");
  strip.setAttribute("aria-live", "polite");
  el.append(strip);
  let count = 0;
  const draw = () => {
    strip.replaceChildren(...model.items.map((item) => {
      const box = document.createElement("div");
      box.className = `pg-notice pg-notice-${item.kind} ${item.extra || ""}`;
      box.dataset.key = item.key;
      const text = document.createElement("span");
      text.textContent = item.text;
      const close = document.createElement("button");
      close.className = "pg-notice-dismiss";
      close.textContent = "×";
      close.title = model.dismiss_label;
      close.setAttribute("aria-label", model.dismiss_label);
      close.addEventListener("click", () => {
        box.remove();
        count += 1;
        model.dismissed = `${item.key}#${count}`;
      });
      box.append(text, close);
      return box;
    }));
  };
  model.on(["items", "dismiss_label"], draw);
  draw();
}
"""
    _stylesheets = ["""
.pg-notices { position: fixed; top: 8px; left: 50%; transform: translateX(-50%); z-index: 1000;
  width: min(640px, calc(100vw - 16px)); display: flex; flex-direction: column; gap: 6px;
  font-family: system-ui, sans-serif; font-size: 14px; pointer-events: none; }
.pg-notice { pointer-events: auto; display: flex; align-items: flex-start; gap: 8px; padding: 8px 10px;
  border-radius: 6px; border: 1px solid; box-shadow: 0 2px 8px rgba(0,0,0,.15); line-height: 1.35;
  max-height: 30vh; overflow: auto; }
.pg-notice span { flex: 1; overflow-wrap: anywhere; }
.pg-notice-info { background: #e8f1fb; border-color: #9cc3ea; color: #123; }
.pg-notice-success { background: #e9f7ee; border-color: #8fd0a5; color: #123; }
.pg-notice-warning { background: #fff6e0; border-color: #e8c36a; color: #3a2a00; }
.pg-notice-danger { background: #fdecec; border-color: #e59a9a; color: #5a0f0f; }
.pg-notice-dismiss { border: none; background: transparent; font-size: 18px; line-height: 1; cursor: pointer;
  color: inherit; padding: 0 2px; }
"""]

    def __init__(self, **params):
        super().__init__(width=0, height=0, margin=0, **params)
        self.param.watch(self._on_dismissed, "dismissed")

    def show(self, key, text, kind="info"):
        """Show `text` (plain text, not HTML) under `key`, replacing that key's notice; newest first."""
        if kind not in KINDS:
            raise ValueError(f"unknown notice kind {kind!r}")
        item = {"key": key, "kind": kind, "text": text, "extra": EXTRA_CLASS.get(key, "")}
        self.items = [item] + [i for i in self.items if i["key"] != key]

    def clear(self, key):
        if any(i["key"] == key for i in self.items):
            self.items = [i for i in self.items if i["key"] != key]

    def text(self, key):
        """The text of the notice under `key`, or None (for tests and the status line)."""
        return next((i["text"] for i in self.items if i["key"] == key), None)

    def kind(self, key):
        return next((i["kind"] for i in self.items if i["key"] == key), None)

    def _on_dismissed(self, event):
        self.clear(event.new.split("#")[0])
