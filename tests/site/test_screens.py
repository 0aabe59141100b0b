"""The first screen before any script or Python is up, and the page on every screen: a phone, a tablet, a laptop, a projector."""
from playwright.sync_api import expect

from tests.site.harness import (APP_TIMEOUT_MS, HeldBack, PythonHeldBack, Traffic, bokeh_data, open_playground, screenshot,
                                site_url)

# What a student sees first and reaches for: their boxes must not move when Python takes over.
LANDMARKS = [".pg-step", ".pg-preset-lenet", "[data-palette='Linear']", "[data-layer-index='2']", ".pg-network",
             ".pg-status"]


def boxes(page, root):
    return {sel: page.locator(f"{root} {sel}:visible").first.bounding_box() for sel in LANDMARKS}


def test_the_first_screen_is_painted_from_static_html_before_any_script_inert_and_python_replaces_it_in_place(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, service_workers="block")
    traffic = Traffic(context)
    python = PythonHeldBack(context)                    # until the first screen has been looked at
    bokeh = HeldBack(context, "**/bokeh/bokeh.min.js")  # no BokehJS either: the first screen is HTML and images
    try:
        page = context.new_page()
        page.goto(site_url(), wait_until="commit")      # (the page's load waits for BokehJS)
        page.wait_for_function("window.playground.timings.firstScreen", timeout=APP_TIMEOUT_MS)
        assert page.evaluate("typeof Bokeh") == "undefined" and not page.evaluate("window.playground.tti")
        expect(page.locator("#first-screen .pg-step:visible")).to_have_count(1)
        expect(page.locator("#first-screen [data-layer-index]:visible")).to_have_count(5)   # the default network
        # The plots (the data picture among them) as the pictures BokehJS drew at build time, all there.
        pictures = page.locator("#first-screen img:visible")
        assert pictures.count() >= 8
        assert pictures.evaluate_all("images => images.every((image) => image.complete && image.naturalWidth > 0)")
        expect(page.locator("#loader")).to_be_visible()                                       # visibly starting
        screenshot(page, "80-first-screen-before-python")
        # On a phone the same HTML reflows: the columns stack, nothing scrolls sideways.
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "80-first-screen-before-python-390")
        page.set_viewport_size({"width": 1280, "height": 720})
        before = boxes(page, "#first-screen")
        # Inert: a click before Python is up does nothing, rather than something that is then lost.
        assert page.evaluate("document.getElementById('first-screen').inert")
        step = before[".pg-step"]
        page.mouse.click(step["x"] + step["width"] / 2, step["y"] + step["height"] / 2)

        page.wait_for_timeout(200)
        bokeh.release()
        python.release()
        page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
        expect(page.locator("#first-screen")).to_have_count(0)
        expect(page.locator("#loader")).to_have_count(0)
        after = boxes(page, "#app")
        for selector, box in before.items():
            assert after[selector] == box, f"{selector} moved when Python took over: {box} -> {after[selector]}"
        expect(page.locator(".pg-status")).to_contain_text("Step 0")
        assert page.evaluate("Bokeh.documents.length") == 1   # only Python's document
        page.get_by_role("button", name="Step", exact=True).click()       # and it works
        expect(page.locator(".pg-status")).to_contain_text("Step 1 ")
        page.evaluate("window.playground.settled()")
        assert bokeh_data(page, "curve-train", "step") == [1]   # Bokeh.documents[0] is Python's, and live
        screenshot(page, "81-python-took-over")
    finally:
        context.close()
    assert not traffic.problems(), "\n".join(traffic.problems())


def test_on_a_phone_the_columns_stack_nothing_scrolls_sideways_and_layers_are_added_and_removed_by_touch(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  device_scale_factor=1, service_workers="block")
    traffic = Traffic(context)
    try:
        page = context.new_page()
        open_playground(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        network = page.locator(".pg-network").bounding_box()
        views = page.locator(".bk-tab", has_text="See it").bounding_box()
        assert views["y"] > network["y"] + network["height"], "the views stack under the controls"
        screenshot(page, "82-phone-390")
        cards = page.locator("[data-layer-index]")
        expect(cards).to_have_count(5)
        page.locator("[data-palette='ReLU']").tap()                     # tap to append
        expect(cards).to_have_count(6)
        expect(cards.nth(5)).to_have_attribute("data-layer-type", "ReLU")
        cards.nth(5).locator(".pg-remove").tap()
        expect(cards).to_have_count(5)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    assert not traffic.problems(), "\n".join(traffic.problems())


def test_on_a_laptop_and_a_projector_lenet_and_every_view_fit_without_sideways_scrolling(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, service_workers="block")
    traffic = Traffic(context)
    try:
        page = context.new_page()
        open_playground(page)
        page.locator(".pg-preset-lenet").click()
        expect(page.locator("[data-layer-index]")).to_have_count(12)
        page.get_by_role("button", name="Step", exact=True).click()
        expect(page.locator(".pg-status")).to_contain_text("Step 1 ")
        page.evaluate("window.playground.settled()")
        for width, height in ((1280, 720), (1920, 1080), (768, 1024)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(400)   # BokehJS lays the page out again after a resize
            assert page.evaluate("document.documentElement.scrollWidth") <= width, width
            screenshot(page, f"83-lenet-{width}x{height}")
    finally:
        context.close()
    assert not traffic.problems(), "\n".join(traffic.problems())
