"""TensorFlow Playground's input features as a layer before the network (app/features.py, "Features" in
app/layers.py): the columns it computes, the sizes that follow it, the graph that shows it, and the
exported script that computes the same on real PyTorch."""
import numpy as np
import torch as real_torch

import engine
import engine.nn as nn
from app import export, features, layers
from app.layers import analyse, new_layer
from app.session import Session
from app.state import Data, Hyper, Network

ALL = {name: True for name in features.FEATURES}


def expected(x, names):
    x1, x2 = x[:, 0], x[:, 1]
    columns = {"x1": x1, "x2": x2, "x1_sq": x1 ** 2, "x2_sq": x2 ** 2, "x1_x2": x1 * x2,
               "sin_x1": np.sin(x1), "sin_x2": np.sin(x2)}
    return np.stack([columns[n] for n in names], 1)


def test_the_features_are_the_numbers_numpy_computes_in_the_catalogues_order():
    x = np.random.default_rng(0).uniform(-3, 3, (50, 2)).astype(np.float32)
    for ticked in (ALL, {"x1": False, "x2": False, "x1_x2": True}, {"x2": False, "sin_x2": True, "x1_sq": True}):
        spec = new_layer("Features", **ticked)
        names = features.chosen(spec)
        module = layers.build(nn, [spec], (2,))
        got = module(engine.tensor(x)).numpy()
        assert got.shape == (50, len(names))
        np.testing.assert_allclose(got, expected(x.astype(np.float64), names), rtol=1e-6, atol=1e-6)
    assert features.chosen(new_layer("Features", **ALL)) == list(features.FEATURES)


def test_the_next_linear_takes_as_many_inputs_as_features_are_ticked():
    for ticked, width in (({}, 2), ({"x1_sq": True, "x2_sq": True}, 4), (ALL, 7)):
        specs = [new_layer("Features", **ticked), new_layer("Linear", out_features=8), new_layer("Tanh"),
                 new_layer("Linear", out_features=1)]
        report = analyse(specs, (2,), 32)
        assert report.ok and report.to_dict()["layers"][0]["shape"] == f"32×{width}"
        assert report.layers[0].name == "features1" and report.layers[0].params == 0
        model = layers.build(nn, specs, (2,))
        assert model.fc1.in_features == width and model.fc1.weight.shape == (8, width)
        assert report.parameters == sum(p.numel() for p in model.parameters())


def test_features_anywhere_but_first_on_points_is_marked_with_the_reason():
    after_linear = analyse([new_layer("Linear"), new_layer("Features")], (2,), 4)
    assert after_linear.layers[1].error == ("Features takes the data's two coordinates (x₁, x₂), not the output "
                                            "of Linear: put it first in the network")
    on_images = analyse([new_layer("Features")], (1, 8, 8), 4)
    assert on_images.layers[0].error == ("Features takes 2-D points (x₁, x₂); this data gives 1×8×8 per sample: "
                                         "choose 2-D point data, or remove it")
    none = analyse([new_layer("Features", x1=False, x2=False), new_layer("Linear", out_features=1)], (2,), 4)
    assert none.error == "features1 (Features): tick at least one feature to feed the network"


def test_the_palette_shows_the_features_by_their_names():
    entry = next(e for e in layers.palette() if e["type"] == "Features")
    assert entry["group"] == "input"
    assert [f["label"] for f in entry["fields"]] == ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"]
    assert [f["default"] for f in entry["fields"]] == [True, True, False, False, False, False, False]


def feature_network():
    return [new_layer("Features", x1_sq=True, x2_sq=True, x1_x2=True, sin_x1=True, sin_x2=True),
            new_layer("Linear", out_features=6), new_layer("Tanh"), new_layer("Linear", out_features=1)]


def test_a_session_trains_through_the_features_and_the_graph_shows_them_fed_to_fc1():
    s = Session()
    s.configure(feature_network(), {"dataset": "circle"}, {"loss": "bce", "optimizer": "Adam", "lr": 0.05})
    s.forward()
    # The features are data (no gradient flows into them): the graph shows them as fc1's input, 7 wide,
    # and the builder's card above it says which they are.
    graph = s.last["graph"]
    fed = [n for n in graph.nodes if n["kind"] == "constant" and n["module"] == "fc1"]
    assert [n["shape"] for n in fed] == [[32, 7]]
    s.train(150)
    assert s.error is None and s.history["test_acc"][-1] > 0.9
    # the decision boundary asks the model about raw points: the features are computed inside it
    assert s.decision(np.zeros((3, 2), np.float32)).shape == (3,)


def test_the_exported_script_computes_the_same_features_on_real_pytorch():
    specs = feature_network()
    script = export.network_class(specs, (2,))
    assert "torch.cat([x[:, 0:1], x[:, 1:2], x[:, 0:1] ** 2, x[:, 1:2] ** 2, x[:, 0:1] * x[:, 1:2], " \
           "torch.sin(x[:, 0:1]), torch.sin(x[:, 1:2])], 1)" in script
    namespace = {"torch": real_torch, "nn": real_torch.nn, "F": real_torch.nn.functional}
    exec(script, namespace)
    net = namespace["Net"]()
    ours = layers.build(nn, specs, (2,))
    net.load_state_dict({k: real_torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(2).normal(size=(20, 2)).astype(np.float32)
    np.testing.assert_allclose(net(real_torch.tensor(x)).detach().numpy(), ours(engine.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    whole = export.export_script(Network(layers=specs), Data(dataset="circle"), Hyper(loss="bce"))
    compile(whole, "playground_net.py", "exec")
