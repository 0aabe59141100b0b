"""Where the playground trains, CPU or WebGPU, and the words that say why.

The automatic choice takes WebGPU only where it should be faster: on a hardware GPU (a software
adapter such as SwiftShader or llvmpipe emulates the GPU on the CPU, and loses to numpy on the
same CPU), and for a network with enough arithmetic per step to pay for the GPU's fixed cost per
kernel and per read-back: any convolution, or at least MIN_GPU_FLOPS per training step.
"""
from dataclasses import dataclass

import engine as torch

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
    """Open WebGPU (once per process: the engine keeps the device) and describe its adapter."""
    try:
        if torch.webgpu.is_available():
            return Adapter(info=torch.webgpu.adapter_info())
        from engine.backends import webgpu
        return Adapter(problem=webgpu._state["error"] or "no WebGPU adapter")
    except Exception as error:   # a broken driver or browser must not stop the playground
        return Adapter(problem=f"{type(error).__name__}: {error}")


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


def choose(adapter, analysis):
    """The automatic device ("cpu" or "webgpu") for this adapter and network (its Analysis, or None
    while it cannot be built), and a note saying why."""
    if not adapter.available:
        return "cpu", "No WebGPU here: training on the CPU"
    if adapter.software:
        return "cpu", f"WebGPU: {adapter.label} (software) — CPU is faster here"
    if analysis is None or not analysis.ok:
        return "cpu", f"WebGPU: {adapter.label} — CPU until the network can be built"
    gains, why = gains_from_gpu(analysis)
    if gains:
        return "webgpu", f"WebGPU: {adapter.label} — faster for this network ({why})"
    return "cpu", f"WebGPU: {adapter.label} — this network is too small to gain ({why}); CPU is faster"
