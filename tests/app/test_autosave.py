"""The playground kept across visits (app/autosave.py): what is kept, when, and how it comes back."""
import json

import numpy as np
import panel as pn

from app import autosave
from app.layers import new_layer
from app.playground import Playground
from app.session import Session
from app.state import PRESETS


class Later:
    """The scheduler, by hand: actions wait until the test runs them (or their timer is stopped)."""

    def __init__(self):
        self.waiting = []

    def __call__(self, action, ms):
        later = self

        class Timer:
            def stop(self):
                later.waiting.remove(action)
        self.waiting.append(action)
        return Timer()

    def run(self):
        waiting, self.waiting = self.waiting, []
        for action in waiting:
            action()


def lenet_session(steps=2):
    s = Session()
    p = PRESETS["lenet"]
    s.configure(p["network"], p["data"], p["hyper"])
    s.train(steps)
    return s


def weights(session):
    return {k: v.numpy().copy() for k, v in session.model.state_dict().items()}


def test_changes_are_kept_once_the_playground_is_still_and_come_back_on_the_next_visit():
    s, later = Session(), Later()
    editor = pn.widgets.TextAreaInput(value="x = torch.ones(2)")
    keeper = autosave.Autosave(s, code_editor=editor, schedule=later)
    s.configure([new_layer("Linear", out_features=6), new_layer("Tanh"), new_layer("Linear", out_features=1)],
                {"dataset": "xor"}, {"optimizer": "SGD", "lr": 0.2})
    s.train(3)
    editor.value = "y = torch.zeros(3)"
    assert len(later.waiting) == 1            # a burst of changes: one save
    assert keeper.storage.text == ""      # not before the playground is still
    later.run()
    kept = keeper.storage.text
    assert json.loads(kept)["format"] == autosave.FORMAT

    visit = Session()
    restored = autosave.restore(visit, kept)
    assert restored.kind == "success" and "at step 3" in restored.notice
    assert restored.code == "y = torch.zeros(3)"
    assert visit.network.layers == s.network.layers
    assert visit.data.dataset == "xor" and visit.hyper.optimizer == "SGD" and visit.hyper.lr == 0.2
    a, b = weights(s), weights(visit)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    s.take_step(), visit.take_step()          # and it trains on exactly as the left one would
    assert s.last["loss"] == visit.last["loss"]


def test_a_playground_opened_with_what_was_kept_shows_it_and_says_so():
    s = lenet_session()
    keeper = autosave.Autosave(s, schedule=Later())
    keeper.save()
    page = Playground(kept=keeper.storage.text)
    page.view()
    assert page.session.step == 2 and len(page.session.network.layers) == len(PRESETS["lenet"]["network"])
    assert "Restored your playground as you left it, at step 2" in page.restored.notice


def test_what_cannot_be_restored_is_dropped_with_a_notice_and_changes_nothing():
    for kept, why in [("{not json", "not valid JSON"),
                      (json.dumps({"format": "something else"}), "not a playground this version keeps"),
                      (json.dumps({"format": autosave.FORMAT, "version": 1, "playground": {"format": "x"}}),
                       "missing 'version'"),
                      (json.dumps({"format": autosave.FORMAT, "version": 1, "playground": None, "code": 5}),
                       "code cell text is not text")]:
        s = Session()
        before = (list(s.network.layers), s.data.dataset, s.step)
        restored = autosave.restore(s, kept)
        assert restored.kind == "warning" and why in restored.notice, restored.notice
        assert restored.code is None and (list(s.network.layers), s.data.dataset, s.step) == before


def test_weights_too_big_for_the_browser_are_left_out_but_the_network_is_kept(monkeypatch):
    s = lenet_session(steps=1)
    monkeypatch.setattr(autosave, "MAX_KEPT_CHARS", 10_000)
    keeper = autosave.Autosave(s, schedule=Later())
    keeper.save()
    doc = json.loads(keeper.storage.text)["playground"]
    assert "weights" not in doc and doc["network"] == s.network.layers
    restored = autosave.restore(Session(), keeper.storage.text)
    assert restored.kind == "success" and "the weights were too big to keep" in restored.notice


def test_while_training_it_saves_every_two_seconds_and_at_once_on_pause(monkeypatch):
    s, later = Session(), Later()
    clock = [1000.0]
    monkeypatch.setattr(autosave.time, "monotonic", lambda: clock[0])
    keeper = autosave.Autosave(s, schedule=later)
    s.running = True
    s.version += 1
    later.run()                                   # the first change while training is kept
    for _ in range(5):
        clock[0] += 0.25
        s.version += 1                            # a chunk of training every quarter second
    assert later.waiting == []
    clock[0] += 0.25
    s.version += 1                                # due: kept after QUIET_MS, 2 s after the last save
    assert len(later.waiting) == 1 and autosave.TRAINING_SAVE_S - 0.5 + autosave.QUIET_MS / 1000 <= 2.0
    later.run()
    s.step = 7
    s.running = False                             # Pause: kept at once, without waiting
    assert json.loads(keeper.storage.text)["playground"]["progress"]["step"] == 7
    assert later.waiting == []


def test_a_layer_left_half_edited_comes_back_as_it_was():
    s = Session()
    layers = [dict(spec) for spec in s.network.layers]
    layers[0]["out_features"] = 0
    s.network.layers = layers
    keeper = autosave.Autosave(s, schedule=Later())
    keeper.save()
    visit = Session()
    restored = autosave.restore(visit, keeper.storage.text)
    assert restored.kind == "success" and "too big" not in restored.notice
    assert visit.network.layers == layers and visit.model is None


def test_curves_and_the_undo_record_come_back_and_recent_reopens_an_earlier_playground():
    from app.undo import Undo
    s = Session()
    history = Undo(s)
    keeper = autosave.Autosave(s, undo=history, schedule=Later())
    p = PRESETS["logistic"]
    keeper.start_new()                          # a preset: the playground before it keeps its slot
    s.configure(p["network"], p["data"], p["hyper"])
    s.train(5)
    keeper.save()
    first, first_text = keeper.id, keeper.storage.text

    visit = Session()
    restored = autosave.restore(visit, first_text)
    assert restored.ok and restored.id == first and visit.step == 5
    assert visit.history["step"] == s.history["step"] and visit.history["train_loss"] == s.history["train_loss"]
    visit_undo = Undo(visit)
    visit_undo.take_kept(restored.undo)
    assert visit_undo.can_undo
    visit_undo.undo()                           # back to the default network, from before the preset
    assert len(visit.network.layers) == len(PRESETS["mlp"]["network"])

    keeper.start_new()
    s.configure(*(PRESETS["mlp"][k] for k in ("network", "data", "hyper")))
    assert keeper.id != first
    said = []
    keeper.on_reopened = said.append
    keeper.reopen(first)                        # the page answers with the slot's text
    keeper.storage.opened = keeper.storage.wanted + "\n" + first_text
    assert keeper.id == first and s.step == 5 and len(s.network.layers) == 1
    assert said[0].ok and "Reopened a playground from Recent, at step 5" in said[0].notice
    keeper.reopen("gone")
    keeper.storage.opened = keeper.storage.wanted + "\n"
    assert not said[1].ok and keeper.id == first and s.step == 5    # nothing changed
