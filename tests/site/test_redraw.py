"""The page's cheaper redraws (app/site/web/redraw.js) change when plots paint, never what they show."""
import re

from tests.site.harness import ROOT, built_site, open_playground, settle

# A CSS variable BokehJS would read for a plot's colours, widths and fonts (--bk-fill-color, ...),
# set in a stylesheet or in a Python `styles` dict.
BOKEH_CSS_VARIABLE = re.compile(r"--bk-[\w-]+[\"']?\s*:")
# The step axis of the gradient flow: BokehJS fits it to the data when the plot paints.
GRADFLOW_STEP_AXIS_END = "Bokeh.documents[0].get_model_by_name('gradflow-plot').x_range.end"


def test_no_stylesheet_and_no_app_code_sets_a_bokeh_css_variable():
    """redraw.js answers BokehJS's look-up of those variables with "none set" without asking the page."""
    sources = [path for pattern in ("*.css", "*.js", "*.mjs") for path in built_site().rglob(pattern)]
    sources += [path for path in (ROOT / "app").rglob("*.py")]
    setting = [str(path) for path in sources if BOKEH_CSS_VARIABLE.search(path.read_text(errors="ignore"))]
    assert not setting, setting


def test_a_plot_out_of_sight_shows_the_latest_step_soon_after_and_when_scrolled_to(page):
    open_playground(page)
    gradflow = page.locator(".gradflow-flags")
    assert gradflow.bounding_box()["y"] > page.viewport_size["height"], "the gradient flow should start out of sight"
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()
        settle(page)
    page.wait_for_function(f"{GRADFLOW_STEP_AXIS_END} >= 3", timeout=2_000)

    gradflow.scroll_into_view_if_needed()
    page.get_by_role("button", name="Step", exact=True).click()
    settle(page)
    page.wait_for_function(f"{GRADFLOW_STEP_AXIS_END} >= 4", timeout=1_000)
    # Each plot's font size (the unit of sizes in em) is read once a paint and forgotten after it: outside a
    # paint, BokehJS gets the page's own value.
    sizes = page.evaluate("""() => {
      const { PlotView } = Bokeh.require("models/plots/plot_canvas");
      const views = [];
      const visit = (view) => { if (view instanceof PlotView) views.push(view);
                                for (const child of view.children ? view.children() : []) visit(child); };
      Object.values(Bokeh.index).forEach(visit);
      return views.map((view) => [view.base_font_size, parseFloat(getComputedStyle(view.el).fontSize)]);
    }""")
    assert sizes and all(cached == page_size for cached, page_size in sizes), sizes
