"""The step-through's controls and rule card, above the computation graph.

Step forward / Step backward (keys shift+f, shift+b) light one node at a time on the graph (app.stepper
says which); Back, Play/Pause at a chosen speed and Finish. The card under the buttons says the node's
rule in words and symbols, with the shapes and, for small tensors, the numbers. Buttons and card are
stable hooks for browser tests: .pg-step-backward, .pg-step-forward, .pg-step-back, .pg-step-play,
.pg-step-finish, .rule-card (data-node: the lit node's PyTorch name).
"""
import functools

import panel as pn

from app import i18n
from app.live_text import LiveText

from . import rules
from .formatting import number, shape_text



class StepThrough:
    def __init__(self, stepper, graph_view):
        self.stepper, self.graph = stepper, graph_view
        st = stepper
        self.language = i18n.DEFAULT
        self.forward = self._button("pg-step-forward", st.step_forward, 110)
        self.backward = self._button("pg-step-backward", st.step_backward, 120)
        self.back = self._button("pg-step-back", st.back, 70)
        self.play = self._button("pg-step-play", st.toggle_play, 80)
        self.finish = self._button("pg-step-finish", st.finish, 70)
        self.speed = pn.widgets.FloatSlider.from_param(st.param.speed, width=150, css_classes=["pg-step-speed"])
        # updated in place at every step: a pane's new HTML would lay out the whole page again
        self.card = LiveText(value="", css_classes=["pg-rule-card"], sizing_mode="stretch_width", margin=(2, 10))
        st.param.watch(self._show, ["kind", "position"])
        st.param.watch(lambda e: self._name_play(), "playing")
        self.translate(self.language)

    def translate(self, language):
        self.language = language
        say = functools.partial(i18n.text, language=language)
        self.forward.name, self.backward.name = say("stepping.forward"), say("stepping.backward")
        self.back.name, self.finish.name = f"◀ {say('stepping.back')}", say("stepping.finish")
        self.speed.name = say("stepping.speed")
        self._name_play()
        self._show()

    def _name_play(self):
        self.play.name = (f"❚❚ {i18n.text('stepping.pause', self.language)}" if self.stepper.playing
                          else f"▶ {i18n.text('stepping.play', self.language)}")

    def _button(self, css, action, width):
        b = pn.widgets.Button(width=width, css_classes=[css], button_type="default", margin=(2, 2))
        b.on_click(lambda _e: action())
        return b

    def panel(self):
        return pn.Column(pn.Row(self.forward, self.backward, self.back, self.play, self.finish, self.speed,
                                margin=(0, 5)), self.card, sizing_mode="stretch_width", name="step-through")

    def keys(self):
        """Commands for the keyboard shortcuts."""
        g = self.graph
        return {"step_backward": self.stepper.step_backward, "step_forward": self.stepper.step_forward,
                "graph_left": lambda: g.move("left"), "graph_right": lambda: g.move("right"),
                "graph_up": lambda: g.move("up"), "graph_down": lambda: g.move("down"), "graph_enter": g.enter}

    def _show(self, *_events):
        st = self.stepper
        # one walk's cards keep the height of its tallest: the graph under them stays where it is
        self.card.keep_tallest = st.kind is not None and bool(st.steps)
        if st.kind is None or not st.steps:
            self.graph.show_step(None)
            self.card.value = f"<span class='rule-hint'>{i18n.text('stepping.hint', self.language)}</span>"
            return
        k = st.position
        step = st.steps[k]
        graph = self.graph.graph
        names = {n["id"]: _title(n) for n in graph.nodes} if graph is not None else {}
        title = names.get(step["id"], step["name"])
        if st.kind == "backward":
            consumers = [e for e in graph.edges if e["src"] == step["id"]] if graph is not None else []
            arriving = _label(step["grad_outputs"][0] if step["grad_outputs"] else None, self.language)
            flows = [(step["id"], e["dst"], arriving, "arriving") for e in consumers]
            flows += [(g["to"], step["id"], _label(g, self.language), "leaving") for g in step["grad_inputs"]
                      if g["to"] is not None]
            reached = {s["id"] for s in st.steps[:k + 1]}
            self.card.value = rules.backward_card(step, k, len(st.steps), names, arrivals=max(len(consumers), 1),
                                                  title=title, language=self.language)
        else:
            flows = []
            reached = {s["id"] for s in st.steps[:k + 1]}
            self.card.value = rules.forward_card(step, k, len(st.steps), self.language)
        self.graph.show_step({"kind": st.kind, "id": step["id"], "reached": reached, "flows": flows})


def _title(n):
    return f"{n['name']} ({n['param']})" if n.get("param") else n["name"]


def _label(t, language=i18n.DEFAULT):
    """The words on a lit edge: the numbers of a tiny gradient, else its shape and size."""
    if t is None or t.get("shape") is None:
        return ""
    values = t.get("values")
    if values is not None and len(values) <= 4:
        return "grad " + ", ".join(number(v) for v in values)
    return f"grad {shape_text(t['shape'], language)} ‖{number(t['norm'])}‖"
