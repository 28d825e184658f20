"""Benchmark: many seeds as one vectorized sweep vs the same seeds as sequential single runs.

Both sides train the same members (seeds 0…M−1 of one preset) for the same
epochs; the figure is training throughput in model-steps per second (one
model-step = one D step and one G step of one member), and peak resident
memory of each side's process. Each side runs in a fresh process; loop time
only (no start-up, no evaluation).

    python bench/sweep_speed.py --preset d2l-gaussian --members 64 --epochs 4
    python bench/sweep_speed.py --preset ring --members 64 --epochs 2
    python bench/sweep_speed.py --members 1024 --sequential-members 8 --device cuda   # on a GPU
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

WORKER = r"""
import json, resource, sys, time, torch
from gankit import GAN
from gankit.config import apply_overrides, load_raw
from gankit.runs.sweep_grid import expand_members
from gankit.runs.sweep import prepare_members, train_stacked
mode, preset, members, epochs, device = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
base = apply_overrides(load_raw(preset), [f"train.epochs={epochs}", f'train.device="{device}"', *sys.argv[6:]])
group = expand_members(base, members, {})
sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
if mode == "sweep":
    gans, rows = prepare_members(group)
    sync(); started = time.perf_counter()
    train_stacked(gans, rows, lambda k: None)
    sync(); seconds = time.perf_counter() - started
    steps = sum(g.state.step for g in gans)
else:
    seconds, steps = 0.0, 0
    for member in group:
        gan = GAN(member.config)
        rows = gan.prepare(gan.load_data())
        sync(); started = time.perf_counter()
        gan.fit(gan.training_rows, verbose=False)
        sync(); seconds += time.perf_counter() - started
        steps += gan.state.step
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cuda_mb = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else 0.0
print(json.dumps({"seconds": seconds, "model_steps": steps, "peak_rss_mb": peak_mb, "peak_cuda_mb": cuda_mb}))
"""


def measure(mode: str, preset: str, members: int, epochs: int, device: str, overrides: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", WORKER, mode, preset, str(members), str(epochs), device, *overrides],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="d2l-gaussian")
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--sequential-members", type=int, default=None,
                        help="seeds trained sequentially for the baseline (default: all; throughput is per step)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", action="append", default=[], help="config override for every member (repeatable)")
    args = parser.parse_args()
    sequential = measure("sequential", args.preset, args.sequential_members or args.members, args.epochs, args.device, args.set)
    sweep = measure("sweep", args.preset, args.members, args.epochs, args.device, args.set)
    rate = lambda r: r["model_steps"] / r["seconds"]  # noqa: E731
    print(f"preset {args.preset} {' '.join(args.set)}, {args.epochs} epochs, device {args.device}")
    print(f"{'':>28} {'members':>8} {'seconds':>9} {'model-steps/s':>14} {'peak RSS MB':>12} {'peak CUDA MB':>13}")
    for name, result, count in (("sequential single runs", sequential, args.sequential_members or args.members),
                                ("one vectorized sweep", sweep, args.members)):
        print(f"{name:>28} {count:>8} {result['seconds']:>9.2f} {rate(result):>14.0f} "
              f"{result['peak_rss_mb']:>12.0f} {result['peak_cuda_mb']:>13.0f}")
    print(f"throughput ratio sweep / sequential: {rate(sweep) / rate(sequential):.1f}x (goal >= 30x)")


if __name__ == "__main__":
    main()
