"""A model written in the code cell, trained by the playground in the built site: the student types the PyTorch
tutorial's Net, sends it with the cell's button, presses Step and Train, and the graph shows its own layers.
Screenshots land in .cache/screenshots/."""
import re

from playwright.sync_api import expect

from tests.app.test_model_code import LENET
from tests.site.harness import APP_TIMEOUT_MS, bokeh_data, screenshot, settle, wait_for_step
from tests.site.test_codecell import open_cell, status, step_number


def test_the_tutorial_net_from_the_cell_trains_with_its_graph_grouped_by_its_layers(page):
    editor, output = open_cell(page)
    page.locator(".bk-tab", has_text="See it").click()
    page.locator(".pg-preset-lenet").click()          # the digits at 32×32, which the tutorial's Net takes
    expect(page.locator("[data-layer-index]")).to_have_count(12)
    page.locator(".bk-tab", has_text="Code cell").click()
    editor.fill(LENET)
    editor.blur()
    page.locator(".pg-use-model").click()
    expect(output).to_contain_text("Net() is the playground's model now", timeout=APP_TIMEOUT_MS)
    expect(output).to_contain_text("(conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))")   # print(net)
    expect(page.locator(".pg-code-model")).to_contain_text("Training Net() from the code cell (its layers: "
                                                           "conv1, conv2, fc1, fc2, fc3)")

    page.get_by_role("button", name="Step", exact=True).click()    # the views came forward by themselves
    expect(status(page)).to_contain_text(re.compile(r"Step 1 · epoch 0 · loss \d"))
    settle(page)
    # each layer drawn as one box of its own, or open in a dashed box with its name on top
    opened = set(bokeh_data(page, "graph-modules", "module"))
    boxed = {module for module, kind in zip(bokeh_data(page, "graph-nodes", "module"),
                                            bokeh_data(page, "graph-nodes", "kind")) if kind == "module"}
    assert {"conv1", "conv2", "fc1", "fc2", "fc3"} <= opened | boxed, (opened, boxed)
    page.get_by_role("button", name="Fit").click()   # the whole graph, conv1 at the bottom to fc3 at the top
    settle(page)
    screenshot(page, "80-code-cell-model-step")

    page.get_by_role("button", name="Train").click()
    wait_for_step(page, 2)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Train")).to_be_visible()
    settle(page)
    assert step_number(page) > 1
    expect(page.locator(".pg-alert")).to_be_hidden()
    screenshot(page, "81-code-cell-model-trained", full_page=True)
    page.locator(".bk-tab", has_text="Code cell").click()
    expect(page.locator(".pg-use-model")).to_be_visible()
    screenshot(page, "82-code-cell-model-cell")
