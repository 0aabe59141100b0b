"""Opening the built site: the loader with its stages, then the playground, ready to use."""
from playwright.sync_api import expect

from tests.site.harness import APP_TIMEOUT_MS, VIEWPORT, bokeh_data, screenshot, settle, site_url

STAGES = ["Loading Python…", "Loading numpy, Panel and Bokeh…", "Starting the playground…", "Drawing…"]


def test_the_loader_shows_its_stages_then_the_playground(page, traffic):
    page.goto(site_url(), wait_until="domcontentloaded")
    expect(page.locator("#stages li")).to_have_text(STAGES)
    expect(page.locator("#stages li.active")).to_have_count(1)
    screenshot(page, "01-loader")

    page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    state = page.evaluate("window.playground")
    stages = [state["timings"][name] for name in ("python", "packages", "app", "draw")]
    assert stages == sorted(stages) and stages[-1] < state["tti"], state
    assert any(line.startswith("log: time-to-interactive") for line in traffic.console)
    expect(page.locator("#loader")).to_have_count(0)
    # The first screen: the TF-Playground-style MLP on the spiral, untrained, its data drawn.
    expect(page.locator(".pg-status")).to_contain_text("Step 0")
    expect(page.locator("[data-layer-index]")).to_have_count(5)
    assert len(bokeh_data(page, "boundary-train", "x")) > 100
    for tab in ("See it", "Code cell", "PyTorch code"):
        expect(page.locator(".bk-tab", has_text=tab)).to_be_visible()
    screenshot(page, "02-interactive")

    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator(".pg-status")).to_contain_text("Step 1 ")
    settle(page)
    # Every view fits the window, also a smaller one: nothing is cut off at the right edge.
    for width in (VIEWPORT["width"], 1280):
        page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
        page.wait_for_timeout(300)  # BokehJS lays the page out again after a resize
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # That a reload brings the playground back as it was left (revalidating every cached file) is
    # tests/site/test_playground.py's test_a_reload_brings_the_playground_back_as_it_was_left: one cold start less.


def test_a_failed_download_is_shown_not_hidden(browser):
    """If a wheel cannot be fetched, the loader says so instead of spinning forever."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.route("**/pyodide/numpy-*.whl", lambda route: route.fulfill(status=404, body="gone"))
        page = context.new_page()
        page.goto(site_url())
        expect(page.locator("#loader.failed")).to_be_visible(timeout=APP_TIMEOUT_MS)
        expect(page.locator("#detail")).to_contain_text("numpy")
        screenshot(page, "03-failed-download")
    finally:
        context.close()
