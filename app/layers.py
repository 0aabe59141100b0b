"""The layer catalogue: what the palette offers, how a layer spec becomes an engine module,
and shape inference layer by layer.

A layer spec is plain JSON-able data: {"type": "Conv2d", "out_channels": 6, "kernel_size": 3, ...}.
Sizes that follow from the input (in_features, in_channels, BatchNorm's num_features, LayerNorm's
shape) are never part of a spec: they are inferred, so a spec list stays valid when the data changes.

`analyse(specs, input_shape, batch)` walks the stack with plain arithmetic (no engine, no tensors)
and reports, for each layer, its module name, output shape, parameter count, or the message that
explains why it cannot follow the layer before it. A network with any error gets no model; the
specs stay as they are, so the user's network is never lost.
"""
import math
from collections import OrderedDict
from dataclasses import dataclass, field

from app import features, i18n

# A browser tab trains this network: beyond this it would freeze the page for seconds per step.
MAX_PARAMETERS = 5_000_000
# What one batch's activations may take (float32, every layer's output: autograd keeps them for backward).
# A tab that asks for more is killed by the browser, and every visitor of a shared link with it.
MAX_ACTIVATION_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Field:
    """One editable setting of a layer, with the range the playground accepts."""
    name: str
    kind: type            # int, float or bool
    default: object
    low: float = None
    high: float = None
    help: str = ""
    label: str = ""       # what the builder shows, when not the name

    def problem(self, value, language=i18n.DEFAULT):
        """Why `value` is not acceptable for this field, or None."""
        def say(key, **fields):
            return i18n.text(f"layers.{key}", language, name=self.name, **fields)
        if self.kind is bool:
            return None if isinstance(value, bool) else say("must_be_bool")
        allowed = say("below_1" if self.high == 0.999 else "range", low=f"{self.low:g}", high=f"{self.high:g}")
        if isinstance(value, str):   # what was typed, kept as text: not a number, or too large for one
            return say("not_a_number", allowed=allowed, value=repr(value[:MAX_VALUE_CHARS]))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return say("must_be_number", allowed=allowed)
        if not math.isfinite(value):
            return say("not_finite", allowed=allowed, value=value)
        if self.kind is int and value != int(value):
            return say("must_be_whole", allowed=allowed)
        if not (self.low <= value <= self.high):
            return say("out_of_range", allowed=allowed, value=f"{value:g}")
        return None

    def describe(self):
        return {"name": self.name, "kind": self.kind.__name__, "default": self.default,
                "low": self.low, "high": self.high, "help": self.help, "label": self.label or self.name}


class LayerError(Exception):
    """A layer that cannot follow the one before it: the message layers.<key> (app/i18n.py) with its fields;
    a `source` field of None is the data. str() is the message in English."""

    def __init__(self, key, **fields):
        self.key, self.fields = key, fields
        super().__init__(self.say())

    def say(self, language=i18n.DEFAULT):
        fields = dict(self.fields)
        if "source" in fields:
            fields["source"] = i18n.text("layers.the_data", language) if fields["source"] is None \
                else fields["source"]
        return i18n.text(f"layers.{self.key}", language, **fields)


def _count(*dims):
    return math.prod(dims)


def shape_text(shape):
    """(64, 6, 15, 15) -> '64×6×15×15'."""
    return "×".join(str(d) for d in shape)


# ---- the kinds of layer ---------------------------------------------------------------------

@dataclass(frozen=True)
class LayerKind:
    """A palette entry: its fields, its module name prefix, and how it maps shapes and builds."""
    name: str
    prefix: str           # module names: conv1, fc2, ... (the tutorial's names)
    group: str            # palette section
    doc: str
    fields: tuple = ()
    parametric: bool = False

    def defaults(self):
        return {"type": self.name, **{f.name: f.default for f in self.fields}}

    def output_shape(self, shape, spec, source):
        """The output shape per sample; `source` names what feeds it (for messages; None: the data)."""
        return shape

    def parameter_count(self, shape, spec):
        return 0

    def module(self, nn, shape, spec):
        raise NotImplementedError

    def describe(self):
        return {"type": self.name, "group": self.group, "doc": self.doc,
                "fields": [f.describe() for f in self.fields]}


class _Linear(LayerKind):
    def output_shape(self, shape, spec, source):
        if len(shape) != 1:
            raise LayerError("linear_needs_2d", source=source)
        return (spec["out_features"],)

    def parameter_count(self, shape, spec):
        return shape[0] * spec["out_features"] + (spec["out_features"] if spec["bias"] else 0)

    def module(self, nn, shape, spec):
        return nn.Linear(shape[0], spec["out_features"], bias=spec["bias"])


def _needs_image(kind, shape, source):
    if len(shape) != 3:
        raise LayerError("needs_image_data" if source is None else "needs_image", kind=kind, source=source)


def _window(kind, size, kernel, stride, padding):
    """Output length of a sliding window, or the reason there is none."""
    padded = size + 2 * padding
    if kernel > padded:
        raise LayerError("window_padded" if padding else "window", kind=kind, kernel=kernel, size=size, padded=padded)
    return (padded - kernel) // stride + 1


class _Conv2d(LayerKind):
    def output_shape(self, shape, spec, source):
        _needs_image("Conv2d", shape, source)
        _c, h, w = shape
        k, s, p = spec["kernel_size"], spec["stride"], spec["padding"]
        return (spec["out_channels"], _window("Conv2d", h, k, s, p), _window("Conv2d", w, k, s, p))

    def parameter_count(self, shape, spec):
        return spec["out_channels"] * (shape[0] * spec["kernel_size"] ** 2 + 1)

    def module(self, nn, shape, spec):
        return nn.Conv2d(shape[0], spec["out_channels"], spec["kernel_size"], stride=spec["stride"],
                         padding=spec["padding"])


class _Pool2d(LayerKind):
    def output_shape(self, shape, spec, source):
        _needs_image(self.name, shape, source)
        c, h, w = shape
        k, s = spec["kernel_size"], spec["stride"]
        return (c, _window(self.name, h, k, s, 0), _window(self.name, w, k, s, 0))

    def module(self, nn, shape, spec):
        return getattr(nn, self.name)(spec["kernel_size"], stride=spec["stride"])


class _Flatten(LayerKind):
    def output_shape(self, shape, spec, source):
        return (_count(*shape),)

    def module(self, nn, shape, spec):
        return nn.Flatten()


class _Activation(LayerKind):
    def module(self, nn, shape, spec):
        if self.name == "LeakyReLU":
            return nn.LeakyReLU(spec["negative_slope"])
        if self.name == "Softmax":
            return nn.Softmax(dim=1)
        return getattr(nn, self.name)()


class _BatchNorm(LayerKind):
    def parameter_count(self, shape, spec):
        return 2 * shape[0]

    def module(self, nn, shape, spec):
        return (nn.BatchNorm1d if len(shape) == 1 else nn.BatchNorm2d)(shape[0])


class _LayerNorm(LayerKind):
    def parameter_count(self, shape, spec):
        return 2 * _count(*shape)

    def module(self, nn, shape, spec):
        return nn.LayerNorm(list(shape))


class _Dropout(LayerKind):
    def module(self, nn, shape, spec):
        return nn.Dropout(spec["p"])


class _Features(LayerKind):
    def output_shape(self, shape, spec, source):
        if source is not None:
            raise LayerError("features_first", source=source)
        if tuple(shape) != (2,):
            raise LayerError("features_points", shape=shape_text(shape))
        names = features.chosen(spec)
        if not names:
            raise LayerError("features_none")
        return (len(names),)

    def module(self, nn, shape, spec):
        return features.module(nn, features.chosen(spec))


def _channels(name, help):
    return Field(name, int, 8, 1, 512, help)


def _kernel(default):
    return Field("kernel_size", int, default, 1, 15, "side of the square window")


KINDS = OrderedDict((k.name, k) for k in [
    _Features("Features", "features", "input", "TensorFlow Playground's input features of a point (x₁, x₂): "
              "tick what goes into the network; put it first",
              tuple(Field(name, bool, name in features.DEFAULT, label=shown,
                          help=f"feed {shown} to the network") for name, (shown, *_how) in features.FEATURES.items())),
    _Linear("Linear", "fc", "layers", "Fully connected: every input feature to every output unit",
            (Field("out_features", int, 8, 1, 4096, "output units"), Field("bias", bool, True)), True),
    _Conv2d("Conv2d", "conv", "layers", "2-D convolution: learned filters slid over the image",
            (_channels("out_channels", "number of filters"), _kernel(3),
             Field("stride", int, 1, 1, 8, "step of the window"),
             Field("padding", int, 0, 0, 8, "zeros added on each side")), True),
    _Pool2d("MaxPool2d", "pool", "layers", "Keeps the largest value of each window",
            (_kernel(2), Field("stride", int, 2, 1, 8, "step of the window"))),
    _Pool2d("AvgPool2d", "avgpool", "layers", "Averages each window",
            (_kernel(2), Field("stride", int, 2, 1, 8, "step of the window"))),
    _Flatten("Flatten", "flatten", "layers", "Images (N,C,H,W) to feature vectors (N, C·H·W)"),
    _Activation("ReLU", "relu", "activations", "max(0, x)"),
    _Activation("LeakyReLU", "leakyrelu", "activations", "x, or negative_slope·x below zero",
                (Field("negative_slope", float, 0.01, 0.0, 1.0, "slope below zero"),)),
    _Activation("Tanh", "tanh", "activations", "tanh(x), from -1 to 1"),
    _Activation("Sigmoid", "sigmoid", "activations", "1 / (1 + e^-x), from 0 to 1"),
    _Activation("GELU", "gelu", "activations", "x·Φ(x), smooth ReLU"),
    _Activation("Softmax", "softmax", "activations", "Scores to probabilities over dim 1"),
    _BatchNorm("BatchNorm", "bn", "normalization", "Normalizes each feature/channel over the batch", (), True),
    _LayerNorm("LayerNorm", "ln", "normalization", "Normalizes each sample over its features", (), True),
    _Dropout("Dropout", "dropout", "normalization", "Zeroes a random fraction p while training",
             (Field("p", float, 0.5, 0.0, 0.999, "fraction zeroed"),)),
])


def palette():
    """The catalogue as plain data, for the builder's palette."""
    return [kind.describe() for kind in KINDS.values()]


def new_layer(type_name, **values):
    """A spec with the defaults of `type_name`, updated by `values`."""
    spec = KINDS[type_name].defaults()
    spec.update(values)
    return spec


MAX_VALUE_CHARS = 40   # what a half-typed field may hold as text


def spec_problem(spec, language=i18n.DEFAULT):
    """Why a layer spec is malformed (unknown type, unknown or missing field, bad value), or None."""
    problem = structure_problem(spec, language)
    if problem:
        return problem
    return next(filter(None, (f.problem(spec[f.name], language) for f in KINDS[spec["type"]].fields)), None)


def structure_problem(spec, language=i18n.DEFAULT):
    """Why a spec is not even a layer as the builder can hold one (unknown type, unknown or missing
    field, a value that is not a plain number, bool, short text or null), or None. A layer whose values
    are only out of range (a field being edited) passes: the builder shows it, marked."""
    def say(key, **fields):
        return i18n.text(f"layers.{key}", language, **fields)
    if not isinstance(spec, dict):
        return say("not_an_object", example='{"type": "Linear", ...}')
    type_name = spec.get("type")
    kind = KINDS.get(type_name) if isinstance(type_name, str) else None
    if kind is None:
        shown = repr(type_name[:MAX_VALUE_CHARS]) if isinstance(type_name, str) else say("no_type")
        return say("unknown_type", shown=shown, known=", ".join(KINDS))
    known = {f.name for f in kind.fields}
    unknown = sorted(str(k)[:MAX_VALUE_CHARS] for k in set(spec) - known - {"type"})
    if unknown:
        return say("unknown_field", kind=kind.name, field=repr(unknown[0]),
                   fields=", ".join(sorted(known)) or say("no_fields"))
    for f in kind.fields:
        if f.name not in spec:
            return say("missing_field", kind=kind.name, field=repr(f.name))
        value = spec[f.name]
        if not (value is None or isinstance(value, (bool, int, float))
                or isinstance(value, str) and len(value) <= MAX_VALUE_CHARS):
            return say("field_not_plain", kind=kind.name, field=f.name)
    return None


def kept(spec):
    """A spec as files and links keep it: normalized when valid, else as it stands (a field left
    half-edited comes back as it was, marked on its layer), a value that is no finite number as its
    text ("inf"): JSON has no infinity, and a file must stay readable everywhere."""
    if not spec_problem(spec):
        return normalized(spec)
    return _finite(spec)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {key: _finite(v) for key, v in value.items()}
    return value


def normalized(spec):
    """The spec with whole-number floats as ints (JSON and JavaScript send 3.0 for 3)."""
    kind = KINDS[spec["type"]]
    out = {"type": kind.name}
    for f in kind.fields:
        value = spec[f.name]
        out[f.name] = int(value) if f.kind is int else float(value) if f.kind is float else value
    return out


# ---- shape inference ------------------------------------------------------------------------

@dataclass
class LayerReport:
    """What the builder shows under a layer."""
    name: str
    type: str
    shape: tuple = None
    params: int = 0
    error: str = None
    warning: str = None

    def to_dict(self, batch):
        return {"name": self.name, "type": self.type, "params": self.params, "error": self.error,
                "warning": self.warning, "shape": None if self.shape is None else shape_text((batch, *self.shape))}


@dataclass
class Analysis:
    input_shape: tuple
    batch: int
    layers: list = field(default_factory=list)
    error: str = None     # the first error, naming its layer; None when the network can be built

    @property
    def ok(self):
        return self.error is None

    @property
    def output_shape(self):
        return self.layers[-1].shape if self.layers else self.input_shape

    @property
    def parameters(self):
        return sum(r.params for r in self.layers)

    def to_dict(self):
        return {"input": shape_text((self.batch, *self.input_shape)),
                "output": shape_text((self.batch, *self.output_shape)) if self.ok else None,
                "params": self.parameters, "error": self.error,
                "layers": [r.to_dict(self.batch) for r in self.layers]}


def module_names(specs):
    """conv1, relu1, pool1, conv2, ... : each layer's name as a module path of the model."""
    counts, names = {}, []
    for spec in specs:
        type_name = spec.get("type") if isinstance(spec, dict) else None
        kind = KINDS.get(type_name) if isinstance(type_name, str) else None
        prefix = kind.prefix if kind else "layer"
        counts[prefix] = counts.get(prefix, 0) + 1
        names.append(f"{prefix}{counts[prefix]}")
    return names


def analyse(specs, input_shape, batch, language=i18n.DEFAULT):
    """Shapes and parameter counts layer by layer; errors are set on the offending layers, in `language`.
    A layer after an error is still checked against the last good shape, so that every
    malformed field shows at once; its shape is unknown only when the error was its own."""
    def say(key, **fields):
        return i18n.text(f"layers.{key}", language, **fields)
    result = Analysis(tuple(input_shape), batch)
    shape, total, source = tuple(input_shape), 0, None
    activation_bytes = 4 * batch * _count(*shape)
    for name, spec in zip(module_names(specs), specs):
        type_name = spec.get("type") if isinstance(spec, dict) else None
        report = LayerReport(name, type_name if isinstance(type_name, str) and type_name in KINDS else "?")
        result.layers.append(report)
        problem = spec_problem(spec, language)
        if problem is None:
            spec = normalized(spec)
            kind = KINDS[spec["type"]]
            try:
                report.shape = kind.output_shape(shape, spec, source)
                report.params = kind.parameter_count(shape, spec)
            except LayerError as error:
                problem = error.say(language)
        if problem is None:
            total += report.params
            activation_bytes += 4 * batch * _count(*report.shape)
            if total > MAX_PARAMETERS:
                problem = say("too_many_parameters", total=f"{total:,}", limit=f"{MAX_PARAMETERS:,}")
            elif activation_bytes > MAX_ACTIVATION_BYTES:
                problem = say("too_much_memory", size=_megabytes(activation_bytes),
                              shape=shape_text((batch, *report.shape)), limit=_megabytes(MAX_ACTIVATION_BYTES))
        if problem is not None:
            report.error, report.shape = problem, None
            result.error = result.error or f"{name} ({report.type}): {problem}"
            continue
        shape, source = report.shape, report.type
    if result.ok and result.layers and result.parameters == 0:
        last = result.layers[-1]
        last.error = say("no_weights")
        result.error = f"{last.name} ({last.type}): {last.error}"
    return result


def _megabytes(count):
    return f"{count / 2**20:,.0f} MB"


def build(nn, specs, input_shape):
    """The engine (or torch) Sequential for a valid spec list, its modules named as module_names()."""
    modules, shape, source = OrderedDict(), tuple(input_shape), None
    for name, spec in zip(module_names(specs), specs):
        spec = normalized(spec)
        kind = KINDS[spec["type"]]
        modules[name] = kind.module(nn, shape, spec)
        shape, source = kind.output_shape(shape, spec, source), name
    return nn.Sequential(modules)


# ---- does the output fit the loss? --------------------------------------------------------

LOSSES = OrderedDict([("cross_entropy", "Cross-entropy"), ("bce", "BCE with logits"), ("mse", "MSE")])


def head_problem(output_shape, loss, classes, language=i18n.DEFAULT):
    """Why the network's output cannot feed `loss` for targets with `classes` classes
    (0: regression), or None."""
    def say(key, **fields):
        return i18n.text(f"layers.{key}", language, **fields)
    if len(output_shape) != 1:
        return say("head_not_flat")
    n = output_shape[0]
    if loss == "cross_entropy":
        if classes == 0:
            return say("cross_entropy_regression")
        if n != classes:
            return say("cross_entropy_outputs" if n != 1 else "cross_entropy_output", n=n, classes=classes)
    elif loss == "bce":
        if classes != 2:
            return say("bce_classes", classes=classes) if classes else say("bce_regression")
        if n != 1:
            return say("bce_outputs", n=n)
    elif loss == "mse":
        allowed = (1,) if classes == 0 else (1, classes) if classes == 2 else (classes,)
        if n not in allowed:
            want = say("or").join(str(a) for a in allowed)
            target = say("mse_value" if classes == 0 else "mse_one_hot" if n != 1 else "mse_label")
            return say("mse_outputs", n=n, target=target, want=want)
    else:
        return say("unknown_loss", loss=repr(loss))
    return None


def outputs_for(loss, classes):
    """How many outputs the last layer needs for `loss` on data with `classes` classes (0: regression)."""
    if classes == 0 or loss == "bce" or loss == "mse" and classes == 2:
        return 1
    return classes


def size_new_head(old, new, loss, classes):
    """`new`, where a Linear just appended as the palette makes it (8 outputs) is sized to the data's
    outputs instead: a new last layer is not marked wrong the moment it lands."""
    if len(new) == len(old) + 1 and new[:-1] == old and new[-1] == KINDS["Linear"].defaults():
        return new[:-1] + [dict(new[-1], out_features=outputs_for(loss, classes))]
    return new


def check_head(analysis, loss, classes, language=i18n.DEFAULT):
    """Set the loss/output mismatch on the last layer (and a warning for a redundant final
    Softmax or Sigmoid, which the loss already applies)."""
    if not analysis.ok:
        return analysis
    if not analysis.layers:
        analysis.error = i18n.text("layers.empty", language)
        return analysis
    last = analysis.layers[-1]
    problem = head_problem(analysis.output_shape, loss, classes, language)
    if problem:
        last.error = problem
        analysis.error = f"{last.name} ({last.type}): {problem}"
    elif last.type == "Softmax" and loss == "cross_entropy":
        last.warning = i18n.text("layers.softmax_warning", language)
    elif last.type == "Sigmoid" and loss == "bce":
        last.warning = i18n.text("layers.sigmoid_warning", language)
    return analysis
