"""The step-through: autograd's forward and backward passes, one node at a time.

Step backward runs the real backward pass through engine.graph.backward_steps once (Session.
backward_in_steps keeps every step as plain data) and then shows its steps one by one, in the order
the engine ran them: so Back, Play and Finish replay what happened without running anything again, and
the same works for graph records that come from elsewhere (the code cell). Step forward replays the
forward pass from the capture's record, node by node in execution order.

`kind` is None (nothing being stepped), "forward" or "backward"; `position` the step shown.
"""
import param


class Stepper(param.Parameterized):
    kind = param.Selector(objects=[None, "forward", "backward"], default=None)
    position = param.Integer(-1, doc="Index of the step shown in `steps`")
    playing = param.Boolean(False)
    speed = param.Number(2.0, bounds=(0.5, 20.0), doc="Steps per second while playing")

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        self.steps = []
        self._last = None          # the session's `last` the steps belong to
        self._callback = None
        session.param.watch(self._on_session, "version")

    # ---- actions ---------------------------------------------------------------------------------
    def step_backward(self):
        """One more node of the backward pass (the first press runs the pass)."""
        if self.kind == "backward" and self._current():
            self._advance()
            return
        s = self.session
        if s.last.get("source") == "code":
            steps = s.code_backward_steps()
            if not steps:
                return          # the session says why (`error`)
        else:
            s.backward_in_steps()
            steps = s.last.get("steps")
            if not steps:
                return          # the session says why (`error`)
        self._start("backward", steps)

    def step_forward(self):
        """One more node of the forward pass (the first press records it: a Forward if none ran)."""
        if self.kind == "forward" and self._current():
            self._advance()
            return
        s = self.session
        if s.last.get("source") == "code":
            self._start("forward", s.last["capture"].forward)
            return
        if s.last.get("capture") is None or s.last.get("tensor") is None:
            s.forward()
            if s.last.get("capture") is None:
                return
        self._start("forward", s.last["capture"].forward_record(s.last["tensor"]))

    def back(self):
        if self.kind is not None and self.position > 0:
            self.position -= 1

    def finish(self):
        """The rest at once: every value and gradient shown, no node lit."""
        self.pause()
        self.kind, self.position, self.steps = None, -1, []

    def toggle_play(self):
        if self.playing:
            self.pause()
            return
        if self.kind is None:
            self.step_backward()
            if self.kind is None:
                return
        self.playing = True
        self._schedule()

    def pause(self):
        self.playing = False
        if self._callback is not None:
            self._callback.stop()
            self._callback = None

    # ---- internals -------------------------------------------------------------------------------
    def _start(self, kind, steps):
        self._last = self.session.last
        self.steps = steps
        with param.parameterized.batch_call_watchers(self):
            self.kind = kind
            self.position = 0
        # (an unchanged kind and position 0 again still means a new walk: redraw it)
        self.param.trigger("position")

    def _advance(self):
        if self.position < len(self.steps) - 1:
            self.position += 1
        else:
            self.finish()

    def _current(self):
        return self._last is self.session.last and self.steps

    def _on_session(self, _event):
        if self.kind is not None and self.session.last is not self._last:
            self.finish()      # another action (Forward, Step, Train, a new network) replaced the graph

    def _schedule(self):
        import panel as pn
        if self._callback is not None:
            self._callback.stop()
        self._callback = pn.state.add_periodic_callback(self._tick, period=int(1000 / self.speed))

    def _tick(self):
        if not self.playing or self.kind is None:
            self.pause()
            return
        if self.kind == "backward":
            self.step_backward()
        else:
            self.step_forward()
        if self.kind is None:
            self.pause()

    @param.depends("speed", watch=True)
    def _new_speed(self):
        if self.playing:
            self._schedule()
