"""Leaner property updates for Panel (1.7.5) components.

Panel sends a component's changed property to its Bokeh model through Reactive._update_properties,
which first works out the component's whole design (its theme's stylesheets and modifiers) and uses
it only when the stylesheets themselves changed. For every other property (a button's clicks, a rule
card's text, a status line) that work is thrown away: in the page's worker it was about a quarter of
the Python time of a Step backward. `install()` makes Reactive do it only for a change of stylesheets;
every other update is what Panel's base class (Syncable) does, which is what Reactive's gave anyway.
"""
from panel.reactive import Reactive, Syncable

_with_design = Reactive._update_properties


def _update_properties(self, *events, doc):
    if any(event.name == "stylesheets" for event in events):
        return _with_design(self, *events, doc=doc)
    return Syncable._update_properties(self, *events, doc=doc)


def install():
    """Idempotent: Reactive components update properties other than stylesheets without their design."""
    Reactive._update_properties = _update_properties
