"""Where the playground trains, CPU or WebGPU, and the words that say why.

The automatic choice takes WebGPU only where it should be faster: on a hardware GPU (a software
adapter such as SwiftShader or llvmpipe emulates the GPU on the CPU, and loses to numpy on the
same CPU), and for a network with enough arithmetic per step to pay for the GPU's fixed cost per
kernel and per read-back: any convolution, or at least MIN_GPU_FLOPS per training step.
"""
from dataclasses import dataclass

import engine as torch
from app import i18n

# A small MLP's step is a few dozen tiny kernels: on a GPU each costs about as much as the whole
# step takes on the CPU. From a few tens of MFLOP per step up, the GPU's arithmetic wins.
MIN_GPU_FLOPS = 20e6

LABELS = {"cpu": "CPU", "webgpu": "WebGPU"}


@dataclass(frozen=True)
class Adapter:
    """The WebGPU adapter found here (info from engine.webgpu.adapter_info()), or why there is none."""
    info: dict = None
    problem: str = None

    @property
    def available(self):
        return self.info is not None

    @property
    def label(self):
        return self.info["label"] if self.info else None

    @property
    def software(self):
        return bool(self.info and self.info["is_fallback"])


def find_adapter():
    """Open WebGPU (once per process: the engine keeps the device) and describe its adapter, or say
    in a few words why it cannot be used."""
    from engine.backends import webgpu
    try:
        webgpu.get_device()
    except Exception as error:   # no adapter, a broken driver, a browser where Python cannot wait for it
        return Adapter(problem=_first_sentence(str(error) or type(error).__name__))
    return Adapter(info=webgpu.adapter_info())


def _first_sentence(text):
    for end in (". ", " ("):
        text = text.split(end)[0]
    return text.removeprefix("webgpu: ").strip()


def step_flops(analysis):
    """Floating-point operations of one training step (forward and backward) of an analysed network
    (app/layers.Analysis): each weight of a Linear is used once per sample, each weight of a Conv2d
    once per output position; a multiply-add is 2 operations, and backward costs twice forward."""
    total = 0
    for report in analysis.layers:
        if report.type in ("Linear", "Conv2d") and report.shape:
            positions = report.shape[1] * report.shape[2] if len(report.shape) == 3 else 1
            total += report.params * positions
    return 2 * 3 * total * analysis.batch


def gains_from_gpu(analysis):
    """(True or False, why) for a network that can be built."""
    if any(r.type == "Conv2d" for r in analysis.layers):
        return True, "convolutions"
    flops = step_flops(analysis)
    if flops >= MIN_GPU_FLOPS:
        return True, f"{flops / 1e6:.0f} MFLOP per step"
    return False, f"{flops / 1e6:.1f} MFLOP per step"


def choose(adapter, analysis, language="en"):
    """The automatic device ("cpu" or "webgpu") for this adapter and network (its Analysis, or None
    while it cannot be built), and a note saying why, in `language` (app/i18n.py)."""
    device, key, fields = choice_reason(adapter, analysis)
    return device, i18n.text(f"device.{key}", language, **fields)


def choice_reason(adapter, analysis):
    """(device, the key of its note under device.* in app/i18n.py, the note's fields)."""
    if not adapter.available:
        return "cpu", "no_webgpu", {}
    label = {"adapter": adapter.label}
    if adapter.software:
        return "cpu", "auto_software", label
    if analysis is None or not analysis.ok:
        return "cpu", "auto_unbuilt", label
    gains, why = gains_from_gpu(analysis)
    return ("webgpu", "auto_faster", {**label, "why": why}) if gains else ("cpu", "auto_small", {**label, "why": why})
