"""Save and load the whole playground (network, settings, weights) as a JSON file, and share the
network and settings as a link (`#s=<base64url of deflated JSON>`).

Everything read back is validated field by field before anything is applied: JSON types,
ranges and choices (through the param models), layer specs (app/layers.py), weight names,
shapes and byte counts against the model they will load into. Nothing is ever eval'd: the
only parsers are json, base64 and zlib. A rejected file or link leaves the playground as it was.
"""
import base64
import binascii
import json
import zlib

import numpy as np
import param

import engine as torch
from app import layers
from app.state import Data, Hyper, settings

FORMAT = "autograd-playground"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINK_CHARS = 16 * 1024
WEIGHT_DTYPES = {"float32": np.float32, "int64": np.int64}   # BatchNorm counts its batches in int64


class PlaygroundFileError(ValueError):
    """A file or link that cannot be loaded; the message says why."""


# ---- writing ------------------------------------------------------------------------------

def snapshot(session, weights=True):
    doc = {"format": FORMAT, "version": VERSION, "network": [layers.normalized(s) if not layers.spec_problem(s)
                                                              else s for s in session.network.layers],
           "data": settings(session.data), "hyper": settings(session.hyper)}
    if weights and session.model is not None:
        doc["progress"] = {"step": session.step, "epoch": session.epoch}
        doc["weights"] = {name: _encode_tensor(t) for name, t in session.model.state_dict().items()}
    return doc


def _encode_tensor(tensor):
    array = tensor.numpy()
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
        problem = layers.spec_problem(spec)
        if problem:
            raise PlaygroundFileError(f"network layer {i + 1}: {problem}")
    return [layers.normalized(s) for s in specs]


def parse(doc, allow_weights=True):
    """A validated document: {"network", "data", "hyper"[, "progress", "weights"]}."""
    optional = ("data", "hyper") + (("progress", "weights") if allow_weights else ())
    _check_keys(doc, "the file", ("format", "version", "network"), optional)
    if doc["format"] != FORMAT:
        raise PlaygroundFileError(f"not a playground file (format {doc['format']!r})")
    if doc["version"] != VERSION or isinstance(doc["version"], bool):
        raise PlaygroundFileError(f"file version {doc['version']!r} is not supported (this playground reads {VERSION})")
    out = {"network": _check_network(doc["network"]),
           "data": _check_settings(doc.get("data", {}), Data, "data"),
           "hyper": _check_settings(doc.get("hyper", {}), Hyper, "hyper")}
    if "progress" in doc:
        progress = doc["progress"]
        _check_keys(progress, "progress", ("step", "epoch"))
        for key, value in progress.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise PlaygroundFileError(f"progress.{key} must be a whole number >= 0")
        out["progress"] = progress
    if "weights" in doc:
        if not isinstance(doc["weights"], dict):
            raise PlaygroundFileError("weights must be an object of named tensors")
        out["weights"] = {name: _decode_tensor(name, entry) for name, entry in doc["weights"].items()}
    return out


def _decode_tensor(name, entry):
    where = f"weights[{name!r}]"
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
    expected = {name: t.numpy() for name, t in session.model.state_dict().items()}
    if set(weights) != set(expected):
        extra, missing = sorted(set(weights) - set(expected)), sorted(set(expected) - set(weights))
        raise PlaygroundFileError("the weights do not match the network: "
                                  + (f"unexpected {extra[0]!r}" if extra else f"missing {missing[0]!r}"))
    for name, array in weights.items():
        if array.shape != expected[name].shape or array.dtype != expected[name].dtype:
            raise PlaygroundFileError(f"weights[{name!r}] is {array.dtype} {list(array.shape)}; the network needs "
                                      f"{expected[name].dtype} {list(expected[name].shape)}")


def apply(session, parsed):
    """Load a validated document into the session; on a weight mismatch the previous playground
    is restored and the error raised."""
    before = {"network": list(session.network.layers), "data": settings(session.data),
              "hyper": settings(session.hyper)}
    session.configure(parsed["network"], parsed["data"], parsed["hyper"])
    if "weights" in parsed:
        try:
            _check_weights(session, parsed["weights"])
        except PlaygroundFileError:
            session.configure(**before)
            raise
        session.model.load_state_dict({name: torch.tensor(a) for name, a in parsed["weights"].items()})
    if "progress" in parsed:
        session.step, session.epoch = parsed["progress"]["step"], parsed["progress"]["epoch"]
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
