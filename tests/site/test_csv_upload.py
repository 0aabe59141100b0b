"""Your own data in the built site: upload a CSV, put TensorFlow Playground's input features in front of the
network, add L2, train on it; then upload a bad CSV and see why, with nothing changed (app/upload.py)."""
import numpy as np
from playwright.sync_api import expect

from tests.site.harness import bokeh_data, open_playground, screenshot, settle


def ring_csv(path, n=200):
    """A disc of class 0 inside a ring of class 1, in the file's own units (not the playground's)."""
    rng = np.random.default_rng(7)
    label = np.arange(n) % 2
    radius = np.where(label == 0, rng.uniform(0, 2, n), rng.uniform(3, 4, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    rows = [f"{r * np.cos(a):.3f},{r * np.sin(a):.3f},{c}" for r, a, c in zip(radius, angle, label)]
    path.write_text("east,north,inside\n" + "\n".join(rows) + "\n")
    return path


def test_upload_a_csv_add_features_and_l2_train_on_it_and_a_bad_csv_changes_nothing(page, tmp_path):
    open_playground(page)
    page.locator(".pg-csv input[type=file]").set_input_files(ring_csv(tmp_path / "ring.csv"))
    message = page.locator(".pg-csv-message")
    expect(message).to_contain_text("Loaded “ring.csv”: 200 rows")
    expect(page.locator(".pg-csv-preview")).to_contain_text("ring.csv: 200 rows · classification: inside 0 is class 0")
    expect(page.locator(".pg-csv-preview tr")).to_have_count(7)      # the names, 5 rows, "… 195 more"
    expect(page.locator(".pg-dataset select")).to_have_value("Your CSV (uploaded)")
    settle(page)
    assert len(bokeh_data(page, "boundary-train", "x")) == 140          # 70 % of the rows train
    assert max(bokeh_data(page, "boundary-train", "x")) > 2.5           # in the file's own units

    # The input features, first in the network: the first Linear takes what is ticked.
    page.locator("[data-palette='Features']").drag_to(page.locator("[data-layer-index='0']"),
                                                      target_position={"x": 10, "y": 3})
    card = page.locator("[data-layer-index='0']")
    expect(card).to_have_attribute("data-layer-type", "Features")
    expect(card.locator(".pg-shape")).to_have_text("32×2")
    for name in ("x1_sq", "x2_sq"):
        card.locator(f"[data-field='{name}']").check()
    expect(card.locator(".pg-shape")).to_have_text("32×4")
    expect(card).to_contain_text("x₁²")
    expect(page.locator("[data-layer-index='1'] .pg-params")).to_have_text("40 params")   # 4·8 + 8
    page.locator(".pg-regularization select").select_option(label="L2")
    expect(page.locator(".pg-status")).to_contain_text("Step 0 ")

    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function("""() => {
        const acc = Array.from(Bokeh.documents[0].get_model_by_name('curve-test').data.acc).filter((a) => a === a);
        return acc.length > 5 && acc[acc.length - 1] >= 0.9;
    }""", timeout=120_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    settle(page)
    screenshot(page, "80-csv-trained")
    status = page.locator(".pg-status").inner_text()
    layers_before = page.locator("[data-layer-index]").count()

    bad = tmp_path / "bad.csv"
    bad.write_text("east,north,inside\n0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,0\n0.7,0.8,1\n0.9,abc,1\n" + "1,1,0\n" * 6)
    page.locator(".pg-csv input[type=file]").set_input_files(bad)
    expected = "Could not use “bad.csv”: line 6, column 2 (north) is “abc”, which is not a number. Nothing changed."
    expect(message).to_have_text(expected)
    expect(page.locator(".pg-notices")).to_contain_text(expected)
    settle(page)
    assert page.locator(".pg-status").inner_text() == status            # the same step, the same loss
    assert page.locator("[data-layer-index]").count() == layers_before
    expect(page.locator(".pg-csv-preview")).to_contain_text("ring.csv: 200 rows")
    assert len(bokeh_data(page, "boundary-train", "x")) == 140
    message.scroll_into_view_if_needed()
    screenshot(page, "81-csv-refused")
