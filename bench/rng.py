"""Seeded rand/randn(1_000_000): the engine's PyTorch-compatible generator against numpy's own, same process.

    OPENBLAS_NUM_THREADS=1 python3 bench/rng.py [--rounds N]

For each draw, interleaved rounds (engine, numpy, PyTorch, ...); prints the medians of each call's CPU time
(steadier than wall time on a shared machine), the engine/numpy ratio (goal, issue 9: at most 2x for randn)
and the load average before and after. The peer is numpy's default generator for the same count and dtype:
np.random.default_rng(0).standard_normal(N, dtype=...) (ziggurat) for randn, .random(N, dtype=...) for rand.
The engine and PyTorch are seeded (manual_seed(0)) before each call, as a seeded program would be.
"""
import argparse
import os
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


def draws(engine, torch, rng):
    """{draw: {peer: call}} for each draw timed."""
    def seeded(lib, draw, dtype):
        return lambda: (lib.manual_seed(0), draw(N, dtype=dtype))
    cases = {}
    for name in ("float32", "float64"):
        np_dtype, e_dtype, t_dtype = np.dtype(name), getattr(engine, name), getattr(torch, name)
        cases[f"randn {name}"] = {
            "engine": seeded(engine, engine.randn, e_dtype),
            "numpy": lambda dtype=np_dtype: rng.standard_normal(N, dtype=dtype),
            "torch": seeded(torch, torch.randn, t_dtype),
        }
        cases[f"rand {name}"] = {
            "engine": seeded(engine, engine.rand, e_dtype),
            "numpy": lambda dtype=np_dtype: rng.random(N, dtype=dtype),
            "torch": seeded(torch, torch.rand, t_dtype),
        }
    return cases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds

    import engine
    import torch
    torch.set_num_threads(1)
    cases = draws(engine, torch, np.random.default_rng(0))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    times = {case: {peer: [] for peer in peers} for case, peers in cases.items()}
    for _ in range(rounds):
        for case, peers in cases.items():
            for peer, fn in peers.items():
                times[case][peer].append(timed(fn))
    print(f"medians of {rounds} rounds, CPU ms per call of {N:,} values:")
    for case, peer_times in times.items():
        ms = {peer: statistics.median(t) * 1e3 for peer, t in peer_times.items()}
        print(f"  {case:<14} engine {ms['engine']:7.2f}  numpy {ms['numpy']:7.2f}  torch {ms['torch']:7.2f}   "
              f"engine/numpy {ms['engine'] / ms['numpy']:.2f}x  engine/torch {ms['engine'] / ms['torch']:.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
