"""The playground in the built site, used as a new student would: build a network by dragging, step
through it, look inside, train, change the data, break the network and fix it, take it with you.

Every page is watched by the harness: a failed request, a request off 127.0.0.1, a page error or a
console error fails the test. Screenshots land in .cache/screenshots/.
"""
import pytest
import json
import re

from playwright.sync_api import expect

from tests.site.harness import (APP_TIMEOUT_MS, bokeh_data, open_playground, playground_worker, screenshot, settle,
                                site_url)

# Screen coordinates of node i of the graph view (drawn in pixels: one data unit is one pixel).
NODE_ON_SCREEN = """(i) => {
  const doc = Bokeh.documents[0];
  const figure = doc.get_model_by_name("graph-view"), nodes = doc.get_model_by_name("graph-nodes");
  const find = (view) => view.model === figure ? view
    : [...(view.children ? view.children() : [])].map(find).find((v) => v);
  const view = Object.values(Bokeh.index).map(find).find((v) => v);
  view.el.scrollIntoView({ block: "center", inline: "nearest" });
  const box = view.el.getBoundingClientRect();
  return { x: box.left + view.frame.x_scale.compute(nodes.data.x[i]),
           y: box.top + view.frame.y_scale.compute(nodes.data.y[i]) };
}"""


# The text of the playground this page keeps in the browser (app/autosave.py), or "".
KEPT_NOW = """(() => {
  const [newest] = JSON.parse(localStorage.getItem('autograd-playground/recent') || '[]');
  return newest ? localStorage.getItem('autograd-playground/kept/' + newest.id) || '' : '';
})()"""


# The page loses its training curve's data source just before a patch from Python that updates it:
# the state a page is in when its copy of the document has drifted from Python's.
LOSE_THE_CURVE_BEFORE_THE_NEXT_PATCH = """() => {
  const doc = Bokeh.documents[0], apply = doc.apply_json_patch.bind(doc);
  const curve = doc.get_model_by_name("curve-train").id;
  doc.apply_json_patch = (patch, buffers) => {
    if (!window.lost && JSON.stringify(patch).includes(curve)) {
      window.lost = curve;
      doc._all_models.delete(curve);
    }
    apply(patch, buffers);
  };
}"""
# The ids of every model in Python's copy of the document (evaluated in the playground's worker).
PYTHON_MODEL_IDS = """JSON.parse(pyodide.runPython(
  "import json; from panel.io.state import state; json.dumps([m.id for m in state.curdoc.models])"))"""


def click(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def status(page):
    return page.locator(".pg-status")


def test_drag_a_network_step_through_it_inspect_a_node_and_train(page):
    open_playground(page)
    page.locator(".pg-clear").click()
    expect(page.locator(".pg-empty")).to_be_visible()
    settle(page)
    cards = page.locator("[data-layer-index]")
    for count, kind in enumerate(["Linear", "ReLU", "Linear"], start=1):
        # Dropped on the column's "output" line, below the last card: aiming at the column's middle, below
        # the window's edge, would scroll the page after the press, and the drag would pick up the block
        # that scrolled under the pointer.
        page.locator(f"[data-palette='{kind}']").drag_to(page.locator(".pg-network .pg-output"))
        expect(cards).to_have_count(count)   # as a person does: see the card arrive, then drag the next
        settle(page)
    expect(cards.nth(1)).to_have_attribute("data-layer-type", "ReLU")
    # Binary classification wants one output: a Linear added at the end comes with it, and says so
    # when it is given more.
    expect(page.locator("[data-layer-index='2'] .pg-shape")).to_have_text("32×1")
    out = page.locator("[data-layer-index='2'] [data-field='out_features']")
    out.fill("3")
    out.press("Enter")
    expect(page.locator("[data-layer-index='2'] .pg-error")).to_contain_text("needs 1")
    out.fill("1")
    out.press("Enter")
    expect(page.locator("[data-layer-index='2'] .pg-shape")).to_have_text("32×1")
    page.locator(".pg-dataset select").select_option(label="Spiral")

    click(page, "Forward")
    expect(status(page)).to_contain_text("after forward")
    settle(page)
    # The graph opens grouped by layer; opened, it shows autograd's own nodes.
    names = bokeh_data(page, "graph-nodes", "name")
    assert {"fc1 · Linear", "relu1 · ReLU", "fc2 · Linear"} <= set(names), names
    page.get_by_role("button", name="Open all layers").click()
    settle(page)
    names = bokeh_data(page, "graph-nodes", "name")
    assert "BinaryCrossEntropyWithLogitsBackward0" in names and "ReluBackward0" in names, names
    assert not any(bokeh_data(page, "graph-nodes", "grad_text")), "no gradients before Backward"

    click(page, "Backward")
    expect(status(page)).to_contain_text("after backward")
    settle(page)
    grads = [text for text in bokeh_data(page, "graph-nodes", "grad_text") if text]
    assert grads and all(re.search(r"\d", text) for text in grads), grads
    screenshot(page, "10-graph-after-backward")

    # Click an operation's box.
    kinds, names = bokeh_data(page, "graph-nodes", "kind"), bokeh_data(page, "graph-nodes", "name")
    relu = next(i for i, name in enumerate(names) if name.startswith("Relu"))
    assert kinds[relu] == "activation"
    spot = page.evaluate(NODE_ON_SCREEN, relu)
    page.mouse.click(spot["x"], spot["y"])
    expect(page.locator(".inspector-title")).to_contain_text("ReluBackward0")
    expect(page.locator(".inspector-stats")).to_contain_text("norm")
    settle(page)
    assert bokeh_data(page, "inspector-value-image", "image") and bokeh_data(page, "inspector-grad-image", "image")
    screenshot(page, "11-inspector")

    click(page, "Train")
    page.wait_for_function("Bokeh.documents[0].get_model_by_name('curve-train').data.step.at(-1) >= 100",
                           timeout=60_000, polling=200)
    click(page, "Pause")
    expect(status(page)).not_to_contain_text("training")
    settle(page)
    test_loss = bokeh_data(page, "curve-test", "loss")
    assert len(test_loss) >= 10 and min(test_loss[-3:]) < test_loss[0], test_loss
    screenshot(page, "12-trained", full_page=True)


def test_an_invalid_stack_is_marked_on_its_layer_while_the_rest_keeps_working_and_a_drifted_page_heals(page, traffic):
    open_playground(page)
    page.locator("[data-palette='Conv2d']").drag_to(page.locator("[data-layer-index='1']"),
                                                    target_position={"x": 5, "y": 2})
    invalid = page.locator(".pg-layer.pg-invalid")
    expect(invalid).to_have_count(1)
    expect(invalid).to_have_attribute("data-layer-type", "Conv2d")
    expect(invalid.locator(".pg-error")).to_contain_text("Conv2d needs a 4-D input (N,C,H,W); Linear gives 2-D")
    expect(page.locator("[data-layer-index]")).to_have_count(6)  # nothing else was lost
    click(page, "Step")
    expect(page.locator(".pg-alert")).to_contain_text("Conv2d needs a 4-D input")
    # The rest of the page still answers: the data and the code tab.
    page.locator(".pg-dataset select").select_option(label="XOR")
    settle(page)
    expect(page.locator(".pg-status")).to_contain_text("Step 0")
    screenshot(page, "20-invalid-layer")
    invalid.locator(".pg-remove").click()
    expect(invalid).to_have_count(0)
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 1 ")
    expect(page.locator(".pg-alert")).to_be_hidden()

    # The page's copy of the document and Python's drift apart (here: the page loses a model); the next patch,
    # which names it, cannot apply. The page takes Python's whole document once, and the two agree again: no
    # error, nothing lost, the curve goes on.
    page.evaluate(LOSE_THE_CURVE_BEFORE_THE_NEXT_PATCH)
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 2 ")
    assert any("taking the whole document again" in line for line in traffic.console)
    python_models = set(playground_worker(page).evaluate(PYTHON_MODEL_IDS))
    assert python_models <= set(page.evaluate("[...Bokeh.documents[0]._all_models.keys()]"))
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 3 ")
    settle(page)
    assert bokeh_data(page, "curve-train", "step")[-1] == 3


def test_lenet_preset_on_the_digits_takes_a_step(page):
    open_playground(page)
    page.locator(".pg-preset-lenet").click()
    expect(page.locator("[data-layer-index]")).to_have_count(12)
    expect(page.locator("[data-layer-index='0'] .pg-shape")).to_have_text("64×6×30×30")
    expect(page.locator("[data-layer-index='2'] .pg-shape")).to_have_text("64×6×15×15")
    settle(page)
    assert len(bokeh_data(page, "images-input", "image")) == 1  # a test digit is shown
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 1 ", timeout=60_000)
    settle(page)
    probabilities = bokeh_data(page, "images-probabilities", "p")
    assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 1e-3, probabilities
    assert any(name.startswith("ConvolutionBackward0") or "Conv2d" in name
               for name in bokeh_data(page, "graph-nodes", "name"))
    screenshot(page, "30-lenet-digits", full_page=True)


def test_a_share_link_restores_the_network_and_a_broken_one_is_refused(page, traffic):
    open_playground(page)
    field = page.locator("[data-layer-index='0'] [data-field='out_features']")
    field.fill("5")
    field.press("Enter")
    expect(page.locator("[data-layer-index='0'] .pg-shape")).to_have_text("32×5")
    page.locator(".pg-optimizer select").select_option(label="SGD")
    page.get_by_role("button", name="Share link").click()
    expect(page.locator(".pg-share-url")).to_have_value(re.compile(r"#s="))
    link = page.locator(".pg-share-url").input_value()

    other = traffic.context.new_page()
    other.goto(link)
    other.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(other.locator("[data-layer-index='0'] .pg-shape")).to_have_text("32×5")
    expect(other.locator(".pg-optimizer select")).to_have_value(re.compile("SGD"))
    screenshot(other, "40-opened-share-link")
    other.close()

    broken = traffic.context.new_page()
    broken.goto(site_url() + "#s=garbage")
    broken.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(broken.locator(".pg-file-message")).to_contain_text("a link that cannot be used")
    # the playground kept in this browser, untouched
    expect(broken.locator("[data-layer-index='0'] .pg-shape")).to_have_text("32×5")


def test_save_a_playground_file_and_load_it_in_another_page(page, traffic, tmp_path):
    open_playground(page)
    page.locator(".pg-preset-logistic").click()
    expect(page.locator("[data-layer-index]")).to_have_count(1)
    for _ in range(3):
        click(page, "Step")
    expect(status(page)).to_contain_text("Step 3 ")
    settle(page)
    with page.expect_download() as download:
        page.locator(".pg-save").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert json.loads(saved.read_text())  # a JSON document, readable by anyone

    other = traffic.context.new_page()
    open_playground(other)
    other.locator(".pg-load input[type=file]").set_input_files(saved)
    expect(other.locator(".pg-file-message")).to_contain_text("Loaded")
    expect(other.locator("[data-layer-index]")).to_have_count(1)
    expect(other.locator(".pg-status")).to_contain_text("Step 3 ")
    # The weights came along: the next step continues from them.
    click(other, "Step")
    expect(other.locator(".pg-status")).to_contain_text("Step 4 ")

    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}')
    other.locator(".pg-load input[type=file]").set_input_files(broken)
    expect(other.locator(".pg-file-message")).to_contain_text("Could not load “broken.json”")   # this file's name
    expect(other.locator(".pg-status")).to_contain_text("Step 4 ")  # nothing was lost
    screenshot(other, "50-loaded-file")


def test_a_reload_brings_the_playground_back_as_it_was_left(page):
    open_playground(page)
    page.locator(".pg-preset-logistic").click()
    expect(page.locator("[data-layer-index]")).to_have_count(1)
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 1 ")
    page.get_by_role("button", name="Share link").click()       # a link made on the way: the work after it
    expect(page.locator(".pg-share-url")).to_have_value(re.compile(r"#s="))   # is what a reload brings back
    assert "#s=" not in page.url                   # the address bar keeps the page's own address
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 2 ")
    page.locator(".bk-tab", has_text="Code cell").click()
    editor = page.locator(".pg-code textarea")
    editor.fill("w = torch.ones(3, requires_grad=True)  # mine\n")
    editor.blur()
    # kept in the browser once the playground has been still for a moment
    page.wait_for_function(f"({KEPT_NOW}).includes('# mine')")

    page.reload()
    page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(page.locator(".pg-file-message")).to_contain_text("Restored your playground as you left it, at step 2")
    expect(page.locator("[data-layer-index]")).to_have_count(1)
    expect(status(page)).to_contain_text("Step 2 ")
    click(page, "Step")                       # the weights came back too: training goes on
    expect(status(page)).to_contain_text("Step 3 ")
    page.locator(".bk-tab", has_text="Code cell").click()
    expect(page.locator(".pg-code textarea")).to_have_value(re.compile("# mine"))
    screenshot(page, "55-restored-after-reload")

    page.evaluate("""() => {
      const [newest] = JSON.parse(localStorage.getItem('autograd-playground/recent'));
      localStorage.setItem('autograd-playground/kept/' + newest.id, '{broken');
    }""")
    page.reload()
    page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(page.locator(".pg-file-message")).to_contain_text("could not be restored")
    expect(page.locator("[data-layer-index]")).to_have_count(5)  # a new playground, working
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 1 ")


def test_the_code_tabs_show_the_pytorch_script_and_run_the_tutorial_example(page):
    open_playground(page)
    page.locator(".bk-tab", has_text="PyTorch code").click()
    expect(page.locator(".pg-code-export")).to_contain_text("class Net(nn.Module)")
    expect(page.locator(".pg-code-export")).to_contain_text("nn.Linear(2, 8)")
    screenshot(page, "62-pytorch-code")
    page.locator(".bk-tab", has_text="Code cell").click()
    page.locator(".pg-run").click()
    output = page.locator(".pg-code-output")
    # (the cell's own Python starts on this first Run)
    expect(output).to_contain_text("tensor(27., grad_fn=<MeanBackward0>)", timeout=APP_TIMEOUT_MS)
    expect(output).to_contain_text("<AddBackward0 object at 0x")
    expect(output).to_contain_text("[4.5000, 4.5000]")
    screenshot(page, "60-code-cell")
    page.locator(".pg-show-tensor").click()  # brings "See it" forward with that graph
    expect(status(page)).to_contain_text("from the code cell")
    settle(page)
    names = bokeh_data(page, "graph-nodes", "name")
    assert any(name.startswith("MeanBackward0") for name in names), names
    screenshot(page, "61-code-cell-graph")


def test_keyboard_shortcuts_drive_the_buttons(page):
    open_playground(page)
    page.locator("h1").first.click()  # focus on the page, not in a field
    page.keyboard.press("f")
    expect(status(page)).to_contain_text("after forward")
    page.keyboard.press("b")
    expect(status(page)).to_contain_text("after backward")
    page.keyboard.press("s")
    expect(status(page)).to_contain_text("Step 1 ")
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.wait_for_function("Bokeh.documents[0].get_model_by_name('curve-train').data.step.at(-1) >= 20",
                           timeout=60_000, polling=200)
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name="Train")).to_be_visible()
    page.keyboard.press("r")
    expect(status(page)).to_contain_text("Step 0")
    # Typing in a field is typing, not a shortcut.
    lr = page.locator(".pg-lr input")
    lr.fill("0.05")
    lr.press("s")
    expect(status(page)).to_contain_text("Step 0")


def test_a_preset_clicked_by_mistake_is_undone_with_its_weights(page):
    open_playground(page)
    cards = page.locator("[data-layer-index]")
    page.locator("[data-palette='Tanh']").click()             # a network of one's own
    expect(cards).to_have_count(6)
    for n in (1, 2):
        click(page, "Step")
        expect(status(page)).to_contain_text(f"Step {n} ")
    page.locator(".pg-preset-lenet").click()                  # the mistake
    expect(cards).to_have_count(12)

    page.locator("h1").first.click()                          # (not in a field: ctrl+z there is the field's)
    page.keyboard.press("Control+z")
    expect(cards).to_have_count(6)
    expect(status(page)).to_contain_text("Step 2 ")           # where training was, weights and all
    expect(cards.nth(5)).to_have_attribute("data-layer-type", "Tanh")
    click(page, "Redo")
    expect(cards).to_have_count(12)
    click(page, "Undo")
    expect(cards).to_have_count(6)
    click(page, "Step")
    expect(status(page)).to_contain_text("Step 3 ")


def test_the_seed_field_says_the_exported_script_draws_the_same_numbers(page):
    open_playground(page)
    note = page.locator(".pg-seed-note")
    note.scroll_into_view_if_needed()
    expect(note).to_contain_text("Same seed, same numbers as PyTorch")
    expect(note).to_contain_text("torch.manual_seed(seed)")
    screenshot(page, "70-seed-note")
    page.locator(".bk-tab", has_text="PyTorch code").click()
    expect(page.locator(".pg-code-export")).to_contain_text("torch.manual_seed(0)  # the playground's seed")
    expect(page.locator(".pg-code-export")).to_contain_text("torch.randperm(len(inputs), generator=shuffle)")
