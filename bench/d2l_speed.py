"""Benchmark: `d2l-gaussian` training time vs the chapter's loop, same machine, one run.

Both train the chapter's experiment (2,500 steps) in fresh processes, seed by seed;
each reports its training-loop time only. The baseline is bench/chapter_loop.py, the
chapter's code as plain PyTorch (same weights as the chapter's script, when present, tested).
Quality: covariance error of 10,000 samples against each run's own 1000 training rows.

    python bench/d2l_speed.py [--seeds 5]

Runs in a plain clone.
"""

from __future__ import annotations

import argparse
import statistics

from common import chapter_data, cov_error, run_chapter, run_gankit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    rows = []
    print(f"{'seed':>4} {'chapter s':>12} {'gankit s':>9} {'speed-up':>9} {'ref cov err':>12} {'gankit cov err':>15}")
    for seed in range(args.seeds):
        ref, ref_samples = run_chapter(seed)
        ours_seconds, our_samples, our_data = run_gankit("d2l-gaussian", seed)
        row = (seed, ref["train_seconds"], ours_seconds, cov_error(ref_samples, chapter_data(seed)), cov_error(our_samples, our_data))
        rows.append(row)
        print(f"{row[0]:>4} {row[1]:>12.3f} {row[2]:>9.3f} {row[1] / row[2]:>8.2f}x {row[3]:>12.3f} {row[4]:>15.3f}", flush=True)
    ref_time = statistics.median(r[1] for r in rows)
    our_time = statistics.median(r[2] for r in rows)
    print(f"\nmedian training time: chapter's loop {ref_time:.3f} s, gankit {our_time:.3f} s, "
          f"ratio {ref_time / our_time:.2f}x faster (goal >= 2.5x)")
    print(f"median covariance error: chapter's loop {statistics.median(r[3] for r in rows):.3f}, "
          f"gankit {statistics.median(r[4] for r in rows):.3f} (goal: gankit no worse)")


if __name__ == "__main__":
    main()
