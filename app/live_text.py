"""LiveText: a line of HTML that changes at every step (the status line), cheap to update in the page.

A Panel pane or StaticText is a Bokeh Div: each new text makes BokehJS rebuild it and lay
out the whole page again, then restyle every plot, 20-40 ms in the browser, more than the
engine's whole training step. LiveText swaps the element's HTML in place instead; its box
keeps its size, so nothing around it moves.
"""
import panel as pn
import param


class LiveText(pn.custom.JSComponent):
    """HTML text (trusted: made by the app, never by the user) updated in place."""

    value = param.String(default="", doc="The HTML shown")

    _esm = """
export function render({ model, el }) {
  const line = document.createElement("div");
  const show = () => { line.innerHTML = model.value; };
  model.on("value", show);
  show();
  el.append(line);
}
"""
