"""Trained weights as a .safetensors file: the state_dict format PyTorch users load without pickle
(`safetensors.torch.load_file`, or the few lines of `read_safetensors` below on plain torch).

The format (github.com/huggingface/safetensors): 8 bytes, the header's length as a little-endian
unsigned 64-bit integer; the header, a JSON object {name: {"dtype", "shape", "data_offsets"}} with an
optional "__metadata__" {str: str}; then every tensor's raw little-endian bytes, row-major, packed one
after the other (data_offsets count from the end of the header). The writer is numpy only, so it runs
in the page; `read_safetensors` is emitted into the exported script (app/export.py), where it runs on
real PyTorch.
"""
import json

import numpy as np

DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.float16): "F16",
          np.dtype(np.int64): "I64", np.dtype(np.int32): "I32", np.dtype(np.int16): "I16", np.dtype(np.int8): "I8",
          np.dtype(np.uint8): "U8", np.dtype(np.bool_): "BOOL"}
ALIGN = 8   # the header is padded with spaces to a multiple of 8 bytes, as safetensors writes it


def safetensors_bytes(tensors, metadata=None):
    """The .safetensors file of `tensors` {name: numpy array} (in this order) with `metadata`
    {str: str} as its "__metadata__"."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, array in tensors.items():
        array = np.asarray(array)
        if array.dtype not in DTYPES:
            raise TypeError(f"weight {name!r}: dtype {array.dtype} has no safetensors name")
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % ALIGN)
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


def read_safetensors(path):
    """(state_dict, metadata) of a .safetensors file, on plain PyTorch: the same tensors as
    safetensors.torch.load_file(path)."""
    import torch
    dtypes = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "I64": torch.int64,
              "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
    with open(path, "rb") as file:
        blob = file.read()
    size = int.from_bytes(blob[:8], "little")   # the header's length
    header = json.loads(blob[8:8 + size])
    metadata = header.pop("__metadata__", {})
    data = blob[8 + size:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = dtypes[info["dtype"]]
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.zeros(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors, metadata
