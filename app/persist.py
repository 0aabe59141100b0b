"""Save and load the whole playground (network, settings, weights, the optimizer's state and where
training was) as a JSON file, and share the network and settings as a link
(`#s=<base64url of deflated JSON>`). A loaded file trains on exactly as the saved playground
would have: the same weights, momentum buffers or Adam moments and step counts, and the same
next batches (dropout masks aside: they come from the engine's global random generator).

Everything read back is validated field by field before anything is applied: JSON types,
ranges and choices (through the param models), layer specs (app/layers.py), weight and
optimizer-state names, shapes and byte counts against the model they will load into. Nothing is
ever eval'd: the only parsers are json, base64 and zlib. A rejected file or link leaves the
playground as it was.
"""
import base64
import binascii
import json
import zlib

import numpy as np
import param

from app import checkpoint, layers
from app.state import Data, Hyper, Network, settings

FORMAT = "autograd-playground"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINK_CHARS = 16 * 1024
WEIGHT_DTYPES = {"float32": np.float32, "int64": np.int64}   # BatchNorm counts its batches in int64
# Where training was: the step and epoch counters, and where the batches are (how many samples were
# seen, how often the network was reset, when the batch order was last shuffled, how far into it).
PROGRESS = ("step", "epoch")
BATCH_POSITION = ("seen", "resets", "shuffled_at", "cursor")


class PlaygroundFileError(ValueError):
    """A file or link that cannot be loaded; the message says why."""


# ---- writing ------------------------------------------------------------------------------

def snapshot(session, weights=True):
    state = session.training_state() if weights else None   # one read-back on a GPU
    return document(session.network.layers, settings(session.data), settings(session.hyper), state)


def document(network, data, hyper, state=None):
    """The playground file of these layer specs and settings, with the weights, optimizer state and
    progress of `state` (a Checkpoint) when given."""
    doc = {"format": FORMAT, "version": VERSION, "network": [layers.kept(s) for s in network],
           "data": dict(data), "hyper": dict(hyper)}
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
    return json.dumps(snapshot(session), indent=1).encode()


def share_fragment(session):
    """The URL fragment (without '#') that restores the network and settings."""
    text = json.dumps(snapshot(session, weights=False), separators=(",", ":"))
    return "s=" + base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


# ---- reading ------------------------------------------------------------------------------

def _check_keys(obj, where, required, optional=()):
    if not isinstance(obj, dict):
        raise PlaygroundFileError(f"{where} must be an object")
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise PlaygroundFileError(f"{where} has an unknown field {unknown[0]!r}")
    missing = [k for k in required if k not in obj]
    if missing:
        raise PlaygroundFileError(f"{where} is missing {missing[0]!r}")


def _check_settings(values, cls, where):
    """Values for a param model: known names, JSON types as declared, and the model's own
    ranges and choices (param validates them on a scratch instance)."""
    fields = [name for name in cls.param if name != "name"]
    _check_keys(values, where, (), fields)
    probe = cls()
    for name, value in values.items():
        p = cls.param[name]
        if isinstance(p, param.Integer):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(p, param.Number):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise PlaygroundFileError(f"{where}.{name} has the wrong type ({type(value).__name__})")
        try:
            setattr(probe, name, value)
        except ValueError as error:
            raise PlaygroundFileError(f"{where}.{name}: {error}") from None
    return values


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


def parse(doc, allow_weights=True):
    """A validated document: {"network", "data", "hyper"[, "progress", "weights", "optimizer"]}."""
    optional = ("data", "hyper") + (("progress", "weights", "optimizer") if allow_weights else ())
    _check_keys(doc, "the file", ("format", "version", "network"), optional)
    if doc["format"] != FORMAT:
        raise PlaygroundFileError(f"not a playground file (format {doc['format']!r})")
    if doc["version"] != VERSION or isinstance(doc["version"], bool):
        raise PlaygroundFileError(f"file version {doc['version']!r} is not supported (this playground reads {VERSION})")
    out = {"network": _check_network(doc["network"]),
           "data": _check_settings(doc.get("data", {}), Data, "data"),
           "hyper": _check_settings(doc.get("hyper", {}), Hyper, "hyper")}
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


def _check_progress(progress):
    _check_keys(progress, "progress", PROGRESS, BATCH_POSITION)
    for key, value in progress.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise PlaygroundFileError(f"progress.{key} must be a whole number >= 0")
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
        where = f"optimizer.state[{name!r}]"
        _check_keys(entries, where, checkpoint.OPTIMIZER_STATE[kind])
        state[name] = {key: _decode_tensor(f"{where}[{key!r}]", value) for key, value in entries.items()}
    return state


def _decode_tensor(where, entry):
    _check_keys(entry, where, ("shape", "dtype", "data"))
    shape, dtype, data = entry["shape"], entry["dtype"], entry["data"]
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d
                                              for d in shape):
        raise PlaygroundFileError(f"{where}.shape must be a list of whole numbers")
    if dtype not in WEIGHT_DTYPES:
        raise PlaygroundFileError(f"{where}.dtype must be one of {', '.join(WEIGHT_DTYPES)}")
    if not isinstance(data, str):
        raise PlaygroundFileError(f"{where}.data must be base64 text")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise PlaygroundFileError(f"{where}.data is not valid base64") from None
    dt = np.dtype(WEIGHT_DTYPES[dtype]).newbyteorder("<")
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) != count * dt.itemsize:
        raise PlaygroundFileError(f"{where} holds {len(raw)} bytes; shape {shape} of {dtype} "
                                  f"needs {count * dt.itemsize}")
    return np.frombuffer(raw, dtype=dt).astype(WEIGHT_DTYPES[dtype]).reshape(shape)


def _check_weights(session, weights):
    """The weights must be exactly the model's state_dict: same names, shapes and dtypes."""
    if session.model is None:
        raise PlaygroundFileError(f"the file's network cannot be built: {session.analysis.get('error')}")
    expected = {name: np.empty(t.shape, t.dtype.np) for name, t in session.model.state_dict().items()}
    if set(weights) != set(expected):
        extra, missing = sorted(set(weights) - set(expected)), sorted(set(expected) - set(weights))
        raise PlaygroundFileError("the weights do not match the network: "
                                  + (f"unexpected {extra[0]!r}" if extra else f"missing {missing[0]!r}"))
    for name, array in weights.items():
        if array.shape != expected[name].shape or array.dtype != expected[name].dtype:
            raise PlaygroundFileError(f"weights[{name!r}] is {array.dtype} {list(array.shape)}; the network needs "
                                      f"{expected[name].dtype} {list(expected[name].shape)}")


def _check_optimizer_state(session, state):
    """Each parameter's optimizer state: a parameter of the model, its shape (the step count: a number)."""
    shapes = {name: tuple(p.shape) for name, p in session.model.named_parameters()}
    for name, entries in state.items():
        if name not in shapes:
            raise PlaygroundFileError(f"optimizer.state names {name!r}, which is not a parameter of the network")
        for key, array in entries.items():
            shape = () if key == "step" else shapes[name]
            if array.shape != shape or array.dtype != np.float32:
                raise PlaygroundFileError(f"optimizer.state[{name!r}][{key!r}] is {array.dtype} {list(array.shape)}; "
                                          f"it must be float32 {list(shape)}")


def _check_batch_position(session, progress):
    if "cursor" in progress and progress["cursor"] > len(session.dataset.x_train):
        raise PlaygroundFileError(f"progress.cursor is {progress['cursor']}, past the "
                                  f"{len(session.dataset.x_train)} training samples")


def _check_fit(session, parsed):
    """Weights, optimizer state and batch position against the playground the document describes,
    built aside (on the CPU), so that a file that does not fit leaves this playground untouched."""
    from app.session import Session
    aside = Session(Network(layers=parsed["network"]), Data(**{**settings(session.data), **parsed["data"]}),
                    Hyper(**{**settings(session.hyper), **parsed["hyper"]}), device_choice="cpu")
    _check_batch_position(aside, parsed.get("progress", {}))
    if "weights" in parsed:
        _check_weights(aside, parsed["weights"])
        _check_optimizer_state(aside, parsed.get("optimizer", {}))


def apply(session, parsed):
    """Load a validated document into the session; a document that does not fit the network it
    describes raises before anything changes."""
    _check_fit(session, parsed)
    session.configure(parsed["network"], parsed["data"], parsed["hyper"])
    progress = parsed.get("progress", {})
    if "weights" in parsed:
        session.restore(checkpoint.Checkpoint(parsed["weights"], parsed.get("optimizer", {}), progress))
    elif progress:
        session.step, session.epoch = progress["step"], progress["epoch"]
    session.version += 1


def load_bytes(session, data):
    """Load a playground file's bytes. Raises PlaygroundFileError with the reason."""
    if len(data) > MAX_FILE_BYTES:
        raise PlaygroundFileError(f"the file is {len(data) / 1e6:.0f} MB; playground files are at most "
                                  f"{MAX_FILE_BYTES / 1e6:.0f} MB")
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlaygroundFileError(f"not a playground file: it is not valid JSON ({error})") from None
    apply(session, parse(doc))


def decode_fragment(fragment):
    """The validated settings in a share link's fragment ('s=...' or '#s=...')."""
    fragment = fragment.lstrip("#")
    if not fragment.startswith("s="):
        raise PlaygroundFileError("not a playground link (it should end in #s=...)")
    payload = fragment[2:]
    if len(payload) > MAX_LINK_CHARS:
        raise PlaygroundFileError("the link is too long to be a playground link")
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        text = zlib.decompressobj().decompress(raw, 1024 * 1024)
        doc = json.loads(text)
    except (binascii.Error, ValueError, zlib.error):
        raise PlaygroundFileError("the link is damaged (it could not be decoded); copy it again in full") from None
    return parse(doc, allow_weights=False)


def apply_fragment(session, fragment):
    apply(session, decode_fragment(fragment))
