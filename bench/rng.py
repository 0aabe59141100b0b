"""Seeded randn(1_000_000): the engine's PyTorch-compatible generator against numpy's own, same process.

    OPENBLAS_NUM_THREADS=1 python3 bench/rng.py [--rounds N]

Interleaved rounds (engine, numpy, PyTorch, ...); prints the medians of each call's CPU time (steadier
than wall time on a shared machine) and the engine/numpy ratio (goal, issue 9: at most 2x). The peer is
numpy's Generator.standard_normal (ziggurat) for the same count, in float32 like torch.randn's default.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N = 1_000_000


def timed(fn):
    start = time.process_time()
    fn()
    return time.process_time() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds

    import engine
    import torch
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    peers = {
        "engine": lambda: (engine.manual_seed(0), engine.randn(N)),
        "numpy": lambda: (rng.standard_normal(N, dtype=np.float32)),
        "torch": lambda: (torch.manual_seed(0), torch.randn(N)),
    }
    times = {name: [] for name in peers}
    for _ in range(rounds):
        for name, fn in peers.items():
            times[name].append(timed(fn))
    medians = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    for name, ms in medians.items():
        print(f"{name:>7}: {ms:7.2f} ms")
    print(f"engine/numpy: {medians['engine'] / medians['numpy']:.2f}x   "
          f"engine/torch: {medians['engine'] / medians['torch']:.2f}x")


if __name__ == "__main__":
    main()
