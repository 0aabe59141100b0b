"""One training step, engine vs PyTorch on the CPU, measured in the same process.

    python3 build.py bench cpu [--rounds N] [--memory-steps N] [--calls]

Interleaved rounds (engine, torch, engine, torch, ...) so both see the same machine state;
the medians are compared. Goals (issues 2 and 15): LeNet <= 1.0x PyTorch, 2-8-8-1 MLP <= 1.0x,
a small GPT (2 layers, 2 heads, 32-dim embeddings, block 16, batch 32) and a makemore MLP <= 1.5x.
Per-op overhead: loops of one op on tiny tensors (what a step of a small model is made of).
One thread on both sides (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1), and the load average
is printed with the numbers: on a shared machine it says how far to trust them.
Memory: the peak memory of one LeNet step, and whether 1,000 steps grow the process's
RSS (they must not); each library in a fresh subprocess.
--calls: the engine's Python calls per step of each model instead (cProfile's count: independent of the load).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported: one BLAS thread, as torch's one

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


def gpt(lib, vocab=27, n_embd=32, n_head=2, n_layer=2, block=16):
    """A GPT-style character model: causal self-attention (one qkv projection, heads split by view) and an
    MLP per block, pre-norm residuals."""
    nn, F = lib.nn, lib.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv, self.out = nn.Linear(n_embd, 3 * n_embd), nn.Linear(n_embd, n_embd)
            self.register_buffer("mask", lib.tril(lib.ones(block, block)).view(1, 1, block, block))

        def forward(self, x):
            B, L, C = x.shape
            q, k, v = self.qkv(x).split(n_embd, dim=2)
            q, k, v = (t.view(B, L, n_head, C // n_head).transpose(1, 2) for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / (C // n_head) ** 0.5)
            att = F.softmax(att.masked_fill(self.mask[:, :, :L, :L] == 0, float("-inf")), dim=-1)
            return self.out((att @ v).transpose(1, 2).contiguous().view(B, L, C))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.attn, self.ln2 = nn.LayerNorm(n_embd), CausalSelfAttention(), nn.LayerNorm(n_embd)
            self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(vocab, n_embd), nn.Embedding(block, n_embd)
            self.blocks = nn.Sequential(*(Block() for _ in range(n_layer)))
            self.ln_f, self.head = nn.LayerNorm(n_embd), nn.Linear(n_embd, vocab)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(lib.arange(idx.shape[1]))
            return self.head(self.ln_f(self.blocks(x)))

    return GPT()


def makemore_step(lib, batch=32, block=3, n_embd=10, hidden=200):
    """The makemore MLP as the lecture trains it: raw tensors, C[X] embedding, tanh, cross_entropy,
    p.grad = None and a manual update."""
    F = lib.nn.functional
    g = lib.Generator().manual_seed(2147483647)
    X, Y = lib.randint(0, 27, (2000, block), generator=g), lib.randint(0, 27, (2000,), generator=g)
    params = [lib.randn(s, generator=g) for s in ((27, n_embd), (block * n_embd, hidden), (hidden,),
                                                   (hidden, 27), (27,))]
    for p in params:
        p.requires_grad = True
    C, W1, b1, W2, b2 = params

    def step():
        ix = lib.randint(0, X.shape[0], (batch,), generator=g)
        h = lib.tanh(C[X[ix]].view(-1, block * n_embd) @ W1 + b1)
        loss = F.cross_entropy(h @ W2 + b2, Y[ix])
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data += -0.1 * p.grad
        return loss
    return step


def make_step(lib, which):
    """A closure doing one full training step (forward, loss, backward, optimizer update) on fixed data."""
    lib.manual_seed(0)
    if which == "makemore":
        return makemore_step(lib)
    if which == "gpt":
        model = gpt(lib)
        data = lib.randint(0, 27, (32, 17))
        x, y = data[:, :-1], data[:, 1:]
        opt = lib.optim.AdamW(model.parameters(), lr=1e-3)

        def gpt_step():
            logits = model(x)
            loss = lib.nn.functional.cross_entropy(logits.view(-1, 27), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss
        return gpt_step
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


def op_loop(lib, op, n=200):
    """n calls of one op on tiny (4 x 4) tensors that require grad: the fixed cost of recording an op."""
    lib.manual_seed(0)
    a, b = lib.randn(4, 4, requires_grad=True), lib.randn(4, 4, requires_grad=True)
    fn = {"add": lambda: a + b, "mul": lambda: a * b, "matmul": lambda: a @ b}[op]

    def loop():
        for _ in range(n):
            fn()
    return loop


def compare(which, rounds, inner, make=make_step):
    import torch
    import engine
    torch.set_num_threads(1)
    steps = {"engine": make(engine, which), "torch": make(torch, which)}
    for s in steps.values():
        time_steps(s, max(3, inner // 5))  # warm up
    times = {k: [] for k in steps}
    for _ in range(rounds):
        for k, s in steps.items():
            times[k].append(time_steps(s, inner))
    med = {k: statistics.median(v) for k, v in times.items()}
    return med["engine"], med["torch"]


def python_calls_per_step(which, steps=20):
    """Python function calls (cProfile's count, builtins included) per engine training step: a measure of the
    per-op path that the machine's load does not change."""
    import cProfile
    import pstats
    import engine
    step = make_step(engine, which)
    for _ in range(3):
        step()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(steps):
        step()
    profile.disable()
    return pstats.Stats(profile).total_calls / steps


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
        lib.set_num_threads(1)
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
    ap.add_argument("--memory-steps", type=int, default=1000, help="0: skip the memory part")
    ap.add_argument("--memory-child", nargs=3)
    ap.add_argument("--calls", action="store_true", help="only the engine's Python calls per training step")
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child[0], args.memory_child[1], int(args.memory_child[2]))
        return
    if args.calls:
        for which in ("lenet", "mlp", "gpt", "makemore"):
            print(f"{which:8} {python_calls_per_step(which):8.0f} Python calls per step")
        return
    print("load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{'op x200 (4x4)':14} {'engine us/op':>13} {'torch us/op':>12} {'ratio':>7}")
    for op in ("add", "mul", "matmul"):
        e, t = compare(op, args.rounds, 5, make=op_loop)
        print(f"{op:14} {e / 200 * 1e6:13.2f} {t / 200 * 1e6:12.2f} {e / t:7.2f}")
    goals = {"lenet": 1.0, "mlp": 1.0, "gpt": 1.5, "makemore": 1.5}
    inner = {"lenet": 10, "mlp": 200, "gpt": 5, "makemore": 50}
    print(f"\n{'model':8} {'engine ms':>10} {'torch ms':>10} {'ratio':>7} {'goal':>6}")
    for which in ("lenet", "mlp", "gpt", "makemore"):
        e, t = compare(which, args.rounds, inner[which])
        ratio = e / t
        print(f"{which:8} {e * 1e3:10.3f} {t * 1e3:10.3f} {ratio:7.2f} {'<=' + str(goals[which]):>6} "
              f"{'ok' if ratio <= goals[which] else 'MISSED'}")
    print("load average (1, 5, 15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if not args.memory_steps:
        return
    print(f"\nmemory, LeNet batch 64, each library in a fresh process (MB):")
    print(f"{'':8} {'step peak':>10} {'RSS growth over ' + str(args.memory_steps) + ' steps':>28} "
          f"{'(second half)':>14}")
    for lib_name in ("engine", "torch"):
        m = memory(lib_name, "lenet", args.memory_steps)
        print(f"{lib_name:8} {m['step_peak_mb']:10.2f} {m['rss_growth_mb']:28.2f} {m['second_half_growth_mb']:14.2f}")


if __name__ == "__main__":
    main()
