"""Data-parallel throughput on this machine: 1 process vs 2 DDP processes (torchrun, gloo), same global batch.

Runs of the same preset and global batch 2B (whole batches only), one after another in this one invocation:
  single    one process, batch 2B                                  (the baseline)
  ddp       torchrun 2 processes, batch B each, DDP, BatchNorm synchronized (gankit's default)
  ddp-local the same with train.sync_batch_norm=false (each rank normalizes with its own B rows)
  apart     2 independent processes at once, batch B each, one thread each as torchrun's ranks
            (the same work with no exchange)
Throughput is rows per second of the whole job (median over the epochs after the first). The
communication share of a DDP step is 1 − t_apart / t_ddp: the fraction of the step that the collectives
(gradient all-reduce, buffer broadcasts, BatchNorm statistics) and the ranks waiting for each other add.
The machine's load average is printed before and after, since other work on it skews every figure.

    python bench/ddp_speed.py --preset digits-tiny --batch 16 --epochs 4
    python bench/ddp_speed.py --preset dcgan-digits --batch 32 --epochs 3
    python bench/ddp_speed.py --preset veegan-ring --batch 256 --epochs 4 --rows 20480
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def _throughput(run_dir: Path) -> float:
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return statistics.median(line["examples_per_sec"] for line in lines[1:] or lines)


def _gankit(args: list[str], one_thread: bool = False) -> subprocess.Popen:
    """``gankit train ARGS``; with ``one_thread`` under OMP_NUM_THREADS=1, as torchrun starts each rank."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"} if one_thread else None
    return subprocess.Popen([sys.executable, "-m", "gankit", "train", *args], stdout=subprocess.DEVNULL, env=env)


def _settings(options: argparse.Namespace) -> list[str]:
    values = [f"train.epochs={options.epochs}", "train.drop_last=true", "eval.permutations=19", "eval.n=100",
              "checkpoint.every_epochs=0", *options.set]
    if options.rows:
        values += [f"data.n={options.rows}", "data.fresh=false"]
    return [*sum((["--set", value] for value in values), []), "--quiet"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="digits-tiny")
    parser.add_argument("--batch", type=int, default=16, help="per-rank batch B (the global batch is 2B)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rows", type=int, default=0, help="data.n for presets that draw their rows (0: the preset's)")
    parser.add_argument("--set", action="append", default=[], help="more config overrides, as for gankit train")
    options = parser.parse_args()
    common = [options.preset, *_settings(options)]
    half, whole = ["--set", f"train.batch_size={options.batch}"], ["--set", f"train.batch_size={2 * options.batch}"]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        runs = {
            "single": [*common, *whole],
            "ddp": [*common, *half, "--nproc", "2"],
            "ddp-local": [*common, *half, "--set", "train.sync_batch_norm=false", "--nproc", "2"],
        }
        for name, args in runs.items():
            if _gankit([*args, "--out", str(folder / name)]).wait():
                sys.exit(f"the {name} run failed")
        apart = [_gankit([*common, *half, "--out", str(folder / f"apart{i}")], one_thread=True) for i in range(2)]
        if any(process.wait() for process in apart):
            sys.exit("an apart run failed")
        rate = {name: _throughput(folder / name) for name in runs}
        # Two processes, each doing a rank's B-row steps: together 2B rows per step time, like the DDP job.
        rate["apart"] = 2 * statistics.mean(_throughput(folder / f"apart{i}") for i in range(2))
    load_after = os.getloadavg()
    print(f"preset {options.preset}, global batch {2 * options.batch}, {options.epochs} epochs, CPU, gloo;"
          f" load average {load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} cores)")
    print(f"{'1 process (baseline)':38s} {rate['single']:8,.0f} rows/s")
    for name, label in (("ddp", "2 processes, DDP, synced BatchNorm"), ("ddp-local", "2 processes, DDP, BatchNorm per rank")):
        print(f"{label:38s} {rate[name]:8,.0f} rows/s   ratio {rate[name] / rate['single']:.2f}x"
              f"   communication share {max(0.0, 1 - rate[name] / rate['apart']):.0%}")
    print(f"{'2 processes, no exchange':38s} {rate['apart']:8,.0f} rows/s   ratio {rate['apart'] / rate['single']:.2f}x")


if __name__ == "__main__":
    main()
