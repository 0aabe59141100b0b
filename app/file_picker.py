"""A file chooser that hands Python a chosen file's name and text in one change.

Panel's FileInput sends the content and the name as separate changes, and in the site's worker they
arrive one at a time: a message about the file read at the first would name the previous file. Here
the page reads the file and sets `chosen` once, with its name, size and text; a file over `max_bytes`
is not read at all (its size is enough to refuse it). Choosing the same file again is a new choice.
"""
import panel as pn
import param


class FilePicker(pn.custom.JSComponent):
    """`chosen`: {"name", "size", "text", "choice"} of the file the student picked ("text" is None when
    the file is over `max_bytes` or is not text)."""

    accept = param.String(default="", doc="file types offered, as <input accept>")
    max_bytes = param.Integer(default=64 * 1024 * 1024, doc="larger files are refused unread")
    chosen = param.Dict(default={}, doc="page -> Python: the file chosen")
    label = param.String(default="Choose a file…", doc="the button's text, in the page's language (the browser's "
                                                       "own file button speaks the browser's)")

    _esm = r"""
export function render({ model, el }) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = model.accept;
  let choice = 0;
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    let text = null;
    if (file.size <= model.max_bytes) {
      try { text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer()); } catch { text = null; }
    }
    choice += 1;
    model.chosen = { name: file.name, size: file.size, text, choice };
    input.value = "";          // so that choosing the same file again is seen
  });
  input.hidden = true;
  const button = document.createElement("button");
  button.className = "pg-file-button";
  button.addEventListener("click", () => input.click());
  const label = () => { button.textContent = model.label; };
  model.on("label", label);
  label();
  el.append(input, button);
}
"""
    _stylesheets = [".pg-file-button { font: inherit; font-size: 13px; padding: 4px 10px; border: 1px solid #ccc; "
                    "border-radius: 4px; background: #f8f8f8; cursor: pointer; }"]
