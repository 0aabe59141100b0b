"""The same app, natively: `python -m panel serve app/main.py`, as the README tells UI developers."""
import socket
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from tests.site.harness import APP_TIMEOUT_MS, ROOT, screenshot


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Tests ask for panel_serve before page: fixtures end in reverse order, so the page closes before the
# server stops (a page left open would report "not connected" as the server goes).
@pytest.fixture
def panel_serve(tmp_path):
    port = free_port()
    log = tmp_path / "panel-serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "panel", "serve", "app/main.py", "--address", "127.0.0.1",
                                   "--port", str(port), "--allow-websocket-origin", f"127.0.0.1:{port}"],
                                  cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/main"
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:   # a loaded machine: the test has its answer, end the server
        server.kill()
        server.wait()


def test_panel_serve_runs_the_playground(panel_serve, page):
    page.goto(panel_serve, timeout=APP_TIMEOUT_MS)   # the server builds the page on this request
    expect(page.locator(".pg-status")).to_contain_text("Step 0", timeout=60_000)
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator(".pg-status")).to_contain_text("Step 1 ")
    # The views follow: the graph of the step's forward pass and the first point of the loss curve.
    page.wait_for_function("Bokeh.documents[0].get_model_by_name('graph-nodes').data.name.length > 0 && "
                           "Bokeh.documents[0].get_model_by_name('curve-train').data.step.length == 1")
    screenshot(page, "native-panel-serve")


def test_panel_serve_runs_the_code_cell_in_a_subprocess_that_stop_ends(panel_serve, page):
    page.goto(panel_serve, timeout=APP_TIMEOUT_MS)   # the server builds the page on this request
    status, output = page.locator(".pg-status"), page.locator(".pg-code-output")
    expect(status).to_contain_text("Step 0", timeout=60_000)
    page.locator(".bk-tab", has_text="Code cell").click()
    editor = page.locator(".pg-code textarea")
    editor.fill("print('spinning')\nwhile True: pass")
    editor.blur()
    page.locator(".pg-run").click()
    expect(output).to_contain_text("spinning", timeout=30_000)   # shown while it runs
    page.get_by_role("button", name="Step", exact=True).click()              # the playground answers meanwhile
    expect(status).to_contain_text("Step 1 ")
    page.get_by_role("button", name="Stop").click()
    expect(output).to_contain_text("Stopped after", timeout=10_000)   # (the 2 s proof is the site's: here the server shares the CPU with the browser)
    editor.fill("import torch\ntorch.set_default_dtype(torch.float64)\nx = torch.ones(2, requires_grad=True)\n"
                "out = (x * 3).sum()\nout.backward()\nprint(x.grad, x.dtype)")
    editor.blur()
    page.locator(".pg-run").click()
    expect(output).to_contain_text("tensor([3., 3.]) torch.float64", timeout=30_000)
    expect(status).to_contain_text("graph view: out from the code cell")
    page.get_by_role("button", name="Step", exact=True).click()               # the server's engine kept float32
    expect(status).to_contain_text("Step 2 ")
    screenshot(page, "native-code-cell")
