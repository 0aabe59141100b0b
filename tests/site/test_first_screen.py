"""The built site, as a new visitor sees it: the loader, then the playground, then training steps."""
from playwright.sync_api import expect

from tests.site.harness import APP_TIMEOUT_MS, screenshot, site_url

STAGES = ["Loading Python…", "Loading numpy, Panel and Bokeh…", "Starting the playground…", "Drawing…"]


def bokeh_data(page, source, column):
    return page.evaluate(f"Bokeh.documents[0].get_model_by_name('{source}').data['{column}']")


def test_loader_then_playground_then_step_then_reload(page, traffic):
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
    expect(page.get_by_text("Step 0")).to_be_visible()
    assert len(bokeh_data(page, "loss-source", "loss")) == 1  # the untrained model's loss
    before = screenshot(page, "02-interactive").read_bytes()

    step = page.get_by_role("button", name="Step")
    step.click()
    expect(page.get_by_text("Step 1")).to_be_visible()
    step.click()
    expect(page.get_by_text("Step 2")).to_be_visible()
    losses = bokeh_data(page, "loss-source", "loss")
    assert len(losses) == 3 and losses[2] < losses[1] < losses[0]
    assert len(bokeh_data(page, "boundary-source", "x")) == 2
    assert screenshot(page, "03-after-two-steps").read_bytes() != before

    # A reload revalidates every cached file and starts a fresh playground.
    page.reload()
    page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(page.get_by_text("Step 0")).to_be_visible()



def test_a_failed_download_is_shown_not_hidden(browser):
    """If a wheel cannot be fetched, the loader says so instead of spinning forever."""
    context = browser.new_context()
    try:
        context.route("**/pyodide/numpy-*.whl", lambda route: route.fulfill(status=404, body="gone"))
        page = context.new_page()
        page.goto(site_url())
        expect(page.locator("#loader.failed")).to_be_visible(timeout=APP_TIMEOUT_MS)
        expect(page.locator("#detail")).to_contain_text("numpy")
        screenshot(page, "04-failed-download")
    finally:
        context.close()
