"""The uploaded CSV, the input features and the regularisation are kept by Save, share links, the kept
playground of the browser and Undo (app/persist.py, app/autosave.py, app/undo.py)."""
import json

import numpy as np
import pytest

from app import autosave, persist, tables
from app.layers import new_layer
from app.notices import Notices
from app.persist import PlaygroundFileError
from app.session import Session
from app.undo import Undo
from app.upload import upload_widgets
from tests.app.test_tables import points_csv, upload

NETWORK = [new_layer("Features", x1_sq=True, x2_sq=True, sin_x1=True), new_layer("Linear", out_features=5),
           new_layer("Tanh"), new_layer("Linear", out_features=1)]


def weights(session):
    return {k: v.detach().numpy().copy() for k, v in session.model.state_dict().items()}


def same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def on_csv(rows=40, steps=6):
    s = Session()
    table = tables.parse_csv(points_csv(rows)[0], "mine.csv")
    s.configure(NETWORK, {"dataset": "csv", "table": table}, {"loss": "bce", "regularization": "l1", "strength": 0.02})
    s.train(steps)
    return s


def check_same_playground(a, b, with_weights=True):
    assert b.data.dataset == "csv" and b.data.table == a.data.table
    assert b.network.layers == a.network.layers and b.model.fc1.in_features == 5
    assert (b.hyper.regularization, b.hyper.strength) == ("l1", 0.02)
    assert np.array_equal(b.dataset.x_train, a.dataset.x_train)
    if with_weights:
        assert b.step == a.step and same(weights(a), weights(b))
        a.take_step(), b.take_step()         # and it trains on exactly as the saved one would
        assert a.last["loss"] == b.last["loss"]


def test_a_saved_file_brings_back_the_csv_the_features_and_the_regularisation():
    s = on_csv()
    other = Session()
    persist.load_bytes(other, persist.save_bytes(s))
    check_same_playground(s, other)


def test_a_share_link_carries_a_small_csv_and_says_the_limit_for_a_large_one():
    s = on_csv(rows=tables.SHARE_MAX_ROWS)
    other = Session()
    persist.apply_fragment(other, persist.share_fragment(s))
    check_same_playground(s, other, with_weights=False)

    big = on_csv(rows=tables.SHARE_MAX_ROWS + 2, steps=0)
    with pytest.raises(PlaygroundFileError) as refused:
        persist.share_fragment(big)
    assert str(refused.value) == "your CSV has 502 rows; a link carries at most 500 (Save gives a file with all of them)"
    big.data.dataset = "spiral"            # a CSV not in use stays out of the link
    assert "table" not in persist.decode_fragment(persist.share_fragment(big))["data"]


def test_files_with_a_missing_or_damaged_table_are_refused_and_change_nothing():
    s = on_csv()
    doc = json.loads(persist.save_bytes(s))
    del doc["data"]["table"]
    other = Session()
    with pytest.raises(PlaygroundFileError, match=r"^data.dataset is your CSV, but data.table holds no uploaded data$"):
        persist.load_bytes(other, json.dumps(doc).encode())
    doc = json.loads(persist.save_bytes(s))
    doc["data"]["table"]["rows"][3] = [1, "two", 0]
    with pytest.raises(PlaygroundFileError, match=r"^data.table row 4 must be 3 finite numbers$"):
        persist.load_bytes(other, json.dumps(doc).encode())
    assert other.data.dataset == "spiral" and other.data.table is None


def test_the_kept_playground_comes_back_with_its_csv_on_the_next_visit():
    s = on_csv()
    keeper = autosave.Autosave(s, schedule=lambda action, ms: None)
    keeper.save()
    kept = keeper.storage.text
    assert "Your CSV (uploaded)" in json.loads(keeper.storage.entry)["summary"]
    visit = Session()
    restored = autosave.restore(visit, kept)
    assert restored.ok, restored.notice
    check_same_playground(s, visit)


def test_undo_brings_back_the_data_before_an_upload_and_the_network_before_features_or_regularisation():
    s = Session()
    history = Undo(s)
    s.train(4)
    spiral_layers, spiral_weights = list(s.network.layers), weights(s)
    widgets = upload_widgets(s, Notices())
    upload(widgets, points_csv()[0], "mine.csv")                    # the upload
    assert s.data.dataset == "csv" and s.step == 0
    s.network.layers = [NETWORK[0], *s.network.layers]              # features put in front
    assert s.model.fc1.in_features == 5
    s.train(3)
    featured = weights(s)
    s.hyper.regularization = "l2"
    assert s.step == 0

    history.undo()                                                  # the regularisation
    assert s.hyper.regularization == "none" and s.step == 3 and same(weights(s), featured)
    history.undo()                                                  # the features
    assert s.network.layers == spiral_layers and s.data.dataset == "csv" and s.model.fc1.in_features == 2
    history.undo()                                                  # the upload
    assert s.data.dataset == "spiral" and s.step == 4 and same(weights(s), spiral_weights)
    history.redo()
    assert s.data.dataset == "csv" and s.data.table["name"] == "mine.csv"
