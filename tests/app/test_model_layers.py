"""Shape inference, messages and module building for layer specs (app/layers.py)."""
import json

import pytest

import engine
import engine.nn as nn
from app import layers
from app.layers import analyse, check_head, new_layer
from app.state import LENET, PRESETS


def shapes(report):
    return [layer["shape"] for layer in report.to_dict()["layers"]]


def test_lenet_shapes_and_parameters_match_the_tutorial():
    report = analyse(LENET, (1, 32, 32), 64)
    assert report.ok
    assert shapes(report) == ["64×6×30×30", "64×6×30×30", "64×6×15×15", "64×16×13×13", "64×16×13×13",
                              "64×16×6×6", "64×576", "64×120", "64×120", "64×84", "64×84", "64×10"]
    # conv1 60, conv2 880, fc1 69,240, fc2 10,164, fc3 850: the tutorial's 81,194
    assert report.parameters == 81194
    assert [r.name for r in report.layers][:3] == ["conv1", "relu1", "pool1"]
    model = layers.build(nn, LENET, (1, 32, 32))
    assert sum(p.numel() for p in model.parameters()) == 81194
    assert tuple(model(engine.zeros(2, 1, 32, 32)).shape) == (2, 10)


def test_specs_are_json_and_inferred_sizes_are_not_part_of_them():
    for preset in PRESETS.values():
        assert json.loads(json.dumps(preset["network"])) == preset["network"]
    assert "in_features" not in new_layer("Linear")
    # the same specs fit another input size: in_features follows the data
    report = analyse([new_layer("Linear", out_features=3)], (5,), 1)
    assert report.layers[0].params == 5 * 3 + 3


def test_conv_after_linear_is_marked_on_the_conv_with_the_reason():
    specs = [new_layer("Linear", out_features=4), new_layer("Conv2d")]
    report = analyse(specs, (2,), 32)
    assert not report.ok
    first, second = report.layers
    assert first.error is None and first.shape == (4,)
    assert second.error == ("Conv2d needs a 4-D input (N,C,H,W); Linear gives 2-D: "
                            "images must stay 4-D until a Flatten")
    assert report.error.startswith("conv1 (Conv2d): Conv2d needs a 4-D input")


def test_linear_on_images_asks_for_a_flatten():
    report = analyse([new_layer("Conv2d"), new_layer("Linear")], (1, 8, 8), 4)
    assert report.layers[1].error == ("Linear needs a 2-D input (N, features); Conv2d gives 4-D (N,C,H,W): "
                                      "add a Flatten before it")


def test_window_larger_than_the_input_is_explained():
    specs = [new_layer("Conv2d", kernel_size=5), new_layer("MaxPool2d", kernel_size=4, stride=4)]
    report = analyse(specs, (1, 8, 8), 1)
    assert report.layers[0].shape == (8, 4, 4)
    assert "MaxPool2d's 4×4 window" not in (report.layers[1].error or "")
    report = analyse(specs + [new_layer("Conv2d", kernel_size=3)], (1, 8, 8), 1)
    assert report.layers[2].error.startswith("Conv2d's 3×3 window is larger than its 1×1 input")


def test_every_bad_field_is_reported_and_later_layers_still_checked():
    specs = [new_layer("Linear", out_features=0), new_layer("Dropout", p=1.5), new_layer("Linear", out_features=2)]
    report = analyse(specs, (2,), 8)
    assert report.layers[0].error == "out_features must be from 1 to 4096, not 0"
    assert report.layers[1].error == "p must be from 0 to below 1, not 1.5"
    assert report.layers[2].error is None and report.layers[2].shape == (2,)


@pytest.mark.parametrize("spec, message", [
    ({"type": "Dense"}, "unknown layer type ('Dense')"),
    ({"type": "Linear", "out_features": 3, "bias": True, "in_features": 2}, "Linear has no field 'in_features'"),
    ({"type": "Linear", "out_features": 3}, "Linear is missing its field 'bias'"),
    ({"type": "Linear", "out_features": "3", "bias": True}, "out_features must be a number"),
    ({"type": "Linear", "out_features": 2.5, "bias": True}, "out_features must be a whole number"),
    ({"type": "Linear", "out_features": 2, "bias": 1}, "bias must be true or false"),
    ("Linear", "a layer must be an object"),
])
def test_malformed_specs(spec, message):
    assert layers.spec_problem(spec).startswith(message)


def test_whole_number_floats_from_javascript_are_accepted():
    report = analyse([{"type": "Linear", "out_features": 3.0, "bias": True}], (2,), 1)
    assert report.ok and report.layers[0].shape == (3,)


def test_parameter_budget():
    report = analyse([new_layer("Linear", out_features=4096), new_layer("Linear", out_features=4096)], (2,), 1)
    assert report.layers[0].error is None
    assert "allows 5,000,000" in report.layers[1].error


def test_inferred_norm_sizes_and_module_types():
    specs = [new_layer("Conv2d", out_channels=4), new_layer("BatchNorm"), new_layer("LayerNorm"), new_layer("Flatten"),
             new_layer("BatchNorm"), new_layer("Dropout", p=0.2), new_layer("LeakyReLU", negative_slope=0.1)]
    report = analyse(specs, (1, 8, 8), 2)
    assert [r.params for r in report.layers] == [40, 8, 2 * 4 * 6 * 6, 0, 2 * 144, 0, 0]
    model = layers.build(nn, specs, (1, 8, 8))
    assert [type(m).__name__ for m in model.children()] == ["Conv2d", "BatchNorm2d", "LayerNorm", "Flatten",
                                                            "BatchNorm1d", "Dropout", "LeakyReLU"]
    assert tuple(model(engine.zeros(3, 1, 8, 8)).shape) == (3, 144)


@pytest.mark.parametrize("outputs, loss, classes, message", [
    (2, "cross_entropy", 2, None),
    (1, "cross_entropy", 2, "ends with 1 output; cross-entropy over 2 classes needs 2"),
    (1, "bce", 2, None),
    (2, "bce", 2, "ends with 2 outputs; BCE with logits needs 1"),
    (1, "bce", 10, "BCE with logits is for two classes; this data has 10"),
    (1, "mse", 0, None),
    (3, "mse", 0, "ends with 3 outputs; MSE against the target value needs 1"),
    (10, "mse", 10, None),
    (1, "cross_entropy", 0, "cross-entropy needs class labels; regression data needs MSE"),
])
def test_the_output_must_fit_the_loss(outputs, loss, classes, message):
    report = check_head(analyse([new_layer("Linear", out_features=outputs)], (2,), 4), loss, classes)
    assert report.layers[0].error == message or report.layers[0].error.startswith(message)


def test_head_warnings_and_empty_network():
    report = check_head(analyse([new_layer("Linear", out_features=10), new_layer("Softmax")], (64,), 4),
                        "cross_entropy", 10)
    assert report.ok and "applies log-softmax itself" in report.layers[1].warning
    empty = check_head(analyse([], (2,), 4), "bce", 2)
    assert not empty.ok and "empty" in empty.error


def test_palette_lists_the_issue_layers_with_fields():
    names = [entry["type"] for entry in layers.palette()]
    assert names == ["Features", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "ReLU", "LeakyReLU", "Tanh",
                     "Sigmoid", "GELU", "Softmax", "BatchNorm", "LayerNorm", "Dropout"]
    conv = next(e for e in layers.palette() if e["type"] == "Conv2d")
    assert [f["name"] for f in conv["fields"]] == ["out_channels", "kernel_size", "stride", "padding"]
    json.dumps(layers.palette())
