"""The Python half of the page's Web Worker (see app/web/worker.js).

Renders the playground into a Bokeh document and keeps it in step with the copy that
BokehJS shows in the page, in the message format of Panel's pyodide-worker helpers:
the page's changes come in through `receive`; the changes Python makes go out as JSON
patches through `send_patch`, all the changes of one action in one patch.
"""
import asyncio

import pyodide.ffi
from bokeh.events import DocumentReady
from js import Map
from panel.io.pyodide import _convert_json_patch, _dict_converter, _process_document_events, init_doc, write_doc
from panel.io.state import state

from app.playground import Playground

# Panel points its stylesheets at its CDN unless a document names another root;
# the site serves Panel's dist/ folder itself, next to the page.
PANEL_DIST = "panel/"
FROM_PAGE = "js"  # the setter of changes that came from the page: they must not echo back


async def render():
    """The playground as (docs_json, render_items) JSON strings for Bokeh.embed.embed_items."""
    asyncio.get_event_loop().set_exception_handler(ignore_cancelled_tasks)
    init_doc()
    state.curdoc._template_variables["dist_url"] = PANEL_DIST
    Playground().view().servable(title="Autograd Playground")
    docs_json, render_items, _root_ids = await write_doc()
    return docs_json, render_items


def ignore_cancelled_tasks(loop, context):
    """Pyodide 0.27's event loop asks every finished task for its exception, which raises for a
    cancelled one; Panel cancels a periodic callback's task when it stops (Pause). Not an error."""
    if not isinstance(context.get("exception"), asyncio.CancelledError):
        loop.default_exception_handler(context)


class PatchBatcher:
    """Collects the document's changes and sends them to the page as one patch.

    One Step redraws every view: dozens of property changes. Each patch costs a
    serialization, a message and a BokehJS update of its own, so sending them one by one
    cost far more than the redraw; sent together, the page applies them at once and
    paints once. `receive` flushes after each page event; changes made outside one (a
    periodic callback training in chunks, a task) are flushed on the next turn of the
    event loop.
    """

    def __init__(self, doc, send_patch):
        self.doc, self.send_patch = doc, send_patch
        self.pending, self.flush_scheduled = [], False

    def on_change(self, event):
        if getattr(event, "setter", None) == FROM_PAGE:
            return
        self.pending.append(event)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_event_loop().call_soon(self.flush)

    def flush(self):
        self.flush_scheduled = False
        events, self.pending = self.pending, []
        if not events:
            return
        json_patch, buffer_map = _process_document_events(self.doc, events)
        self.send_patch(pyodide.ffi.to_js(json_patch, dict_converter=_dict_converter),
                        Map.new(pyodide.ffi.to_js(buffer_map)))


batcher = None


def link(send_patch):
    """Start sending the document's changes to the page, once the page has drawn it."""
    global batcher
    doc = state.curdoc
    # Panel sends the changes it makes under `hold(doc)` (widgets, JSComponents) only for a document
    # it knows is loaded; its server marks that on document_ready, which this bootstrap must do itself.
    state._on_load(doc)
    batcher = PatchBatcher(doc, send_patch)
    doc.on_change(batcher.on_change)
    doc.unhold()
    doc.callbacks.trigger_event(DocumentReady())
    batcher.flush()


def receive(patch):
    """Apply a patch from the page (a widget changed, a button was clicked) and send back,
    in one patch, everything Python changed in response."""
    try:
        state.curdoc.apply_json_patch(_convert_json_patch(patch), setter=FROM_PAGE)
    finally:
        batcher.flush()
