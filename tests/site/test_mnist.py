"""Real MNIST in the built site: fetched only when chosen, the LeNet preset trained past 95 % test accuracy,
a 7 drawn with the mouse on the draw-a-digit pad read as a 7, its feature maps shown. (Once chosen, it is
kept by the service worker for offline visits: tests/site/test_offline.py.)

Prints the training time (the issue asks for 95 % within 60 s; tests/site runs on two shared cores)."""
import time

from playwright.sync_api import expect

from tests.site.harness import bokeh_data, open_playground, screenshot, settle

TRAINING_LIMIT_S = 300    # generous for a loaded machine: the time it took is printed and reported
TITLE = "(name) => Bokeh.documents[0].get_model_by_name(name).title.text"
TEST_ACCURACY = "Bokeh.documents[0].get_model_by_name('curve-test').data.acc"


def draw(page, canvas, points):
    """One stroke through `points` (fractions of the canvas's width and height), with the mouse."""
    box = canvas.bounding_box()
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=12)
    page.mouse.up()


def test_mnist_is_fetched_when_chosen_trains_past_95_percent_and_reads_a_drawn_seven(page, traffic):
    open_playground(page)
    assert not [url for url in traffic.requests if "mnist" in url]    # nothing of MNIST on the first load

    page.locator(".pg-preset-mnist").click()
    expect(page.locator("[data-layer-index='0'] .pg-shape")).to_have_text("32×6×26×26", timeout=60_000)
    settle(page)
    assert [url.rsplit("/", 2)[-2:] for url in traffic.requests if "mnist" in url] == [["data", "mnist.npz"]]
    expect(page.locator(".pg-image-mode")).to_contain_text("as the mnist package ships them")
    canvas = page.locator(".pg-draw-canvas")
    expect(canvas).to_be_visible()

    start = time.monotonic()
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"{TEST_ACCURACY}.length > 0 && {TEST_ACCURACY}.at(-1) >= 0.95",
                           timeout=TRAINING_LIMIT_S * 1000, polling=250)
    seconds = time.monotonic() - start
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator(".pg-status")).not_to_contain_text("training")
    settle(page)
    steps = bokeh_data(page, "curve-test", "step")[-1]
    print(f"\nMNIST LeNet preset: test accuracy >= 95 % after {seconds:.1f} s of training ({steps} steps)")
    screenshot(page, "90-mnist-trained", full_page=True)

    canvas.scroll_into_view_if_needed()
    draw(page, canvas, [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)])     # a 7: the bar, then the stem
    settle(page)
    assert page.evaluate(TITLE, "images-input-plot") == "Your drawing, as it is fed"
    assert page.evaluate(TITLE, "images-probabilities-plot").startswith("Predicts 7")
    probabilities = bokeh_data(page, "images-probabilities", "p")
    assert max(range(10), key=probabilities.__getitem__) == 7, probabilities
    drawn = bokeh_data(page, "images-input", "image")
    assert len(drawn) == 1
    maps = bokeh_data(page, "images-feature-maps-labels", "text")
    assert maps[0].startswith("conv1 (6×26×26)"), maps
    screenshot(page, "91-mnist-drawn-seven")
    screenshot(page, "92-mnist-drawn-seven-feature-maps", full_page=True)
