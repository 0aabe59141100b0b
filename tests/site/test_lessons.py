"""The Lessons in the built site (app/lessons): a teacher's `#lesson=2.3` link opens its step on a first visit;
the student runs lesson 2's steps in the page (the code cell's own Web Worker): the undone task fails its check
and the done one passes; the progress survives a reload. Screenshots: .cache/screenshots/lesson-2*.png
(1280×720)."""
import json
import re

from playwright.sync_api import expect

from tests.site.harness import APP_TIMEOUT_MS, open_playground, screenshot, settle, site_url
from tests.site.test_playground import KEPT_NOW

CELL_RUN_MS = 120_000   # the first run starts the cell's own Pyodide


def verdict(page):
    return page.locator(".pg-lesson-verdict")


def kept_lessons(page):
    kept = json.loads(page.evaluate(KEPT_NOW) or "null")
    return (kept or {}).get("lessons") or {}


def test_lesson_2_opens_from_a_link_runs_in_the_page_checks_the_task_and_keeps_progress(page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(site_url() + "#lesson=2.3")                              # a teacher's link, on a first visit
    page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(page.locator(".pg-lesson-text")).to_contain_text("Step 3 of 5: Backward, node by node")
    editor = page.locator(".pg-code textarea")
    expect(editor).to_have_value(re.compile(r"out = z.mean\(\)\nprint\(x.grad\)"))
    page.wait_for_function("!location.hash.includes('lesson=')", timeout=20_000)   # it left the address bar
    page.locator(".pg-lesson-run").click()                              # undone: x.grad is still None
    expect(verdict(page)).to_contain_text("Not yet", timeout=CELL_RUN_MS)
    expect(page.locator(".bk-tab.bk-active")).to_have_text("See it")   # the step's view: step-through
    page.locator(".pg-step-backward").click()                           # the cell's graph, stepped backward
    expect(page.locator(".rule-card")).to_contain_text("backward step 1 of")
    expect(page.locator(".rule-card")).to_contain_text("MeanBackward0")
    screenshot(page, "lesson-2-step-3")

    page.locator(".pg-lesson-steps button", has_text=re.compile(r"^2$")).click()
    settle(page)
    expect(page.locator(".pg-lesson-task")).to_contain_text("Make out equal 48")
    expect(editor).to_have_value(re.compile(r"y = x \+ 2\nz = y \* y \* 3\nout = z.mean\(\)"))
    page.locator(".pg-lesson-run").click()                              # the task not done yet
    expect(verdict(page)).to_contain_text("Not yet: out.item() == 48 is not true yet", timeout=CELL_RUN_MS)
    expect(page.locator(".bk-tab.bk-active")).to_have_text("See it")   # ran cleanly: the step's view, the graph

    page.locator(".bk-tab", has_text="Code cell").click()
    editor.fill(editor.input_value().replace("x + 2", "x + 3"))        # the task, done
    editor.blur()
    settle(page)
    page.locator(".pg-lesson-run").click()
    expect(verdict(page)).to_contain_text("Passed: out.item() == 48 holds", timeout=CELL_RUN_MS)
    expect(page.locator(".pg-lesson-steps button", has_text="2 ✓")).to_be_visible()
    expect(page.locator(".pg-lesson-progress")).to_contain_text("1 of 19 steps done")
    settle(page)
    screenshot(page, "lesson-2")

    page.wait_for_function(f"(JSON.parse(({KEPT_NOW}) || 'null') || {{}}).lessons?.passed?.includes('2.2')",
                           timeout=20_000, polling=100)
    page.reload()
    page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(page.locator(".pg-lesson-steps button", has_text="2 ✓")).to_be_visible()   # the card is open where it was
    expect(page.locator(".pg-lesson-task")).to_contain_text("Make out equal 48")
    expect(page.locator(".pg-lesson-select select")).to_have_value(re.compile(r"^2\. Autograd · 1/5"))
    expect(editor).to_have_value(re.compile(r"y = x \+ 3"))             # the student's code, as it was
    assert kept_lessons(page)["at"] == "2.2"
