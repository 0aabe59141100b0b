"""WebGPU in headless Chromium: our engine on device="webgpu" against TensorFlow.js 4.22's WebGPU
backend on the same adapter, and against our own CPU path (numpy) in the same Pyodide.

    python3 build.py bench webgpu [--sizes 256 512 1024] [--steps 5] [--rounds 3]
    python3 build.py bench webgpu --native      (the engine natively, through wgpu-py)

Measured: f32 matmul N x N (result read back to the host, as TF.js's `await data()` does) and
one training step of the tutorial LeNet (batch 64, 1x32x32, SGD with momentum, cross-entropy;
the loss read back). The engine runs where the playground runs it: Pyodide in a Web Worker;
TF.js runs in the page. Rounds alternate between the two; each reports the median of its steps,
and the table the median over rounds. Without a GPU the adapter is SwiftShader (a CPU
emulation): compare the ratios, not the absolute speeds.
"""
import argparse
import json
import shutil
import statistics
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TFJS = [  # npm package, tarball, sha256, file served to the page
    ("@tensorflow/tfjs@4.22.0", "tensorflow-tfjs-4.22.0.tgz",
     "56505c191e24116787477b3bb5bb1cc0cf1c2bdce8112b9c402a8a2d31cf2f00", "package/dist/tf.min.js"),
    ("@tensorflow/tfjs-backend-webgpu@4.22.0", "tensorflow-tfjs-backend-webgpu-4.22.0.tgz",
     "e60089ded350de2a7ec0b367bd44c62a516da312d69a84a3f2e1aa3bb31c97e6", "package/dist/tf-backend-webgpu.min.js"),
]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>WebGPU bench</title>
<script src="tf.min.js"></script><script src="tf-backend-webgpu.min.js"></script>
<script>
const worker = new Worker("worker.js");
const pending = new Map();
let nextId = 0;
worker.onmessage = ({ data }) => {
  const { resolve, reject } = pending.get(data.id);
  pending.delete(data.id);
  data.error === undefined ? resolve(data.result) : reject(new Error(data.error));
};
window.runPython = (code, packages = []) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  worker.postMessage({ id, code, packages });
});
async function timed(run, warmup, count) {
  const times = [];
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now();
    await run();
    if (i >= warmup) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
window.tfjsSetup = async () => {
  await tf.setBackend("webgpu");
  await tf.ready();
  const info = tf.backend().adapterInfo;
  return tf.getBackend() + " " + JSON.stringify(info || {});
};
window.tfjsMatmul = async (n, count) => {
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  const ms = await timed(async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); }, 1, count);
  a.dispose(); b.dispose();
  return ms;
};
window.tfjsLenet = async (count) => {
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 6, kernelSize: 3, activation: "relu" }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: "relu" }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 120, activation: "relu" }),
    tf.layers.dense({ units: 84, activation: "relu" }),
    tf.layers.dense({ units: 10 }),
  ] });
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([64, 32, 32, 1]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, "int32"), 10);
  const step = async () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })), true);
    await loss.data();
    loss.dispose();
  };
  const ms = await timed(step, 1, count);
  x.dispose(); y.dispose(); model.dispose();
  return ms;
};
</script></head><body>WebGPU benchmark page (bench/webgpu.py)</body></html>
"""

ENGINE_BENCH = """
import json, time
import numpy as np
import engine as torch
import engine.nn as nn
import engine.nn.functional as F


def median_ms(run, warmup, count):
    times = []
    for i in range(warmup + count):
        start = time.perf_counter()
        run()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 3), nn.Conv2d(6, 16, 3)
        self.fc1, self.fc2, self.fc3 = nn.Linear(576, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 576)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def matmul_ms(n, device, count):
    a, b = torch.randn(n, n).to(device), torch.randn(n, n).to(device)
    return median_ms(lambda: (a @ b).cpu(), 1, count)


def lenet_ms(device, count):
    torch.manual_seed(0)
    net = Net().to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(64, 1, 32, 32).to(device)
    y = torch.randint(0, 10, (64,)).to(device)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return median_ms(step, 1, count)
"""


def tfjs_files():
    from app.site.downloads import cached, npm_pack
    for spec, file_name, sha256, member in TFJS:
        with tarfile.open(cached(file_name, sha256, npm_pack(spec))) as tar:
            yield Path(member).name, tar.extractfile(member).read()


def open_bench_page(playwright):
    from tests.browser.conftest import HERE as RUNNER_DIR, PyodideInBrowser
    from tests.site.harness import Traffic, built_site, launch_chromium, site_url
    site = built_site()
    page_dir = site / "__bench__"
    page_dir.mkdir()
    shutil.copy(RUNNER_DIR / "runner" / "worker.js", page_dir / "worker.js")
    for name, data in tfjs_files():
        (page_dir / name).write_bytes(data)
    (page_dir / "index.html").write_text(PAGE)
    browser = launch_chromium(playwright)
    context = browser.new_context()
    context.set_default_timeout(600_000)
    traffic = Traffic(context)
    page = context.new_page()
    page.goto(site_url() + "__bench__/index.html")
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    own_wheel = lock["packages"]["autograd-playground"]["file_name"]
    python = PyodideInBrowser(page)
    python.run(ENGINE_BENCH, ["numpy", f"../pyodide/{own_wheel}"])
    return browser, page, python, traffic


def in_browser(args):
    from playwright.sync_api import sync_playwright
    rows = {}
    with sync_playwright() as playwright:
        browser, page, python, traffic = open_bench_page(playwright)
        tfjs_backend = page.evaluate("tfjsSetup()")
        ours = python.run("import engine.backends.webgpu as webgpu\nwebgpu.adapter_name()")
        print(f"adapter: ours {ours}; TF.js {tfjs_backend}")
        for _ in range(args.rounds):
            for n in args.sizes:
                count = 3 if n >= 1024 else 5
                rows.setdefault(f"matmul {n}", {"flop": 2 * n ** 3}).setdefault("tfjs", []).append(
                    page.evaluate(f"tfjsMatmul({n}, {count})"))
                for device in ("webgpu", "cpu"):
                    rows[f"matmul {n}"].setdefault(device, []).append(
                        float(python.run(f"matmul_ms({n}, {device!r}, {count})")))
            rows.setdefault("LeNet step", {}).setdefault("tfjs", []).append(
                page.evaluate(f"tfjsLenet({args.steps})"))
            for device in ("webgpu", "cpu"):
                rows["LeNet step"].setdefault(device, []).append(
                    float(python.run(f"lenet_ms({device!r}, {args.steps})")))
        problems = traffic.problems()
        browser.close()
    if problems:
        sys.exit("the page misbehaved:\n" + "\n".join(problems))
    print(f"\n{'ms (median)':<14}{'engine webgpu':>15}{'TF.js webgpu':>15}{'engine cpu':>13}"
          f"{'webgpu/TF.js':>14}{'webgpu/cpu':>12}")
    for name, row in rows.items():
        ours, tfjs, cpu = (statistics.median(row[k]) for k in ("webgpu", "tfjs", "cpu"))
        rate = f"  ({row['flop'] / ours / 1e6:.2f} GFLOP/s ours, {row['flop'] / tfjs / 1e6:.2f} TF.js)" \
            if "flop" in row else ""
        print(f"{name:<14}{ours:>15.1f}{tfjs:>15.1f}{cpu:>13.1f}{ours / tfjs:>14.2f}{ours / cpu:>12.2f}{rate}")


def native(args):
    import engine.backends.webgpu as webgpu
    namespace = {}
    exec(ENGINE_BENCH, namespace)
    print(f"adapter: {webgpu.adapter_name()}")
    print(f"{'ms (median)':<14}{'engine webgpu':>15}{'engine cpu':>13}")
    for n in args.sizes:
        ours = statistics.median(namespace["matmul_ms"](n, "webgpu", 5) for _ in range(args.rounds))
        cpu = statistics.median(namespace["matmul_ms"](n, "cpu", 5) for _ in range(args.rounds))
        print(f"{'matmul ' + str(n):<14}{ours:>15.1f}{cpu:>13.1f}   ({2 * n ** 3 / ours / 1e6:.2f} GFLOP/s)")
    start = time.perf_counter()
    ours = statistics.median(namespace["lenet_ms"]("webgpu", args.steps) for _ in range(args.rounds))
    cpu = statistics.median(namespace["lenet_ms"]("cpu", args.steps) for _ in range(args.rounds))
    print(f"{'LeNet step':<14}{ours:>15.1f}{cpu:>13.1f}   ({time.perf_counter() - start:.0f} s in all)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--steps", type=int, default=5, help="timed LeNet steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--native", action="store_true", help="time the engine natively through wgpu-py")
    args = parser.parse_args()
    native(args) if args.native else in_browser(args)


if __name__ == "__main__":
    main()
