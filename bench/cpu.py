"""One training step, engine vs PyTorch on the CPU, measured in the same process.

    python3 build.py bench cpu [--rounds N] [--memory-steps N]

Interleaved rounds (engine, torch, engine, torch, ...) so both see the same machine state;
the medians are compared. Goals (issue 2): LeNet <= 1.5x PyTorch, 2-8-8-1 MLP <= 1.0x.
Memory: the peak memory of one LeNet step, and whether 1,000 steps grow the process's
RSS (they must not); each library in a fresh subprocess.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def lenet(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 3)
            self.conv2 = nn.Conv2d(6, 16, 3)
            self.fc1 = nn.Linear(16 * 6 * 6, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, 16 * 6 * 6)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net()


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))


def make_step(lib, which):
    """A closure doing one full training step (forward, loss, backward, SGD update) on fixed data."""
    lib.manual_seed(0)
    if which == "lenet":
        model, loss_fn = lenet(lib), lib.nn.CrossEntropyLoss()
        x, y = lib.randn(64, 1, 32, 32), lib.randint(0, 10, (64,))
    else:
        model, loss_fn = mlp(lib), lib.nn.MSELoss()
        x, y = lib.randn(256, 2), lib.randn(256, 1)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def time_steps(step, n):
    t = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t) / n


def compare(which, rounds, inner):
    import torch
    import engine
    torch.set_num_threads(2)
    steps = {"engine": make_step(engine, which), "torch": make_step(torch, which)}
    for s in steps.values():
        time_steps(s, max(3, inner // 5))  # warm up
    times = {k: [] for k in steps}
    for _ in range(rounds):
        for k, s in steps.items():
            times[k].append(time_steps(s, inner))
    med = {k: statistics.median(v) for k, v in times.items()}
    return med["engine"], med["torch"]


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def step_peak_mb(lib, step):
    """Peak bytes live during one step above what was live before it: tracemalloc for the engine (numpy
    reports its buffers to it), the profiler's allocation events for PyTorch (its own CPU allocator)."""
    if lib.__name__ == "torch":
        with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
            step()
        live = peak = 0
        for event in sorted(prof.events(), key=lambda e: e.time_range.start):
            live += event.self_cpu_memory_usage
            peak = max(peak, live)
        return peak / 2 ** 20
    import tracemalloc
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - before) / 2 ** 20


def memory_child(lib_name, which, steps):
    """Run in a subprocess: a step's peak memory, then the process's RSS over `steps` steps."""
    lib = __import__(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(2)
    step = make_step(lib, which)
    for _ in range(3):
        step()
    peak = step_peak_mb(lib, step)
    start = _rss_mb()
    half = steps // 2
    for _ in range(half):
        step()
    mid = _rss_mb()
    for _ in range(steps - half):
        step()
    end = _rss_mb()
    print(json.dumps({"step_peak_mb": peak, "rss_growth_mb": end - start, "second_half_growth_mb": end - mid}))


def memory(lib_name, which, steps):
    out = subprocess.run([sys.executable, __file__, "--memory-child", lib_name, which, str(steps)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--memory-steps", type=int, default=1000)
    ap.add_argument("--memory-child", nargs=3)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child[0], args.memory_child[1], int(args.memory_child[2]))
        return
    goals = {"lenet": 1.5, "mlp": 1.0}
    inner = {"lenet": 10, "mlp": 200}
    print(f"{'model':8} {'engine ms':>10} {'torch ms':>10} {'ratio':>7} {'goal':>6}")
    for which in ("lenet", "mlp"):
        e, t = compare(which, args.rounds, inner[which])
        ratio = e / t
        print(f"{which:8} {e * 1e3:10.3f} {t * 1e3:10.3f} {ratio:7.2f} {'<=' + str(goals[which]):>6} "
              f"{'ok' if ratio <= goals[which] else 'MISSED'}")
    print(f"\nmemory, LeNet batch 64, each library in a fresh process (MB):")
    print(f"{'':8} {'step peak':>10} {'RSS growth over ' + str(args.memory_steps) + ' steps':>28} "
          f"{'(second half)':>14}")
    for lib_name in ("engine", "torch"):
        m = memory(lib_name, "lenet", args.memory_steps)
        print(f"{lib_name:8} {m['step_peak_mb']:10.2f} {m['rss_growth_mb']:28.2f} {m['second_half_growth_mb']:14.2f}")


if __name__ == "__main__":
    main()
