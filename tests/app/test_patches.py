"""The patches the page's worker sends (app/browser.py): its serializer writes what Bokeh's own writes."""
import asyncio
import hashlib
import importlib
import json
import sys
import types

from bokeh.core.serialization import Serializer
from bokeh.document import Document
from bokeh.document.json import PatchJson
from bokeh.io.doc import set_curdoc
from panel.io.document import MockSessionContext
from panel.io.state import state

from app.playground import Playground
from app.state import PRESETS


def same_bytes(buffer):
    """A binary array by its bytes (each serializer names its buffers anew)."""
    return hashlib.sha256(buffer.to_bytes()).hexdigest()


def browser_module(monkeypatch):
    """app.browser outside Pyodide: its imports of Pyodide's own modules stand in, unused here."""
    ffi = types.ModuleType("pyodide.ffi")
    pyodide = types.ModuleType("pyodide")
    pyodide.ffi = ffi
    js = types.ModuleType("js")
    js.Map = None
    monkeypatch.setitem(sys.modules, "pyodide", pyodide)
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    monkeypatch.setitem(sys.modules, "js", js)
    monkeypatch.delitem(sys.modules, "app.browser", raising=False)
    return importlib.import_module("app.browser")


def test_patches_refer_to_the_models_the_page_has_and_carry_the_new_ones_whole(monkeypatch):
    browser = browser_module(monkeypatch)

    async def run():
        doc = Document()
        set_curdoc(doc)
        state.curdoc = doc
        doc._session_context = lambda: MockSessionContext(document=doc)
        playground = Playground()
        playground.view().server_doc(doc)
        doc._session_context = None
        doc.models.flush_synced()
        events = []
        doc.on_change(events.append)
        st, c, s = playground.views.stepthrough, playground.controls, playground.session
        lenet = PRESETS["lenet"]
        # a Step, a walk's first steps, another Step, then a preset that builds new models (the images' views)
        def click(button):
            return lambda: setattr(button, "clicks", button.clicks + 1)
        actions = [click(c.step), click(st.backward), click(st.backward), click(st.backward), click(c.step),
                   lambda: s.configure(lenet["network"], lenet["data"], lenet["hyper"]), click(c.step)]
        for action in actions:
            events.clear()
            action()
            await asyncio.sleep(0)
            batch = list(events)
            assert batch
            theirs = Serializer(references=doc.models.synced_references)
            expected = json.dumps(PatchJson(events=theirs.encode(batch)), default=same_bytes)
            ours = browser.SyncedSerializer(doc.models.synced_references)
            got = json.dumps(PatchJson(events=ours.encode(batch)), default=same_bytes)
            assert got == expected
            assert [ours.has_ref(m) for m in doc.models] == [theirs.has_ref(m) for m in doc.models]
            doc.models.flush_synced(lambda model: not ours.has_ref(model))
    asyncio.run(run())
