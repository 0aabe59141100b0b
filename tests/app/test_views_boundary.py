"""app.views.boundary and app.views.images: 2-D predictions over the plane, neuron pictures, conv views."""
import numpy as np
import pytest

from app import datasets
from app.views.boundary import GRID, NEURON_GRID, DecisionBoundary, NeuronPictures, hidden_layers
from app.views.images import ImageViews


def test_boundary_grid_covers_the_points_and_the_heatmap_is_grid_by_grid():
    data = datasets.make("spiral", 200, 0.1, 0.3, seed=1)
    view = DecisionBoundary()
    view.set_data(data)
    assert view.grid.shape == (GRID * GRID, 2)
    points = np.concatenate([data.x_train, data.x_test])
    assert (view.grid.min(0) <= points.min(0)).all() and (view.grid.max(0) >= points.max(0)).all()
    assert len(view.train.data["x"]) == len(data.x_train) and len(view.test.data["x"]) == len(data.x_test)
    # a "network" that says blue where x1 > 0: the image's rows run along x2, columns along x1
    view.show((view.grid[:, 0] > 0).astype(np.float32))
    image = view.image.data["image"][0]
    assert image.shape == (GRID, GRID)
    assert image[:, 0].max() == 0 and image[:, -1].min() == 1
    assert view.image.data["x"][0] == pytest.approx(view.grid[0, 0])
    view.show(None)
    assert view.image.data["image"] == []


def test_regression_colours_points_by_target_on_the_prediction_scale():
    data = datasets.make("regression", 100, 0.0, 0.3, seed=0)
    view = DecisionBoundary()
    view.set_data(data)
    assert view.regression and view.mapper.low == -view.mapper.high
    # The title says what is drawn, above the panel and on the plot: no "Decision boundary" for a regression.
    assert view.figure.title.text == "Prediction over the plane (regression)"
    assert view.heading.object == "### Prediction over the plane (regression)"
    assert len(set(view.train.data["colour"])) > 2
    view.set_data(datasets.make("spiral", 100, 0.0, 0.3, seed=0))
    assert view.figure.title.text == "Decision boundary" and view.heading.object == "### Decision boundary"


def test_hidden_layers_are_activations_not_the_linears_before_them_nor_the_output():
    a = {name: np.zeros((4, 8)) for name in ["fc1", "tanh1", "fc2", "tanh2", "fc3"]}
    groups = ["layers", "activations", "layers", "activations", "layers"]
    assert list(hidden_layers(list(a), groups, a)) == ["tanh1", "tanh2"]
    assert hidden_layers(["fc1"], ["layers"], {"fc1": np.zeros((4, 1))}) == {}
    assert list(hidden_layers(["fc1", "fc2"], ["layers", "layers"], {"fc1": a["fc1"], "fc2": a["fc2"]})) == ["fc1"]


def test_neuron_pictures_for_small_networks_only():
    view = NeuronPictures()
    view.set_extent(np.array([-1.0, -1.0]), np.array([1.0, 1.0]))
    assert view.points.shape == (NEURON_GRID ** 2, 2)
    rng = np.random.default_rng(0)
    hidden = {"tanh1": rng.normal(size=(NEURON_GRID ** 2, 4)), "tanh2": rng.normal(size=(NEURON_GRID ** 2, 3))}
    view.show(hidden)
    assert view.figure.visible and list(view.labels.data["text"]) == ["tanh1", "tanh2"]
    assert len(view.source.data["image"]) == 7 and view.source.data["image"][0].shape == (NEURON_GRID,) * 2
    np.testing.assert_allclose(np.abs(view.source.data["image"][4]).max(), 1.0, rtol=1e-6)  # own scale
    assert list(view.source.data["layer"]) == ["tanh1"] * 4 + ["tanh2"] * 3
    view.show({"relu1": np.zeros((NEURON_GRID ** 2, 64))})
    assert not view.figure.visible and "at most 16" in view.caption.object
    view.show({})
    assert "no hidden layer" in view.caption.object


def test_image_views_show_the_sample_probabilities_filters_and_feature_maps():
    view = ImageViews()
    view.set_data(datasets.make("digits"))
    image = np.random.default_rng(0).random((1, 32, 32)).astype(np.float32)
    p = np.full(10, 0.05)
    p[3] = 0.55
    weight = np.random.default_rng(1).normal(size=(6, 1, 3, 3))
    maps = {"conv1": np.ones((6, 30, 30)), "pool1": np.ones((6, 15, 15)), "conv2": np.ones((20, 13, 13))}
    view.show(image, 7, p, weight, maps)
    np.testing.assert_allclose(view.input.data["image"][0][::-1], image[0])
    assert list(view.classes.data["label"]) == [str(i) for i in range(10)]
    assert view.classes.data["colour"][3] == "#dc2626" and "it is a 7" in view.probabilities.title.text
    assert len(view.filters.source.data["image"]) == 6
    filters = np.stack([im[::-1] for im in view.filters.source.data["image"]])
    np.testing.assert_allclose(filters, weight[:, 0] / np.abs(weight).max(), rtol=1e-6)
    assert len(view.maps.source.data["image"]) == 6 + 6 + 16  # at most 16 channels a layer
    assert [t.split(" ")[0] for t in view.maps.labels.data["text"]] == ["conv1", "pool1", "conv2"]
    view.show(image, 3, p, None, {})
    assert "no Conv2d" in view.caption.object and not view.maps.figure.visible
    assert "✓" in view.probabilities.title.text
