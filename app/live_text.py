"""LiveText: a line of HTML that changes at every step (the status line), cheap to update in the page.

A Panel pane or StaticText is a Bokeh Div: each new text makes BokehJS rebuild it and lay
out the whole page again, then restyle every plot, 20-40 ms in the browser, more than the
engine's whole training step. LiveText swaps the element's HTML in place instead; while its
box keeps its size, nothing around it moves. A text of another height changes the box's size,
and BokehJS lays out the whole page again (30-60 ms): with `keep_tallest`, the box grows with
a taller text but never shrinks, so a run of texts of different heights (the step-through's
rule cards) costs that once, not at every step.
"""
import panel as pn
import param


class LiveText(pn.custom.JSComponent):
    """HTML text (trusted: made by the app, never by the user) updated in place."""

    value = param.String(default="", doc="The HTML shown")
    keep_tallest = param.Boolean(default=False, doc="Keep the box as tall as the tallest text shown since this "
                                                    "was set; False: as tall as its text")

    _esm = """
export function render({ model, el }) {
  const line = document.createElement("div");
  const show = () => { line.innerHTML = model.value; };
  model.on("value", show);
  show();
  // Called once the page is laid out, before it is painted: a taller text sets the new least height.
  const tallest = new ResizeObserver(([entry]) => {
    if (model.keep_tallest) line.style.minHeight = `${entry.contentRect.height}px`;
  });
  tallest.observe(line);
  model.on("keep_tallest", () => { if (!model.keep_tallest) line.style.minHeight = ""; });
  model.on("remove", () => tallest.disconnect());
  el.append(line);
}
"""
