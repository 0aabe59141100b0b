"""What the playground's views cost per training step, natively.

    python3 build.py bench views [--steps N]

For the TF-Playground MLP on spiral and the tutorial LeNet on digits: the session's step alone, then
the views' redraw after it (full, and as during continuous training), including what the page would
pay to send the changes: the Bokeh events are serialized the way Panel's Pyodide worker does (arrays
as binary buffers), one patch per event (as app/browser.py sends them today) and all in one patch.
Prints minimum and median ms, the number of events per redraw and their size. In the browser,
Pyodide runs this Python 2-10x slower.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bokeh.core.serialization import Serializer  # noqa: E402
from bokeh.document import Document  # noqa: E402
from bokeh.protocol.messages.patch_doc import PatchJson  # noqa: E402

from app.session import Session  # noqa: E402
from app.state import PRESETS  # noqa: E402
from app.views import Views  # noqa: E402


class PatchRecorder:
    """Collects the document's events during a redraw; `send_*` then serializes them the way Panel's Pyodide
    worker does: one JSON patch per event (what app/browser.py does today), or all of them in one patch."""

    def __init__(self, doc):
        self.doc, self.events = doc, []
        doc.models.flush_synced()  # the page has drawn the document: every model is known there
        doc.on_change(self.events.append)

    def _patch(self, events):
        serializer = Serializer(references=self.doc.models.synced_references)
        patch = PatchJson(events=serializer.encode(events))
        self.doc.models.flush_synced(lambda model: not serializer.has_ref(model))
        return len(json.dumps(patch, default=lambda buffer: buffer.ref)) + sum(
            len(b.to_bytes()) for b in serializer.buffers)

    def send_one_by_one(self):
        return sum(self._patch([event]) for event in self.events)

    def send_batched(self):
        return self._patch(self.events)


def session_for(preset):
    s = Session()
    p = PRESETS[preset]
    s.network.layers = p["network"]
    s.data.param.update(**p["data"])
    s.hyper.param.update(**p["hyper"])
    return s


def measure(preset, steps):
    s = session_for(preset)
    views = Views(s)
    doc = Document()
    doc.add_root(views.panel().get_root(doc))
    recorder = PatchRecorder(doc)
    s.take_step()
    views.graph.select(next(n["id"] for n in s.last["graph"].nodes if n["kind"] == "parameter"))
    times = {key: [] for key in ("step", "full", "light", "one_by_one", "batched")}
    patches, sizes = [], []
    for i in range(2 * steps):
        with _paused(s, views):
            t0 = time.perf_counter()
            s.take_step()
            t1 = time.perf_counter()
        recorder.events.clear()
        full = i % 2 == 0
        views._redraws = 0 if full else 1  # odd rounds: a redraw as during continuous training
        views.refresh(full=full)
        t2 = time.perf_counter()
        times["step"].append(1e3 * (t1 - t0))
        times["full" if full else "light"].append(1e3 * (t2 - t1))
        if full:
            patches.append(len(recorder.events))
            t3 = time.perf_counter()
            sizes.append(recorder.send_one_by_one())
            t4 = time.perf_counter()
            recorder.send_batched()
            t5 = time.perf_counter()
            times["one_by_one"].append(1e3 * (t4 - t3))
            times["batched"].append(1e3 * (t5 - t4))
    med = statistics.median

    def ms(key):  # the minimum is what the code costs on a quiet machine; the median what this one gave
        return f"{min(times[key]):.2f} ms (median {med(times[key]):.2f})"
    print(f"{preset}: session step {ms('step')}")
    print(f"  views, full redraw (after Step): {ms('full')}; {med(patches):.0f} events, {med(sizes) / 1024:.0f} KiB;"
          f" serialized one patch per event {ms('one_by_one')}, all in one patch {ms('batched')}")
    print(f"  views, redraw during continuous training: {ms('light')}")


class _paused:
    """Run a session action without the views' watcher redrawing (we time the redraw separately)."""

    def __init__(self, session, views):
        self.session, self.views = session, views

    def __enter__(self):
        self.refresh = self.views.refresh
        self.views.refresh = lambda full=True: None

    def __exit__(self, *exc):
        self.views.refresh = self.refresh


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    for preset in ("mlp", "lenet"):
        measure(preset, args.steps)


if __name__ == "__main__":
    main()
