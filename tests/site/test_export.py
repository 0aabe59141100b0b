"""Export in the built site: the PyTorch code tab downloads the script and the trained weights, and
the two, run on real PyTorch, give the page's test accuracy (app/controls.code_export, app/export.py)."""
import json
import re

from playwright.sync_api import expect

from tests.app.test_export import run_on_torch
from tests.site.harness import open_playground, screenshot, settle, wait_for_step


def download(page, css, folder):
    with page.expect_download() as started:
        page.locator(css).click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


def test_export_downloads_the_script_and_the_trained_weights_that_pytorch_scores_alike(page, tmp_path):
    open_playground(page)
    page.locator(".pg-preset-logistic").click()
    expect(page.locator("[data-layer-index]")).to_have_count(1)
    page.get_by_role("button", name="Train").click()
    wait_for_step(page, 6)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Train")).to_be_visible()
    settle(page)
    steps = int(re.search(r"Step (\d+) ·", page.locator(".pg-status").evaluate("e => e.shadowRoot.textContent"))[1])
    assert steps > 5

    page.locator(".bk-tab", has_text="PyTorch code").click()
    expect(page.locator(".pg-code-export")).to_contain_text("python playground_net.py --train")
    screenshot(page, "63-export-downloads")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    script = download(page, ".pg-code-download", downloads)
    weights = download(page, ".pg-weights-download", downloads)
    assert (script.name, weights.name) == ("playground_net.py", "playground_net.safetensors")
    blob = weights.read_bytes()
    metadata = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])["__metadata__"]
    assert metadata["step"] == str(steps)   # the weights as they were when clicked

    _, printed = run_on_torch(script.read_text(), tmp_path, weights=blob)
    here = float(re.search(r"tested here: .* test accuracy ([0-9.]+)%", printed)[1])
    shown = float(re.search(r"the page showed: .* test accuracy ([0-9.]+)%", printed)[1])
    print(printed)
    assert abs(here - shown) <= 0.5 and shown > 80
