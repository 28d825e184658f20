"""Benchmark: do the generators pass two-sample tests? Seeds 0–9, three trainers, one run.

For each seed: the chapter's loop (bench/chapter_loop.py, the chapter's code as plain
PyTorch), gankit's faithful `d2l-gaussian` and gankit's tuned `gaussian` preset. Each
generator's first 1000 samples are judged against its own 1000 training rows with gankit's
evaluation (MMD², energy, k-NN and logistic C2ST; p > 0.05 = pass). A run that fails
prints a row saying why instead of its numbers.

    python bench/gaussian_seeds.py [--seeds 10]

Runs in a plain clone.
"""

from __future__ import annotations

import argparse
import statistics

from common import RunFailed, chapter_data, cov_error, run_chapter, run_gankit

from gankit import evaluate

TESTS = ("mmd", "energy", "c2st_knn", "c2st_logistic")


def judge(samples, data, seed):
    report = evaluate(data, samples[: len(data)], seed=seed)
    return {name: report[name].p_value for name in TESTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    trainers = {"d2l-gaussian": "d2l-gaussian", "gaussian": "gaussian"}
    results: dict[str, list[dict]] = {"chapter": [], **{name: [] for name in trainers}}
    header = f"{'trainer':>13} {'seed':>4} {'train s':>8} " + " ".join(f"{t:>13}" for t in TESTS) + f" {'cov err':>8}"
    print(header)
    for seed in range(args.seeds):
        runs, failures = {}, {}
        try:
            info, samples = run_chapter(seed)
            runs["chapter"] = (info["train_seconds"], samples, chapter_data(seed))
        except RunFailed as problem:
            failures["chapter"] = str(problem)
        for name, preset in trainers.items():
            try:
                runs[name] = run_gankit(preset, seed)
            except RunFailed as problem:
                failures[name] = str(problem)
        for name, reason in failures.items():
            print(f"{name:>13} {seed:>4} missing: {reason}", flush=True)
        for name, (seconds, samples, data) in runs.items():
            row = {"seed": seed, "seconds": seconds, "cov": cov_error(samples[: len(data)], data), **judge(samples, data, seed)}
            results[name].append(row)
            cells = " ".join(f"{row[t]:>13.3f}" for t in TESTS)
            print(f"{name:>13} {seed:>4} {seconds:>8.3f} {cells} {row['cov']:>8.3f}", flush=True)
    print("\nsummary (passes = p > 0.05 out of", args.seeds, "seeds)")
    print(f"{'trainer':>13} {'median s':>9} " + " ".join(f"{t:>13}" for t in TESTS) + f" {'median cov':>10}")
    for name, rows in results.items():
        if not rows:
            print(f"{name:>13} no successful run (see the rows above)")
        else:
            passes = " ".join(f"{sum(r[t] > 0.05 for r in rows):>11}/{len(rows)}" for t in TESTS)
            print(f"{name:>13} {statistics.median(r['seconds'] for r in rows):>9.3f} {passes} "
                  f"{statistics.median(r['cov'] for r in rows):>10.3f}")


if __name__ == "__main__":
    main()
