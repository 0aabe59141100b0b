"""The playground's controls: Forward / Backward / Step / Train-Pause / Reset with keyboard shortcuts,
the step counter, presets, data and hyper-parameter widgets, save / load / share, and the PyTorch
code of the current network.

Continuous training runs as a periodic callback that trains one short chunk at a time
(Session.train_for), so the page (and in the browser, the worker's message loop) gets control
back between chunks: Pause is handled before the next chunk starts.

Every refusal and every notice goes to the Notices strip at the top of the window (app/notices.py): the
session's error (also in the status line) until it is fixed, files, links and kept playgrounds, and a
setting typed out of range, which is refused in words and not applied.

Stable hooks for browser tests: buttons by their names (Forward, Backward, Step, Train/Pause,
Reset, Undo, Redo, Save, Share link, Recent), .pg-status, .pg-preset-<key>, .pg-share-url, .pg-load
(its input[type=file]), .pg-recent, .pg-code-export; keys f, b, s, space, r, ctrl+z, ctrl+y.
"""
import html
import io
import time

import panel as pn
import param

from app import datasets, devices, i18n, persist, upload
from app.export import MNIST_FILE, SCRIPT_NAME, WEIGHTS_NAME, export_weights, session_script
from app.file_picker import FilePicker
from app.live_text import LiveText
from app.notices import Notices
from app.state import LOSSES, OPTIMIZERS, PRESETS, REGULARIZATIONS
from app.undo import Undo

CHUNK_SECONDS = 0.04     # training time per chunk (at least); the views redraw once per chunk
MAX_CHUNK_SECONDS = 1.0  # ...and at most, so that Pause answers within about a second
MAX_IDLE_SECONDS = 0.2   # a long chunk's patches take the page no longer to draw than a short one's
TICK_MS = 15             # how often the periodic callback looks whether the next chunk is due
IDLE_SHARE = 0.5         # after a chunk (training + redrawing), stay idle this share of its time, so that
                         # the page's events (Pause, a click) and the drawing of patches keep up

FILL = {"sizing_mode": "stretch_width"}   # settings widgets fill their column
WRAP = {"flex-wrap": "wrap", "min-width": "0"}   # a row that wraps on a phone instead of widening the page

KEYS = {"f": "forward", "b": "backward", "s": "step", " ": "train", "r": "reset", "undo": "undo", "redo": "redo",
        "shift+b": "step_backward", "shift+f": "step_forward",
        "ArrowLeft": "graph_left", "ArrowRight": "graph_right", "ArrowUp": "graph_up", "ArrowDown": "graph_down",
        "Enter": "graph_enter"}
GRAPH_KEYS = ("ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter")  # only after a click on the graph


class KeyboardShortcuts(pn.custom.JSComponent):
    """Listens for the playground's keys anywhere on the page (not while typing in a field) and
    reports each press as `pressed` = "<key>#<count>" (a fresh value even for the same key); ctrl+z
    (cmd+z) is "undo", ctrl+y and ctrl+shift+z "redo"."""

    pressed = param.String(default="", doc="The last key pressed, with a counter")
    keys = param.List(default=list(KEYS), constant=True)
    graph_keys = param.List(default=list(GRAPH_KEYS), constant=True)

    _esm = r"""
export function render({ model, el }) {
  let count = 0, inGraph = false;
  // the graph's keys (arrows, enter) belong to the graph once it was clicked, until a click elsewhere
  const onPointer = (e) => {
    inGraph = e.composedPath().some((el) => el.classList && el.classList.contains("graph-panel"));
  };
  document.addEventListener("pointerdown", onPointer, true);
  const typing = (e) => {
    const target = e.composedPath()[0];
    return target && (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable);
  };
  const onKey = (e) => {
    if (e.altKey || e.repeat || typing(e)) return;   // (a field's own ctrl+z stays the field's)
    let key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (e.shiftKey && key.length === 1 && key !== " " && !e.ctrlKey && !e.metaKey) key = "shift+" + key;
    if (e.ctrlKey || e.metaKey) {
      if (key === "z") key = e.shiftKey ? "redo" : "undo";
      else if (key === "y") key = "redo";
      else return;
    }
    if (!model.keys.includes(key)) return;
    if (model.graph_keys.includes(key)) {   // a focused button or slider keeps its own enter and arrows
      const target = e.composedPath()[0];
      if (!inGraph || target.tagName === "BUTTON" || target.getAttribute?.("role") === "slider") return;
    }
    e.preventDefault();          // space must not scroll the page or press a focused button
    count += 1;
    model.pressed = `${key}#${count}`;
  };
  document.addEventListener("keydown", onKey);
  model.on("remove", () => {
    document.removeEventListener("keydown", onKey);
    document.removeEventListener("pointerdown", onPointer, true);
  });
  const legend = document.createElement("div");
  legend.className = "pg-keys";
  const show = () => { legend.innerHTML = model.legend; };
  model.on("legend", show);
  show();
  el.append(legend);
}
"""
    legend = param.String(default="", doc="What the keys do (HTML, made by the app)")
    _stylesheets = [".pg-keys { font-size: 12px; color: #555; } "
                    "kbd { border: 1px solid #bbb; border-radius: 3px; padding: 0 4px; background: #f6f6f6; }"]


class ShareLink(pn.custom.JSComponent):
    """The page's address: a `#s=...` fragment found at load (or pasted later) comes in as `incoming`,
    and leaves the address bar once Python has read it (`clear`): a reload then reopens the work kept
    since, not the link. A new `fragment` from Python is shown, ready to copy (the address bar keeps
    the page's own address, for the same reason)."""

    fragment = param.String(default="", doc="Python -> page: the fragment to share")
    placeholder = param.String(default="", doc="Python -> page: what the empty field says")
    copy_label = param.String(default="Copy", doc="Python -> page: the copy button's label")
    incoming = param.String(default="", doc="page -> Python: the fragment the page was opened with")
    clear = param.Integer(default=0, doc="Python -> page: +1 to take the fragment out of the address bar")

    _esm = r"""
export function render({ model, el }) {
  const input = document.createElement("input");
  input.className = "pg-share-url";
  input.readOnly = true;
  const copy = document.createElement("button");
  copy.className = "pg-copy";
  const label = () => { input.placeholder = model.placeholder; copy.textContent = model.copy_label; };
  model.on(["placeholder", "copy_label"], label);
  label();
  copy.addEventListener("click", () => {
    input.select();
    navigator.clipboard?.writeText(input.value).catch(() => {});
  });
  el.append(input, copy);
  const show = () => {
    if (!model.fragment) return;
    input.value = location.href.split("#")[0] + "#" + model.fragment;
  };
  model.on("fragment", show);
  show();
  model.on("clear", () => {
    if (location.hash.startsWith("#s=")) history.replaceState(null, "", location.pathname + location.search);
  });
  // a link opened in this page, or pasted into its address bar later
  // (in the site, what is set before the page listens to Python's document would be lost: app/site/web/loader.js)
  const whenConnected = (report) => (window.playground?.connected ?? Promise.resolve()).then(report);
  const receive = () => {
    const fragment = location.hash.slice(1);
    if (fragment.startsWith("s=") && fragment !== model.fragment) model.incoming = fragment;
  };
  window.addEventListener("hashchange", receive);
  model.on("remove", () => window.removeEventListener("hashchange", receive));
  whenConnected(receive);
}
"""
    _stylesheets = [":host { display: flex; gap: 4px; } .pg-share-url { width: 200px; font-size: 12px; }"]


class Controls:
    """Every control of the playground, bound to one Session."""

    def __init__(self, session, notices=None):
        self.session = session
        self.notices = notices if notices is not None else Notices()
        self._callback, self._due, self._chunk = None, 0.0, CHUNK_SECONDS
        s = session
        # What each does is in the key legend under them (a Panel `description` tip would cover the row).
        self.forward = self._button("forward", "primary", s.forward)
        self.backward = self._button("backward", "primary", s.backward)
        self.step = self._button("step", "primary", s.take_step)
        self.train = pn.widgets.Button(name="Train", button_type="success", width=76, css_classes=["pg-train"])
        self.train.on_click(lambda _e: self.toggle_training())
        self.reset = self._button("reset", "warning", s.reset)
        self.history = Undo(s)
        self.undo = self._small_button("undo", self.history.undo, "can_undo")
        self.redo = self._small_button("redo", self.history.redo, "can_redo")
        self.keys = KeyboardShortcuts()

        def translate(say):
            for key in ("forward", "backward", "step", "reset"):
                getattr(self, key).name = say(f"actions.{key}")
            for key in ("undo", "redo"):
                getattr(self, key).param.update(name=say(f"actions.{key}"), description=say(f"actions.{key}_tip"))
            self.keys.legend = say("keys.legend")
        i18n.follow(s, translate)
        self.keys.param.watch(self._on_key, "pressed")
        self.more_keys = {}           # command -> action, for views' own keys (the step-through's)
        # LiveText: updated in place in the page (a Div's new text re-lays out the whole page)
        self.status = LiveText(value=self._status_text(), css_classes=["pg-status"], margin=(4, 10), **FILL)
        s.param.watch(self._refresh, ["version", "error", "running", "language"])
        self._refresh()

    def _small_button(self, key, action, enabled_by):
        widget = pn.widgets.Button(button_type="light", width=58, height=30, margin=(2, 2),
                                   disabled=not getattr(self.history, enabled_by), css_classes=[f"pg-{key}"])
        widget.on_click(lambda _e: self.run(action))
        self.history.param.watch(lambda event: setattr(widget, "disabled", not event.new), enabled_by)
        return widget

    def _button(self, key, kind, action):
        widget = pn.widgets.Button(button_type=kind, width=76, css_classes=[f"pg-{key}"])
        widget.on_click(lambda _e: self.run(action))
        return widget

    # ---- actions ---------------------------------------------------------------------------
    def run(self, action):
        """A single action from a button or key: pauses continuous training first."""
        self.pause()
        action()

    def toggle_training(self):
        if self.session.running:
            self.pause()
        else:
            self.start()

    def start(self):
        s = self.session
        if s.model is None:
            s.take_step()   # reports why the network cannot train
            return
        s.running = True
        self._chunk = CHUNK_SECONDS
        self._callback = pn.state.add_periodic_callback(self.tick, period=TICK_MS)

    def tick(self):
        """One chunk of continuous training (the periodic callback), when the last one has rested."""
        if not self.session.running:
            self.pause()
            return
        now = time.perf_counter()
        if now < self._due:
            return
        self.session.train_for(self._chunk)
        done = time.perf_counter()
        # A chunk ends with costs of its own (its captured step, the test set, the views' redraw). Where they
        # are large (a LeNet in the browser), train twice as long as they took: a heavy network then spends
        # most of its time learning rather than being drawn after every step.
        self._chunk = min(max(CHUNK_SECONDS, 2 * (done - now - self._chunk)), MAX_CHUNK_SECONDS)
        self._due = done + min((done - now) * IDLE_SHARE / (1 - IDLE_SHARE), MAX_IDLE_SECONDS)
        if not self.session.running:     # an error stopped it
            self.pause()

    def pause(self):
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        self.session.running = False

    def _on_key(self, event):
        key = event.new.split("#")[0]
        command = KEYS.get(key)
        s = self.session
        actions = {"forward": s.forward, "backward": s.backward, "step": s.take_step, "reset": s.reset,
                   "undo": self.history.undo, "redo": self.history.redo}
        if command == "train":
            self.toggle_training()
        elif command in self.more_keys:
            self.run(self.more_keys[command])
        elif command in actions:
            self.run(actions[command])

    # ---- what it shows -----------------------------------------------------------------------
    def _status_text(self):
        s = self.session
        language = s.language
        training = s.last.get("source") == "training"
        loss = s.last.get("loss") if training else None
        loss_text = f"{loss:.4f}" if isinstance(loss, float) else "–"
        phase = "" if s.phase == "idle" else " · " + i18n.text(f"status.after_{s.phase}", language)
        name = f"<code>{html.escape(str(s.last.get('name')))}</code>"
        state = " · " + i18n.text("status.training", language) if s.running else phase if training or not s.last \
            else " · " + i18n.text("status.graph_from_cell", language, name=name)
        problem = (f" · <span class='pg-status-error'>⚠ {html.escape(_shorter(s.error))}</span>"
                   if s.error else "")
        return i18n.text("status.line", language, step=s.step, epoch=s.epoch, loss=loss_text) + state + problem

    def _refresh(self, *_events):
        s = self.session
        self.status.value = self._status_text()
        if s.error:
            self.notices.show("error", s.error, "danger")
        else:
            self.notices.clear("error")
        self.train.name = i18n.text("actions.pause" if s.running else "actions.train", s.language)
        self.train.button_type = "light" if s.running else "success"

    def buttons(self):
        return pn.Column(
            pn.Row(self.forward, self.backward, self.step, self.train, self.reset, margin=0),
            self.keys, self.status, **FILL)


def _shorter(text, limit=90):
    return text if len(text) <= limit else text[:limit - 1] + "…"


def presets(session, keeper=None):
    """One button per preset: network, data and hyper-parameters at once. A preset starts a new
    playground: the one before it stays in Recent (`keeper`: app/autosave.Autosave)."""
    def load(key):
        p = PRESETS[key]
        if keeper is not None:
            keeper.start_new()
        session.configure(p["network"], p["data"], p["hyper"])
    buttons = {}
    for key in PRESETS:
        buttons[key] = pn.widgets.Button(css_classes=[f"pg-preset-{key}"], **FILL)
        buttons[key].on_click(lambda _e, key=key: load(key))
    title = pn.pane.Markdown("", margin=(0, 10))

    def translate(say):
        title.object = f"**{say('presets.title')}**"
        for key, button in buttons.items():
            button.param.update(name=say(f"presets.{key}"), description=say(f"presets.{key}_doc"))
    i18n.follow(session, translate)
    return pn.Column(title, *buttons.values(), **FILL)


def data_widgets(session, notices=None):
    d = session.data
    notices = notices if notices is not None else Notices()
    image_how = pn.pane.Markdown("", margin=(0, 10), css_classes=["pg-image-mode"])
    samples = pn.widgets.IntSlider.from_param(d.param.samples, **FILL)
    noise = pn.widgets.FloatSlider.from_param(d.param.noise, **FILL)
    image_mode = pn.widgets.Select.from_param(d.param.image_mode, **FILL)
    test_share = pn.widgets.FloatSlider.from_param(d.param.test_fraction, **FILL)
    batch = checked_input(session, d, "batch_size", "data.batch_size", pn.widgets.IntInput, notices,
                          css_classes=["pg-batch-size"])
    seed = checked_input(session, d, "seed", "data.seed", pn.widgets.IntInput, notices, css_classes=["pg-seed"])
    title = pn.pane.Markdown("", margin=(0, 10))
    seed_note = pn.pane.Markdown("", css_classes=["pg-seed-note"], **FILL)

    def update(*_events):
        digits = d.dataset in datasets.IMAGE_SETS
        language = session.language
        size = "28×28" if d.dataset == "mnist" else "8×8"
        how = i18n.text(f"data.{'mnist' if d.dataset == 'mnist' else 'digits'}_how_{d.image_mode}", language)
        image_how.object = (i18n.text("data.images_fed", language, size=size,
                                      mode=i18n.text(f"data.mode_{d.image_mode}", language), how=how)
                            if digits else "")
        image_how.visible = image_mode.visible = digits
        samples.visible = noise.visible = d.dataset not in ("digits", "csv")   # generated points only
    d.param.watch(update, ["dataset", "image_mode"])

    def translate(say):
        title.object = f"**{say('data.title')}**"
        for widget, key in ((samples, "points"), (noise, "noise"), (test_share, "test_share")):
            widget.name = say(f"data.{key}")
        image_mode.param.update(name=say("data.image_mode"), description=say("data.image_mode_tip"),
                                options={say(f"data.mode_{mode}"): mode for mode in datasets.IMAGE_MODES})
        seed_note.object = say("data.seed_note")
        update()
    i18n.follow(session, translate)
    return pn.Column(title, upload.dataset_select(session), image_mode, image_how, noise, samples, test_share, batch,
                     seed, seed_note, upload.upload_widgets(session, notices), sizing_mode="stretch_width")


def checked_input(session, settings, name, label, widget_type, notices, **options):
    """A number field for setting `name` of `settings` (Data, Hyper) that refuses a value out of range in
    words, in a notice and beside the field, and leaves the setting as it was: never silently ignored,
    never clamped without a word. `label`: the key of its label in the catalogue (app/i18n.py)."""
    widget = widget_type(value=getattr(settings, name), **FILL, **options)
    i18n.follow(session, lambda say: setattr(widget, "name", say(label)))
    key, syncing = f"field-{name}", {"now": False}
    refused = "pg-refused"

    def typed(event):
        if syncing["now"]:
            return
        problem = persist.setting_problem(type(settings), name, event.new, session.language)
        if problem:
            notices.show(key, i18n.text("notices.setting_refused", session.language, label=widget.name,
                                        problem=problem, value=f"{getattr(settings, name):g}"), "danger")
            widget.css_classes = [*options.get("css_classes", []), refused]
            return
        notices.clear(key)
        widget.css_classes = list(options.get("css_classes", []))
        setattr(settings, name, event.new)

    def follow(event):          # a preset, a file, undo: the field shows the setting
        syncing["now"] = True
        try:
            widget.value = event.new
        finally:
            syncing["now"] = False
        notices.clear(key)
        widget.css_classes = list(options.get("css_classes", []))
    widget.param.watch(typed, "value")
    settings.param.watch(follow, name)
    return widget


def hyper_widgets(session, notices=None):
    h = session.hyper
    notices = notices if notices is not None else Notices()
    title = pn.pane.Markdown("", margin=(0, 10))
    optimizer = pn.widgets.Select.from_param(h.param.optimizer, css_classes=["pg-optimizer"], **FILL)
    loss = pn.widgets.Select.from_param(h.param.loss, css_classes=["pg-loss"], **FILL)
    regularization = pn.widgets.Select.from_param(h.param.regularization, css_classes=["pg-regularization"], **FILL)
    note = pn.pane.Markdown("", css_classes=["pg-regularization-note"], styles={"font-size": "12px"}, **FILL)

    def translate(say):
        title.object = f"**{say('training.title')}**"
        optimizer.param.update(name=say("training.optimizer"), description=say("training.optimizer_tip"),
                               options={say(f"training.optimizer_{key}"): key for key in OPTIMIZERS})
        loss.param.update(name=say("training.loss"), description=say("training.loss_tip"),
                          options={say(f"training.loss_{key}"): key for key in LOSSES})
        regularization.param.update(name=say("training.regularization"), description=say("training.regularization_tip"),
                                    options={say(f"training.regularization_{key}"): key
                                             for key in REGULARIZATIONS.values()})
        note.object = say("training.regularization_note")
    i18n.follow(session, translate)
    return pn.Column(
        title, optimizer,
        checked_input(session, h, "lr", "training.lr", pn.widgets.FloatInput, notices, step=0.001,
                      format="0.[00000]", css_classes=["pg-lr"]),
        loss, regularization,
        checked_input(session, h, "strength", "training.strength", pn.widgets.FloatInput, notices, step=0.001,
                      format="0.[00000]", css_classes=["pg-strength"]),
        note, sizing_mode="stretch_width")


def device_widgets(session):
    """The CPU / WebGPU switch, the adapter's name, and the note saying why the model trains where it
    does (or that the GPU failed and it went back to the CPU)."""
    s = session
    switch = pn.widgets.RadioButtonGroup(options={label: key for key, label in devices.LABELS.items()},
                                         value=s.device, css_classes=["pg-device"], **FILL)
    adapter = s.adapter
    switch.disabled = not adapter.available
    name = pn.pane.HTML("", css_classes=["pg-adapter"], margin=(0, 10), **FILL)
    note = pn.pane.Alert("", alert_type="light", css_classes=["pg-device-note"], margin=(4, 10), **FILL)
    title = pn.pane.Markdown("", margin=(0, 10))

    def translate(say):
        title.object = f"**{say('device.title')}**"
        if adapter.available:
            name.object = say("device.software_adapter" if adapter.software else "device.adapter",
                              adapter=html.escape(adapter.label))
        else:
            name.object = say("device.unavailable", problem=html.escape(adapter.problem))
    syncing = {"now": False}

    def show(*_events):
        syncing["now"] = True     # the switch follows the session, also after a fall-back to the CPU
        try:
            switch.value = s.device
        finally:
            syncing["now"] = False
        note.object = html.escape(s.device_note)
        note.alert_type = "warning" if s.gpu_failed else "light"

    def chosen(event):
        if not syncing["now"]:
            s.use_device(event.new)
    switch.param.watch(chosen, "value")
    s.param.watch(show, ["device", "device_note"])
    show()
    i18n.follow(s, translate)
    return pn.Column(title, switch, name, note, **FILL)


def file_widgets(session, notices=None, keeper=None):
    """Save / load the playground as a file, and a share link. `keeper`: what keeps the playground in
    the browser (app/autosave.Autosave): a file or a link opened starts a new playground there, and the
    one before stays in Recent. What happens is said in `notices`."""
    notices = notices if notices is not None else Notices()

    def say(text, kind):
        notices.show("file", text, kind)

    def start_new():
        if keeper is not None:
            keeper.start_new()

    save = pn.widgets.FileDownload(callback=lambda: io.BytesIO(persist.save_bytes(session)), filename="playground.json",
                                   button_type="default", embed=False, css_classes=["pg-save"])
    load = FilePicker(accept=".json", max_bytes=persist.MAX_FILE_BYTES, css_classes=["pg-load"])

    def open_file(event):
        chosen = event.new
        name = chosen["name"]
        try:
            if chosen["text"] is None and chosen["size"] > persist.MAX_FILE_BYTES:
                raise persist.PlaygroundFileError(i18n.text(
                    "files.too_big", session.language, name=name, size=f"{chosen['size'] / 1e6:.1f}",
                    limit=f"{persist.MAX_FILE_BYTES / 1e6:.0f}"))
            data = chosen["text"] if chosen["text"] is not None else b"\xff"   # not text: read_json says so
            parsed = persist.parse(persist.read_json(data, f"“{name}”", persist.MAX_FILE_BYTES, session.language),
                                   language=session.language)
            persist.check_fit(session, parsed)
        except persist.PlaygroundFileError as error:
            say(i18n.text("files.not_loaded", session.language, name=name, error=error), "danger")
            return
        start_new()
        persist.apply(session, parsed)
        say(i18n.text("files.loaded", session.language, name=name, step=session.step), "success")

    load.param.watch(open_file, "chosen")

    link = ShareLink(sizing_mode="stretch_width")
    share = pn.widgets.Button(css_classes=["pg-share"])

    def on_share(_event):
        try:
            link.fragment = persist.share_fragment(session)
        except persist.PlaygroundFileError as error:
            say(i18n.text("files.no_link", session.language, error=error), "danger")
            return
        say(i18n.text("files.link_made", session.language), "info")
    share.on_click(on_share)

    def on_incoming(event):
        if not event.new:
            return
        try:
            parsed = persist.decode_fragment(event.new, session.language)
            persist.check_fit(session, parsed)
        except persist.PlaygroundFileError as error:
            say(i18n.text("files.bad_link", session.language, error=error), "danger")
        else:
            start_new()
            persist.apply(session, parsed)
            say(i18n.text("files.link_opened", session.language), "success")
        link.clear += 1
    link.param.watch(on_incoming, "incoming")
    title = pn.pane.Markdown("", margin=(0, 10))
    load_label = pn.pane.Markdown("", margin=(8, 10))

    def translate(say):
        title.object = f"**{say('files.title')}**"
        load_label.object = say("files.load")
        save.label, share.name = say("files.save"), say("files.share")
        link.param.update(placeholder=say("files.link_placeholder"), copy_label=say("files.copy"))
        load.label = say("files.choose")
    i18n.follow(session, translate)
    return pn.Column(title, pn.Row(save, share, margin=0), pn.Row(load_label, load, styles=WRAP),
                     link, *([keeper.storage] if keeper is not None else []), **FILL)


def recent_menu(keeper, notices):
    """The Recent menu: the playgrounds kept in this browser, newest first, each with when, its step and
    a summary; choosing one reopens it (the one open now stays in Recent)."""
    session = keeper.session
    menu = pn.widgets.MenuButton(items=[], button_type="light", width=90, height=30,
                                 margin=(2, 2), css_classes=["pg-recent"], disabled=True)

    def ago(ms):
        seconds = max(0, time.time() - ms / 1000)
        for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
            if seconds >= size:
                n = int(seconds // size)
                unit = "days" if unit == "day" and n > 1 else unit
                return i18n.text(f"recent.{unit}_ago", session.language, n=n)
        return i18n.text("recent.just_now", session.language)

    def update(*_events):
        items = []
        menu.name = i18n.text("recent.title", session.language)
        for entry in keeper.recent():
            when = ago(entry["time"]) if isinstance(entry.get("time"), (int, float)) else "?"
            this = i18n.text("recent.open_now", session.language) if entry["id"] == keeper.id else ""
            label = i18n.text("recent.entry", session.language, when=when, step=entry.get("step", "?"),
                              summary=str(entry.get("summary", ""))[:160]) + this
            items.append((label, entry["id"]))
        menu.items = items
        menu.disabled = not any(i[1] != keeper.id for i in items)

    def chosen(event):
        keeper.reopen(event.new)

    def reopened(restored):
        notices.show("file", restored.notice, restored.kind)
        update()
    keeper.on_reopened = reopened
    menu.on_click(chosen)
    keeper.storage.param.watch(update, "recent")
    session.param.watch(update, "language")
    update()
    return menu


def code_export(session):
    """The PyTorch script of the current network and training loop, updated as it changes, and two
    downloads: the script, and the trained weights as they are when clicked (app/export.py)."""
    pane = pn.pane.Markdown("", css_classes=["pg-code-export"], sizing_mode="stretch_width")
    script = {"text": ""}
    download = pn.widgets.FileDownload(callback=lambda: io.StringIO(script["text"]), filename=SCRIPT_NAME,
                                       embed=False, css_classes=["pg-code-download"])
    weights = pn.widgets.FileDownload(callback=lambda: io.BytesIO(export_weights(session)), filename=WEIGHTS_NAME,
                                      embed=False, css_classes=["pg-weights-download"])

    shown = {"key": None}

    def update(*_events):
        # Regenerated when what it depends on changed, read after a whole action (not midway through
        # a preset, when the data may already be new and the network still old).
        key = (session.structure_version, session.hyper.optimizer, session.hyper.lr, session.hyper.loss,
               session.data.batch_size, session.hyper.regularization, session.hyper.strength, session.language)
        if key == shown["key"]:
            return
        shown["key"] = key
        language = session.language
        download.label = i18n.text("export.download_script", language, name=SCRIPT_NAME)
        weights.label = i18n.text("export.download_weights", language, name=WEIGHTS_NAME)
        if session.model is None:
            script["text"] = ""
            pane.object = "*" + i18n.text("export.cannot_build", language,
                                          error=session.error or i18n.text("export.see_builder", language)) + "*"
        else:
            script["text"] = session_script(session)
            pane.object = (i18n.text("export.how", language, name=SCRIPT_NAME)
                           + (" " + i18n.text("export.mnist", language, file=MNIST_FILE)
                              if session.data.dataset == "mnist" else "")
                           + "\n\n```python\n" + script["text"] + "\n```")
        download.disabled = weights.disabled = not script["text"]
    session.param.watch(update, ["version", "language"])
    update()
    return pn.Column(pn.Row(download, weights, styles=WRAP), pane, sizing_mode="stretch_width")
