"""The device switch in the built site, on headless Chromium's WebGPU adapter (SwiftShader, a
software adapter: the playground stays on the CPU by itself and says why). Switched to WebGPU by
hand, a step runs on the GPU through the browser adapter and its loss matches the CPU's, and
continuous training runs there too; switched back, training goes on from the same weights. A GPU
device that is lost (destroyed from the code cell) makes the playground fall back to the CPU with a
notice, keeping the network and the weights of the last step; asked for again, WebGPU opens a new
device and training goes on there. The harness fails the test on any failed or off-host
request and on any page or console error."""
import re

from playwright.sync_api import expect

from tests.site.harness import open_playground, playground_worker, screenshot

ANSWER_MS = 60_000   # a first step on SwiftShader compiles every kernel: seconds, on two busy cores


def loss_in_status(page):
    text = page.locator(".pg-status div").last.inner_text()   # (the status line is drawn in a shadow root)
    return float(re.search(r"loss (\d+\.\d+)", text).group(1))


def test_switch_to_webgpu_step_there_and_back(page):
    open_playground(page)
    note = page.locator(".pg-device-note")
    expect(page.locator(".pg-adapter")).to_contain_text("Adapter: ")
    expect(page.locator(".pg-adapter")).to_contain_text("(software)")
    expect(note).to_contain_text("(software) — CPU is faster here")
    device = page.locator(".pg-device")
    expect(device.get_by_role("button", name="CPU")).to_have_class(re.compile("bk-active"))

    page.get_by_role("button", name="Forward", exact=True).click()     # on the CPU
    expect(page.locator(".pg-status")).to_contain_text("after forward")
    on_cpu = loss_in_status(page)

    device.get_by_role("button", name="WebGPU").click()
    expect(note).to_contain_text("WebGPU: ", timeout=ANSWER_MS)
    expect(note).to_contain_text("(software: slower than the CPU here)")
    page.get_by_role("button", name="Step", exact=True).click()        # the same batch, on the GPU
    expect(page.locator(".pg-status")).to_contain_text("Step 1 ", timeout=ANSWER_MS)
    assert abs(loss_in_status(page) - on_cpu) <= 2e-4, (loss_in_status(page), on_cpu)
    expect(page.locator(".pg-alert")).to_be_hidden()
    note.scroll_into_view_if_needed()
    screenshot(page, "device-webgpu-step")
    # continuous training runs in Panel's periodic callback (not a page event): it can wait for the GPU too
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.locator(".pg-status")).to_contain_text(re.compile(r"Step ([5-9]|\d\d+) "), timeout=ANSWER_MS)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible()
    expect(note).not_to_contain_text("failed")
    expect(note).to_contain_text("WebGPU: ")

    device.get_by_role("button", name="CPU").click()
    expect(note).to_have_text("CPU (numpy)", timeout=ANSWER_MS)
    trained = int(re.search(r"Step (\d+) ", page.locator(".pg-status div").last.inner_text()).group(1))
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator(".pg-status")).to_contain_text(f"Step {trained + 1} ", timeout=ANSWER_MS)
    assert 0 < loss_in_status(page) < 1.5        # trained on from the GPU's weights, not started again
    expect(page.locator(".pg-alert")).to_be_hidden()
    expect(device.get_by_role("button", name="CPU")).to_have_class(re.compile("bk-active"))


# Run in the playground's own Python (the page's worker; the code cell has a Python of its own): this
# destroys the very GPU device the playground trains on, as a driver reset or a GPU process crash would
# (in a browser, GPU errors surface at the next read-back).
LOSE_THE_DEVICE = """() => pyodide.runPython(
  "import engine.backends.webgpu as webgpu\\nwebgpu.get_device().adapter.device.destroy()")"""


def test_a_lost_gpu_falls_back_to_the_cpu_with_the_network_and_weights(page):
    open_playground(page)
    device, note, status = page.locator(".pg-device"), page.locator(".pg-device-note"), page.locator(".pg-status")
    device.get_by_role("button", name="WebGPU").click()
    expect(note).to_contain_text("WebGPU: ", timeout=ANSWER_MS)
    for n in (1, 2):
        page.get_by_role("button", name="Step", exact=True).click()
        expect(status).to_contain_text(f"Step {n} ", timeout=ANSWER_MS)
    playground_worker(page).evaluate(LOSE_THE_DEVICE)

    page.get_by_role("button", name="Step", exact=True).click()      # fails on the GPU, runs on the CPU
    expect(note).to_contain_text("WebGPU failed (device lost: Device was destroyed): switched to the CPU",
                                 timeout=ANSWER_MS)
    expect(note).to_contain_text("from step 2 are kept")
    expect(status).to_contain_text("Step 3 ")
    expect(page.locator(".pg-alert")).to_be_hidden()
    expect(device.get_by_role("button", name="CPU")).to_have_class(re.compile("bk-active"))
    assert 0 < loss_in_status(page) < 1.5
    note.scroll_into_view_if_needed()
    screenshot(page, "device-lost-fell-back")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(status).to_contain_text("Step 4 ", timeout=ANSWER_MS)

    # asked for again, WebGPU opens a new device and training goes on there from the same weights
    device.get_by_role("button", name="WebGPU").click()
    expect(note).to_contain_text("WebGPU: ", timeout=ANSWER_MS)
    expect(note).not_to_contain_text("failed")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(status).to_contain_text("Step 5 ", timeout=ANSWER_MS)
    expect(note).not_to_contain_text("failed")
    expect(device.get_by_role("button", name="WebGPU")).to_have_class(re.compile("bk-active"))
    assert 0 < loss_in_status(page) < 1.5
    expect(page.locator(".pg-alert")).to_be_hidden()
