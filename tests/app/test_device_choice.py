"""The automatic device rule (app/devices.py) and the session's choice with it. Needs no GPU: the
adapters here are descriptions; tests/app/test_device_session.py runs on a real (software) one."""
import pytest

from app import devices, layers
from app.layers import new_layer
from app.session import Session
from app.state import LENET, PRESETS, Data, Hyper, Network

HARDWARE = devices.Adapter(info={"label": "NVIDIA GeForce RTX 3060", "is_fallback": False})
SOFTWARE = devices.Adapter(info={"label": "SwiftShader", "is_fallback": True})
MISSING = devices.Adapter(problem="no WebGPU adapter found")


def analysis(specs, input_shape, batch):
    return layers.analyse(specs, input_shape, batch)


def test_step_flops_count_each_weight_once_per_sample_and_output_position():
    # Linear 2->8: 24 params; Linear 8->1: 9 params; batch 32; forward + backward = 3 x 2 FLOP per use
    mlp = analysis([new_layer("Linear", out_features=8), new_layer("Tanh"), new_layer("Linear", out_features=1)],
                   (2,), 32)
    assert devices.step_flops(mlp) == 6 * 32 * (24 + 9)
    # the tutorial LeNet on 32x32: conv1 60 params x 30x30 positions, conv2 880 x 13x13, fc 69,120 + 10,164 + 850
    lenet = analysis(LENET, (1, 32, 32), 64)
    uses = 60 * 900 + 880 * 169 + 69_240 + 10_164 + 850
    assert devices.step_flops(lenet) == 6 * 64 * uses


def test_webgpu_only_on_hardware_and_for_networks_that_gain():
    lenet = analysis(LENET, (1, 32, 32), 64)
    small = analysis(PRESETS["mlp"]["network"], (2,), 32)
    wide = analysis([new_layer("Linear", out_features=512), new_layer("ReLU"),
                     new_layer("Linear", out_features=512), new_layer("ReLU"), new_layer("Linear", out_features=1)],
                    (2,), 256)
    device, note = devices.choose(HARDWARE, lenet)
    assert device == "webgpu" and note == "WebGPU: NVIDIA GeForce RTX 3060 — faster for this network (convolutions)"
    device, note = devices.choose(HARDWARE, small)
    assert device == "cpu" and "too small to gain" in note and "MFLOP per step" in note
    assert devices.choose(HARDWARE, wide)[0] == "webgpu"          # no convolution, but 400+ MFLOP per step
    assert devices.choose(SOFTWARE, lenet) == ("cpu", "WebGPU: SwiftShader (software) — CPU is faster here")
    assert devices.choose(MISSING, lenet) == ("cpu", "No WebGPU here: training on the CPU")
    assert devices.choose(HARDWARE, None)[0] == "cpu"              # nothing to train yet


def session_on(adapter, preset="logistic", **data):
    p = PRESETS[preset]
    return Session(Network(layers=p["network"]), Data(**{**p["data"], **data}), Hyper(**p["hyper"]), adapter=adapter)


def test_the_session_explains_its_automatic_choice():
    s = session_on(SOFTWARE)
    assert s.device == "cpu" and s.device_choice == "auto"
    assert s.device_note == "WebGPU: SwiftShader (software) — CPU is faster here"
    s = session_on(MISSING)
    assert s.device == "cpu" and s.device_note == "No WebGPU here: training on the CPU"


def test_asking_for_missing_webgpu_keeps_the_cpu_and_says_why():
    s = session_on(MISSING)
    s.take_step()
    assert s.use_device("webgpu") is None
    assert s.device == "cpu" and s.step == 1
    assert s.device_note.startswith("WebGPU is not available here (no WebGPU adapter found)")
    s.use_device("cpu")
    assert s.device_note == "CPU (numpy)"


def test_an_unknown_device_is_refused():
    s = session_on(MISSING)
    assert s.use_device("cuda") == "unknown device 'cuda'" and s.device == "cpu"


@pytest.mark.parametrize("preset", ["mlp", "lenet", "logistic"])
def test_no_adapter_probe_when_the_cpu_is_asked_for(preset, monkeypatch):
    monkeypatch.setattr(devices, "find_adapter", lambda: pytest.fail("looked for a GPU"))
    p = PRESETS[preset]
    s = Session(Network(layers=p["network"]), Data(**p["data"]), Hyper(**p["hyper"]), device_choice="cpu")
    assert s.device == "cpu" and s.device_note == "CPU (numpy)"


def test_why_webgpu_cannot_be_used_is_said_in_a_few_words(monkeypatch):
    from engine.backends import webgpu

    def refuse():
        raise RuntimeError(webgpu.NO_ADAPTER)
    monkeypatch.setattr(webgpu, "get_device", refuse)
    assert devices.find_adapter() == devices.Adapter(problem="no WebGPU adapter found")
    from engine.backends.webgpu.browser import SYNC_WAIT_HELP

    def cannot_wait():
        raise RuntimeError(SYNC_WAIT_HELP)
    monkeypatch.setattr(webgpu, "get_device", cannot_wait)
    assert devices.find_adapter().problem == ("webgpu in the browser: Python cannot wait for the GPU here, because "
                                              "it was entered through a synchronous entry point")
