"""Browser test harness: build the site once, serve it on 127.0.0.1, drive Debian's Chromium.

Pages opened through the `page` fixture are watched at the browser-context level (so the
Web Worker's requests are seen too): the test fails if any request failed, went to a host
other than 127.0.0.1, or the page raised an error. tests/site and tests/browser both use it.
"""
import atexit
import functools
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app.site.build import build, site_server
from app.site.first_paint import CHROMIUM, CHROMIUM_ARGS  # the browser the site build snapshots with

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".cache" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}  # a laptop screen
APP_TIMEOUT_MS = 240_000  # generous: two cores shared by many test runs took 100-180 s to start here
# Python answers a click in tens of milliseconds, but CI's two cores may be busy with other tests.
expect.set_options(timeout=20_000)


@functools.cache
def built_site():
    """The site, built once per test session into a temporary folder (static/ is left alone)."""
    out = Path(tempfile.mkdtemp(prefix="playground-site-"))
    atexit.register(shutil.rmtree, out, True)
    build(out)
    return out


@functools.cache
def site_url():
    server = site_server(built_site(), 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/"


def launch_chromium(playwright, extra_args=()):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing (build.py installs Debian's chromium when run as root)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


class Traffic:
    """Everything a browser context requested, and everything that went wrong in it."""

    def __init__(self, context):
        self.requests, self.failed, self.console, self.errors = [], [], [], []
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("requestfailed", lambda request: self.failed.append(f"{request.url}: {request.failure}"))
        context.on("response", lambda response: response.status >= 400
                   and self.failed.append(f"{response.url}: HTTP {response.status}"))
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.errors.append(f"page error: {error.error}"))

    def _on_console(self, message):
        self.console.append(f"{message.type}: {message.text}")
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def problems(self):
        off_host = [url for url in self.requests
                    if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"]
        return ([f"request left 127.0.0.1: {url}" for url in off_host]
                + [f"request failed: {failure}" for failure in self.failed] + self.errors)


def open_playground(page):
    """Load the site and wait until the playground is interactive; returns its timings (ms)."""
    page.goto(site_url())
    page.wait_for_function("window.playground.tti || document.querySelector('#loader.failed')",
                           timeout=APP_TIMEOUT_MS)
    state = page.evaluate("window.playground")
    assert state["tti"], "the playground failed to start: " + page.inner_text("#detail")
    return state


def playground_worker(page):
    """The page's Web Worker that runs the playground's Python (the code cell has a worker of its own)."""
    return next(worker for worker in page.workers if worker.url.endswith("/worker.js"))


class HeldBack:
    """Holds the context's requests for `pattern` back (they wait) until `release()`."""

    def __init__(self, context, pattern):
        self.context, self.pattern, self.held = context, pattern, []
        context.route(pattern, lambda route: self.held.append(route))

    def release(self):
        for route in self.held:
            route.continue_()
        self.context.unroute(self.pattern)


class PythonHeldBack(HeldBack):
    """Holds our wheel back until `release()`: Python cannot be up before, so a test can look at what the page
    shows without it (the loader, the first screen)."""
    WHEEL = "**/pyodide/autograd_playground-*.whl"

    def __init__(self, context):
        super().__init__(context, self.WHEEL)


def settle(page):
    """Wait until Python has answered every change the page sent it and the page has applied the patches."""
    page.evaluate("window.playground.settled()")


def wait_for_step(page, step):
    """While training: until the loss curve has reached training step `step`. (Polled rather than slept: a
    busy machine trains slower, an idle one need not wait.)"""
    page.wait_for_function(f"Bokeh.documents[0].get_model_by_name('curve-train').data.step.at(-1) >= {step}",
                           timeout=APP_TIMEOUT_MS, polling=100)


def bokeh_data(page, source, column):
    """A column of one of the page's Bokeh data sources (the views' numbers, as BokehJS has them)."""
    return page.evaluate("([source, column]) => Array.from(Bokeh.documents[0].get_model_by_name(source).data[column])",
                         [source, column])


def screenshot(page, name, full_page=False):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    return path


# ---- fixtures (imported by the conftest.py files of tests/site and tests/browser) -------------

@functools.cache
def shared_browser():
    """One Chromium for the whole session: Playwright's sync API allows one instance at a time,
    and tests/site and tests/browser each declare the fixture."""
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing (build.py installs Debian's chromium when run as root)")
    playwright = sync_playwright().start()
    atexit.register(playwright.stop)
    chromium = launch_chromium(playwright)
    atexit.register(chromium.close)
    return chromium


@pytest.fixture(scope="session")
def browser():
    return shared_browser()


@pytest.fixture
def traffic(browser):
    # No service worker (sw.js): each test's fresh context would otherwise copy the whole site into its
    # cache in the background. tests/site/test_offline.py lets it run.
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    watched = Traffic(context)
    watched.context = context
    yield watched
    context.close()
    problems = watched.problems()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(traffic):
    return traffic.context.new_page()
