"""Undo and redo of the changes that rebuild the network (app/undo.py): trained weights come back too."""
import numpy as np

from app.controls import Controls
from app.layers import new_layer
from app.session import Session
from app.state import PRESETS
from app.undo import DEPTH, Undo


def weights(session):
    return {k: v.numpy().copy() for k, v in session.model.state_dict().items()}


def same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def custom(session):
    session.configure([new_layer("Linear", out_features=5), new_layer("ReLU"), new_layer("Linear", out_features=1)],
                      {"dataset": "xor"}, {"optimizer": "SGD", "lr": 0.2})


def test_a_preset_clicked_by_mistake_is_undone_with_the_trained_weights_and_redone():
    s = Session()
    history = Undo(s)
    custom(s)
    s.train(7)
    before, trained = list(s.network.layers), weights(s)
    assert history.can_undo and not history.can_redo
    p = PRESETS["lenet"]
    s.configure(p["network"], p["data"], p["hyper"])          # the mistake
    assert len(s.network.layers) == len(p["network"])

    history.undo()
    assert s.network.layers == before and s.data.dataset == "xor"
    assert s.hyper.optimizer == "SGD" and s.hyper.lr == 0.2
    assert s.step == 7 and same(weights(s), trained)
    assert history.can_redo
    s.take_step()                                              # it trains on from there
    assert s.step == 8 and s.error is None

    history.redo()
    assert len(s.network.layers) == len(p["network"]) and s.data.dataset == "digits"
    assert history.can_undo and not history.can_redo


def test_layer_edits_and_reset_are_undone_one_by_one():
    s = Session()
    history = Undo(s)
    s.train(3)
    first, trained = list(s.network.layers), weights(s)
    edited = [dict(spec) for spec in first]
    edited[0]["out_features"] = 6
    s.network.layers = edited                                  # as the builder sends an edit
    s.train(2)
    edited_weights = weights(s)
    s.reset()
    assert s.step == 0

    history.undo()                                             # the reset
    assert s.network.layers == edited and s.step == 2 and same(weights(s), edited_weights)
    history.undo()                                             # the edit
    assert s.network.layers == first and s.step == 3 and same(weights(s), trained)
    assert not history.can_undo
    history.undo()                                             # nothing left: nothing happens
    assert s.network.layers == first


def test_a_new_change_drops_what_was_undone_and_the_record_is_bounded():
    s = Session()
    history = Undo(s)
    for units in range(1, DEPTH + 6):
        layers = [dict(spec) for spec in s.network.layers]
        layers[0]["out_features"] = units
        s.network.layers = layers
    assert len(history._past) == DEPTH
    history.undo()
    assert history.can_redo
    s.hyper.loss = "mse"                                       # a new change (it rebuilds)
    assert not history.can_redo


def test_settings_that_do_not_rebuild_come_back_with_the_state_they_belonged_to():
    s = Session()
    history = Undo(s)
    s.hyper.lr = 0.005                                         # no rebuild: not a step of its own
    s.data.batch_size = 16
    s.train(2)
    s.reset()
    s.hyper.lr = 0.5
    history.undo()
    assert s.hyper.lr == 0.005 and s.data.batch_size == 16 and s.step == 2


def test_the_undo_and_redo_buttons_follow_the_record():
    s = Session()
    controls = Controls(s)
    assert controls.undo.disabled and controls.redo.disabled
    custom(s)
    assert not controls.undo.disabled
    controls.undo.clicks += 1
    assert s.data.dataset == "spiral" and not controls.redo.disabled
    controls.keys.pressed = "redo#1"                           # ctrl+y
    assert s.data.dataset == "xor" and controls.redo.disabled
