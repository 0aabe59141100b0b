"""app.views.curves and app.views.gradflow: histories streamed into capped sources, flags in words."""
import math

import pytest
from bokeh.document import Document
from bokeh.models import Label, LinearScale, LogScale, LogTicker, Span, Title
from bokeh.document.events import ColumnsStreamedEvent

from app import i18n
from app.views import curves as curves_module
from app.views.curves import Curves
from app.views.gradflow import GradientFlow, diagnose

nan = math.nan


def history(n, test_every=4, start=1):
    steps = list(range(start, start + n))
    return {"step": steps,
            "train_loss": [1.0 / s for s in steps],
            "train_acc": [min(1.0, s / 100) for s in steps],
            "test_loss": [1.5 / s if s % test_every == 0 else nan for s in steps],
            "test_acc": [min(1.0, s / 120) if s % test_every == 0 else nan for s in steps],
            "grad_norms": {"fc1": [0.1] * n, "fc2": [0.2] * n}}


def test_curves_start_empty_with_guidance_then_show_train_and_test():
    curves = Curves()
    curves.update({"step": []}, 0)
    assert "Press Step or Train" in curves.caption.object
    curves.update(history(8), 0)
    assert list(curves.train.data["step"]) == list(range(1, 9))
    assert curves.train.data["loss"] == pytest.approx([1 / s for s in range(1, 9)])
    assert list(curves.test.data["step"]) == [4, 8]  # the steps that were evaluated
    assert curves.test.data["acc"] == pytest.approx([4 / 120, 8 / 120])
    assert curves.loss.name == "loss-curve" and curves.test.name == "curve-test"


def test_curves_stream_only_new_rows():
    curves = Curves()
    h = history(8)
    curves.update(h, 0)
    doc = Document()
    doc.add_root(curves.loss)
    doc.add_root(curves.accuracy)
    events = []
    doc.on_change(lambda event: events.append(event))
    curves.update(history(10), 0)
    streamed = [(e.model.name, e.data, e.rollover) for e in events if isinstance(e, ColumnsStreamedEvent)]
    assert streamed == [("curve-train", {"step": [9, 10], "loss": [1 / 9, 1 / 10], "acc": [0.09, 0.1]},
                         curves_module.CAP)]
    assert all(isinstance(e, ColumnsStreamedEvent) for e in events)  # nothing else is sent


def test_curves_are_capped_and_reload_when_the_history_is_thinned():
    curves = Curves()
    curves.update(history(curves_module.CAP + 500), 0)
    assert len(curves.train.data["step"]) == curves_module.CAP
    thinned = history(100, start=1)
    thinned["step"] = [2 * s for s in thinned["step"]]
    curves.update(thinned, 1)  # the session bumped history_version
    assert list(curves.train.data["step"]) == thinned["step"]


def test_regression_hides_accuracy_and_says_why():
    curves = Curves()
    h = history(4)
    h["train_acc"] = h["test_acc"] = [nan] * 4
    curves.update(h, 0, regression=True)
    assert not curves.accuracy.visible and "regression" in curves.caption.object


@pytest.mark.parametrize("norm, words", [(1e-8, "vanishing"), (5e4, "exploding"), (nan, "NaN/Inf"),
                                         (math.inf, "NaN/Inf"), (0.5, None)])
def test_gradient_flags_in_words(norm, words):
    text = diagnose("fc1", norm)
    assert (text is None) if words is None else (words in text and "fc1" in text)


def test_gradient_flow_draws_a_log_line_per_layer_and_flags_the_latest_step():
    flow = GradientFlow()
    flow.update({"step": [], "grad_norms": {}}, 0)
    assert "Press Step or Train" in flow.flags.object
    h = history(5)
    h["grad_norms"]["fc1"][-1] = 1e-9
    h["grad_norms"]["fc2"][2] = 0.0  # a zero cannot sit on a log axis: a gap
    flow.update(h, 0)
    assert flow.figure.y_scale.__class__.__name__ == "LogScale"
    assert [item.label.value for item in flow.legend.items] == ["fc1", "fc2"]
    assert flow.source.data["layer0"][-1] == 1e-9 and math.isnan(flow.source.data["layer1"][2])
    assert "vanishing" in flow.flags.object and "fc1" in flow.flags.object
    h2 = history(6)
    flow.update(h2, 0)
    assert flow.flags.object == i18n.text("gradflow.healthy", "en")
    assert list(flow.source.data["step"]) == list(range(1, 7))


def test_gradient_flow_redraws_lines_when_the_network_changes():
    flow = GradientFlow()
    flow.update(history(3), 0)
    h = history(2)
    h["grad_norms"] = {"conv1": [1.0, 2.0], "fc1": [3.0, 4.0], "fc2": [5.0, 6.0]}
    flow.update(h, 1)
    assert [item.label.value for item in flow.legend.items] == ["conv1", "fc1", "fc2"]
    assert len(flow.figure.renderers) == 2 * 3 and list(flow.source.data["layer2"]) == [5.0, 6.0]


def test_the_loss_is_on_a_log_scale_so_one_spike_does_not_flatten_the_history():
    curves = Curves()
    h = history(6)
    h["train_loss"][-1] = 1e12   # one diverging step
    curves.update(h, 0)
    assert curves.log_scale.value and isinstance(curves.loss.y_scale, LogScale)
    assert curves.loss.yaxis[0].axis_label == "loss (log scale)"
    curves.log_scale.value = False   # the student can have it linear
    assert isinstance(curves.loss.y_scale, LinearScale) and curves.loss.yaxis[0].axis_label == "loss"
    assert not isinstance(curves.loss.yaxis[0].ticker, LogTicker)
    curves.log_scale.value = True
    assert isinstance(curves.loss.y_scale, LogScale) and isinstance(curves.loss.yaxis[0].ticker, LogTicker)
    assert isinstance(curves.accuracy.y_scale, LinearScale)   # a share stays linear


def test_the_gradient_thresholds_are_named_outside_the_plot_not_on_its_lines():
    flow = GradientFlow()
    assert not [a for a in flow.figure.center if isinstance(a, Label)]
    assert [t.text for t in flow.figure.above if isinstance(t, Title)] == [i18n.text("gradflow.thresholds", "en")]
    assert sorted(s.location for s in flow.figure.center if isinstance(s, Span)) == [1e-6, 1e3]
