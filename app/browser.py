"""The Python half of the page's Web Worker (see app/web/worker.js).

Renders the playground into a Bokeh document and keeps it in step with the copy that
BokehJS shows in the page, using Panel's own pyodide-worker helpers: changes made in
Python go out as JSON patches through `send_patch`; the page's changes come back in
through `receive`.
"""
from panel.io.pyodide import _convert_json_patch, _link_docs_worker, init_doc, write_doc
from panel.io.state import state

from app.playground import Playground

# Panel points its stylesheets at its CDN unless a document names another root;
# the site serves Panel's dist/ folder itself, next to the page.
PANEL_DIST = "panel/"


async def render():
    """The playground as (docs_json, render_items) JSON strings for Bokeh.embed.embed_items."""
    init_doc()
    state.curdoc._template_variables["dist_url"] = PANEL_DIST
    Playground().view().servable(title="Autograd Playground")
    docs_json, render_items, _root_ids = await write_doc()
    return docs_json, render_items


def link(send_patch):
    """Start sending the document's changes to the page, once the page has drawn it."""
    # Panel sends the changes it makes under `hold(doc)` (widgets, JSComponents) only for a document
    # it knows is loaded; its server marks that on document_ready, which this bootstrap must do itself.
    state._on_load(state.curdoc)
    _link_docs_worker(state.curdoc, send_patch, setter="js")


def receive(patch):
    """Apply a patch from the page (a widget changed, a button was clicked)."""
    state.curdoc.apply_json_patch(_convert_json_patch(patch), setter="js")
