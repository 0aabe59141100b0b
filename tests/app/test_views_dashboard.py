"""app.views.Views: every view kept in step with a real Session, throttled while training."""
import numpy as np

from app import i18n
from app.layers import new_layer
from app.session import Session
from app.state import PRESETS
from app.views import Views
from app.views import dashboard
from app.views.boundary import GRID


def session_for(preset):
    s = Session()
    p = PRESETS[preset]
    s.network.layers = p["network"]
    s.data.param.update(**p["data"])
    s.hyper.param.update(**p["hyper"])
    return s


def test_mlp_on_spiral_forward_backward_step():
    s = session_for("mlp")
    views = Views(s)
    assert "Press Forward" in views.graph.caption.object
    assert views._boundary_panel.visible and not views._images_panel.visible
    s.forward()
    names = list(views.graph.nodes.data["name"])
    assert names and set(views.graph.nodes.data["grad_text"]) == {""}
    s.backward()
    assert any(t.startswith("grad ") for t in views.graph.nodes.data["grad_text"])
    s.take_step()
    assert list(views.curves.train.data["step"]) == [1] and list(views.curves.test.data["step"]) == [1]
    assert views.boundary.image.data["image"][0].shape == (GRID, GRID)
    assert list(views.boundary.neurons.labels.data["text"]) == ["tanh1", "tanh2"]
    assert [item.label.value for item in views.gradflow.legend.items] == ["fc1", "fc2", "fc3"]


def test_picking_a_node_fills_the_inspector_and_it_follows_training():
    s = session_for("mlp")
    views = Views(s)
    s.take_step()
    weight = next(n for n in s.last["graph"].nodes if n["param"] == "fc1.weight")
    views.graph.select(weight["id"])
    shown = views.inspector.value.image.data["image"][0][::-1]
    np.testing.assert_allclose(shown, s.model.fc1.weight.detach().numpy(), rtol=1e-5)
    s.take_step()  # the optimizer moved the weights: the inspector shows the new ones
    np.testing.assert_allclose(views.inspector.value.image.data["image"][0][::-1],
                               s.last["capture"].value(weight["id"]), rtol=1e-5)


def test_continuous_training_redraws_costly_views_every_few_steps_and_all_when_it_stops():
    s = session_for("mlp")
    views = Views(s)
    s.take_step()
    graph_draws = []
    show = views.graph.show
    views.graph.show = lambda graph, **kw: (graph_draws.append(graph), show(graph, **kw))
    s.running = True
    for _ in range(2 * dashboard.HEAVY_EVERY):
        s.take_step()
    assert 1 <= len(graph_draws) <= 3
    assert len(views.curves.train.data["step"]) == 1 + 2 * dashboard.HEAVY_EVERY  # cheap views: every step
    s.running = False
    assert graph_draws[-1] is s.last["graph"]


def test_lenet_on_digits_shows_images_not_the_plane():
    s = session_for("lenet")
    views = Views(s)
    assert views._images_panel.visible and not views._boundary_panel.visible
    s.take_step()
    assert "conv1" in views.graph.nodes.data["name"][0] or any("conv1" in n for n in views.graph.nodes.data["name"])
    assert abs(sum(views.images.classes.data["p"]) - 1) < 1e-5
    assert len(views.images.filters.source.data["image"]) == 6
    assert [t.split(" ")[0] for t in views.images.maps.labels.data["text"]] == \
        ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"]
    views.images.sample.value = 5
    image, label = s.sample(5)
    np.testing.assert_allclose(views.images.input.data["image"][0][::-1], image[0])


def test_an_invalid_network_says_so_in_the_graph():
    s = session_for("mlp")
    views = Views(s)
    s.network.layers = [new_layer("Conv2d"), new_layer("Linear", out_features=1)]
    assert s.model is None
    assert views.graph.caption.object == i18n.text("graph.invalid", "en")
    assert views.boundary.image.data["image"] == []


def test_an_invalid_conv_net_on_digits_says_so_in_the_images_and_drops_its_last_prediction():
    s = session_for("lenet")
    views = Views(s)
    s.take_step()
    assert views.images.probabilities.title.text.startswith("Predicts")
    layers = [dict(spec) for spec in s.network.layers]
    layers[0]["stride"] = 0                                  # conv1 cannot be built
    s.network.layers = layers
    assert s.model is None
    assert views.images.caption.object == i18n.text("images.unbuilt", "en")     # not "this network has no Conv2d layer"
    assert views.images.probabilities.title.text == "Predicted probabilities"
    assert views.images.classes.data["p"] == [] and views.images.filters.source.data["image"] == []
