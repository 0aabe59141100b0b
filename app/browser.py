"""The Python half of the page's Web Worker (see app/site/web/worker.js).

Renders the playground into a Bokeh document and keeps it in step with the copy that
BokehJS shows in the page: the page's changes come in through `receive`; the changes
Python makes go out as JSON patches through `send_patch`, all the changes of one action
in one patch.

The bootstrap is ours rather than Panel's (panel.io.pyodide), whose private helpers
change between Panel versions: it needs only Bokeh's public serialization.
"""
import asyncio
import json
import uuid

import pyodide.ffi
from bokeh.core.serialization import Buffer, Serialized, Serializer
from bokeh.document import Document
from bokeh.document.json import PatchJson
from bokeh.document.events import ModelChangedEvent
from bokeh.embed.util import RenderItem
from bokeh.events import DocumentReady
from bokeh.io.doc import set_curdoc
from bokeh.settings import settings as bokeh_settings
from bokeh.util.serialization import make_globally_unique_css_safe_id, make_globally_unique_id
from js import Map
from panel.io.document import MockSessionContext
from panel.io.state import state

from app.playground import Playground

# Panel points its stylesheets at its CDN unless a document names another root;
# the site serves Panel's dist/ folder itself, next to the page.
PANEL_DIST = "panel/"
FROM_PAGE = "js"  # the setter of changes that came from the page: they must not echo back


def render(kept=None, languages=()):
    """The playground as (docs_json, render_items) JSON strings for Bokeh.embed.embed_items; `kept`: what
    the page kept of the last visit (app/autosave.py), or None; `languages`: the browser's, preferred first
    (navigator.languages), for a first visit."""
    asyncio.get_event_loop().set_exception_handler(ignore_cancelled_tasks)
    # BokehJS numbers the models it makes itself "p1", "p2", ...: Python's must not collide.
    bokeh_settings.simple_ids.set_value(False)
    doc = Document()
    doc.hold()  # nothing goes to the page before it has drawn the document
    set_curdoc(doc)
    state.curdoc = doc
    doc._template_variables["dist_url"] = PANEL_DIST
    # Panel lays an app out for a document only when it has a session.
    doc._session_context = lambda: MockSessionContext(document=doc)
    # Each root Panel adds would otherwise re-index every model of the document (seconds in Pyodide): once, at the end.
    with doc.models.freeze():
        Playground(kept=kept, languages=list(languages or ())).view().servable(title="Autograd Playground")
    doc._session_context = None  # from now on, changes apply at once (no server to schedule them)
    # What bokeh.embed's standalone_docs_json_and_render_items returns, without its walk over every model
    # for Python callbacks (it warns a static page about them; this page has Python behind it).
    docid = make_globally_unique_id()
    docs_json = {docid: doc.to_json(deferred=False)}
    render_item = RenderItem(docid=docid, roots={root: make_globally_unique_css_safe_id() for root in doc.roots})
    return json.dumps(docs_json), json.dumps([render_item.to_json()])


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
        if events:
            self.send_patch(*to_page(self.doc, events))


class SyncedSerializer(Serializer):
    """Bokeh's Serializer for a patch to a page that has the document's `synced` models: it refers to them
    by id. Bokeh's own, given them as `references`, first makes a reference for each of the document's
    ~500 models, which cost more than serializing a Step backward's whole patch; this one makes them for
    the few models the patch meets."""

    def __init__(self, synced):
        super().__init__()
        self._synced_ids = {id(model) for model in synced}

    def get_ref(self, obj):
        ref = super().get_ref(obj)
        if ref is None and id(obj) in self._synced_ids:
            ref = obj.ref
            self.add_ref(obj, ref)
        return ref

    def has_ref(self, obj):
        return super().has_ref(obj) or id(obj) in self._synced_ids


def to_page(doc, events, references=None):
    """The events as a JSON patch (a string) and its binary arrays (a JS Map of id -> ArrayBuffer). Models
    in `references` (by default: every model the page was sent before) go as bare ids, the rest in full."""
    serializer = SyncedSerializer(doc.models.synced_references if references is None else references)
    patch = PatchJson(events=serializer.encode(events))
    doc.models.flush_synced(lambda model: not serializer.has_ref(model))
    buffers = {buffer.id: pyodide.ffi.to_js(buffer.to_bytes()).buffer for buffer in serializer.buffers}
    # A plain Map: the one to_js makes by default cannot be posted to the page.
    return json.dumps(patch, default=lambda buffer: buffer.ref), pyodide.ffi.to_js(buffers, dict_converter=Map.new)


def from_page(patch):
    """The page's patch (a JS object) as Bokeh's serialized patch; its typed arrays become buffers."""
    buffers = []

    def typed_array(value, _convert, _cache):
        if not hasattr(value, "buffer"):
            return value
        buffer = Buffer(id=uuid.uuid4().hex, data=dict(value.object_entries())["buffer"].to_bytes())
        buffers.append(buffer)
        return buffer.ref

    content = patch.to_py(default_converter=typed_array)
    return Serialized(content=content, buffers=buffers)


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


def resync():
    """Send the page the whole document, every model in full. The page asks for it when it could not apply a
    patch because it lacked a model this side believed it had sent (the two copies had drifted apart):
    BokehJS creates the models it lacks and sets the ones it has to Python's values, so both agree again."""
    batcher.flush()
    doc = state.curdoc
    everything = [ModelChangedEvent(doc, root, attr, getattr(root, attr))
                  for root in doc.roots for attr in sorted(root.properties_with_refs())]
    batcher.send_patch(*to_page(doc, everything, references=set()), True)


def receive(patch):
    """Apply a patch from the page (a widget changed, a button was clicked) and send back,
    in one patch, everything Python changed in response."""
    try:
        state.curdoc.apply_json_patch(from_page(patch), setter=FROM_PAGE)
    finally:
        batcher.flush()
