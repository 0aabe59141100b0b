"""Saving, loading and sharing the playground; malformed files and links are rejected (app/persist.py)."""
import base64
import json
import zlib

import numpy as np
import pytest

from app import persist
from app.layers import new_layer
from app.persist import PlaygroundFileError
from app.session import Session
from app.state import PRESETS


def weights(session):
    return {k: v.numpy().copy() for k, v in session.model.state_dict().items()}


def trained(preset="mlp", steps=15):
    s = Session()
    p = PRESETS[preset]
    s.configure(p["network"], p["data"], p["hyper"])
    s.train(steps)
    return s


def test_file_round_trip_restores_network_settings_weights_and_clock():
    s = trained()
    s.hyper.lr = 0.0123
    s.data.batch_size = 17
    other = Session()
    other.configure([new_layer("Linear", out_features=1)], {"dataset": "xor"}, {"optimizer": "SGD", "lr": 0.5})
    persist.load_bytes(other, persist.save_bytes(s))
    assert other.network.layers == s.network.layers
    assert other.data.dataset == "spiral" and other.data.batch_size == 17 and other.hyper.lr == 0.0123
    assert other.step == 15 and other.error is None
    a, b = weights(s), weights(other)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    grid = np.random.default_rng(0).uniform(-1, 1, (10, 2))
    assert np.allclose(s.predict(grid), other.predict(grid))
    other.take_step()   # it trains on from there
    assert other.step == 16


def test_batchnorm_buffers_round_trip():
    s = Session()
    s.configure([new_layer("Linear", out_features=4), new_layer("BatchNorm"), new_layer("Linear", out_features=1)])
    s.train(3)
    other = Session()
    persist.load_bytes(other, persist.save_bytes(s))
    a, b = weights(s), weights(other)
    assert "bn1.running_mean" in a and b["bn1.num_batches_tracked"] == 3
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_share_link_round_trip_without_weights():
    s = trained("logistic", 3)
    s.data.noise = 0.25
    fragment = persist.share_fragment(s)
    assert fragment.startswith("s=") and all(c.isalnum() or c in "-_=" for c in fragment)
    other = Session()
    persist.apply_fragment(other, "#" + fragment)
    assert other.network.layers == s.network.layers and other.data.noise == 0.25
    assert other.data.dataset == "gaussians" and other.hyper.lr == 0.5 and other.step == 0
    lenet = Session()
    lenet.configure(PRESETS["lenet"]["network"], PRESETS["lenet"]["data"], PRESETS["lenet"]["hyper"])
    assert len(persist.share_fragment(lenet)) < 600


def link(doc):
    return "s=" + base64.urlsafe_b64encode(zlib.compress(json.dumps(doc).encode())).decode()


def good_doc():
    return persist.snapshot(Session())


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format="other"), "it is not a playground file"),
    (lambda d: d.update(version=2), "its version is not one this playground reads"),
    (lambda d: d.update(extra=1), "the file has an unknown field 'extra'"),
    (lambda d: d.pop("network"), "the file is missing 'network'"),
    (lambda d: d["network"].append({"type": "Attention"}), "network layer 6: unknown layer type ('Attention')"),
    (lambda d: d["network"][0].update(out_features=[8]),
     "network layer 1: Linear.out_features must be a number, true or false"),
    (lambda d: d["network"][0].update(code="__import__('os')"), "network layer 1: Linear has no field 'code'"),
    (lambda d: d.update(network={"type": "Linear"}), "network must be a list"),
    (lambda d: d["data"].update(dataset="cifar10"), "data.dataset must be one of"),
    (lambda d: d["data"].update(batch_size=2.5), "data.batch_size must be a whole number from 1 to 1024"),
    (lambda d: d["data"].update(batch_size=True), "data.batch_size must be a whole number from 1 to 1024"),
    (lambda d: d["data"].update(noise=3.0), "data.noise must be from 0 to 0.5, not 3"),
    (lambda d: d["hyper"].update(lr="0.1"), "hyper.lr must be a number from 1e-05 to 10"),
    (lambda d: d["hyper"].update(momentum=0.9), "hyper has an unknown field 'momentum'"),
    (lambda d: d.update(progress={"step": -1, "epoch": 0}), "progress.step must be a whole number from 0 to"),
])
def test_malformed_files_are_rejected_and_nothing_changes(mutate, message):
    doc = good_doc()
    mutate(doc)
    s = trained("logistic", 2)
    before = (list(s.network.layers), s.step, weights(s))
    with pytest.raises(PlaygroundFileError) as info:
        persist.load_bytes(s, json.dumps(doc).encode())
    assert str(info.value).startswith(message)
    assert s.network.layers == before[0] and s.step == before[1]
    assert all(np.array_equal(before[2][k], v) for k, v in weights(s).items())


@pytest.mark.parametrize("mutate, message", [
    (lambda w: w.pop("fc1.bias"), "the weights do not match the network: missing 'fc1.bias'"),
    (lambda w: w.update(evil={"shape": [1], "dtype": "float32", "data": "AAAAAA=="}), "the weights do not match"),
    (lambda w: w["fc1.weight"].update(shape=[2, 8]), "weights['fc1.weight'] is float32 [2, 8]; the network needs float32 [8, 2]"),
    (lambda w: w["fc1.weight"].update(data="!!!"), "weights['fc1.weight'] holds 3 characters of data"),
    (lambda w: w["fc1.weight"].update(data="AAAA"), "weights['fc1.weight'] holds 4 characters of data"),
    (lambda w: w["fc1.weight"].update(dtype="object"), "weights['fc1.weight'].dtype must be one of"),
])
def test_weights_must_fit_the_network(mutate, message):
    doc = persist.snapshot(trained("mlp", 2))
    mutate(doc["weights"])
    s = trained("logistic", 2)
    with pytest.raises(PlaygroundFileError) as info:
        persist.load_bytes(s, json.dumps(doc).encode())
    assert str(info.value).startswith(message)
    assert s.data.dataset == "gaussians" and len(s.network.layers) == 1 and s.model is not None


def test_not_json_and_too_large():
    s = Session()
    with pytest.raises(PlaygroundFileError, match="is not a playground JSON file"):
        persist.load_bytes(s, b"\x89PNG\r\n")
    with pytest.raises(PlaygroundFileError, match="the file must be an object"):
        persist.load_bytes(s, b"[1, 2]")


@pytest.mark.parametrize("fragment, message", [
    ("x=abc", "not a playground link"),
    ("s=%%%%", "the link is damaged"),
    ("s=" + base64.urlsafe_b64encode(b"not deflate").decode(), "the link is damaged"),
    ("s=" + "A" * 20000, "the link is too long"),
    (link({"format": "autograd-playground", "version": 1, "network": [], "weights": {}}),
     "the file has an unknown field 'weights'"),
    (link({"format": "autograd-playground", "version": 1, "network": [{"type": "Linear", "out_features": "8" * 99,
                                                                        "bias": True}]}),
     "network layer 1: Linear.out_features must be a number, true or false"),
])
def test_malformed_links_are_rejected(fragment, message):
    s = Session()
    before = list(s.network.layers)
    with pytest.raises(PlaygroundFileError) as info:
        persist.apply_fragment(s, fragment)
    assert str(info.value).startswith(message)
    assert s.network.layers == before


def test_a_layer_left_half_edited_comes_back_marked_not_refused():
    s = Session()
    layers = [dict(spec) for spec in s.network.layers]
    layers[0]["out_features"] = 0                       # being edited when the file was saved
    s.network.layers = layers
    assert s.model is None
    for restore in (lambda other: persist.load_bytes(other, persist.save_bytes(s)),
                    lambda other: persist.apply_fragment(other, persist.share_fragment(s))):
        other = Session()
        restore(other)
        assert other.network.layers == layers and other.model is None
        assert "out_features must be from 1 to 4096" in other.analysis["layers"][0]["error"]
