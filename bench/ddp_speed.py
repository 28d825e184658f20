"""Data-parallel throughput on this machine: 1 process vs 2 DDP processes (torchrun, gloo), same global batch.

Three runs of the same preset and global batch 2B, measured one after another:
  single  one process, batch 2B                         (the baseline)
  ddp     torchrun 2 processes, batch B each (DDP)      (gankit's data-parallel path)
  apart   2 independent processes at once, batch B each (the same work with no gradient exchange)
Throughput is rows per second of the whole job (median over epochs after the first). The communication
share of a DDP step is 1 − t_apart / t_ddp: the fraction of the step that the gradient all-reduce and the
ranks waiting for each other add.

    python bench/ddp_speed.py --preset veegan-ring --batch 256 --epochs 4
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def _throughput(run_dir: Path) -> float:
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return statistics.median(line["examples_per_sec"] for line in lines[1:] or lines)


def _gankit(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gankit", "train", *args], stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="veegan-ring")
    parser.add_argument("--batch", type=int, default=256, help="per-rank batch B (the global batch is 2B)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rows", type=int, default=20480)
    options = parser.parse_args()
    common = ["--set", f"train.epochs={options.epochs}", "--set", f"data.n={options.rows}", "--set", "data.fresh=false",
              "--set", "eval.permutations=19", "--set", "checkpoint.every_epochs=0", "--quiet"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        single = _gankit([options.preset, *common, "--set", f"train.batch_size={2 * options.batch}", "--out", str(folder / "single")])
        single.wait()
        ddp = _gankit([options.preset, *common, "--set", f"train.batch_size={options.batch}", "--nproc", "2", "--out", str(folder / "ddp")])
        ddp.wait()
        apart = [_gankit([options.preset, *common, "--set", f"train.batch_size={options.batch}", "--out", str(folder / f"apart{i}")])
                 for i in range(2)]
        for process in apart:
            process.wait()
        if any(p.returncode for p in (single, ddp, *apart)):
            sys.exit("a run failed")
        single_rate, ddp_rate = _throughput(folder / "single"), _throughput(folder / "ddp")
        # Two processes, each doing a rank's B-row steps: together 2B rows per step time, like the DDP job.
        apart_rate = 2 * statistics.mean(_throughput(folder / f"apart{i}") for i in range(2))
    print(f"preset {options.preset}, global batch {2 * options.batch}, {options.rows} rows, {options.epochs} epochs, CPU")
    print(f"{'1 process (baseline)':28s} {single_rate:12,.0f} rows/s")
    print(f"{'2 processes, DDP (gankit)':28s} {ddp_rate:12,.0f} rows/s   ratio {ddp_rate / single_rate:.2f}x")
    print(f"{'2 processes, no exchange':28s} {apart_rate:12,.0f} rows/s")
    print(f"communication share of a DDP step: {max(0.0, 1 - ddp_rate / apart_rate):.0%}")


if __name__ == "__main__":
    main()
