"""Undo and redo of what rebuilds the network: a preset clicked by mistake, a removed or edited layer,
Reset, a new data set or loss, a loaded file. Each such change starts the model afresh, so before it
the session's state is recorded: the layer specs and settings as they were, and the weights, optimizer
state and step the network had reached. Undo puts that back (trained weights included); redo the state
undone. The record is a playground document (app/persist.py), restored through the same validation
as a file. The loss curves start again from the restored step.
"""
import param

from app import persist
from app.state import settings

DEPTH = 20   # states kept each way (a LeNet's weights and momentum take about 0.9 MB as text)


class Undo(param.Parameterized):
    can_undo = param.Boolean(False, doc="Whether there is a state to go back to")
    can_redo = param.Boolean(False, doc="Whether there is an undone state to go forward to")

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        self._past, self._future = [], []
        self._applying = False
        self._sizes = {}      # id(record) -> (record, its length as JSON): records never change
        self._settled = self._settings()
        session.before_rebuild.append(self._record)
        # Every action ends by bumping `version`; the settings then are what the next change departs from.
        session.param.watch(self._settle, ["version"])

    def _settings(self):
        s = self.session
        return [dict(spec) for spec in s.network.layers], settings(s.data), settings(s.hyper), s.network.code

    def _settle(self, _event=None):
        self._settled = self._settings()

    def _state(self, network, data, hyper, model):
        s = self.session
        return persist.document(network, data, hyper, s.training_state() if s.model is not None else None, model)

    def _record(self):
        """Called by the session as a rebuild starts: its settings have changed, its model not yet."""
        if self._applying:
            return
        self._keep(self._past, self._state(*self._settled))
        self._future = []
        self._update()

    def undo(self):
        self._go(self._past, self._future)

    def redo(self):
        self._go(self._future, self._past)

    def _go(self, source, target):
        if not source:
            return
        state = source.pop()
        self._keep(target, self._state(*self._settings()))
        self._applying = True
        try:
            persist.apply(self.session, persist.parse(state))
        finally:
            self._applying = False
            self._settle()
            self._update()

    @staticmethod
    def _keep(states, state):
        states.append(state)
        del states[:-DEPTH]

    def kept(self, budget):
        """The records to keep with the playground across visits: the newest each way, as many as fit
        in `budget` characters of JSON (a record with a large network's weights may not)."""
        out, used = {"past": [], "future": []}, 0
        for side, records in (("past", self._past), ("future", self._future)):
            for record in reversed(records):
                size = self._size(record)
                if used + size > budget:
                    break
                used += size
                out[side].insert(0, record)
        return out

    def _size(self, record):
        sizes, key = self._sizes, id(record)
        if key not in sizes or sizes[key][0] is not record:
            live = {id(r) for r in self._past + self._future}
            for stale in [k for k in sizes if k not in live]:
                del sizes[stale]
            sizes[key] = (record, len(persist.dumps(record, separators=(",", ":"))))
        return sizes[key][1]

    def take_kept(self, kept):
        """Take the records of a kept playground back; a record that does not pass a file's validation is
        left out (the others still undo)."""
        def valid(record):
            try:
                persist.parse(record)
            except persist.PlaygroundFileError:
                return False
            return True
        if not isinstance(kept, dict):
            kept = {}
        self._past, self._future = ([r for r in kept.get(side, [])[-DEPTH:] if valid(r)]
                                    if isinstance(kept.get(side), list) else [] for side in ("past", "future"))
        self._update()

    def _update(self):
        self.param.update(can_undo=bool(self._past), can_redo=bool(self._future))
