"""Save and load the whole playground (network, settings, weights, the optimizer's state and where
training was) as a JSON file, and share the network and settings as a link
(`#s=<base64url of deflated JSON>`). A loaded file trains on exactly as the saved playground
would have: the same weights, momentum buffers or Adam moments and step counts, and the same
next batches (dropout masks aside: they come from the engine's global random generator).

Everything read back (files, links, the kept playground of app/autosave.py, undo's records) passes
this one validation before anything is applied: its size and nesting depth before JSON parses it,
JSON types, finite numbers, ranges and choices (of the param models), layer specs (app/layers.py,
which also refuses networks with no weights or too much memory per batch), and weight and
optimizer-state names, shapes (their products counted in Python's unbounded integers), byte counts
and values (finite; Adam's second moments and BatchNorm's variances not negative) against the model
they will load into. Nothing is ever eval'd: the only parsers are json, base64 and zlib. A rejected
file or link leaves the playground as it was, and its message says what to do, in a student's words.
"""
import ast
import base64
import binascii
import json
import math
import re
import zlib

import numpy as np
import param

from app import checkpoint, i18n, layers, tables
from app.state import Data, Hyper, Network, settings

FORMAT = "autograd-playground"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINK_CHARS = 16 * 1024
MAX_LINK_JSON_BYTES = 1024 * 1024
MAX_DEPTH = 32                 # a playground document nests 7 deep; JSON's parser recurses per level
MAX_TENSOR_ELEMENTS = 64 * 1024 * 1024
MAX_DIMS = 8
MAX_COUNTER = 10 ** 12         # steps, epochs, samples seen: far beyond any real training
WEIGHT_DTYPES = {"float32": np.float32, "int64": np.int64}   # BatchNorm counts its batches in int64
# Where training was: the step and epoch counters, and where the batches are (how many samples were
# seen, how often the network was reset, when the batch order was last shuffled, how far into it).
PROGRESS = ("step", "epoch")
BATCH_POSITION = ("seen", "resets", "shuffled_at", "cursor")


class PlaygroundFileError(ValueError):
    """A file or link that cannot be loaded; the message says why."""


_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')


def nesting_depth(text):
    """How deeply the brackets of a JSON text nest, counted without parsing it (the text of strings
    aside): json.loads recurses once per level and would fail on 100,000 of them."""
    brackets = np.frombuffer(_STRING.sub("", text).encode(), dtype=np.uint8)
    steps = np.isin(brackets, (ord("["), ord("{"))).astype(np.int64) - np.isin(brackets, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def _refuse_constant(name):
    raise PlaygroundFileError(f"it holds {name}, which is not a number a playground can use")


def read_json(data, what, max_bytes, language=i18n.DEFAULT):
    """The JSON document in `data` (bytes or text), refused with a message in `language` naming `what` ("the
    file x.json", "the link") when it is too big, not text, too deeply nested, not JSON, or holds NaN or
    Infinity."""
    def say(key, **fields):
        return i18n.text(f"files.{key}", language, what=what, **fields)
    if len(data) > max_bytes:
        raise PlaygroundFileError(say("json_too_big", size=f"{len(data) / 1e6:.1f}", limit=f"{max_bytes / 1e6:.0f}"))
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise PlaygroundFileError(say("json_not_text")) from None
    if nesting_depth(data) > MAX_DEPTH:
        raise PlaygroundFileError(say("json_too_deep", depth=MAX_DEPTH))
    try:
        return json.loads(data, parse_constant=_refuse_constant)
    except PlaygroundFileError as error:
        raise PlaygroundFileError(f"{what}: {error}") from None
    except (json.JSONDecodeError, RecursionError) as error:
        where = (say("json_where", line=error.lineno, column=error.colno)
                 if isinstance(error, json.JSONDecodeError) else "")
        raise PlaygroundFileError(say("json_invalid", where=where)) from None


def dumps(doc, **options):
    """JSON text of a document; never NaN or Infinity (other JSON readers refuse them)."""
    return json.dumps(doc, allow_nan=False, **options)


# ---- writing ------------------------------------------------------------------------------

def snapshot(session, weights=True, model=True):
    state = session.training_state() if weights else None   # one read-back on a GPU
    return document(session.network.layers, settings(session.data), settings(session.hyper), state,
                    session.network.code if model else None, session.language)


def document(network, data, hyper, state=None, model=None, language=None):
    """The playground file of these layer specs and settings, with the weights, optimizer state and
    progress of `state` (a Checkpoint) when given, and the code cell's model (`model`: {'source',
    'expression'}) when it trains instead of the layers, and the page's `language` when given."""
    doc = {"format": FORMAT, "version": VERSION, "network": [layers.kept(s) for s in network],
           "data": dict(data), "hyper": dict(hyper)}
    if language:
        doc["language"] = language
    if model:
        doc["model"] = {"source": model["source"], "expression": model["expression"]}
    if state is not None:
        doc["progress"] = state.progress
        doc["weights"] = {name: _encode_array(a) for name, a in state.weights.items()}
        doc["optimizer"] = {"kind": hyper["optimizer"],
                            "state": {name: {key: _encode_array(a) for key, a in entries.items()}
                                      for name, entries in state.optimizer.items()}}
    return doc


def _encode_array(array):
    array = np.asarray(array)
    little_endian = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {"shape": list(array.shape), "dtype": array.dtype.name,
            "data": base64.b64encode(little_endian.tobytes()).decode()}


def save_bytes(session):
    """The playground as a JSON file's bytes."""
    return dumps(snapshot(session), indent=1).encode()


def share_fragment(session):
    """The URL fragment (without '#') that restores the network and settings (an uploaded CSV of up to
    tables.SHARE_MAX_ROWS rows included). A code cell's model stays out: opening a link must not run code
    someone else wrote. Raises PlaygroundFileError when it would be too long."""
    doc = snapshot(session, weights=False, model=False)
    table = doc["data"].pop("table", None)
    if session.data.dataset == "csv":     # (a CSV uploaded but not in use stays out of the link)
        if len(table["rows"]) > tables.SHARE_MAX_ROWS:
            raise PlaygroundFileError(f"your CSV has {len(table['rows']):,} rows; a link carries at most "
                                      f"{tables.SHARE_MAX_ROWS} (Save gives a file with all of them)")
        doc["data"]["table"] = table
    text = dumps(doc, separators=(",", ":"))
    fragment = "s=" + base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")
    if len(fragment) - 2 > MAX_LINK_CHARS:
        raise PlaygroundFileError(f"the link would take {len(fragment):,} characters, more than a playground "
                                  f"link holds ({MAX_LINK_CHARS:,}): use Save to send a file instead")
    return fragment


# ---- reading ------------------------------------------------------------------------------

def _check_keys(obj, where, required, optional=()):
    if not isinstance(obj, dict):
        raise PlaygroundFileError(f"{where} must be an object {{...}}")
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise PlaygroundFileError(f"{where} has an unknown field {unknown[0][:40]!r}")
    missing = [k for k in required if k not in obj]
    if missing:
        raise PlaygroundFileError(f"{where} is missing {missing[0]!r}")


def _check_settings(values, cls, where):
    """Values for a param model: known names, JSON types as declared, and the model's own
    ranges and choices (param validates them on a scratch instance)."""
    fields = [name for name in cls.param if name != "name"]
    _check_keys(values, where, (), fields)
    for name, value in values.items():
        problem = setting_problem(cls, name, value)
        if problem:
            raise PlaygroundFileError(f"{where}.{name} {problem}")
    if values.get("dataset") == "csv" and values.get("table") is None:
        raise PlaygroundFileError(f"{where}.dataset is your CSV, but {where}.table holds no uploaded data")
    return values


def setting_problem(cls, name, value, language=i18n.DEFAULT):
    """Why `value` cannot be setting `name` of the param model `cls` ("must be from 0.00001 to 10, not
    1e+06"), or None; for files, links and the settings widgets alike."""
    p = cls.param[name]
    if name == "table":       # the uploaded CSV (app/tables.py)
        return None if value is None else tables.table_problem(value)
    if isinstance(p, param.Number):
        whole = isinstance(p, param.Integer)
        low, high = p.bounds
        bounds = {"low": f"{low:g}", "high": f"{high:g}"}
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            return i18n.text(f"settings.must_be_{'whole' if whole else 'number'}", language, **bounds)
        if not math.isfinite(value) or not low <= value <= high:
            return i18n.text("settings.must_be_within", language, value=f"{value:g}", **bounds)
        return None
    choices = list(p.objects.values()) if isinstance(p.objects, dict) else list(p.objects)
    if not isinstance(value, str) or value not in choices:
        return f"must be one of {', '.join(map(str, choices))}"
    return None


def _check_network(specs):
    if not isinstance(specs, list):
        raise PlaygroundFileError("network must be a list of layers")
    if len(specs) > 64:
        raise PlaygroundFileError(f"network has {len(specs)} layers; the playground takes up to 64")
    for i, spec in enumerate(specs):
        problem = layers.structure_problem(spec)
        if problem:
            raise PlaygroundFileError(f"network layer {i + 1}: {problem}")
    # A value out of range (a field left half-edited) comes back as it was, marked on its layer as
    # the builder marks it, rather than costing the whole network.
    return [layers.kept(s) for s in specs]


def parse(doc, allow_weights=True, language=i18n.DEFAULT):
    """A validated document: {"network", "data", "hyper"[, "progress", "weights", "optimizer"]}. The common
    refusals (not a playground file, another version) are said in `language`; the rest in English."""
    optional = ("data", "hyper", "language") + (("progress", "weights", "optimizer", "model") if allow_weights else ())
    _check_keys(doc, "the file", ("format", "version", "network"), optional)
    if doc["format"] != FORMAT:
        raise PlaygroundFileError(i18n.text("files.not_playground", language, format=f'"{FORMAT}"'))
    if doc["version"] != VERSION or isinstance(doc["version"], bool):
        raise PlaygroundFileError(i18n.text("files.other_version", language, version=VERSION))
    out = {"network": _check_network(doc["network"]),
           "data": _check_settings(doc.get("data", {}), Data, "data"),
           "hyper": _check_settings(doc.get("hyper", {}), Hyper, "hyper")}
    if "language" in doc:
        if not isinstance(doc["language"], str) or doc["language"] not in i18n.LANGUAGES:
            raise PlaygroundFileError(f"its language must be one of {', '.join(i18n.LANGUAGES)}")
        out["language"] = doc["language"]
    if "model" in doc:
        out["model"] = _check_model(doc["model"])
    if "progress" in doc:
        out["progress"] = _check_progress(doc["progress"])
    if "weights" in doc:
        if not isinstance(doc["weights"], dict):
            raise PlaygroundFileError("weights must be an object of named tensors")
        out["weights"] = {name: _decode_tensor(f"weights[{name!r}]", entry)
                          for name, entry in doc["weights"].items()}
    if "optimizer" in doc:
        if "weights" not in doc:
            raise PlaygroundFileError("optimizer state without weights: it belongs to the weights it trained")
        out["optimizer"] = _check_optimizer(doc["optimizer"], out["hyper"].get("optimizer", Hyper().optimizer))
    return out


def _check_model(model):
    """{"source": the code cell's definitions, "expression": what builds the model from them}: text that
    is Python (it is run when the model is built: app/model_code.py)."""
    from app.model_code import MAX_EXPRESSION_CHARS, MAX_SOURCE_CHARS
    _check_keys(model, "model", ("source", "expression"))
    for key, limit, mode in (("source", MAX_SOURCE_CHARS, "exec"), ("expression", MAX_EXPRESSION_CHARS, "eval")):
        text = model[key]
        if not isinstance(text, str) or len(text) > limit:
            raise PlaygroundFileError(f"model.{key} must be text of at most {limit:,} characters")
        try:
            ast.parse(text, f"model.{key}", mode)   # parsed, not run
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            where = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
            raise PlaygroundFileError(f"model.{key} is not Python{where}: {getattr(error, 'msg', error)}") from None
    return {"source": model["source"], "expression": model["expression"]}


def _check_progress(progress):
    _check_keys(progress, "progress", PROGRESS, BATCH_POSITION)
    for key, value in progress.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNTER:
            raise PlaygroundFileError(f"progress.{key} must be a whole number from 0 to {MAX_COUNTER:g}")
    given = [key for key in BATCH_POSITION if key in progress]
    if given and len(given) != len(BATCH_POSITION):
        missing = next(key for key in BATCH_POSITION if key not in progress)
        raise PlaygroundFileError(f"progress has {given[0]!r} but not {missing!r}")
    if given and progress["shuffled_at"] > progress["seen"]:
        raise PlaygroundFileError("progress.shuffled_at cannot be after progress.seen")
    return progress


def _check_optimizer(entry, kind):
    """{"kind": the optimizer of the file's settings, "state": {parameter name: {state key: tensor}}}:
    the keys each optimizer keeps (checkpoint.OPTIMIZER_STATE); shapes are checked against the model."""
    _check_keys(entry, "optimizer", ("kind", "state"))
    if entry["kind"] != kind:
        raise PlaygroundFileError(f"optimizer.kind is {entry['kind']!r} but the settings train with {kind!r}")
    if not isinstance(entry["state"], dict):
        raise PlaygroundFileError("optimizer.state must be an object of parameter names")
    state = {}
    for name, entries in entry["state"].items():
        where = f"optimizer.state[{name[:60]!r}]"
        _check_keys(entries, where, checkpoint.OPTIMIZER_STATE[kind])
        state[name] = {key: _decode_tensor(f"{where}[{key!r}]", value) for key, value in entries.items()}
        for key, array in state[name].items():
            if key == "step" and (array.size != 1 or array.reshape(-1)[0] < 0
                                  or array.reshape(-1)[0] != np.round(array.reshape(-1)[0])):
                raise PlaygroundFileError(f"{where}['step'] must be one whole number of steps, 0 or more")
            if key == "exp_avg_sq" and (array < 0).any():
                raise PlaygroundFileError(f"{where}['exp_avg_sq'] has negative values; Adam's averages of "
                                          "squared gradients never are: the file is damaged")
    return state


def _decode_tensor(where, entry):
    _check_keys(entry, where, ("shape", "dtype", "data"))
    shape, dtype, data = entry["shape"], entry["dtype"], entry["data"]
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d for d in shape)):
        raise PlaygroundFileError(f"{where}.shape must be a list of at most {MAX_DIMS} whole numbers")
    count = math.prod(shape)            # Python's integers: no overflow, whatever the file says
    if count > MAX_TENSOR_ELEMENTS:
        raise PlaygroundFileError(f"{where}.shape {shape} has {count:,} values; the playground holds at most "
                                  f"{MAX_TENSOR_ELEMENTS:,} in one tensor")
    if not isinstance(dtype, str) or dtype not in WEIGHT_DTYPES:
        raise PlaygroundFileError(f"{where}.dtype must be one of {', '.join(WEIGHT_DTYPES)}")
    if not isinstance(data, str):
        raise PlaygroundFileError(f"{where}.data must be base64 text")
    dt = np.dtype(WEIGHT_DTYPES[dtype]).newbyteorder("<")
    if len(data) != 4 * math.ceil(count * dt.itemsize / 3):   # checked before decoding anything
        raise PlaygroundFileError(f"{where} holds {len(data)} characters of data; shape {shape} of {dtype} "
                                  f"needs {4 * math.ceil(count * dt.itemsize / 3)}")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise PlaygroundFileError(f"{where}.data is not valid base64") from None
    if len(raw) != count * dt.itemsize:
        raise PlaygroundFileError(f"{where} holds {len(raw)} bytes; shape {shape} of {dtype} "
                                  f"needs {count * dt.itemsize}")
    array = np.frombuffer(raw, dtype=dt).astype(WEIGHT_DTYPES[dtype]).reshape(shape)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise PlaygroundFileError(f"{where} holds NaN or infinite values: the file is damaged (or was saved "
                                  "after training diverged); load an earlier one")
    return array


def parse_history(kept):
    """A session's loss/accuracy history as it was kept (Session.History.kept): aligned columns of
    numbers (null where unknown), steps whole and rising, at most the session's cap of rows."""
    from app.session import HISTORY_POINTS, History
    _check_keys(kept, "history", ("stride", *History.COLUMNS, "grad_norms"))
    stride = kept["stride"]
    if not isinstance(stride, int) or isinstance(stride, bool) or not 1 <= stride <= 2 ** 40 or stride & (stride - 1):
        raise PlaygroundFileError("history.stride must be a power of two")
    rows = None
    columns = [(c, kept[c]) for c in History.COLUMNS]
    if not isinstance(kept["grad_norms"], dict) or len(kept["grad_norms"]) > 64:
        raise PlaygroundFileError("history.grad_norms must be an object of at most 64 layers")
    columns += [(f"grad_norms[{name[:40]!r}]", values) for name, values in kept["grad_norms"].items()]
    for where, values in columns:
        if not isinstance(values, list) or len(values) > HISTORY_POINTS + 1:
            raise PlaygroundFileError(f"history.{where} must be a list of at most {HISTORY_POINTS + 1} numbers")
        if not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   for v in values):
            raise PlaygroundFileError(f"history.{where} must hold only finite numbers (or null)")
        rows = len(values) if rows is None else rows
        if len(values) != rows and not where.startswith("grad_norms"):
            raise PlaygroundFileError(f"history.{where} has {len(values)} rows, the others {rows}")
    steps = kept["step"]
    if not all(isinstance(v, int) and v >= 0 for v in steps) or any(a >= b for a, b in zip(steps, steps[1:])):
        raise PlaygroundFileError("history.step must be whole numbers, rising")
    return kept


def _check_weights(session, weights):
    """The weights must be exactly the model's state_dict: same names, shapes and dtypes."""
    if session.model is None:
        raise PlaygroundFileError(f"the file's network cannot be built: {session.model_problem}")
    expected = {name: np.empty(t.shape, t.dtype.np) for name, t in session.model.state_dict().items()}
    if set(weights) != set(expected):
        extra, missing = sorted(set(weights) - set(expected)), sorted(set(expected) - set(weights))
        raise PlaygroundFileError("the weights do not match the network: "
                                  + (f"unexpected {extra[0][:60]!r}" if extra else f"missing {missing[0]!r}"))
    for name, array in weights.items():
        if array.shape != expected[name].shape or array.dtype != expected[name].dtype:
            raise PlaygroundFileError(f"weights[{name!r}] is {array.dtype} {list(array.shape)}; the network needs "
                                      f"{expected[name].dtype} {list(expected[name].shape)}")
        if (name.endswith(("running_var", "num_batches_tracked"))) and (array < 0).any():
            raise PlaygroundFileError(f"weights[{name!r}] has negative values, which it never has: the file is "
                                      "damaged")


def _check_optimizer_state(session, state):
    """Each parameter's optimizer state: a parameter of the model, its shape (the step count: a number)."""
    shapes = {name: tuple(p.shape) for name, p in session.model.named_parameters()}
    for name, entries in state.items():
        if name not in shapes:
            raise PlaygroundFileError(f"optimizer.state names {name[:60]!r}, which is not a parameter of the network")
        for key, array in entries.items():
            shape = () if key == "step" else shapes[name]
            if array.shape != shape or array.dtype != np.float32:
                raise PlaygroundFileError(f"optimizer.state[{name!r}][{key!r}] is {array.dtype} {list(array.shape)}; "
                                          f"it must be float32 {list(shape)}")


def _check_batch_position(session, progress):
    if "cursor" in progress and progress["cursor"] > len(session.dataset.x_train):
        raise PlaygroundFileError(f"progress.cursor is {progress['cursor']}, past the "
                                  f"{len(session.dataset.x_train)} training samples")


def check_fit(session, parsed):
    """Weights, optimizer state and batch position against the playground the document describes,
    built aside (on the CPU), so that a file that does not fit leaves this playground untouched."""
    from app.session import Session
    aside = Session(Network(layers=parsed["network"], code=parsed.get("model")),
                    Data(**{**settings(session.data), **parsed["data"]}),
                    Hyper(**{**settings(session.hyper), **parsed["hyper"]}), device_choice="cpu")
    _check_batch_position(aside, parsed.get("progress", {}))
    if "weights" in parsed:
        _check_weights(aside, parsed["weights"])
        _check_optimizer_state(aside, parsed.get("optimizer", {}))


def apply(session, parsed):
    """Load a validated document into the session; a document that does not fit the network it
    describes raises before anything changes."""
    check_fit(session, parsed)
    session.configure(parsed["network"], parsed["data"], parsed["hyper"], code=parsed.get("model"))
    session.language = parsed.get("language", session.language)
    progress = parsed.get("progress", {})
    if "weights" in parsed:
        session.restore(checkpoint.Checkpoint(parsed["weights"], parsed.get("optimizer", {}), progress))
    elif progress:
        session.step, session.epoch = progress["step"], progress["epoch"]
    session.version += 1


def load_bytes(session, data, what="the file"):
    """Load a playground file's bytes. Raises PlaygroundFileError with the reason."""
    apply(session, parse(read_json(data, what, MAX_FILE_BYTES)))


def decode_fragment(fragment, language=i18n.DEFAULT):
    """The validated settings in a share link's fragment ('s=...' or '#s=...'), refused in `language`."""
    def say(key):
        return i18n.text(f"files.{key}", language)
    fragment = fragment.lstrip("#")
    if not fragment.startswith("s="):
        raise PlaygroundFileError(say("link_not_ours"))
    payload = fragment[2:]
    if len(payload) > MAX_LINK_CHARS:
        raise PlaygroundFileError(say("link_too_long"))
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        inflate = zlib.decompressobj()
        text = inflate.decompress(raw, MAX_LINK_JSON_BYTES)
    except (binascii.Error, ValueError, zlib.error):
        raise PlaygroundFileError(say("link_undecodable")) from None
    if inflate.unconsumed_tail:
        raise PlaygroundFileError(say("link_too_big"))
    if not inflate.eof:
        raise PlaygroundFileError(say("link_cut"))
    try:
        doc = read_json(text, "the link", MAX_LINK_JSON_BYTES)
    except PlaygroundFileError:
        raise PlaygroundFileError(say("link_not_playground")) from None
    return parse(doc, allow_weights=False, language=language)


def apply_fragment(session, fragment):
    apply(session, decode_fragment(fragment))
