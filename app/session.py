"""The Session: the engine at work on the user's network, one action at a time.

It builds the model from the Network's specs, the optimizer from Hyper, the batches from Data,
and runs Forward / Backward / Step / Train / Reset. Every forward+backward that the views show runs
inside `engine.graph.capture(model)`; `last` keeps that one capture (never more), and `history`
keeps capped, thinned curves, so memory stays flat however long it trains.

Views read the contract in notes/ui_contract.md; they redraw when `version` changes and re-layout
when `structure_version` changes. Nothing here raises into the UI: a failure becomes `error`.
"""
import contextlib
import math
import time

import numpy as np
import param

import engine as torch
import engine.graph
import engine.nn as nn
from app import datasets, layers
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


def _as_float(array):
    return float(np.asarray(array, dtype=np.float64).reshape(-1)[0])


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

    # Test metrics cost a forward over the test set: taken every TEST_EVERY steps (a power of two,
    # so thinning keeps them) and after every single step the user takes.
    TEST_EVERY = {"classification-2d": 4, "regression": 4, "images": 32}
    TEST_IMAGES = 256   # a fixed slice of the test set keeps image evaluation affordable

    def __init__(self, network=None, data=None, hyper=None, **params):
        super().__init__(network=network or Network(), data=data or Data(), hyper=hyper or Hyper(), **params)
        self.model = self.optimizer = self.criterion = self.dataset = None
        self.last, self.history = {}, History().data
        self._history = History()
        self._resets = 0
        self._pending = None          # the forward (and backward) of the current batch, not yet stepped
        self._batch_index = None
        self._seen = 0
        self._order, self._cursor = np.zeros(0, np.int64), 0
        self._load_data()
        self._rebuild()
        self._configuring = False
        self.network.param.watch(self._on_network, "layers")
        self.data.param.watch(self._on_data, [name for name in Data.param if name != "name"])
        self.hyper.param.watch(self._on_hyper, ["optimizer", "lr", "loss"])

    # ---- what the views read ---------------------------------------------------------------
    @property
    def problem(self):
        return self.dataset.problem

    def layer_names(self):
        """Module paths of the layers, as the graph names them (fc1, tanh1, ...)."""
        return layers.module_names(self.network.layers)

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
        def run(x):
            out = {}
            for name, module in self.model.named_children():
                x = module(x)
                if x.dim() == 2:
                    out[name] = x.numpy().copy()
            return out
        return self._eval(run, points)

    def sample(self, i):
        """(input (C, H, W) or (2,), label) of test sample i."""
        i = int(i) % len(self.dataset.x_test)
        return self.dataset.x_test[i], self.dataset.y_test[i]

    def feature_maps(self, i):
        """{layer_name: (C, H, W)} for test sample i, for every layer whose output is an image."""
        if self.model is None:
            return {}
        x, _ = self.sample(i)
        def run(t):
            out = {}
            for name, module in self.model.named_children():
                t = module(t)
                if t.dim() == 4:
                    out[name] = t.numpy()[0].copy()
            return out
        return self._eval(run, x[None])

    def probabilities(self, i):
        """Class probabilities of test sample i (classification), or None."""
        if self.model is None or self.problem == "regression":
            return None
        out = self.predict(self.sample(i)[0][None])[0]
        if out.shape[0] == 1:
            p = 1 / (1 + math.exp(-float(out[0])))
            return np.array([1 - p, p])
        e = np.exp(out - out.max())
        return e / e.sum()

    def show_tensor(self, tensor, capture=None, name=None):
        """Put a tensor's autograd graph (e.g. from the code cell) in `last`, for the graph view.
        Returns an error message, or None."""
        if not isinstance(tensor, torch.Tensor):
            return self._fail(f"{name or 'that'} is not a tensor")
        if tensor.grad_fn is None:
            return self._fail(f"{name or 'this tensor'} has no grad_fn: it is a leaf (made by you, not computed) "
                              "or was computed without requires_grad; show a tensor computed from one that has "
                              "requires_grad=True")
        capture = capture or engine.graph.capture()
        value = tensor.item() if tensor.numel() == 1 else None
        self.last = {"loss": value, "capture": capture, "graph": capture.graph(tensor), "batch": None,
                     "tensor": tensor, "source": "code", "name": name}
        self.error = None
        self.version += 1
        return None

    # ---- actions -----------------------------------------------------------------------------
    def forward(self):
        """One forward pass on the current batch (drawn when none is pending); shows the loss."""
        return self._guard(self._forward)

    def backward(self):
        """Gradients of the current batch's loss for every parameter (forward first if needed)."""
        return self._guard(self._backward)

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
        """Fresh weights (a new draw each time), step 0, empty history."""
        self._resets += 1
        return self._guard(self._rebuild)

    def configure(self, network=None, data=None, hyper=None):
        """Set the layer specs and data/hyper settings (dicts) together: one rebuild, not one per value.
        The settings change as usual (widgets follow them); only the session's own reactions wait."""
        with self._quietly():
            self.data.param.update(**(data or {}))
            self.hyper.param.update(**(hyper or {}))
            if network is not None:
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
            result = action(*args, **kwargs)
        except Exception as error:   # the page must keep working: report, never raise into the UI
            self.running = False
            self._pending = None
            self.phase = "idle"
            return self._fail(str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}")
        return result

    def _fail(self, message):
        self.error = message
        self.version += 1
        return message

    # The settings each kind of data depends on: changing another one must not restart training.
    _DATA_FIELDS = {"digits": {"dataset", "test_fraction", "seed", "image_mode"},
                    "2-d": {"dataset", "noise", "samples", "test_fraction", "seed"}}

    def _on_network(self, _event):
        if not self._configuring:
            self._guard(self._rebuild)

    def _on_data(self, *events):
        if self._configuring:
            return
        names = {e.name for e in events}
        if names & self._DATA_FIELDS["digits" if self.data.dataset == "digits" else "2-d"]:
            self._guard(self._reload)
        elif "batch_size" in names:
            self._pending = None
            self._reshuffle()
            self.phase = "idle"
            self._analyse()
            self.version += 1

    def _reload(self):
        self._load_data()
        self._rebuild()

    def _on_hyper(self, *events):
        if self._configuring:
            return
        names = {e.name for e in events}
        if "loss" in names:
            self._guard(self._rebuild)
        elif "optimizer" in names:
            self._guard(self._new_optimizer)
        elif self.optimizer is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = self.hyper.lr
        self.version += 1

    def _load_data(self):
        d = self.data
        self.dataset = datasets.make(d.dataset, d.samples, d.noise, d.test_fraction, d.seed, d.image_mode)
        loss = default_loss(self.dataset.problem, self.hyper.loss)
        if loss != self.hyper.loss:
            with self._quietly():
                self.hyper.loss = loss
        self._x_test = torch.tensor(self.dataset.x_test[:self.TEST_IMAGES] if self.problem == "images"
                                    else self.dataset.x_test)
        self._y_test = self.dataset.y_test[:len(self._x_test)]

    def _reshuffle(self):
        rng = np.random.default_rng([self.data.seed, self._resets, self._seen])
        self._order, self._cursor = rng.permutation(len(self.dataset.x_train)), 0

    def _rebuild(self):
        """Model, optimizer and loss from the settings; step 0. An invalid network leaves model None
        and its errors in `analysis` (the specs are untouched)."""
        self.running = False
        self._pending, self.last = None, {}
        self._history, self._seen = History(), 0
        self.history = self._history.data
        self.step = self.epoch = 0
        self.phase = "idle"
        analysis = self._analyse()
        self.model = self.optimizer = None
        if analysis.ok:
            torch.manual_seed(self.data.seed * 7919 + self._resets)
            self.model = layers.build(nn, self.network.layers, self.dataset.input_shape)
            self._new_optimizer()
            self.criterion = {"cross_entropy": nn.CrossEntropyLoss, "bce": nn.BCEWithLogitsLoss,
                              "mse": nn.MSELoss}[self.hyper.loss]()
            self.error = None
        else:
            self.error = analysis.error
        self._reshuffle()
        self.structure_version += 1
        self.history_version += 1
        self.version += 1

    def _analyse(self):
        analysis = layers.analyse(self.network.layers, self.dataset.input_shape, self.data.batch_size)
        layers.check_head(analysis, self.hyper.loss, self.dataset.classes)
        self.analysis = analysis.to_dict()
        return analysis

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
            raise UserError(self.analysis.get("error") or "the network cannot be built")

    def _targets(self, labels, outputs):
        """Targets in the form the loss wants for these labels and this many outputs."""
        loss = self.hyper.loss
        if loss == "cross_entropy":
            return torch.tensor(labels)
        if self.problem == "regression":
            return torch.tensor(labels)
        if outputs == 1:
            return torch.tensor(labels.astype(np.float32)[:, None])
        return torch.tensor(np.eye(outputs, dtype=np.float32)[labels])   # MSE against one-hot

    def _next_batch(self):
        n = len(self.dataset.x_train)
        size = min(self.data.batch_size, n)
        if self._cursor + size > n:
            self._reshuffle()
        index = self._order[self._cursor:self._cursor + size]
        self._cursor += size
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
        inputs = torch.tensor(p["x"])
        if cap is not None:
            with cap:
                output = self.model(inputs)
                loss = self.criterion(output, self._targets(p["y"], output.shape[1]))
        else:
            output = self.model(inputs)
            loss = self.criterion(output, self._targets(p["y"], output.shape[1]))
        p.update(output=output, loss=loss, capture=cap, backward=False)
        value = loss.item()
        if not math.isfinite(value):
            raise UserError(f"the loss is {value} at step {self.step}: the learning rate is probably "
                                     "too high; lower it and press Reset")
        return p

    def _publish(self, p, phase):
        """Show pending work `p` in the views (builds the graph from its capture)."""
        cap = p["capture"]
        self.last = {"loss": p["loss"].item(), "capture": cap, "graph": cap.graph(p["loss"]),
                     "batch": (p["x"], p["y"]), "output": p["output"].detach().numpy(), "source": "training"}
        self.phase = phase
        self.error = None

    def _forward(self):
        if self._pending is not None and self._pending.get("backward"):
            self._pending["backward"] = False   # a new forward on the same batch
        p = self._run_forward(capture=True)
        self._publish(p, "forward")
        self.version += 1

    def _run_backward(self, p):
        self.optimizer.zero_grad()
        p["loss"].backward()
        p["backward"] = True

    def _backward(self):
        p = self._pending
        if p is None or p["capture"] is None or p["backward"]:
            p = self._run_forward(capture=True)
        self._run_backward(p)
        self._publish(p, "backward")
        self.version += 1

    def _step(self, evaluate=False, capture=True):
        p = self._pending
        if p is None or (capture and p["capture"] is None):
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
        self._record(p, evaluate)
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

    def _record(self, p, evaluate):
        if not self._history.wants(self.step):
            return
        row = {"train_loss": p["loss"].item()}
        if self.problem != "regression":
            row["train_acc"] = self._accuracy(p["output"].detach().numpy(), p["y"])
        every = max(self.TEST_EVERY[self.problem], self._history.stride)
        if evaluate or self.step % every == 0:
            row.update(self._evaluate())
        norms = {}
        for name, module in self.model.named_children():
            total = 0.0
            for param_ in module.parameters():
                if param_.grad is not None:
                    g = param_.grad.numpy().ravel()
                    total += float(np.dot(g, g))
            if any(True for _ in module.parameters()):
                norms[name] = math.sqrt(total)
        if self._history.record(self.step, row, norms):
            self.history = self._history.data
            self.history_version += 1

    def _accuracy(self, outputs, labels):
        if outputs.shape[1] == 1:
            predicted = (outputs[:, 0] > (0.5 if self.hyper.loss == "mse" else 0.0)).astype(np.int64)
        else:
            predicted = outputs.argmax(1)
        return float((predicted == labels).mean())

    def _evaluate(self):
        """Loss (and accuracy) on the test set, in eval mode and without a graph."""
        def run(x):
            out = self.model(x)
            return self.criterion(out, self._targets(self._y_test, out.shape[1])).item(), out.numpy()
        loss, out = self._eval(run, self._x_test)
        row = {"test_loss": loss}
        if self.problem != "regression":
            row["test_acc"] = self._accuracy(out, self._y_test)
        return row

    def _eval(self, fn, inputs):
        x = inputs if isinstance(inputs, torch.Tensor) else torch.tensor(np.asarray(inputs, dtype=np.float32))
        self.model.eval()
        try:
            with torch.no_grad():
                out = fn(x)
        finally:
            self.model.train()
        return out.numpy() if isinstance(out, torch.Tensor) else out
