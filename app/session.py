"""The Session: the engine at work on the user's network, one action at a time.

It builds the model from the Network's specs, the optimizer from Hyper, the batches from Data,
and runs Forward / Backward / Step / Train / Reset. Every forward+backward that the views show runs
inside `engine.graph.capture(model)`; `last` keeps that one capture (never more), and `history`
keeps capped, thinned curves, so memory stays flat however long it trains.

What the views may rely on (app/views/dashboard.py): they redraw when `version` changes, re-layout
when `structure_version` changes and reload the curves whole when `history_version` changes; they read
`dataset`, `problem`, `model` (None while the network cannot be built), `history` (capped, thinned
columns), `last` (the latest capture and its graph), `running`, and ask `decision`, `activations`,
`layer_names`, `sample`, `probabilities`, `conv_filters`, `feature_maps` and `examine` (an input of the
user's own, such as a drawn digit) for plain data. They never change
the session. Nothing here raises into the UI: a failure becomes `error`.

The model is the builder's layers, or a model written in the code cell (`use_model`; its text stays in
`model_source` and `model_expression` for files and the export): built from that text here, checked
against the data before it trains, its code held to a time limit per forward and backward
(app/model_code.py). The views read layers through forward hooks, so a model's own forward (F.relu,
x.view between its layers) is what they see.

Devices. The model trains on the CPU or on WebGPU (`device`); `use_device` switches, moving the
weights, the optimizer's state and the test data, and the automatic choice (app/devices.py) takes
WebGPU only where it is faster. Everything the views read comes back from the GPU in one read-back
per action or per step (a capture's values through `capture.to_host`, the rest through
`engine.webgpu.read_back`), never one per tensor. On a GPU the session keeps a host copy of the
training state at every step boundary (app/checkpoint.py): when the GPU fails (a lost device, a
failed submit, an error at read-back) it rebuilds the model on the CPU from that copy, says so in
`device_note`, and carries on with the action there.
"""
import contextlib
import math
import time

import numpy as np
import param

import engine as torch
import engine.graph
import engine.nn as nn
from app import checkpoint, datasets, devices, i18n, layers, model_code, regularization
from app.state import Data, Hyper, Network, default_loss

HISTORY_POINTS = 2000


class UserError(Exception):
    """A failed action whose message is written for the user as it stands."""


class History:
    """Aligned per-step columns, capped: when full, every other row goes and from then on only
    every second step is kept (the stride doubles), so old and new steps stay evenly spaced."""

    COLUMNS = ("step", "train_loss", "train_acc", "test_loss", "test_acc")

    def __init__(self, cap=None):
        self.cap, self.stride = cap or HISTORY_POINTS, 1
        self.data = {c: [] for c in self.COLUMNS}
        self.data["grad_norms"] = {}

    def wants(self, step):
        return step % self.stride == 0

    def record(self, step, row, grad_norms):
        """Append one row (NaN where a value is unknown). Returns True when the history was thinned."""
        for column in self.COLUMNS:
            self.data[column].append(step if column == "step" else row.get(column, math.nan))
        for name, norm in grad_norms.items():
            self.data["grad_norms"].setdefault(name, []).append(norm)
        if len(self.data["step"]) <= self.cap:
            return False
        self.stride *= 2
        keep = [i for i, s in enumerate(self.data["step"]) if s % self.stride == 0]
        for column in self.COLUMNS:
            self.data[column] = [self.data[column][i] for i in keep]
        for name, values in self.data["grad_norms"].items():
            self.data["grad_norms"][name] = [values[i] for i in keep if i < len(values)]
        return True

    def kept(self):
        """The history as JSON data (an unknown value as null), for the kept playground."""
        plain = lambda values: [None if isinstance(v, float) and math.isnan(v) else v for v in values]
        return {"stride": self.stride, **{c: plain(self.data[c]) for c in self.COLUMNS},
                "grad_norms": {name: plain(values) for name, values in self.data["grad_norms"].items()}}

    def take_kept(self, kept):
        """Take over the rows of a validated `kept()` record (app/persist.parse_history)."""
        nan = lambda values: [math.nan if v is None else v for v in values]
        self.stride = kept["stride"]
        self.data = {c: nan(kept[c]) for c in self.COLUMNS}
        self.data["grad_norms"] = {name: nan(values) for name, values in kept["grad_norms"].items()}


class Session(param.Parameterized):
    network = param.ClassSelector(class_=Network)
    data = param.ClassSelector(class_=Data)
    hyper = param.ClassSelector(class_=Hyper)

    step = param.Integer(0, doc="Optimizer steps taken since the model was built")
    epoch = param.Integer(0, doc="Complete passes over the training set")
    phase = param.Selector(objects=["idle", "forward", "backward", "step"], default="idle")
    version = param.Integer(0, doc="+1 after every action: views redraw on it")
    structure_version = param.Integer(0, doc="+1 when the model is rebuilt: views re-layout on it")
    history_version = param.Integer(0, doc="+1 when history was thinned or cleared: views reload it whole")
    error = param.String(None, allow_None=True, doc="The last user-facing error")
    running = param.Boolean(False, doc="Training continuously (the controls drive it)")
    analysis = param.Dict({}, doc="Shape inference of the network for the builder (layers.Analysis.to_dict)")
    device = param.Selector(objects=list(devices.LABELS), default="cpu", doc="Where the model trains now")
    device_choice = param.Selector(objects=["auto", *devices.LABELS], default="auto",
                                   doc="What was asked for: auto takes WebGPU where it is faster")
    device_note = param.String("", doc="Why the model trains where it does, or what went wrong on the GPU")
    language = param.Selector(objects=list(i18n.LANGUAGES), default=i18n.DEFAULT,
                              doc="The language every word of the page is in (app/i18n.py)")

    # Test metrics cost a forward over the test set: taken every TEST_EVERY steps (a power of two,
    # so thinning keeps them) and after every single step the user takes.
    TEST_EVERY = {"classification-2d": 4, "regression": 4, "images": 32}
    TEST_IMAGES = 256   # a fixed slice of the test set keeps image evaluation affordable

    def __init__(self, network=None, data=None, hyper=None, adapter=None, **params):
        """`adapter`: the WebGPU adapter (app.devices.Adapter) to assume; looked for on first need
        when None."""
        super().__init__(network=network or Network(), data=data or Data(), hyper=hyper or Hyper(), **params)
        self.model = self.optimizer = self.criterion = self.dataset = None
        self.last, self.history = {}, History().data
        self._history = History()
        self._resets = 0
        self._pending = None          # the forward (and backward) of the current batch, not yet stepped
        self._batch_index = None
        self._seen = 0
        self._order, self._cursor, self._shuffled_at = np.zeros(0, np.int64), 0, 0
        self._adapter = adapter       # the WebGPU adapter, looked for on first need
        self._gpu_failure = None      # why the GPU failed, once it has
        self._device_words = None     # the device note's key and fields
        self._checkpoint = None       # host copy of the training state at the last step boundary (on a GPU)
        self._sample_cache = (None, None)
        self.before_rebuild = []      # called as a rebuild starts (settings changed, model not yet): app/undo.py
        self.model_problem = None     # why there is no model (the builder's analysis, or the code cell's model)
        self._configuring = False
        self._load_data()
        self._rebuild()
        self.network.param.watch(self._on_network, "layers")
        self.data.param.watch(self._on_data, [name for name in Data.param if name != "name"])
        self.hyper.param.watch(self._on_hyper, ["optimizer", "lr", "loss", "regularization", "strength"])

    # ---- what the views read ---------------------------------------------------------------
    @property
    def problem(self):
        return self.dataset.problem

    @property
    def adapter(self):
        """The WebGPU adapter (app.devices.Adapter: its info, or why there is none)."""
        if self._adapter is None:
            self._adapter = devices.find_adapter()
        return self._adapter

    @property
    def model_source(self):
        """The code cell's definitions that build the model (verbatim), or None for the builder's network."""
        return self.network.code["source"] if self.network.code else None

    @property
    def model_expression(self):
        """The expression that builds the code cell's model from `model_source` ("Net()"), or None."""
        return self.network.code["expression"] if self.network.code else None

    def layer_names(self):
        """Module paths of the layers, as the graph names them (fc1, tanh1, ...; a code cell model's own)."""
        if self.network.code:
            return [name for name, _m in self.model.named_children()] if self.model is not None else []
        return layers.module_names(self.network.layers)

    def layer_types(self):
        """The type of each layer of `layer_names` ("Linear", "Tanh", ...)."""
        if self.network.code:
            return [type(m).__name__ for _n, m in self.model.named_children()] if self.model is not None else []
        return [spec.get("type") for spec in self.network.layers]

    def predict(self, points):
        """Model outputs (N, k) for inputs (N, *input_shape), without a graph, in eval mode."""
        if self.model is None:
            return None
        return self._eval(lambda x: self.model(x), points)

    def decision(self, points):
        """One number per point for a 2-D heatmap: P(class 1) for two classes, the prediction
        for regression."""
        out = self.predict(points)
        if out is None:
            return None
        if self.problem == "regression" or self.hyper.loss == "mse" and out.shape[1] == 1:
            return out[:, 0]
        if out.shape[1] == 1:
            return 1 / (1 + np.exp(-out[:, 0]))
        e = np.exp(out - out.max(1, keepdims=True))
        return e[:, 1] / e.sum(1)

    def activations(self, points):
        """{layer_name: (N, units)} for every layer whose output is a feature vector."""
        if self.model is None:
            return {}
        return self._eval(lambda x: self._forward_keeping(x, lambda t: t.dim() == 2)[1], points)

    def sample(self, i):
        """(input (C, H, W) or (2,), label) of test sample i."""
        i = int(i) % len(self.dataset.x_test)
        return self.dataset.x_test[i], self.dataset.y_test[i]

    def feature_maps(self, i):
        """{layer_name: (C, H, W)} for test sample i, for every layer whose output is an image."""
        if self.model is None:
            return {}
        return self._sample_pass(i)["maps"]

    def conv_filters(self):
        """The first Conv2d's weight (out_channels, in_channels, k, k), or None."""
        if self.model is None:
            return None
        # the pass of the sample shown last carries the filters too: no forward or read-back of its own
        shown = self._sample_cache[0][-1] if self._sample_cache[0] else 0
        return self._sample_pass(shown)["filters"]

    def _sample_pass(self, i):
        """One forward of test sample i giving its output and every image-shaped layer output, and the
        first conv's filters, read back together; kept until the next action."""
        key = (self.version, self.structure_version, self.device, int(i) % len(self.dataset.x_test))
        if self._sample_cache[0] == key:
            return self._sample_cache[1]
        x, _ = self.sample(i)
        result = self._pass(x)
        self._sample_cache = (key, result)
        return result

    def examine(self, x):
        """What the network makes of an input of the user's own (C, H, W) (a drawn digit): {"output",
        "probabilities", "maps", "filters"} as probabilities() and feature_maps() give them for a test
        sample, from one forward read back at once; None while the network cannot be built."""
        if self.model is None:
            return None
        result = self._pass(x)
        classes = self.problem != "regression"
        return {**result, "probabilities": _class_probabilities(result["output"]) if classes else None}

    def _pass(self, x):
        """One forward of input x (C, H, W) in eval mode: its output, every image-shaped layer output and
        the first conv's filters, read back together."""
        conv = next((m for m in self.model.modules() if isinstance(m, nn.Conv2d)), None)

        def run(t):
            output, maps = self._forward_keeping(t, lambda out: out.dim() == 4)
            return {"maps": {name: m[0] for name, m in maps.items()}, "output": output[0],
                    "filters": conv.weight if conv is not None else None}
        return self._eval(run, np.asarray(x)[None])

    def _forward_keeping(self, x, keep):
        """The model's output for x, and {layer name: its output} for the layers (the model's children) whose
        output `keep` accepts, in the order they ran: whatever the model's own forward does between them."""
        kept, handles = {}, []
        for name, module in self.model.named_children():
            def hook(_module, _inputs, out, name=name):
                if isinstance(out, torch.Tensor) and keep(out):
                    kept.setdefault(name, out)   # (a layer used twice: its first use)
            handles.append(module.register_forward_hook(hook))
        try:
            return self.model(x), kept
        finally:
            for handle in handles:
                handle.remove()

    def probabilities(self, i):
        """Class probabilities of test sample i (classification), or None."""
        if self.model is None or self.problem == "regression":
            return None
        return _class_probabilities(self._sample_pass(i)["output"])

    def show_graph(self, shown):
        """Put a graph the code cell sent (an app.cell_record.ShownGraph: plain data, values and gradients
        included) in `last`, for the graph view."""
        self.last = {"loss": shown.loss, "capture": shown, "graph": shown.graph, "batch": None,
                     "source": "code", "name": shown.name}
        self.error = None
        self.version += 1

    def code_backward_steps(self):
        """The backward of the code cell's shown tensor, as the cell's Python recorded it step by step
        (app/cell_record.py). Returns the steps, or None with `error` set."""
        shown = self.last["capture"]
        if shown.steps is None:
            self._fail(i18n.text("session.cannot_step", self.language, name=shown.name, error=shown.steps_error))
        return shown.steps

    # ---- actions -----------------------------------------------------------------------------
    def forward(self):
        """One forward pass on the current batch (drawn when none is pending); shows the loss."""
        return self._guard(self._forward)

    def backward(self):
        """Gradients of the current batch's loss for every parameter (forward first if needed)."""
        return self._guard(self._backward)

    def backward_in_steps(self):
        """Backward as Backward does, node by node (engine.graph.backward_steps), keeping every step as
        plain data in `last["steps"]` for the step-through."""
        return self._guard(self._backward, record=True)

    def take_step(self):
        """One optimizer update (forward and backward first where they have not run)."""
        return self._guard(self._step, evaluate=True)

    def train(self, steps):
        """`steps` training steps; only the last one is captured for the views."""
        return self._guard(self._train, steps)

    def train_for(self, seconds, max_steps=1000):
        """As many steps as fit in `seconds` (at least one): one chunk of continuous training."""
        return self._guard(self._train, max_steps, seconds)

    def reset(self):
        """Back to the seed's initial weights and batch order, step 0, empty history (as running the
        exported script again; another seed gives other weights)."""
        self._resets += 1
        return self._guard(self._rebuild)

    def use_device(self, choice):
        """Train on "cpu" or "webgpu" from now on (or "auto": where it is faster), keeping the weights
        and the optimizer's state. Returns an error message, or None."""
        if choice not in self.param.device_choice.objects:
            return self._fail(f"unknown device {choice!r}")
        if choice == "webgpu":
            self._gpu_failure = None    # asked for again: worth another try
        self.device_choice = choice
        result = self._guard(self._place_as_chosen)
        self.version += 1
        return result

    def use_model(self, source, expression):
        """Train the model that `expression` builds from `source` (the code cell's definitions,
        app/model_code.py) instead of the builder's layers, from the seed's weights. Returns the reason it
        cannot train on the data (also in `error`), or None."""
        with self._quietly():
            self.network.code = {"source": source, "expression": expression}
        self._guard(self._rebuild)
        return self.model_problem

    def configure(self, network=None, data=None, hyper=None, code=None):
        """Set the layer specs and data/hyper settings (dicts) together: one rebuild, not one per value.
        The settings change as usual (widgets follow them); only the session's own reactions wait. With
        `network`, `code` is the code cell's model to train instead ({'source', 'expression'}), or None."""
        with self._quietly():
            self.data.param.update(**(data or {}))
            self.hyper.param.update(**(hyper or {}))
            if network is not None:
                self.network.code = code
                self.network.layers = list(network)
        return self._guard(self._reload)

    @contextlib.contextmanager
    def _quietly(self):
        """Settings changed in here do not trigger the session's rebuilds (the caller does one)."""
        before, self._configuring = self._configuring, True
        try:
            yield
        finally:
            self._configuring = before

    # ---- internals ---------------------------------------------------------------------------
    def _guard(self, action, *args, **kwargs):
        try:
            return action(*args, **kwargs)
        except (UserError, model_code.ModelCodeError) as error:
            return self._stop(str(error))
        except Exception as error:   # the page must keep working: report, never raise into the UI
            if self.device != "webgpu":
                return self._stop(f"{type(error).__name__}: {error}")
            failure = error
        self._fall_back(failure)     # the GPU failed: the same action again, on the CPU
        try:
            return action(*args, **kwargs)
        except Exception as error:
            return self._stop(str(error) if isinstance(error, (UserError, model_code.ModelCodeError))
                              else f"{type(error).__name__}: {error}")

    def _stop(self, message):
        self.running = False
        self._pending = None
        self.phase = "idle"
        return self._fail(message)

    def _fail(self, message):
        self.error = message
        self.version += 1
        return message

    # The settings each kind of data depends on: changing another one must not restart training.
    _DATA_FIELDS = {"digits": {"dataset", "test_fraction", "seed", "image_mode"},
                    "csv": {"dataset", "table", "test_fraction", "seed"},
                    "2-d": {"dataset", "noise", "samples", "test_fraction", "seed"}}

    def _on_network(self, _event):
        if not self._configuring:
            self.network.code = None   # the builder's network again (undo brings the code cell's back)
            self._guard(self._rebuild)

    def _on_data(self, *events):
        if self._configuring:
            return
        names = {e.name for e in events}
        kind = "digits" if self.data.dataset in datasets.IMAGE_SETS else self.data.dataset
        if names & self._DATA_FIELDS.get(kind, self._DATA_FIELDS["2-d"]):
            self._guard(self._reload)
        elif "batch_size" in names:
            self._pending = None   # the next batch, of the new size, continues the epoch's order
            self.phase = "idle"
            analysis = self._analyse()
            if self.device_choice == "auto":    # the work per step changed: maybe the device should too
                self._guard(self._place_as_chosen, analysis)
            self.version += 1

    def _reload(self):
        self._load_data()
        self._rebuild()

    def _on_hyper(self, *events):
        if self._configuring:
            return
        names = {e.name for e in events}
        if names & {"loss", "regularization"}:   # another objective: training starts again (and can be undone)
            self._guard(self._rebuild)
        elif "strength" in names:   # the batch stays; its loss is computed again with the new λ
            self._keep_batch_only()
            self.phase = "idle"
        elif "optimizer" in names:
            self._guard(self._new_optimizer)
            if self._checkpoint is not None:   # the new optimizer starts without state
                self._checkpoint.optimizer = {}
        elif self.optimizer is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = self.hyper.lr
        self.version += 1

    def _load_data(self):
        d = self.data
        self.dataset = datasets.make(d.dataset, d.samples, d.noise, d.test_fraction, d.seed, d.image_mode, d.table)
        loss = default_loss(self.dataset.problem, self.hyper.loss)
        if loss != self.hyper.loss:
            with self._quietly():
                self.hyper.loss = loss
        self._x_test = torch.tensor(self._x_test_host()).to(self.device)
        self._y_test = self.dataset.y_test[:len(self._x_test)]

    def _reshuffle(self):
        self._shuffle(self._seen, 0)

    def _shuffle(self, at, cursor):
        """The batch order of the epoch under way when `at` samples had been seen: epoch k's order is the
        k-th randperm of a generator seeded with the seed, as the exported script draws it (so the page
        and PyTorch see the same batches)."""
        n = len(self.dataset.x_train)
        shuffle = torch.Generator().manual_seed(self.data.seed)
        shuffle.random(at // n * (n - 1))  # skip the earlier epochs' orders: each randperm(n) drew n - 1 words
        self._order = torch.randperm(n, generator=shuffle).numpy()
        self._cursor, self._shuffled_at = cursor, at

    def _rebuild(self):
        """Model, optimizer and loss from the settings; step 0. An invalid network leaves model None
        and its errors in `analysis` (the specs are untouched)."""
        for listener in self.before_rebuild:
            listener()
        self.running = False
        self._pending, self.last = None, {}
        self._history, self._seen = History(), 0
        self.history = self._history.data
        self.step = self.epoch = 0
        self.phase = "idle"
        analysis = self._analyse()
        self.model = self.optimizer = self._checkpoint = None
        # built on the CPU (the same weights whatever the device), then placed
        self.device, self._x_test = "cpu", torch.tensor(self._x_test_host())
        self.criterion = {"cross_entropy": nn.CrossEntropyLoss, "bce": nn.BCEWithLogitsLoss,
                          "mse": nn.MSELoss}[self.hyper.loss]()
        torch.manual_seed(self.data.seed)  # as the exported script: the same weights and dropout masks
        try:
            self.model, self.model_problem = self._new_model(analysis)
        except model_code.ModelCodeError as error:
            self.model, self.model_problem = None, str(error)
        if self.model is not None:
            self._new_optimizer()
        self.error = self.model_problem
        self._reshuffle()
        self._place_as_chosen(analysis)
        self.structure_version += 1
        self.history_version += 1
        self.version += 1

    def _new_model(self, analysis):
        """(model, None), or (None, why not): the builder's network, or the code cell's model checked
        against the data before it trains."""
        code = self.network.code
        if not code:
            return (layers.build(nn, self.network.layers, self.dataset.input_shape), None) if analysis.ok \
                else (None, analysis.error)
        model = model_code.build(code["source"], code["expression"])
        data = f"the {datasets.LABELS[self.data.dataset]} data"
        problem = model_code.fit_problem(model, code["expression"], self.dataset.x_train[:2], self.hyper.loss,
                                         self.dataset.classes, data)
        return (None, problem) if problem else (model, None)

    def _watched(self, what):
        """A code cell model's code runs for at most model_code.SECONDS per forward or backward."""
        if not self.network.code:
            return contextlib.nullcontext()
        return model_code.time_limit(f"{self.network.code['expression']}'s {what}")

    # ---- devices -------------------------------------------------------------------------------
    def _place_as_chosen(self, analysis=None):
        """Move everything to the device `device_choice` asks for, and say why in `device_note`."""
        adapter, choice = self.adapter if self.device_choice != "cpu" else None, self.device_choice
        if choice == "cpu":
            target, note = "cpu", ("cpu", {})
        elif self._gpu_failure:
            target, note = "cpu", ("failed_earlier", {"reason": self._gpu_failure})
        elif choice == "webgpu":
            if adapter.available:
                target = "webgpu"
                note = ("chosen_software" if adapter.software else "chosen", {"adapter": adapter.label})
            else:
                target, note = "cpu", ("unavailable_chosen", {"problem": adapter.problem})
        else:
            if self.model is None or self.network.code:   # (a code cell's model: no shape analysis)
                analysis = None
            elif analysis is None:
                analysis = layers.analyse(self.network.layers, self.dataset.input_shape, self.data.batch_size)
            target, key, fields = devices.choice_reason(adapter, analysis)
            note = (key, fields)
            if self.network.code and self.model is not None and adapter.available and not adapter.software:
                note = ("code_model", {"adapter": adapter.label})
        if target != self.device:
            try:
                self._move(target)
            except Exception as error:
                if "webgpu" not in (target, self.device):
                    raise
                self._fall_back(error)
                return
        self._say_device(*note)

    def _say_device(self, key, fields):
        """The device note device.<key> (app/i18n.py), said again in the new words when the language changes."""
        self._device_words = (key, fields)
        self.device_note = i18n.text(f"device.{key}", self.language, **fields)

    @param.depends("language", watch=True)
    def _device_note_in_language(self):
        if self._device_words is not None:
            self._say_device(*self._device_words)

    @property
    def gpu_failed(self):
        """Whether the GPU failed in this session (the model went back to the CPU)."""
        return self._gpu_failure is not None

    def _move(self, target):
        """Model, optimizer state and test data to `target`; a batch in flight is dropped."""
        if target == "webgpu" and self.model is not None:
            self._checkpoint = self._take_checkpoint()   # on the CPU still: a free copy to fall back to
        if self.model is not None:
            self.model.to(target)
            # loading an optimizer's own state moves it to its parameters' device
            self.optimizer.load_state_dict(self.optimizer.state_dict())
        self._x_test = self._x_test.to(target)
        self._keep_batch_only()
        self.device = target

    def _keep_batch_only(self):
        """Forget what was computed for the pending batch but not the batch: the next Forward on the new
        device runs on the same examples (so CPU and GPU can be compared on one batch)."""
        if self._pending is not None:
            self._pending = {key: self._pending[key] for key in ("index", "x", "y")}

    def _fall_back(self, error):
        """The GPU failed: rebuild the model on the CPU from the last host copy of the training state
        (the last step boundary) and say so. The network and its weights survive."""
        reason = _short(error)
        self._gpu_failure = reason
        self.device, self._pending, self.last = "cpu", None, {}
        self._x_test = torch.tensor(np.asarray(self._x_test_host()))
        if self.model is not None:
            self.model = self._new_model(layers.analyse(self.network.layers, self.dataset.input_shape,
                                                        self.data.batch_size))[0]
            self._new_optimizer()
            if self._checkpoint is not None:
                self._restore(self._checkpoint)
        self._checkpoint = None
        self._say_device("failed", {"reason": reason, "step": self.step})
        self.structure_version += 1
        self.version += 1

    def _x_test_host(self):
        return self.dataset.x_test[:self.TEST_IMAGES] if self.problem == "images" else self.dataset.x_test

    def progress(self):
        """The counters a checkpoint or a file restores: step, epoch, and where the batches are. A batch
        drawn but not stepped yet counts as not drawn: restored, it is drawn again."""
        drawn = len(self._pending["index"]) if self._pending is not None else 0
        return {"step": self.step, "epoch": self.epoch, "seen": self._seen, "resets": self._resets,
                "shuffled_at": self._shuffled_at, "cursor": self._cursor - drawn}

    def _take_checkpoint(self):
        return checkpoint.take(self.model, self.optimizer, self.progress())

    def training_state(self):
        """A host copy of the weights, the optimizer state and the progress (for files)."""
        return self._take_checkpoint() if self.model is not None else None

    def kept_history(self):
        """The loss/accuracy curves as JSON data, to keep with the playground (app/autosave.py)."""
        return self._history.kept()

    def restore_history(self, kept):
        """Put back the curves of a kept playground (validated by app/persist.parse_history)."""
        self._history.take_kept(kept)
        self.history = self._history.data
        self.history_version += 1
        self.version += 1

    def restore(self, state):
        """Load a Checkpoint (e.g. from a file) into the current model, on its device."""
        self._restore(state)
        if self.device == "webgpu":
            self._checkpoint = state
        self.version += 1

    def _restore(self, state):
        checkpoint.load_weights(self.model, state.weights)
        if state.optimizer:
            checkpoint.load_optimizer(self.model, self.optimizer, state.optimizer)
        p = state.progress
        if p:
            self.step, self.epoch = p["step"], p["epoch"]
            self._seen, self._resets = p.get("seen", self._seen), p.get("resets", self._resets)
            if "cursor" in p:
                self._shuffle(p["shuffled_at"], p["cursor"])
        self._pending = None

    def _analyse(self):
        analysis = layers.analyse(self.network.layers, self.dataset.input_shape, self.data.batch_size, self.language)
        layers.check_head(analysis, self.hyper.loss, self.dataset.classes, self.language)
        self.analysis = analysis.to_dict()
        return analysis

    @param.depends("language", watch=True)
    def _problems_in_language(self):
        """The builder's words about the network, and why it cannot be built, said again in the new language
        (nothing is rebuilt)."""
        if self.network.code:
            return
        said = self.model_problem
        analysis = self._analyse()
        if self.model is None and said is not None:
            self.model_problem = analysis.error
            if self.error == said:
                self.error = analysis.error

    def _new_optimizer(self):
        h = self.hyper
        if self.model is None:
            return
        if h.optimizer == "Adam":
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=h.lr)
        else:
            momentum = 0.9 if h.optimizer == "SGD+momentum" else 0.0
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=h.lr, momentum=momentum)

    def _require_model(self):
        if self.model is None:
            raise UserError(self.model_problem or i18n.text("session.cannot_build", self.language))

    def _targets(self, labels, outputs):
        """Targets in the form the loss wants for these labels and this many outputs, on the device."""
        loss = self.hyper.loss
        if loss == "cross_entropy" or self.problem == "regression":
            targets = labels
        elif outputs == 1:
            targets = labels.astype(np.float32)[:, None]
        else:
            targets = np.eye(outputs, dtype=np.float32)[labels]   # MSE against one-hot
        return torch.tensor(targets, device=self.device)

    def _next_batch(self):
        """The next batch_size examples of the epoch's order (fewer at its end), as the exported
        script's loop takes them."""
        if self._cursor >= len(self.dataset.x_train):
            self._reshuffle()
        index = self._order[self._cursor:self._cursor + self.data.batch_size]
        self._cursor += len(index)
        return index

    def _run_forward(self, capture):
        self._require_model()
        if self._pending is None:
            index = self._next_batch()
            x = self.dataset.x_train[index]
            y = self.dataset.y_train[index]
            self._pending = {"index": index, "x": x, "y": y}
        p = self._pending
        self.model.train()
        cap = engine.graph.capture(self.model) if capture else None
        inputs = torch.tensor(p["x"], device=self.device)
        with cap if cap is not None else contextlib.nullcontext(), self._watched("forward"):
            output = self.model(inputs)
            loss = regularization.with_penalty(self.criterion(output, self._targets(p["y"], output.shape[1])),
                                               self.model, self.hyper.regularization, self.hyper.strength)
        p.update(output=output, loss=loss, capture=cap, backward=False)
        if self.device == "cpu":   # free here; a GPU's loss is checked when it is read back anyway
            self._check_loss(loss.item())
        return p

    def _check_loss(self, value):
        if not math.isfinite(value):
            raise UserError(i18n.text("session.loss_diverged", self.language, value=value, step=self.step))

    def _publish(self, p, phase):
        """Show pending work `p` in the views (builds the graph from its capture): everything they
        show is read back at once."""
        cap = p["capture"]
        loss, output = cap.to_host(p["loss"], p["output"])
        self._check_loss(float(loss))
        self.last = {"loss": float(loss), "capture": cap, "graph": cap.graph(p["loss"]),
                     "batch": (p["x"], p["y"]), "output": output, "source": "training", "tensor": p["loss"]}
        self.phase = phase
        self.error = None

    def _forward(self):
        if self._pending is not None and self._pending.get("backward"):
            self._pending["backward"] = False   # a new forward on the same batch
        p = self._run_forward(capture=True)
        self._publish(p, "forward")
        self.version += 1

    def _run_backward(self, p, record=False):
        self.optimizer.zero_grad()
        with self._watched("backward"):
            if record:
                p["steps"] = engine.graph.backward_record(p["loss"])
            else:
                p["loss"].backward()
        p["backward"] = True

    def _backward(self, record=False):
        p = self._pending
        if p is None or p.get("capture") is None or p["backward"]:
            p = self._run_forward(capture=True)
        self._run_backward(p, record)
        self._publish(p, "backward")
        if record:
            self.last["steps"] = p["steps"]
        self.version += 1

    def _step(self, evaluate=False, capture=True):
        p = self._pending
        if p is None or "loss" not in p or (capture and p["capture"] is None):
            p = self._run_forward(capture)
        if not p["backward"]:
            self._run_backward(p)
        if capture:
            self._publish(p, "step")
        self.optimizer.step()
        self.step += 1
        self._seen += len(p["index"])
        self.epoch = self._seen // len(self.dataset.x_train)
        self._pending = None
        self._after_step(p, evaluate)
        if capture:
            self.version += 1

    def _train(self, steps, seconds=None):
        self._require_model()
        start = time.perf_counter()
        for i in range(steps):
            last = i == steps - 1 or seconds is not None and time.perf_counter() - start > seconds
            self._step(evaluate=last, capture=last)
            if last:
                break

    def _after_step(self, p, evaluate):
        """Record the step's history row and, on a GPU, the new host copy of the training state: all
        that it needs is read back at once."""
        row_wanted, on_gpu = self._history.wants(self.step), self.device == "webgpu"
        reads, known = {}, {}
        if row_wanted or on_gpu:
            reads["train_loss"] = p["loss"]
        if row_wanted:
            if self.problem != "regression":
                reads["train_output"] = p["output"]
            every = max(self.TEST_EVERY[self.problem], self._history.stride)
            if evaluate or self.step % every == 0:
                reads["test_loss"], reads["test_output"] = self._test_outputs()
            for name, square in self._grad_squares().items():
                (reads if isinstance(square, torch.Tensor) else known)[("norm", name)] = square
        keys, state = checkpoint.tensors(self.model, self.optimizer) if on_gpu else ((), [])
        values = torch.webgpu.read_back([*reads.values(), *state])
        got = {**dict(zip(reads, values)), **known}
        if on_gpu:
            if not math.isfinite(float(got["train_loss"])):   # the step is spoilt: back to the last copy
                self._restore(self._checkpoint)
                self._check_loss(float(got["train_loss"]))
            self._checkpoint = checkpoint.assemble(keys, values[len(reads):], self.progress())
        if row_wanted:
            self._record(got, p["y"])

    def _grad_squares(self):
        """{layer: the sum of its parameters' squared gradients} for every layer that has parameters.
        On a GPU they are computed there (tensors: one number per layer is read back); on the CPU the
        gradients are host arrays already and numpy's dot is the cheapest way."""
        squares = {}
        with torch.no_grad():
            for name, module in self.model.named_children():
                grads = [q.grad for q in module.parameters() if q.grad is not None]
                if not any(True for _ in module.parameters()):
                    continue
                if self.device == "cpu":
                    squares[name] = sum(float(np.dot(g, g)) for g in (q.numpy().ravel() for q in grads))
                else:
                    total = torch.zeros((), device=self.device)
                    for g in grads:
                        total = total + (g * g).sum()
                    squares[name] = total
        return squares

    def _test_outputs(self):
        """Loss and outputs on the test set, in eval mode and without a graph (not yet read back)."""
        self.model.eval()
        try:
            with torch.no_grad(), self._watched("forward"):
                out = self.model(self._x_test)
                return self.criterion(out, self._targets(self._y_test, out.shape[1])), out
        finally:
            self.model.train()

    def test_metrics(self):
        """{"test_loss", "test_acc" (not for regression)} of the weights now, measured as the curves
        measure them (the exported script prints them beside its own)."""
        self._require_model()
        loss, out = torch.webgpu.read_back(list(self._test_outputs()))
        metrics = {"test_loss": float(loss)}
        if self.problem != "regression":
            metrics["test_acc"] = self._accuracy(out, self._y_test)
        return metrics

    def _record(self, got, labels):
        row = {"train_loss": float(got["train_loss"])}
        if "train_output" in got:
            row["train_acc"] = self._accuracy(got["train_output"], labels)
        if "test_loss" in got:
            row["test_loss"] = float(got["test_loss"])
            if self.problem != "regression":
                row["test_acc"] = self._accuracy(got["test_output"], self._y_test)
        norms = {key[1]: math.sqrt(float(value)) for key, value in got.items() if isinstance(key, tuple)}
        if self._history.record(self.step, row, norms):
            self.history = self._history.data
            self.history_version += 1

    def _accuracy(self, outputs, labels):
        if outputs.shape[1] == 1:
            predicted = (outputs[:, 0] > (0.5 if self.hyper.loss == "mse" else 0.0)).astype(np.int64)
        else:
            predicted = outputs.argmax(1)
        return float((predicted == labels).mean())

    def _eval(self, fn, inputs):
        """fn(inputs as a tensor on the device) in eval mode without a graph; the tensors it returns
        (alone, or as values of a dict, nested once) come back as numpy, all in one read-back. If the
        GPU fails, the session falls back to the CPU and runs fn there."""
        try:
            return self._eval_on_device(fn, inputs)
        except Exception as error:
            if self.device != "webgpu":
                raise
            self._fall_back(error)
            return self._eval_on_device(fn, inputs)

    def _eval_on_device(self, fn, inputs):
        x = torch.tensor(np.asarray(inputs, dtype=np.float32), device=self.device)
        self.model.eval()
        try:
            with torch.no_grad(), self._watched("forward"):
                out = fn(x)
        except model_code.ModelCodeError as error:   # (a view asked: the status says why it has nothing)
            self._stop(str(error))
            raise
        finally:
            self.model.train()
        return _read_back(out)


def _class_probabilities(out):
    """Class probabilities from one sample's output: a sigmoid for one output, a softmax for several."""
    if out.shape[0] == 1:
        p = 1 / (1 + math.exp(-float(out[0])))
        return np.array([1 - p, p])
    e = np.exp(out - out.max())
    return e / e.sum()


def _read_back(out):
    """out (a tensor, a dict of tensors, or a dict holding such dicts) with every tensor replaced by
    its numpy value, all read back together."""
    found = []

    def collect(x):
        if isinstance(x, torch.Tensor):
            found.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                collect(v)
    collect(out)
    values = iter(torch.webgpu.read_back(found))

    def rebuild(x):
        if isinstance(x, torch.Tensor):
            return next(values)
        if isinstance(x, dict):
            return {k: rebuild(v) for k, v in x.items()}
        return x
    return rebuild(out)


def _short(error):
    """An exception as one short line for a notice."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    # A browser's GPU errors arrive as JavaScript errors: "Error: WebGPU: device lost: ..."
    for prefix in ("Error: ", "WebGPU: ", "webgpu: "):
        text = text.removeprefix(prefix)
    text = text.rstrip(".")
    return text if len(text) <= 120 else text[:117] + "…"
