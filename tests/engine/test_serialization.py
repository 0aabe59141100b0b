"""engine.save / engine.load: npz archives of tensors and plain containers, without pickle."""
import io
import json
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import engine


def _round_trip(obj, tmp_path=None):
    if tmp_path is None:
        buf = io.BytesIO()
        engine.save(obj, buf)
        buf.seek(0)
        return engine.load(buf)
    path = tmp_path / "obj.pt"
    engine.save(obj, path)
    return engine.load(str(path))


def test_state_dict_round_trip_restores_a_model(tmp_path):
    model = engine.nn.Sequential(engine.nn.Conv2d(1, 2, 3), engine.nn.BatchNorm2d(2), engine.nn.Flatten(),
                                 engine.nn.Linear(8, 3))
    model(engine.randn(4, 1, 4, 4))  # non-trivial running statistics and num_batches_tracked
    engine.save(model.state_dict(), tmp_path / "model.pt")
    assert (tmp_path / "model.pt").exists() and not (tmp_path / "model.pt.npz").exists()
    loaded = engine.load(tmp_path / "model.pt")
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(model.state_dict())
    fresh = engine.nn.Sequential(engine.nn.Conv2d(1, 2, 3), engine.nn.BatchNorm2d(2), engine.nn.Flatten(),
                                 engine.nn.Linear(8, 3))
    assert repr(fresh.load_state_dict(loaded)) == "<All keys matched successfully>"
    for (k, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        assert a.dtype == b.dtype and a.shape == b.shape and engine.equal(a, b), k
    x = engine.randn(2, 1, 4, 4)
    model.eval(), fresh.eval()
    assert engine.equal(model(x), fresh(x))


def test_containers_scalars_dtypes_and_shapes_survive():
    t = engine.tensor([[1.5, -2.0]], dtype=engine.float64)
    obj = {
        "epoch": 3, "lr": 0.125, "name": "run", "flag": True, "none": None, "nan": float("inf"),
        "ints": engine.tensor([1, 2, 3]), "mask": engine.tensor([True, False]), "scalar": engine.tensor(2.5),
        "nested": [t, (engine.zeros(0, 4), {"deep": [1, 2.0]})], 7: "int key", (1, 2): "tuple key",
        "dtype": engine.float16, "device": engine.device("cpu"), "size": engine.Size([2, 3]),
        "param": engine.nn.Parameter(engine.ones(2)), "needs_grad": engine.ones(1, requires_grad=True),
    }
    out = _round_trip(obj)
    assert set(out) == set(obj)
    assert out["epoch"] == 3 and out["lr"] == 0.125 and out["name"] == "run" and out["flag"] is True
    assert out["none"] is None and out["nan"] == float("inf") and out[7] == "int key" and out[(1, 2)] == "tuple key"
    assert out["ints"].dtype == engine.int64 and out["ints"].tolist() == [1, 2, 3]
    assert out["mask"].dtype == engine.bool and out["mask"].tolist() == [True, False]
    assert out["scalar"].shape == () and out["scalar"].item() == 2.5
    assert out["nested"][0].dtype == engine.float64 and out["nested"][0].tolist() == [[1.5, -2.0]]
    assert isinstance(out["nested"][1], tuple) and out["nested"][1][0].shape == (0, 4)
    assert out["nested"][1][1] == {"deep": [1, 2.0]}
    assert out["dtype"] is engine.float16 and out["device"] == "cpu" and out["size"] == engine.Size([2, 3])
    assert isinstance(out["param"], engine.nn.Parameter) and out["param"].requires_grad
    assert out["needs_grad"].requires_grad and not isinstance(out["needs_grad"], engine.nn.Parameter)


def test_a_tensor_saved_twice_loads_once():
    t = engine.arange(4.0)
    a, b = _round_trip([t, {"again": t}])
    assert a is b["again"]


def test_non_contiguous_and_single_tensors(tmp_path):
    t = engine.arange(12.0).view(3, 4).t()
    out = _round_trip(t, tmp_path)
    assert out.tolist() == t.tolist() and out.is_contiguous()


def test_file_is_a_plain_npz_without_pickles(tmp_path):
    engine.save({"w": engine.ones(2, 2)}, tmp_path / "m.pt")
    with zipfile.ZipFile(tmp_path / "m.pt") as z:
        names = z.namelist()
    assert sorted(names) == ["structure.npy", "t0.npy"]
    with np.load(tmp_path / "m.pt", allow_pickle=False) as f:
        assert f["t0"].tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_load_refuses_files_that_are_not_ours(tmp_path):
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(RuntimeError, match="is not a file written by engine.save: expected a zip"):
        engine.load(tmp_path / "text.pt")
    (tmp_path / "pickle.pt").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="does not unpickle"):
        engine.load(tmp_path / "pickle.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    with pytest.raises(RuntimeError, match="looks like a PyTorch checkpoint"):
        engine.load(tmp_path / "torch.pt")
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(RuntimeError, match="has no 'structure' entry"):
        engine.load(tmp_path / "plain.npz")


def test_save_refuses_objects_it_cannot_store_without_pickle():
    with pytest.raises(TypeError, match="got an object of type function"):
        engine.save({"fn": lambda: 1}, io.BytesIO())
    with pytest.raises(TypeError, match="got an object of type Linear"):
        engine.save(engine.nn.Linear(1, 1), io.BytesIO())


def test_optimizer_state_dict_round_trip():
    p = engine.nn.Parameter(engine.randn(3))
    opt = engine.optim.Adam([p], lr=0.01, betas=(0.8, 0.9))
    p.grad = engine.ones(3)
    opt.step()
    sd = _round_trip(opt.state_dict())
    assert sd["param_groups"][0]["betas"] == (0.8, 0.9) and sd["param_groups"][0]["params"] == [0]
    assert sd["state"][0]["step"].shape == () and sd["state"][0]["step"].item() == 1.0
    assert engine.equal(sd["state"][0]["exp_avg"], opt.state[p]["exp_avg"])


def test_map_location_and_load_into_torch_shapes(tmp_path):
    model = engine.nn.Linear(3, 2)
    engine.save(model.state_dict(), tmp_path / "m.pt")
    sd = engine.load(tmp_path / "m.pt", map_location="cpu", weights_only=True)
    t = torch.nn.Linear(3, 2)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    np.testing.assert_allclose(t.weight.detach().numpy(), model.weight.detach().numpy())


def _archive(entries, compression=zipfile.ZIP_STORED):
    """A zip of raw entries {name: bytes}, as a tampered or hand-made file would be."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _structure(root):
    text = root if isinstance(root, str) else json.dumps(root)
    return _npy(np.frombuffer(f'{{"format": "engine.save", "version": 1, "root": {text}}}'.encode(), np.uint8))


def _tampered():
    ok = {"structure.npy": _structure({"tensor": 0, "requires_grad": False, "parameter": False}),
          "t0.npy": _npy(np.ones(3, np.float32))}
    header = _npy(np.ones(3, np.float32))[:-12].replace(b"(3,)", b"(10000000000, 10000000000)".ljust(4))
    yield "would inflate from", _archive({**ok, "t0.npy": _npy(np.zeros(2_000_000, np.float32))}, zipfile.ZIP_DEFLATED)
    yield "is not a numpy array", _archive({**ok, "t0.npy": b"\x93NUMPY garbage"})
    yield "declares", _archive({**ok, "t0.npy": header + b"\0" * 12})
    yield "that engine.save never writes", _archive({**ok, "evil.py": b"import os"})
    yield "refers to a tensor 5", _archive({**ok, "structure.npy": _structure({"tensor": 5})})
    yield "refers to a tensor", _archive({**ok, "structure.npy": _structure({"tensor": "0"})})
    yield "not one engine.save writes", _archive({**ok, "structure.npy": _structure({"module": "os"})})
    yield "not one engine.save writes", _archive({**ok, "structure.npy": _structure([1, 2])})
    yield "unknown dtype", _archive({**ok, "structure.npy": _structure({"dtype": ["float32"]})})
    yield "unknown device", _archive({**ok, "structure.npy": _structure({"device": "quantum:7"})})
    yield "not a list of key-value pairs", _archive({**ok, "structure.npy": _structure({"dict": [[1]]})})
    yield "cannot be a key", _archive({**ok, "structure.npy": _structure(
        {"dict": [[{"dict": []}, {"value": 1}]]})})
    deep = '{"list": [' * 300 + '{"value": 1}' + "]}" * 300
    yield "nests more than", _archive({**ok, "structure.npy": _structure(deep)})
    yield "is not the JSON", _archive({**ok, "structure.npy": _structure("[" * 100_000)})
    yield "holds Python objects", _archive({**ok, "t0.npy": _npy(np.ones(2)).replace(b"'<f8'", b"'|O' ")})
    yield "is not the JSON", _archive({**ok, "structure.npy": _npy(np.frombuffer(b"{no", np.uint8))})


@pytest.mark.parametrize("message, archive", list(_tampered()))
def test_tampered_archives_are_explained_before_anything_large_is_read(message, archive):
    with pytest.raises(RuntimeError, match="is damaged or was not written by engine.save") as info:
        engine.load(archive)
    assert message in str(info.value)
