"""The built site in headless Chromium: cold-load time to interactive, bytes fetched, click latency, memory.

    python3 build.py bench site [--runs N] [--clicks N]

Each run starts a fresh browser (empty cache, new profile), loads the page and waits for
the playground's own time-to-interactive mark (window.playground.tti, also logged to the
console). Click latency is measured in the page: from the click on Step until the loss
curve's data has the new point and the next frame is painted.
"""
import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.site.harness import Traffic, launch_chromium, open_playground, site_url  # noqa: E402

STAGES = ("python", "packages", "app", "draw")

# Resolves to the milliseconds from the click until the page shows the step's result.
TIMED_CLICK = """(button) => new Promise((resolve) => {
    const losses = () => Bokeh.documents[0].get_model_by_name("loss-source").data.loss.length;
    const target = losses() + 1;
    const start = performance.now();
    button.click();
    const poll = () => losses() >= target
        ? requestAnimationFrame(() => resolve(performance.now() - start))
        : requestAnimationFrame(poll);
    poll();
})"""


def cold_load(playwright):
    """One cold load in a fresh browser: the page's timings, bytes and requests, and the page."""
    browser = launch_chromium(playwright)
    context = browser.new_context()
    traffic = Traffic(context)
    body_bytes = []
    context.on("requestfinished", lambda request: body_bytes.append(request.sizes()["responseBodySize"]))
    page = context.new_page()
    state = open_playground(page)
    problems = traffic.problems()
    if problems:
        sys.exit("the site misbehaved:\n" + "\n".join(problems))
    return browser, page, {"tti": state["tti"], **state["timings"], "bytes": sum(body_bytes),
                           "requests": len(traffic.requests)}


def memory(page):
    """The page's JS heap and the worker's WebAssembly heap, in MB."""
    stats = page.evaluate("window.playground.stats()")
    return {name: (value or 0) / 1e6 for name, value in stats.items()}


def click_latencies(page, clicks):
    button = page.get_by_role("button", name="Step")
    return [button.evaluate(TIMED_CLICK) for _ in range(clicks)]


def row(name, values, unit="ms", scale=1.0):
    values = [v * scale for v in values]
    return f"{name:<34}{statistics.median(values):>10.0f}{min(values):>10.0f}{max(values):>10.0f}  {unit}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh-browser cold loads (default 5)")
    parser.add_argument("--clicks", type=int, default=20, help="Step clicks timed after the last load")
    args = parser.parse_args()

    url = site_url()  # builds the site into a temporary folder and serves it on 127.0.0.1
    loads, latencies, memory_before, memory_after = [], [], {}, {}
    with sync_playwright() as playwright:
        for run in range(args.runs):
            browser, page, load = cold_load(playwright)
            loads.append(load)
            print(f"run {run + 1}: interactive after {load['tti']:.0f} ms", flush=True)
            if run == args.runs - 1:
                memory_before = memory(page)
                click_latencies(page, 2)  # warm-up: the first callbacks import lazily
                latencies = click_latencies(page, args.clicks)
                memory_after = memory(page)
            browser.close()

    print(f"\nsite {url} · {args.runs} cold loads · load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':<34}{'median':>10}{'min':>10}{'max':>10}")
    print(row("time to interactive", [load["tti"] for load in loads]))
    for stage in STAGES:
        print(row(f"  stage '{stage}' starts", [load[stage] for load in loads]))
    print(row("bytes fetched", [load["bytes"] for load in loads], "MB", 1e-6))
    print(row("requests", [load["requests"] for load in loads], ""))
    print(row(f"Step click -> plot updated ({args.clicks}x)", latencies))
    print(f"\n{'memory':<34}{'loaded':>10}{'clicked':>10}")
    for name, label in (("pageHeap", "page JS heap"), ("wasmHeap", "Python (WebAssembly heap)")):
        print(f"{label:<34}{memory_before[name]:>10.1f}{memory_after[name]:>10.1f}  MB")


if __name__ == "__main__":
    main()
