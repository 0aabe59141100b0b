"""app/panel_updates.py: a component's property updates are what Panel's own would send."""
import panel as pn
import param
from bokeh.document import Document
from panel.reactive import Reactive

from app import panel_updates
from app.live_text import LiveText


def components():
    return [pn.widgets.Button(name="Step", button_type="primary"), LiveText(value="<b>a</b>"),
            pn.pane.Markdown("# title"), pn.widgets.Select(options=["a", "b"]),
            pn.widgets.FloatSlider(start=0, end=1, value=0.5), pn.Column(pn.pane.HTML("x"))]


CHANGES = {"name": "Pause", "button_type": "light", "clicks": 3, "value": "<i>b</i>", "object": "## other",
           "options": ["a", "b", "c"], "disabled": True, "visible": False, "css_classes": ["pg-x"],
           "styles": {"min-width": "0"}, "stylesheets": [":host { color: red; }"], "width": 120}


def test_every_update_is_the_one_panels_design_aware_update_sends():
    panel_updates.install()
    with_design = panel_updates._with_design
    assert Reactive._update_properties is panel_updates._update_properties
    for component in components():
        doc = Document()
        doc.add_root(component.get_root(doc))
        for name, new in CHANGES.items():
            if name not in component.param:
                continue
            event = param.parameterized.Event(what="value", name=name, obj=component, cls=type(component),
                                              old=getattr(component, name), new=new, type="changed")
            ours = component._update_properties(event, doc=doc)
            theirs = with_design(component, event, doc=doc)
            assert ours.keys() == theirs.keys(), (type(component).__name__, name)
            if name != "stylesheets":   # (stylesheet objects are made anew at each call)
                assert ours == theirs, (type(component).__name__, name)
