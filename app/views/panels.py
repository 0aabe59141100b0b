"""Panel layout helpers the views share."""
import panel as pn


def wrapping_row(*objects, **params):
    """A row that wraps its items onto the next line when the page is narrow. (Panel's FlexBox does this
    too, but it is a ReactiveHTML component, which needs the HTML sanitizer `bleach` the site leaves out.)"""
    return pn.Row(*objects, styles={"flex-wrap": "wrap"}, **params)
