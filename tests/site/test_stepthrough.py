"""Step backward through a whole backward pass in the built site, and Check numerically in the inspector.

The page's engine runs in Pyodide; the same session runs here natively (the same seed, the same batch), so
each lit node and each number on the rule card is checked against the engine's own order and gradients.
"""
import pytest
import math
import re

from playwright.sync_api import expect

from app.session import Session
from app.state import PRESETS
from tests.site.harness import bokeh_data, open_playground, screenshot, settle

SMALL_SCREEN = {"width": 1280, "height": 720}

WRONG_OP = """import torch

class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x      # wrong: the derivative of x**3 is 3 x**2

w = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
y = Cube.apply(w * 2).sum()
"""


def native_steps(preset):
    s = Session()
    if preset != "mlp":
        p = PRESETS[preset]
        s.configure(p["network"], p["data"], p["hyper"])
    s.backward_in_steps()
    modules = {n["id"]: n["module"] or "" for n in s.last["graph"].nodes}
    return [dict(step, module=modules[step["id"]]) for step in s.last["steps"]]


def lit_node(page):
    """The id and label of the box the step-through lights."""
    xs, ys = bokeh_data(page, "graph-lit", "x"), bokeh_data(page, "graph-lit", "y")
    if not xs:
        return None
    nodes_x, nodes_y = bokeh_data(page, "graph-nodes", "x"), bokeh_data(page, "graph-nodes", "y")
    k = next(i for i, (x, y) in enumerate(zip(nodes_x, nodes_y)) if x == xs[0] and y == ys[0])
    return bokeh_data(page, "graph-nodes", "id")[k], bokeh_data(page, "graph-nodes", "name")[k]


def arriving_numbers(page):
    """What the card says arrived at the node: ("values", [..]) or ("norm", x)."""
    text = page.locator(".rule-card tr").first.inner_text()
    found = re.search(r"\[([^\]]*)\]", text)
    if found:
        return "values", [float(v) for v in found.group(1).split(",")]
    return "norm", float(re.search(r"norm ([-\d.e+]+)", text).group(1))


def close(a, b, rel):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


def walk(page, steps, shot, rel):
    """Press Step backward once per step of the engine's walk, checking the page at each."""
    button = page.get_by_role("button", name="Step backward", exact=True)
    tops = []
    for k, step in enumerate(steps):
        button.click()
        settle(page)
        tops.append(graph_box(page)["top"])
        card = page.locator(".rule-card")
        expect(card).to_have_attribute("data-node", step["name"])
        expect(card).to_contain_text(f"backward step {k + 1} of {len(steps)}")
        drawn_id, label = lit_node(page)
        # the lit box is the node itself, or the layer box holding it while the layer is grouped
        if drawn_id.startswith("module:"):
            group = drawn_id.removeprefix("module:")
            assert step["module"] == group or step["module"].startswith(group + "."), (k, drawn_id, step)
        else:
            assert (drawn_id, label) == (str(step["id"]), step["name"]), (k, drawn_id, label, step["name"])
        kind, shown = arriving_numbers(page)
        grad = step["grad_outputs"][0]
        if kind == "values":
            assert all(close(a, b, rel) for a, b in zip(shown, grad["values"])), (k, shown, grad["values"])
        else:
            assert close(shown, grad["norm"], max(rel, 5e-3)), (k, shown, grad["norm"])
        if k == len(steps) // 2:   # the card at the top of the screen, the graph under it
            page.locator(".pg-rule-card").evaluate("el => el.scrollIntoView({block: 'start'})")
            screenshot(page, shot)
    # The cards above the graph keep the height of the tallest so far: the graph never jumps back up
    # under the pointer (nor does the page lay itself out again at every step).
    assert tops == sorted(tops), tops
    button.click()                       # past the end: finished, every gradient shown, nothing lit
    settle(page)
    assert lit_node(page) is None


def graph_box(page):
    """Where the graph view is: its top from the page's top, its right end from the window's left (px)."""
    return page.evaluate("""() => {
      const fig = Bokeh.documents[0].get_model_by_name("graph-view");
      const find = (view) => view.model === fig ? view
        : [...(view.children ? view.children() : [])].map(find).find((v) => v);
      const view = Object.values(Bokeh.index).map(find).find((v) => v);
      const box = view.el.getBoundingClientRect();
      return {top: box.top + window.scrollY, right: box.right};
    }""")


def test_step_backward_through_the_mlp_and_lenet_follows_the_engine(page):
    page.set_viewport_size(SMALL_SCREEN)
    open_playground(page)
    walk(page, native_steps("mlp"), "stepthrough-mlp-mid-backward", 1e-3)
    assert graph_box(page)["right"] <= SMALL_SCREEN["width"]

    page.locator(".pg-preset-lenet").click()
    settle(page)
    walk(page, native_steps("lenet"), "stepthrough-lenet-mid-backward", 2e-3)
    assert graph_box(page)["right"] <= SMALL_SCREEN["width"]   # grouped LeNet: no sideways scrolling to read it


def pick(page, node_name):
    """Inspect the first node of that name, chosen from the list above the graph."""
    select = page.locator(".graph-node-select select")
    label = next(t for t in select.locator("option").all_inner_texts() if f" {node_name} " in f"{t} ")
    select.select_option(label=label)
    expect(page.locator(".inspector-title")).to_contain_text(node_name)


def test_check_numerically_passes_an_engine_rule_and_fails_a_wrong_custom_function(page):
    open_playground(page)
    page.keyboard.press("Shift+B")       # the key of Step backward
    expect(page.locator(".rule-card")).to_contain_text("backward step 1 of")
    page.get_by_role("button", name="Finish", exact=True).click()
    settle(page)
    if "module" in bokeh_data(page, "graph-nodes", "kind"):
        page.get_by_role("button", name="Open all layers").click()
        settle(page)
    pick(page, "AddmmBackward0")
    page.get_by_role("button", name="Check numerically").click()
    result = page.locator(".gradcheck-result")
    expect(result).to_contain_text("✔ pass")
    expect(result).to_contain_text("AddmmBackward0")

    page.locator(".bk-tab", has_text="Code cell").click()
    page.locator(".pg-code textarea").fill(WRONG_OP)
    page.locator(".pg-run").click()
    # The cell runs in a Python of its own: its graph reaches the playground when the run ends.
    expect(page.locator(".pg-status")).to_contain_text("from the code cell", timeout=60_000)
    page.locator(".pg-show-tensor").click()       # and brings the graph view forward
    expect(page.locator(".graph-node-select select")).to_be_visible()
    settle(page)
    pick(page, "CubeBackward")
    page.get_by_role("button", name="Check numerically").click()
    expect(result).to_contain_text("✘ fail")
    expect(result).to_contain_text("CubeBackward")
    screenshot(page, "stepthrough-gradient-check-fails")
