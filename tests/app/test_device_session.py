"""The session on a real WebGPU device: natively the wgpu/lavapipe adapter, a software adapter, so
the automatic choice stays on the CPU and these tests switch to WebGPU explicitly. Switching keeps
the weights and the optimizer state; a failing GPU (injected) falls back to the CPU with the
network and weights of the last step boundary; the views' reads come back in one read-back."""
import math

import numpy as np
import pytest

import engine
from app import devices
from app.layers import new_layer
from app.session import Session
from app.state import PRESETS, Data, Hyper, Network

# A small conv net on the 8x8 digits: convolutions, pooling, flatten, linear, but light enough for
# software Vulkan.
SMALL_CNN = [new_layer("Conv2d", out_channels=3, kernel_size=3), new_layer("ReLU"), new_layer("MaxPool2d"),
             new_layer("Flatten"), new_layer("Linear", out_features=10)]


@pytest.fixture(scope="module")
def adapter():
    found = devices.find_adapter()
    if not found.available:
        pytest.skip(found.problem)
    return found


def mlp_session(adapter, optimizer="Adam", **params):
    p = PRESETS["mlp"]
    return Session(Network(layers=p["network"]), Data(**p["data"]), Hyper(**{**p["hyper"], "optimizer": optimizer}),
                   adapter=adapter, **params)


def cnn_session(adapter, **params):
    return Session(Network(layers=SMALL_CNN), Data(dataset="digits", image_mode="none", batch_size=16),
                   Hyper(optimizer="SGD+momentum", lr=0.05, loss="cross_entropy"), adapter=adapter, **params)


def weights(session):
    return {name: t.detach().cpu().numpy() for name, t in session.model.state_dict().items()}


def assert_same_weights(a, b, rtol=1e-4, atol=1e-6):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for name in wa:
        np.testing.assert_allclose(wa[name], wb[name], rtol=rtol, atol=atol, err_msg=name)


def test_auto_stays_on_the_cpu_on_a_software_adapter(adapter):
    if not adapter.software:
        pytest.skip(f"{adapter.label} is a hardware adapter")
    s = cnn_session(adapter)
    assert s.device == "cpu" and s.device_note == f"WebGPU: {adapter.label} (software) — CPU is faster here"


def test_auto_takes_a_hardware_adapter_for_conv_nets_and_leaves_it_for_small_mlps(adapter):
    hardware = devices.Adapter(info={**adapter.info, "is_fallback": False})   # as a real GPU would report
    s = cnn_session(hardware)
    assert s.device == "webgpu" and all(p.device.type == "webgpu" for p in s.model.parameters())
    assert s.device_note.endswith("faster for this network (convolutions)")
    assert s.take_step() is None and s.step == 1
    p = PRESETS["mlp"]
    s.configure(p["network"], p["data"], p["hyper"])
    assert s.device == "cpu" and all(p.device.type == "cpu" for p in s.model.parameters())
    assert "too small to gain" in s.device_note


def test_switching_devices_keeps_weights_and_optimizer_state(adapter):
    for optimizer in ("Adam", "SGD+momentum"):
        cpu, mixed = mlp_session(adapter, optimizer), mlp_session(adapter, optimizer)
        assert_same_weights(cpu, mixed, 0, 0)
        for plan in ("cpu", "webgpu", "cpu"):
            assert mixed.use_device(plan) is None and mixed.device == plan
            assert all(p.device.type == plan for p in mixed.model.parameters())
            assert all(t.device.type == (plan if k != "step" else "cpu")
                       for state in mixed.optimizer.state.values() for k, t in state.items())
            cpu.train(3)
            mixed.train(3)
            assert mixed.error is None, mixed.error
            assert_same_weights(cpu, mixed)
        np.testing.assert_allclose(mixed.history["train_loss"], cpu.history["train_loss"], rtol=1e-4)
        assert mixed.step == cpu.step == 9


def test_a_step_on_webgpu_matches_the_cpu_and_its_views_read_back_once(adapter):
    cpu, gpu = cnn_session(adapter, device_choice="cpu"), cnn_session(adapter)
    gpu.use_device("webgpu")
    assert gpu.device_note == f"WebGPU: {adapter.label}" + (" (software: slower than the CPU here)"
                                                            if adapter.software else "")
    stats = engine.webgpu.memory_stats
    for s in (cpu, gpu):
        s.forward()
    reads = stats()["reads"]
    gpu.backward()
    assert stats()["reads"] == reads + 1                 # the graph, values and gradients: one read-back
    cpu.backward()
    reads = stats()["reads"]
    gpu.take_step()
    assert stats()["reads"] == reads + 2                 # the views' copy, then the history row and checkpoint
    cpu.take_step()
    assert math.isclose(gpu.last["loss"], cpu.last["loss"], rel_tol=1e-5)
    assert [n["name"] for n in gpu.last["graph"].nodes] == [n["name"] for n in cpu.last["graph"].nodes]
    for g, c in zip(gpu.last["graph"].nodes, cpu.last["graph"].nodes):
        assert g["device"] == "webgpu" and c["device"] == "cpu", g
        if c["grad_norm"] is not None:
            assert math.isclose(g["grad_norm"], c["grad_norm"], rel_tol=1e-4), g["name"]
    assert_same_weights(cpu, gpu)
    reads = stats()["reads"]
    maps, probabilities, filters = gpu.feature_maps(3), gpu.probabilities(3), gpu.conv_filters()
    assert stats()["reads"] == reads + 1                 # one forward of the sample, read back once
    np.testing.assert_allclose(probabilities, cpu.probabilities(3), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(filters, cpu.conv_filters(), rtol=1e-5, atol=1e-7)
    assert maps.keys() == cpu.feature_maps(3).keys() == {"conv1", "relu1", "pool1"}
    for name, value in cpu.feature_maps(3).items():
        np.testing.assert_allclose(maps[name], value, rtol=1e-4, atol=1e-5)


def test_the_mlp_views_read_back_once_per_call(adapter):
    s = mlp_session(adapter)
    s.use_device("webgpu")
    s.take_step()
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 20), np.linspace(-1, 1, 20)), -1).reshape(-1, 2)
    reads = engine.webgpu.memory_stats()["reads"]
    hidden = s.activations(grid)
    s.decision(grid)
    assert engine.webgpu.memory_stats()["reads"] == reads + 2
    assert set(hidden) == {"fc1", "tanh1", "fc2", "tanh2", "fc3"} and hidden["fc1"].shape == (400, 8)


def test_training_on_webgpu_reads_back_once_per_step(adapter):
    s = mlp_session(adapter)
    s.use_device("webgpu")
    reads = engine.webgpu.memory_stats()["reads"]
    s.train(5)
    # four plain steps: one read each (history row + checkpoint); the last is shown: one more
    assert engine.webgpu.memory_stats()["reads"] == reads + 6
    assert s._checkpoint.progress["step"] == 5


def fail_after(monkeypatch, target, name, calls):
    """Make the adapter's `name` raise on its calls-th use from now, as a lost device would."""
    original, count = getattr(target, name), [0]

    def failing(*args, **kwargs):
        count[0] += 1
        if count[0] >= calls:
            raise RuntimeError("device lost: injected by the test")
        return original(*args, **kwargs)
    monkeypatch.setattr(target, name, failing)


@pytest.mark.parametrize("where", ["read_buffers", "submit"])
def test_a_lost_device_falls_back_to_the_cpu_with_the_weights(adapter, monkeypatch, where):
    s, reference = mlp_session(adapter), mlp_session(adapter)
    s.use_device("webgpu")
    reference.use_device("webgpu")
    for x in (s, reference):
        x.train(4)
    reference.use_device("cpu")      # what the fallback must reproduce: the weights at step 4, on the CPU
    structure = s.structure_version
    fail_after(monkeypatch, _adapter_object(), where, 1)
    assert s.take_step() is None                        # the step was retried on the CPU
    assert s.device == "cpu" and s.error is None and s.step == 5
    assert s.device_note.startswith("WebGPU failed (device lost: injected by the test): switched to the CPU")
    assert "from step 4 are kept" in s.device_note
    assert s.structure_version > structure and s.last["graph"] is not None
    reference.take_step()
    assert_same_weights(s, reference)
    assert s.history["step"][-1] == 5 and len(s.history["step"]) == 5
    monkeypatch.undo()
    s.reset()                                            # auto does not go back to a GPU that failed
    assert s.device == "cpu" and s.device_note.startswith("WebGPU failed earlier")
    assert s.use_device("webgpu") is None and s.device == "webgpu"   # asked for again: it is tried again


def _adapter_object():
    from engine.backends import webgpu
    return webgpu.get_device().adapter


def test_a_view_read_that_fails_falls_back_too(adapter, monkeypatch):
    s = mlp_session(adapter)
    s.use_device("webgpu")
    s.take_step()
    before = weights(s)
    fail_after(monkeypatch, _adapter_object(), "read_buffers", 1)
    out = s.decision(np.zeros((5, 2), np.float32))
    assert out.shape == (5,) and s.device == "cpu" and "WebGPU failed" in s.device_note
    after = weights(s)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])


def test_a_diverging_run_on_webgpu_goes_back_to_its_last_good_weights(adapter):
    s = Session(Network(layers=[new_layer("Linear", out_features=16), new_layer("ReLU"),
                                new_layer("Linear", out_features=1)]),
                Data(dataset="regression", batch_size=64), Hyper(optimizer="SGD", lr=5.0, loss="mse"),
                adapter=adapter)
    s.use_device("webgpu")
    message = s.train(200)
    assert message is not None and "the learning rate is probably too high" in message
    assert s.device == "webgpu"
    assert all(np.isfinite(w).all() for w in weights(s).values())
    assert s._checkpoint.progress["step"] == s.step


def test_a_forward_after_switching_runs_on_the_same_batch(adapter):
    s = mlp_session(adapter)
    s.forward()
    on_cpu, batch = s.last["loss"], s.last["batch"]
    s.use_device("webgpu")
    s.forward()
    assert s.last["batch"][0] is batch[0] and math.isclose(s.last["loss"], on_cpu, rel_tol=1e-5)
    s.take_step()                                        # that batch's step, on the GPU
    assert s.step == 1 and math.isclose(s.history["train_loss"][0], on_cpu, rel_tol=1e-5)


def test_a_file_saved_on_webgpu_loads_on_the_cpu_and_trains_on_alike(adapter):
    from app import persist
    s = mlp_session(adapter)
    s.use_device("webgpu")
    s.train(6)
    reads = engine.webgpu.memory_stats()["reads"]
    saved = persist.save_bytes(s)
    assert engine.webgpu.memory_stats()["reads"] == reads + 1       # weights and optimizer state: one read-back
    loaded = mlp_session(adapter, device_choice="cpu")
    persist.load_bytes(loaded, saved)
    assert loaded.device == "cpu" and loaded.step == 6
    assert_same_weights(s, loaded, 0, 0)
    for x in (s, loaded):
        x.train(4)
    assert_same_weights(s, loaded)
