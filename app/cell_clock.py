"""The code cell's running state: "Running… 3.2 s" while its code runs, and ctrl+. to stop it."""
import panel as pn
import param


class RunClock(pn.custom.JSComponent):
    """While `running`: "<label>… 3.2 s", counted by the page itself (no message per tick), and ctrl+.
    anywhere on the page (in the editor too) asks to stop, as `stop_requests` += 1."""

    running = param.Boolean(default=False)
    label = param.String(default="")
    stop_requests = param.Integer(default=0)

    _esm = r"""
export function render({ model, el }) {
  const text = document.createElement("span");
  text.className = "pg-cell-clock";
  el.append(text);
  let timer = null;
  const update = () => {
    clearInterval(timer);
    text.textContent = "";
    if (!model.running) return;
    const started = performance.now();
    const tick = () => {
      text.textContent = `${model.label}… ${((performance.now() - started) / 1000).toFixed(1)} s`;
    };
    tick();
    timer = setInterval(tick, 100);
  };
  const onKey = (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "." && model.running) {
      e.preventDefault();
      model.stop_requests += 1;
    }
  };
  model.on("running", update);
  document.addEventListener("keydown", onKey);
  model.on("remove", () => {
    clearInterval(timer);
    document.removeEventListener("keydown", onKey);
  });
  update();
}
"""
    _stylesheets = [":host { align-self: center; min-width: 190px; } "
                    ".pg-cell-clock { font-size: 13px; color: #b35900; font-variant-numeric: tabular-nums; }"]
