"""engine.save / engine.load: tensors and plain containers of them in a .npz archive, without pickle.

    engine.save(model.state_dict(), "model.pt")
    model.load_state_dict(engine.load("model.pt"))

The archive holds one array per tensor ("t0", "t1", ...) and a JSON description of the saved
object ("structure") that says where each tensor goes. Only data is stored: tensors, numbers,
strings, None, dtypes, devices, and lists, tuples and dicts of these, so loading a file never
runs code from it. Each distinct tensor is written once; a tensor saved twice loads as one.

Loading trusts nothing in the file: before anything is read, the sizes its zip headers declare are
checked (engine.save stores entries uncompressed, so an entry that inflates far beyond its stored size
is refused, as is one whose .npy header asks for more bytes than the entry holds), and the structure is
checked node by node, so a damaged or tampered file is explained instead of failing with a KeyError.
"""
import io
import json
import math
import os
import re
import zipfile
from collections import OrderedDict

import numpy as np

from . import _dtype
from ._device import device as _device_cls
from .tensor import Size, Tensor

_FORMAT = "engine.save"
_VERSION = 1
# engine.save stores its entries uncompressed: an entry that inflates to more than this many times its
# stored size (plus a little) was not written by it, and may be a zip bomb.
_MAX_INFLATION = 4
_MAX_STRUCTURE_BYTES = 64 * 1024 * 1024
_MAX_DEPTH = 200
_ENTRY = re.compile(r"(structure|t(0|[1-9][0-9]{0,8}))\.npy")


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
        for info in z.infolist():
            _check_entry(name, z, info)
        try:
            structure = json.loads(_read_array(z, "structure.npy").tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise _damaged(name, "its structure entry is not the JSON engine.save writes") from None
        if not isinstance(structure, dict) or structure.get("format") != _FORMAT:
            raise RuntimeError(f"{name} is not a file written by engine.save")
        version = structure.get("version", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise _damaged(name, "its format version is not a number")
        if version > _VERSION:
            raise RuntimeError(f"{name} was written by a newer engine.save (format version {version})")
        if "root" not in structure:
            raise _damaged(name, "its structure has no root object")
        arrays = {n[:-4]: n for n in names if n != "structure.npy"}
        device = None if map_location is None else _device_cls(map_location)
        return _Decoder(name, z, arrays, device).decode(structure["root"], 0)


def _damaged(name, why):
    return RuntimeError(f"{name} is damaged or was not written by engine.save: {why}")


def _check_entry(name, z, info):
    """Refuse, from the zip's own headers and the .npy header alone, an entry that is not one engine.save
    writes or that would inflate beyond what its stored bytes can hold."""
    if not _ENTRY.fullmatch(info.filename):
        raise _damaged(name, f"it holds an entry {info.filename[:60]!r} that engine.save never writes")
    if info.file_size > _MAX_INFLATION * info.compress_size + 4096:
        raise _damaged(name, f"its entry {info.filename!r} would inflate from {info.compress_size:,} to "
                             f"{info.file_size:,} bytes (engine.save does not compress)")
    if info.filename == "structure.npy" and info.file_size > _MAX_STRUCTURE_BYTES:
        raise _damaged(name, "its structure entry is too large")
    with z.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            shape, _fortran, dtype = (np.lib.format.read_array_header_1_0(f) if version == (1, 0)
                                      else np.lib.format.read_array_header_2_0(f))
        except (ValueError, SyntaxError, TypeError):
            raise _damaged(name, f"its entry {info.filename!r} is not a numpy array") from None
        header = f.tell()
    if dtype.hasobject:
        raise _damaged(name, f"its entry {info.filename!r} holds Python objects, which engine.load never unpickles")
    needed = math.prod(shape) * dtype.itemsize        # Python's integers: a lying header cannot overflow
    if needed != info.file_size - header:
        raise _damaged(name, f"its entry {info.filename!r} declares {needed:,} bytes of data but holds "
                             f"{info.file_size - header:,}")


def _read_array(z, entry):
    with z.open(entry) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


class _Decoder:
    """The saved object from its structure, every node checked: a tampered file is explained."""

    def __init__(self, name, z, arrays, device):
        self.name, self.z, self.arrays, self.device = name, z, arrays, device
        self.tensors = {}

    def fail(self, why):
        raise _damaged(self.name, why)

    def decode(self, node, depth):
        if depth > _MAX_DEPTH:
            self.fail(f"its structure nests more than {_MAX_DEPTH} levels deep")
        if not isinstance(node, dict) or len(node.keys() & _NODE_KINDS) != 1:
            self.fail("its structure has an entry that is not one engine.save writes")
        (kind,) = node.keys() & _NODE_KINDS
        value = node[kind]
        if kind == "tensor":
            return self.tensor(node)
        if kind == "value":
            if value is not None and not isinstance(value, (bool, int, float, str)):
                self.fail("a saved value is not a number, a string or None")
            return value
        if kind == "dtype":
            if not isinstance(value, str) or value not in _dtype._BY_NAME:
                self.fail(f"it names an unknown dtype {str(value)[:40]!r}")
            return _dtype._BY_NAME[value]
        if kind == "device":
            try:
                return _device_cls(value)
            except (RuntimeError, TypeError, ValueError):
                self.fail(f"it names an unknown device {str(value)[:40]!r}")
        if kind == "size":
            if not isinstance(value, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                      for d in value):
                self.fail("a saved size is not a list of whole numbers")
            return Size(value)
        if not isinstance(value, list):
            self.fail(f"a saved {kind} is not a list")
        if kind == "dict":
            if not all(isinstance(pair, list) and len(pair) == 2 for pair in value):
                self.fail("a saved dict is not a list of key-value pairs")
            items = []
            for k, v in value:
                key = _hashable(self.decode(k, depth + 1))
                try:
                    hash(key)
                except TypeError:
                    self.fail("a saved dict has a key that cannot be a key")
                items.append((key, self.decode(v, depth + 1)))
            return OrderedDict(items) if node.get("ordered") else dict(items)
        items = [self.decode(v, depth + 1) for v in value]
        return items if kind == "list" else tuple(items)

    def tensor(self, node):
        i = node["tensor"]
        if not isinstance(i, int) or isinstance(i, bool) or f"t{i}" not in self.arrays:
            self.fail(f"its structure refers to a tensor {str(i)[:20]} that the file does not hold")
        if not isinstance(node.get("requires_grad", False), bool):
            self.fail("a tensor's requires_grad is not true or false")
        t = self.tensors.get(i)
        if t is None:
            array = _read_array(self.z, self.arrays[f"t{i}"])
            if array.dtype not in _dtype._BY_NP:
                self.fail(f"tensor {i} has the numpy type {array.dtype}, which engine tensors do not use")
            t = Tensor._wrap(array)
            if self.device is not None and self.device.type != "cpu":
                t = t.to(self.device)
            if node.get("parameter"):
                from .nn.parameter import Parameter
                t = Parameter(t, requires_grad=node.get("requires_grad", True))
            elif node.get("requires_grad"):
                if not t.is_floating_point():
                    self.fail(f"tensor {i} asks for gradients but holds whole numbers")
                t.requires_grad_(True)
            self.tensors[i] = t
        return t


_NODE_KINDS = {"tensor", "value", "dtype", "device", "size", "dict", "list", "tuple"}


def _hashable(key):
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _read_bytes(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    return f.read()
