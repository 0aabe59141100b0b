"""The code cell in the built site: its code runs in a Web Worker of its own (app/site/web/cell_worker.js),
so runaway code is stopped within seconds while the playground keeps answering, and nothing the code
does reaches the playground's Python. Screenshots land in .cache/screenshots/."""
import json
import re
import time

from playwright.sync_api import expect

import engine
from app import persist
from app.session import Session
from tests.site.harness import APP_TIMEOUT_MS, open_playground, screenshot, settle, wait_for_step

STOP_WITHIN_S = 2
STEP_ANSWERED_WITHIN_S = 5


def open_cell(page):
    open_playground(page)
    page.locator(".bk-tab", has_text="Code cell").click()
    return page.locator(".pg-code textarea"), page.locator(".pg-code-output")


def run(page, code):
    editor = page.locator(".pg-code textarea")
    editor.fill(code)
    editor.blur()
    page.locator(".pg-run").click()


def status(page):
    return page.locator(".pg-status")


def step_number(page):
    """The step counter of the status line (drawn in its component's shadow root)."""
    return int(re.search(r"Step (\d+) ·", status(page).evaluate("e => e.shadowRoot.textContent")).group(1))


def printed(output):
    return output.locator("pre").inner_text() if output.locator("pre").count() else ""


def wait_until_running(page, timeout=APP_TIMEOUT_MS):
    """Until the cell's Python is up and the code has started (the clock says "Running…")."""
    expect(page.locator(".pg-cell-clock")).to_contain_text(re.compile(r"^Running… \d+\.\d s$"), timeout=timeout)


def test_stop_ends_runaway_code_while_the_playground_keeps_working(page):
    editor, output = open_cell(page)
    run(page, "print('warm')")   # the cell's own Python starts on first use
    expect(output).to_contain_text("warm", timeout=APP_TIMEOUT_MS)
    started = time.monotonic()
    page.get_by_role("button", name="Step", exact=True).click()
    expect(status(page)).to_contain_text("Step 1 ")
    print(f"a Step with no cell running: answered after {time.monotonic() - started:.2f} s")

    for code, stop_with in [("while True: pass", "button"), ("print('summing')\nsum(range(10**11))", "button"),
                            ("import time\ntime.sleep(60)", "keys")]:
        steps_before = step_number(page)
        started = time.monotonic()
        run(page, code)
        page.get_by_role("button", name="Step", exact=True).click()
        expect(status(page)).to_contain_text(f"Step {steps_before + 1} ", timeout=30_000)   # (then: how soon)
        step_answered = time.monotonic() - started
        assert step_answered < STEP_ANSWERED_WITHIN_S, f"{code!r}: Step answered after {step_answered:.1f} s"
        wait_until_running(page)
        time.sleep(1)   # still running a second later: the code really runs away
        expect(page.locator(".pg-cell-clock")).to_contain_text("Running…")
        assert "Stopped" not in printed(output)
        if code.startswith("while"):
            screenshot(page, "63-code-cell-running")
        stop_started = time.monotonic()
        if stop_with == "keys":
            editor.press("Control+.")   # from inside the editor, where the student is
        else:
            page.get_by_role("button", name="Stop").click()
        expect(output).to_contain_text("Stopped after", timeout=STOP_WITHIN_S * 1000)
        stopped_in = time.monotonic() - stop_started
        assert stopped_in < STOP_WITHIN_S, f"{code!r}: stopped after {stopped_in:.1f} s"
        expect(page.locator(".pg-cell-clock")).to_have_text("")
        if "summing" in code:   # printed before it ran away: kept
            assert printed(output).startswith("summing\nStopped after")
        expect(editor).to_have_value(code)   # the text stays as typed
        print(f"{code!r}: Step answered {step_answered:.2f} s after Run, stopped {stopped_in:.2f} s after Stop")
    screenshot(page, "64-code-cell-stopped")

    # The next run starts a fresh Python for the cell, and works.
    run(page, "print(6 * 7)")
    expect(output).to_contain_text("42", timeout=APP_TIMEOUT_MS)


def test_every_way_out_is_reported_and_the_cell_cannot_touch_the_playgrounds_engine(page, tmp_path):
    editor, output = open_cell(page)
    for code, text, message in [("raise SystemExit", "", "line 1: SystemExit"),
                                   ("print('bye')\nexit()", "bye\n", "line 2: SystemExit: None"),
                                   ("raise KeyboardInterrupt", "", "line 1: KeyboardInterrupt")]:
        run(page, code)
        expect(output.locator(".pg-code-error")).to_have_text(message, timeout=APP_TIMEOUT_MS)
        assert printed(output) == text + message

    run(page, "import torch\ntorch.set_default_dtype(torch.float64)\nprint(torch.get_default_dtype())\n"
              "w = torch.ones(3, requires_grad=True)\nloss = (w * 2).sum()\nloss.backward()\n")
    expect(output).to_contain_text("torch.float64")
    expect(status(page)).to_contain_text("graph view: loss from the code cell")   # its graph reached the views

    # The playground still trains in float32 and saves a file that loads.
    page.locator(".pg-preset-logistic").click()
    expect(page.locator("[data-layer-index]")).to_have_count(1)
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()
    expect(status(page)).to_contain_text("Step 3 ")
    page.get_by_role("button", name="Train").click()
    wait_for_step(page, 4)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Train")).to_be_visible()
    settle(page)
    expect(status(page)).to_contain_text(re.compile(r"loss \d"))
    expect(page.locator(".pg-alert")).to_be_hidden()
    steps = step_number(page)
    assert steps > 3
    with page.expect_download() as download:
        page.locator(".pg-save").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert json.loads(saved.read_text())

    # The file loads in a fresh playground (the same engine, natively: a second page would cost a cold start;
    # loading a file in the page is tests/site/test_playground.py's) with float32 weights, and trains on.
    fresh = Session()
    persist.load_bytes(fresh, saved.read_bytes())
    assert fresh.step == steps and fresh.error is None
    assert {p.dtype for p in fresh.model.parameters()} == {engine.float32}
    fresh.train(1)
    assert fresh.step == steps + 1 and fresh.error is None
