"""What the playground's views cost per training step, natively.

    python3 build.py bench views [--steps N]

For the TF-Playground MLP on spiral and the tutorial LeNet on digits: the session's step alone, then
the views' redraw after it (full, and as during continuous training), including what the page would
pay to send the changes: every Bokeh event is serialized the way Panel's Pyodide worker does
(one JSON patch per event, arrays as binary buffers). Prints medians in ms, the number of patches
per redraw and their size. In the browser, Pyodide runs this Python 5-10x slower.
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


class PatchCounter:
    """Serializes every document event as the Pyodide worker would, counting patches and bytes."""

    def __init__(self, doc):
        self.doc, self.patches, self.bytes = doc, 0, 0
        doc.models.flush_synced()  # the page has drawn the document: every model is known there
        doc.on_change(self)

    def __call__(self, event):
        serializer = Serializer(references=self.doc.models.synced_references)
        patch = PatchJson(events=serializer.encode([event]))
        self.doc.models.flush_synced(lambda model: not serializer.has_ref(model))
        self.patches += 1
        self.bytes += len(json.dumps(patch, default=lambda buffer: buffer.ref)) + sum(len(b.to_bytes()) for b in serializer.buffers)

    def reset(self):
        self.patches = self.bytes = 0


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
    counter = PatchCounter(doc)
    s.take_step()
    views.graph.select(next(n["id"] for n in s.last["graph"].nodes if n["kind"] == "parameter"))
    times = {"step": [], "full": [], "light": []}
    patches, sizes = [], []
    for i in range(2 * steps):
        with _paused(s, views):
            t0 = time.perf_counter()
            s.take_step()
            t1 = time.perf_counter()
        counter.reset()
        full = i % 2 == 0
        views._redraws = 0 if full else 1  # odd rounds: a redraw as during continuous training
        views.refresh(full=full)
        t2 = time.perf_counter()
        times["step"].append(1e3 * (t1 - t0))
        times["full" if full else "light"].append(1e3 * (t2 - t1))
        if full:
            patches.append(counter.patches)
            sizes.append(counter.bytes)
    med = statistics.median

    def ms(key):  # the minimum is what the code costs on a quiet machine; the median what this one gave
        return f"{min(times[key]):6.2f} ms (median {med(times[key]):6.2f})"
    print(f"{preset:6s} step {ms('step')} | views: full redraw {ms('full')}, {med(patches):.0f} patches, "
          f"{med(sizes) / 1024:.0f} KiB | during training {ms('light')}")


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
