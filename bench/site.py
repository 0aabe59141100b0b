"""The built site in headless Chromium: the first screen and time to interactive on cold loads and on
repeat visits (served by the service worker), bytes, Step latency, training speed and memory, for the default playground (the 2-8-8-1 tanh MLP on the spiral set).

The first screen is static HTML in index.html (app/site/first_paint.py): "first paint" is the browser's first
contentful paint (the page as parsed so far), "first screen painted" the frame after the whole page is parsed
and every picture of its first screen decoded (app/site/web/loader.js).

    python3 build.py bench site [--runs N] [--clicks N] [--step-backward-clicks N] [--train-seconds S]
                                [--memory-steps N]

Each run starts a fresh browser (empty cache, new profile), loads the page and waits for the
playground's own time-to-interactive mark (window.playground.tti, also logged to the console).
On the last run's page:
- Step latency: from the click on Step until Python has answered (forward, backward, optimizer
  step, every view redrawn), the page has applied the patch and painted the next frame
  (window.playground.settled / painted, app/site/web/loader.js). Clicks are spaced like a person's.
- Step backward latency: the same, for a click on Step backward that lights the next node of the
  MLP's backward pass (rule card, lit box and edges, the gradients so far); the first click of a
  walk, which runs the pass, is reported apart.
- Training: Train on, the steps per second and the views' redraws per second, then Pause.
- Memory (JS heap of the page after a forced garbage collection, and Python's WebAssembly heap)
  after loading and after each further --memory-steps training steps with the views on: it must
  level off, not keep growing.
- MNIST, fetched only when chosen: the bytes of data/mnist.npz, the time from a click on the MNIST
  preset until its first test digit is drawn (download, decoding, the LeNet rebuilt, every view
  redrawn), and the preset's training steps per second.
"""
import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Error as PlaywrightError, sync_playwright  # noqa: E402

from tests.site.harness import Traffic, launch_chromium, site_url  # noqa: E402

# When each stage of a cold load began: Pyodide starting, the wheels installing, the app importing, the
# playground being built (Python), and the page drawing what Python built.
STAGES = ("python", "packages", "app", "build", "draw")
GOALS = {"first_screen": 1000, "tti": 4000, "repeat_tti": 2500, "step": 30, "steps_per_s": 20, "step_backward": 50}

# Resolves to the click's latency (ms) and what Python's answer cost (loader.js's `answer`).
TIMED_CLICK = """async (button) => {
    const start = performance.now();
    button.click();
    const answer = await window.playground.settled();
    const settledAt = performance.now();
    const paintedAt = await window.playground.painted();
    return { ms: Math.max(settledAt, paintedAt) - start, ...answer };
}"""
# The training step the page shows, how many patches it has applied, and when.
PROGRESS = """() => [Bokeh.documents[0].get_model_by_name("curve-train").data.step.at(-1) ?? 0,
                   window.playground.patchesApplied, performance.now()]"""


def cold_load(playwright):
    """One cold load in a fresh browser: the page's timings, bytes and requests, and the page."""
    browser = launch_chromium(playwright, extra_args=["--enable-precise-memory-info"])
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    traffic = Traffic(context)
    # What the page asks for; the service worker's copying of the whole site into its cache, which may begin
    # before the numbers are read, is not part of a load.
    page_requests, body_bytes = [], []
    context.on("request", lambda request: request.service_worker or page_requests.append(request.url))
    context.on("requestfinished", lambda request: request.service_worker or body_bytes.append(response_size(request)))
    page = context.new_page()
    page.goto(site_url())
    state = wait_until_interactive(page)
    problems = traffic.problems()
    if problems:
        sys.exit("the site misbehaved:\n" + "\n".join(problems))
    paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime")
    return browser, page, {"tti": state["tti"], **state["timings"], "firstContentfulPaint": paint,
                           "bytes": sum(body_bytes), "requests": len(page_requests)}


def repeat_visits(page, count):
    """Time to interactive on reloads once the service worker has cached the site (app/site/web/sw.js)."""
    page.evaluate("navigator.serviceWorker.ready")
    times = []
    for _ in range(count):
        page.reload()
        times.append(wait_until_interactive(page)["tti"])
    return times


def wait_until_interactive(page):
    """The page's timings once the playground is interactive (a busy machine may take minutes)."""
    page.wait_for_function("window.playground?.tti || document.querySelector('#loader.failed')", timeout=600_000)
    state = page.evaluate("window.playground")
    if not state["tti"]:
        sys.exit("the playground failed to start: " + page.inner_text("#detail"))
    return state


def response_size(request):
    """Bytes of the response's body; 0 for one that finishes after its browser closed (the service worker
    filling its cache in the background)."""
    try:
        return request.sizes()["responseBodySize"]
    except PlaywrightError:
        return 0


def memory(page, cdp):
    """The page's JS heap after a full garbage collection, and the worker's WebAssembly heap, in MB."""
    cdp.send("HeapProfiler.collectGarbage")
    stats = page.evaluate("window.playground.stats()")
    return {name: (value or 0) / 1e6 for name, value in stats.items()}


def step_clicks(page, clicks):
    button = page.get_by_role("button", name="Step", exact=True)
    results = []
    for _ in range(clicks):
        results.append(button.evaluate(TIMED_CLICK))
        page.wait_for_timeout(150)  # a person's pace: the next click finds the page idle
    return results


def step_backward_clicks(page, clicks):
    """Step backward through the MLP's backward pass (and again): (timed clicks that light the next node,
    timed clicks that ran a new pass first). A walk ends with one click that shows everything (not counted)."""
    button = page.get_by_role("button", name="Step backward", exact=True)
    lit, first = [], []
    while len(lit) < clicks:
        result = button.evaluate(TIMED_CLICK)
        card = page.locator(".rule-card")
        if card.count():
            (first if "step 1 of" in card.inner_text() else lit).append(result)
        page.wait_for_timeout(150)
    return lit, first


def train(page, until_step=None, seconds=None):
    """Train until the page shows `until_step`, or for `seconds` after a second's warm-up;
    returns (steps per second, redraws per second) over the measured stretch."""
    page.get_by_role("button", name="Train").click()
    if seconds is not None:
        page.wait_for_timeout(1000)
        step0, patches0, t0 = page.evaluate(PROGRESS)
        page.wait_for_timeout(seconds * 1000)
    else:
        step0, patches0, t0 = page.evaluate(PROGRESS)
        page.wait_for_function(f"({PROGRESS})()[0] >= {until_step}", timeout=600_000, polling=250)
    step1, patches1, t1 = page.evaluate(PROGRESS)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Train").wait_for()
    page.evaluate("window.playground.settled()")
    seconds = (t1 - t0) / 1000
    return (step1 - step0) / seconds, (patches1 - patches0) / seconds


def choose_mnist(page):
    """Click the MNIST preset: (ms from the click until Python has answered and the page painted, bytes of
    data/mnist.npz that arrived)."""
    sizes = []
    page.context.on("requestfinished", lambda request: "data/mnist.npz" in request.url
                    and sizes.append(response_size(request)))
    result = page.locator(".pg-preset-mnist button").evaluate(TIMED_CLICK)
    for _ in range(20):             # the browser reports the finished request on its own time
        if sizes:
            break
        page.wait_for_timeout(100)
    if not sizes:
        sys.exit("choosing MNIST fetched no data/mnist.npz")
    return result["ms"], max(sizes)   # (the service worker's own fetch of it is reported too)


def row(name, values, unit="ms", scale=1.0, goal=""):
    values = [v * scale for v in values]
    return f"{name:<40}{statistics.median(values):>9.0f}{min(values):>9.0f}{max(values):>9.0f}  {unit:<4}{goal}"


def print_loads(url, args, loads, repeats):
    print(f"\nsite {url} · {args.runs} cold loads · load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':<40}{'median':>9}{'min':>9}{'max':>9}")
    print(row("first paint (the page's first content)", [load.get("firstContentfulPaint") or float("nan") for load in loads]))
    print(row("first screen painted, pictures and all", [load.get("firstScreen", float("nan")) for load in loads],
              goal=f"goal <= {GOALS['first_screen']}"))
    print(row("time to interactive", [load["tti"] for load in loads], goal=f"goal <= {GOALS['tti']}"))
    if repeats:   # (--repeats 0: none made)
        print(row("time to interactive, repeat visit", repeats, goal=f"goal <= {GOALS['repeat_tti']}"))
    for stage in STAGES:
        print(row(f"  stage '{stage}' starts", [load.get(stage, float("nan")) for load in loads]))
    print(row("bytes fetched", [load["bytes"] for load in loads], "MB", 1e-6))
    print(row("requests", [load["requests"] for load in loads], ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh-browser cold loads (default 5)")
    parser.add_argument("--repeats", type=int, default=3, help="repeat visits (reloads) after the last cold load")
    parser.add_argument("--clicks", type=int, default=20, help="Step clicks timed after the last load")
    parser.add_argument("--step-backward-clicks", type=int, default=30, help="Step backward clicks timed")
    parser.add_argument("--train-seconds", type=float, default=5, help="how long training speed is measured")
    parser.add_argument("--memory-steps", type=int, default=1000, help="training steps between memory readings")
    parser.add_argument("--loads-only", action="store_true", help="only the cold loads and repeat visits")
    args = parser.parse_args()

    url = site_url()  # builds the site into a temporary folder and serves it on 127.0.0.1
    loads = []
    with sync_playwright() as playwright:
        for run in range(args.runs):
            browser, page, load = cold_load(playwright)
            loads.append(load)
            print(f"run {run + 1}: interactive after {load['tti']:.0f} ms", flush=True)
            if run < args.runs - 1:
                browser.close()
        repeats = repeat_visits(page, args.repeats)
        print(f"repeat visits: interactive after {', '.join(f'{t:.0f}' for t in repeats)} ms", flush=True)
        if args.loads_only:
            browser.close()
            print_loads(url, args, loads, repeats)
            return
        cdp = page.context.new_cdp_session(page)
        memory_rows = [("loaded", memory(page, cdp))]
        first_click = step_clicks(page, 1)[0]
        clicks = step_clicks(page, args.clicks)
        lit, walks = step_backward_clicks(page, args.step_backward_clicks)
        page.get_by_role("button", name="Finish", exact=True).click()
        print("Step and Step backward clicks timed; training", flush=True)
        steps_per_s, redraws_per_s = train(page, seconds=args.train_seconds)
        for _ in range(2):
            target = page.evaluate(PROGRESS)[0] + args.memory_steps
            train(page, until_step=target)
            memory_rows.append((f"+{args.memory_steps} steps", memory(page, cdp)))
        print("choosing MNIST", flush=True)
        mnist_ms, mnist_bytes = choose_mnist(page)
        mnist_steps_per_s, _ = train(page, seconds=args.train_seconds)
        browser.close()

    print_loads(url, args, loads, repeats)
    print(row(f"Step, click -> painted ({args.clicks}x)", [c["ms"] for c in clicks], goal=f"goal <= {GOALS['step']}"))
    print(row("  Python in the worker", [c["pythonMs"] for c in clicks]))
    print(row("  page applying the patch", [c["applyMs"] for c in clicks]))
    print(row("  model changes sent", [c["events"] for c in clicks], ""))
    print(f"{'  first Step after loading':<40}{first_click['ms']:>9.0f}{'':>18}  ms")
    print(row(f"Step backward, click -> painted ({len(lit)}x)", [c["ms"] for c in lit],
              goal=f"goal <= {GOALS['step_backward']}"))
    print(row("  Python in the worker", [c["pythonMs"] for c in lit]))
    print(row("  page applying the patch", [c["applyMs"] for c in lit]))
    print(row("  model changes sent", [c["events"] for c in lit], ""))
    print(row(f"  first Step backward of a walk ({len(walks)}x)", [c["ms"] for c in walks]))
    print(f"{'training steps/s, views on':<40}{steps_per_s:>9.0f}{'':>18}  /s   goal >= {GOALS['steps_per_s']}")
    print(f"{'  view redraws/s while training':<40}{redraws_per_s:>9.1f}{'':>18}  /s")
    print(f"{'MNIST data/mnist.npz fetched when chosen':<40}{mnist_bytes / 1e6:>9.2f}{'':>18}  MB")
    print(f"{'  click on the preset -> painted':<40}{mnist_ms:>9.0f}{'':>18}  ms")
    print(f"{'  LeNet training steps/s, views on':<40}{mnist_steps_per_s:>9.1f}{'':>18}  /s")
    print(f"\n{'memory (MB)':<40}" + "".join(f"{label:>14}" for label, _ in memory_rows))
    for name, label in (("pageHeap", "page JS heap (after GC)"), ("wasmHeap", "Python (WebAssembly heap)")):
        print(f"{label:<40}" + "".join(f"{values[name]:>14.1f}" for _, values in memory_rows))


if __name__ == "__main__":
    main()
