"""Panel layout helpers the views share."""
import panel as pn


def wrapping_row(*objects, **params):
    """A row that wraps its items onto the next line when the page is narrow. (Panel's FlexBox does this
    too, but it is a ReactiveHTML component, which needs the HTML sanitizer `bleach` the site leaves out.)
    Bokeh gives a row the sum of its items' minimum widths as its own minimum, which would keep it from ever
    being narrow enough to wrap: a wrapping row may be as narrow as its widest item."""
    return pn.Row(*objects, styles={"flex-wrap": "wrap", "min-width": "0"}, **params)


def until_shown(panel):
    """`panel` in a box that takes it in only once it is first made visible. A hidden panel still costs its
    Bokeh models at page load (built, sent to the page, drawn there); deferred, it costs them only if shown."""
    box = pn.Column(margin=0, sizing_mode=panel.sizing_mode)

    def take_in(*_events):
        if panel.visible and not box.objects:
            box.objects = [panel]
    panel.param.watch(take_in, "visible")
    take_in()
    return box
