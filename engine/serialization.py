"""engine.save / engine.load: tensors and plain containers of them in a .npz archive, without pickle.

    engine.save(model.state_dict(), "model.pt")
    model.load_state_dict(engine.load("model.pt"))

The archive holds one array per tensor ("t0", "t1", ...) and a JSON description of the saved
object ("structure") that says where each tensor goes. Only data is stored: tensors, numbers,
strings, None, dtypes, devices, and lists, tuples and dicts of these, so loading a file never
runs code from it. Each distinct tensor is written once; a tensor saved twice loads as one.
"""
import io
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np

from . import _dtype
from ._device import device as _device_cls
from .tensor import Size, Tensor

_FORMAT = "engine.save"
_VERSION = 1


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write obj to f (a path or a binary file object). The pickle arguments of torch.save are accepted for
    compatibility and have no effect: nothing is pickled."""
    arrays = {}
    index = {}  # id(tensor) -> its number in the archive

    def encode(x):
        if isinstance(x, Tensor):
            i = index.get(id(x))
            if i is None:
                i = index[id(x)] = len(index)
                arrays[f"t{i}"] = np.require(x.numpy(force=True), requirements="C")  # keeps 0-d arrays 0-d
            from .nn.parameter import Parameter
            return {"tensor": i, "requires_grad": bool(x.requires_grad), "parameter": isinstance(x, Parameter)}
        if x is None or isinstance(x, (bool, int, float, str)):
            return {"value": x}
        if isinstance(x, (np.integer, np.floating, np.bool_)):
            return {"value": x.item()}
        if isinstance(x, _dtype.dtype):
            return {"dtype": x.name}
        if isinstance(x, _device_cls):
            return {"device": str(x)}
        if isinstance(x, Size):
            return {"size": list(x)}
        if isinstance(x, dict):
            return {"dict": [[encode(k), encode(v)] for k, v in x.items()], "ordered": isinstance(x, OrderedDict)}
        if isinstance(x, list):
            return {"list": [encode(v) for v in x]}
        if isinstance(x, tuple):
            return {"tuple": [encode(v) for v in x]}
        raise TypeError(f"engine.save stores tensors, numbers, strings, None, dtypes, devices and lists, tuples and "
                        f"dicts of them (no pickled objects); got an object of type {type(x).__name__}")

    structure = {"format": _FORMAT, "version": _VERSION, "root": encode(obj)}
    arrays["structure"] = np.frombuffer(json.dumps(structure).encode("utf-8"), dtype=np.uint8)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            np.savez(fh, **arrays)
    else:
        np.savez(f, **arrays)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Read what save() wrote. map_location (a device or device string) moves every tensor there."""
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "the file")
    raw = _read_bytes(f)
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise RuntimeError(f"{name} is not a file written by engine.save: expected a zip (.npz) archive. engine.load "
                           "reads only engine.save files; it does not unpickle.")
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        names = z.namelist()
    if "structure.npy" not in names:
        hint = (" It looks like a PyTorch checkpoint (pickle-based): convert it in PyTorch, e.g. "
                "{k: v.numpy() for k, v in sd.items()}, and rebuild tensors with engine.tensor."
                if any(n.endswith("data.pkl") for n in names) else "")
        raise RuntimeError(f"{name} is not a file written by engine.save (it has no 'structure' entry).{hint}")
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        structure = json.loads(archive["structure"].tobytes().decode("utf-8"))
        if structure.get("format") != _FORMAT:
            raise RuntimeError(f"{name} is not a file written by engine.save")
        if structure.get("version", 0) > _VERSION:
            raise RuntimeError(f"{name} was written by a newer engine.save (format version {structure['version']})")
        arrays = {k: archive[k] for k in archive.files if k != "structure"}
    device = None if map_location is None else _device_cls(map_location)
    tensors = {}

    def decode(node):
        if "tensor" in node:
            i = node["tensor"]
            t = tensors.get(i)
            if t is None:
                t = Tensor._wrap(arrays[f"t{i}"])
                if device is not None and device.type != "cpu":
                    t = t.to(device)
                if node.get("parameter"):
                    from .nn.parameter import Parameter
                    t = Parameter(t, requires_grad=node["requires_grad"])
                elif node["requires_grad"]:
                    t.requires_grad_(True)
                tensors[i] = t
            return t
        if "value" in node:
            return node["value"]
        if "dtype" in node:
            return _dtype._BY_NAME[node["dtype"]]
        if "device" in node:
            return _device_cls(node["device"])
        if "size" in node:
            return Size(node["size"])
        if "dict" in node:
            items = [(_hashable(decode(k)), decode(v)) for k, v in node["dict"]]
            return OrderedDict(items) if node.get("ordered") else dict(items)
        if "list" in node:
            return [decode(v) for v in node["list"]]
        if "tuple" in node:
            return tuple(decode(v) for v in node["tuple"])
        raise RuntimeError("corrupt engine.save file: unknown entry in its structure")

    return decode(structure["root"])


def _hashable(key):
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _read_bytes(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    return f.read()
