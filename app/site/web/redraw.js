// Cheaper BokehJS redraws. After each Step every view's plot paints again, and three things
// BokehJS does around a paint cost more here than the drawing itself (measured with Chromium's
// profiler on the default playground, bench/site.py): they are changed below, without changing
// what any plot shows. Loaded after bokeh.min.js, before the document is drawn (index.html).
"use strict";
(() => {
  const { InlineStyleSheet } = Bokeh.require("core/dom");
  const { VisualProperties } = Bokeh.require("core/visuals/visual");
  const { PlotView } = Bokeh.require("models/plots/plot_canvas");

  // Every glyph, axis and legend writes its position into its own <style> element at every
  // paint, most often the same text: Chromium then parses the sheet again and recalculates the
  // styles of the plot. Writing only a changed text saved a quarter of the page's time per Step.
  const updateSheet = InlineStyleSheet.prototype._update;
  InlineStyleSheet.prototype._update = function (css) {
    if (this.el.textContent !== css) updateSheet.call(this, css);
  };

  // Every colour, line width and font a plot paints with is first looked up as a CSS variable
  // (--bk-fill-color, --bk-major-label-text-color, ...) with getComputedStyle, which forces a
  // style recalculation whenever anything on the page changed. The site defines no such
  // variable (tests/site/test_redraw.py checks), so BokehJS's answer would always be "": use
  // the model's own value.
  VisualProperties.prototype._get_css_value = () => "";

  // Every axis asks its plot for the plot's font size (the unit of sizes in em) several times a
  // paint, and BokehJS reads it with getComputedStyle, which recalculates the page's styles when
  // anything changed since the last read (another plot's paint did). Nothing a paint does changes
  // a plot's font size: the first answer of a paint serves the rest of it.
  const fontSize = Object.getOwnPropertyDescriptor(PlotView.prototype, "base_font_size").get;
  Object.defineProperty(PlotView.prototype, "base_font_size", {
    configurable: true,
    get() { return this._fontSizeThisPaint !== undefined ? this._fontSizeThisPaint : fontSize.call(this); },
  });
  const actualPaint = PlotView.prototype._actual_paint;
  PlotView.prototype._actual_paint = function () {
    this._fontSizeThisPaint = fontSize.call(this);
    try {
      actualPaint.call(this);
    } finally {
      this._fontSizeThisPaint = undefined;
    }
  };

  // A plot out of sight (below the fold, on a hidden tab) paints after the plots in sight, once
  // the page is idle: the views a student sees are on screen sooner, and the others are current
  // a moment later, long before anyone can scroll to them. A plot coming within SHOW_AHEAD of
  // the window paints at once. A plot's first paint is never put off: BokehJS counts the
  // document as drawn only after it.
  const SHOW_AHEAD = "100px";
  const LATEST_MS = 200; // a plot out of sight paints at most this long after its data changed
  const whenIdle = window.requestIdleCallback
    ?? ((callback) => setTimeout(callback, 50)); // Safari has no requestIdleCallback
  const plots = new Map(); // element -> plot view
  const outOfSight = new WeakSet();
  const owed = new Set(); // plots whose paint was put off
  let payDue = false;
  let paying = false;

  function payOwed() {
    const due = [...owed];
    owed.clear();
    payDue = false;
    paying = true;
    try {
      for (const view of due) view.repaint();
    } finally {
      paying = false;
    }
  }

  const sight = new IntersectionObserver((entries) => {
    for (const { target, isIntersecting } of entries) {
      const view = plots.get(target);
      if (view === undefined) continue;
      if (isIntersecting) {
        outOfSight.delete(view);
        if (owed.delete(view)) view.request_paint();
      } else {
        outOfSight.add(view);
      }
    }
  }, { rootMargin: SHOW_AHEAD });

  for (const method of ["repaint", "paint"]) {
    const paint = PlotView.prototype[method];
    PlotView.prototype[method] = function () {
      if (!paying && outOfSight.has(this) && this.has_finished()) {
        owed.add(this);
        if (!payDue) whenIdle(payOwed, { timeout: LATEST_MS });
        payDue = true;
        return;
      }
      owed.delete(this);
      paint.call(this);
    };
  }
  const render = PlotView.prototype.render;
  PlotView.prototype.render = function () {
    render.call(this);
    plots.set(this.el, this);
    sight.observe(this.el);
  };
  const remove = PlotView.prototype.remove;
  PlotView.prototype.remove = function () {
    sight.unobserve(this.el);
    plots.delete(this.el);
    owed.delete(this);
    remove.call(this);
  };
})();
