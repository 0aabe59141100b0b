"""The device switch of the playground (app/controls.device_widgets): it shows the adapter, drives
Session.use_device, and follows the session when the GPU fails and it falls back to the CPU."""
import panel as pn
import pytest

from app import devices
from app.controls import device_widgets
from app.session import Session
from app.state import PRESETS, Data, Hyper, Network


def parts(view):
    switch = next(w for w in view.select(pn.widgets.RadioButtonGroup) if "pg-device" in w.css_classes)
    adapter = next(p for p in view.select(pn.pane.HTML) if "pg-adapter" in p.css_classes)
    note = next(p for p in view.select(pn.pane.Alert) if "pg-device-note" in p.css_classes)
    return switch, adapter, note


def session(adapter):
    p = PRESETS["mlp"]
    return Session(Network(layers=p["network"]), Data(**p["data"]), Hyper(**p["hyper"]), adapter=adapter)


def test_without_webgpu_the_switch_is_off_and_says_so():
    s = session(devices.Adapter(problem="no WebGPU adapter found"))
    switch, adapter, note = parts(device_widgets(s))
    assert switch.disabled and switch.value == "cpu" and switch.options == {"CPU": "cpu", "WebGPU": "webgpu"}
    assert adapter.object == "WebGPU unavailable — no WebGPU adapter found"
    assert note.object == "No WebGPU here: training on the CPU"


def test_the_switch_moves_the_session_and_follows_a_fall_back():
    found = devices.find_adapter()
    if not found.available:
        pytest.skip(found.problem)
    s = session(found)
    switch, adapter, note = parts(device_widgets(s))
    assert adapter.object.startswith("Adapter: ") and found.label in adapter.object
    switch.value = "webgpu"
    assert s.device == "webgpu" and s.device_choice == "webgpu"
    assert note.object.startswith("WebGPU: ") and note.alert_type == "light"
    s.take_step()
    s._fall_back(RuntimeError("device lost"))     # what a failed read-back leads to
    assert switch.value == "cpu" and s.device == "cpu"
    assert note.alert_type == "warning" and "WebGPU failed (device lost)" in note.object
    switch.value = "webgpu"                        # the user tries again
    assert s.device == "webgpu" and note.alert_type == "light"
    switch.value = "cpu"
    assert s.device == "cpu" and note.object == "CPU (numpy)"
