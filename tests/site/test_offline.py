"""After one visit the site opens with no network (app/site/web/sw.js), MNIST too once chosen, and it can be
installed as an app."""
import json
import re

from playwright.sync_api import expect

from app.site.build import LAZY_FILES, Site
from tests.site.harness import APP_TIMEOUT_MS, VIEWPORT, Traffic, built_site, open_playground, screenshot, settle
from tests.site.test_playground import KEPT_NOW


def test_after_one_visit_the_playground_opens_and_trains_offline_and_mnist_once_chosen_too(browser):
    """One page, three loads (each a cold start of Python; five when these were two tests): the first visit,
    after which the cache holds every file of the build; a visit on which MNIST is chosen (fetched only then,
    and kept); and an offline visit, which opens the kept MNIST playground from the cache and trains it."""
    context = browser.new_context(viewport=VIEWPORT)   # service workers allowed, as in a browser
    traffic = Traffic(context)
    try:
        page = context.new_page()
        open_playground(page)
        # The worker has cached every file of the build but those fetched only when asked for (MNIST):
        # exactly the build's list, in one versioned cache.
        page.evaluate("navigator.serviceWorker.ready")
        names = page.evaluate("caches.keys()")
        assert len(names) == 1 and re.fullmatch(r"playground-[0-9a-f]{16}", names[0]), names
        cached = page.evaluate("async (name) => (await (await caches.open(name)).keys()).length", names[0])
        # The browser tests add their pytest runner (__tests__/) to the same built folder; it is not the site.
        built = [p for p in built_site().rglob("*")
                 if p.is_file() and p.name != "sw.js" and "__tests__" not in p.relative_to(built_site()).parts]
        assert cached == len(built) - len(LAZY_FILES)
        assert not page.evaluate("caches.match('data/mnist.npz')")   # not fetched with the site

        page.reload()                                  # a visit the service worker serves
        page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
        assert not page.evaluate("caches.match('data/mnist.npz')")   # not on a visit either: only once chosen
        page.locator(".pg-preset-mnist").click()
        expect(page.locator("[data-layer-index='0'] .pg-shape")).to_have_text("32×6×26×26", timeout=60_000)
        page.get_by_role("button", name="Step", exact=True).click()
        expect(page.locator(".pg-status")).to_contain_text("Step 1 ", timeout=60_000)
        page.wait_for_function(f"({KEPT_NOW}).includes('mnist') && JSON.parse({KEPT_NOW}).playground.progress?.step"
                               " === 1", timeout=20_000, polling=100)
        assert page.evaluate("caches.match('data/mnist.npz').then((r) => r && r.ok)")   # kept once fetched

        context.set_offline(True)
        page.reload()                                  # the kept playground is MNIST: its data come from the cache
        page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
        expect(page.locator("[data-layer-index='0'] .pg-shape")).to_have_text("32×6×26×26")
        page.get_by_role("button", name="Step", exact=True).click()
        expect(page.locator(".pg-status")).to_contain_text("Step 2 ", timeout=60_000)
        settle(page)
        screenshot(page, "93-mnist-offline")
        assert not page.evaluate("navigator.onLine")
    finally:
        context.close()
    # Offline, requests to the network would fail: none did, every file came from the cache.
    assert not traffic.problems(), "\n".join(traffic.problems())


def test_the_site_is_an_installable_web_app_with_an_icon():
    site = built_site()
    manifest = json.loads((site / "manifest.webmanifest").read_text())
    assert manifest["name"] == "Autograd Playground" and manifest["display"] == "standalone"
    for entry in manifest["icons"]:
        data = (site / entry["src"]).read_bytes()
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and entry["sizes"] == f"{width}x{height}"
    assert {entry["sizes"] for entry in manifest["icons"]} >= {"192x192", "512x512"}
    assert '<link rel="manifest" href="manifest.webmanifest">' in (site / "index.html").read_text()


def test_a_new_deploy_is_a_new_cache_version_listing_every_file(tmp_path):
    site = Site(tmp_path)
    (tmp_path / "index.html").write_text("one")
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "x.whl").write_bytes(b"wheel")

    def written():
        text = (tmp_path / "sw.js").read_text()
        return json.loads(text[text.index("{"):text.index(";\n")])

    site.write_service_worker()
    first = written()
    assert first["files"] == ["index.html", "pyodide/x.whl"]
    site.write_service_worker()
    assert written() == first                              # the same build: the same version
    (tmp_path / "pyodide" / "x.whl").write_bytes(b"wheel, rebuilt")
    site.write_service_worker()
    assert written()["version"] != first["version"]       # any changed file: a new version, a new cache
