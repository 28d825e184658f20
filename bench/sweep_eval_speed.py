"""Benchmark: `gankit sweep PRESET --seeds M` with evaluation vs single `gankit train PRESET` runs, end to end.

Both sides are the CLI as a user runs it, each command in a fresh process, timed from start to
exit (start-up, data, training, evaluation, checkpoints; the single runs also draw their figures).
The figure is throughput in runs per second: M members over the sweep's wall time, against
--singles single runs (seeds 0, 1, …) over their total wall time. The target for
d2l-gaussian with 64 seeds is at least 20x: comparing variants over many seeds should cost little more than one run. On a machine shared with other work, wall times
depend on what else runs; the CPU seconds the commands used (their processes and worker
processes, user + system) are printed too, and their ratio depends less on that.

    python bench/sweep_eval_speed.py                      # d2l-gaussian, 64 seeds, 3 single runs
    python bench/sweep_eval_speed.py --seeds 16 --singles 2
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(arguments: list[str]) -> tuple[float, float]:
    """Run ``python -m gankit ARGUMENTS`` in a fresh process: (wall seconds, CPU seconds of it and its
    worker processes); fails loudly if the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gankit", *arguments], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"gankit {' '.join(arguments)} failed:\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="d2l-gaussian")
    parser.add_argument("--seeds", type=int, default=64, help="members of the sweep")
    parser.add_argument("--singles", type=int, default=3, help="single runs timed for the baseline's throughput")
    parser.add_argument("--set", action="append", default=[], help="config override for both sides (repeatable)")
    args = parser.parse_args()
    overrides = [part for setting in args.set for part in ("--set", setting)]
    with tempfile.TemporaryDirectory() as folder:
        runs = [timed(["train", args.preset, "--seed", str(seed), *overrides, "--quiet",
                       "--out", str(Path(folder) / f"single-{seed}")]) for seed in range(args.singles)]
        sweep, sweep_cpu = timed(["sweep", args.preset, "--seeds", str(args.seeds), *overrides, "--quiet",
                                  "--out", str(Path(folder) / "sweep")])
    singles, singles_cpu = sum(wall for wall, _ in runs), sum(cpu for _, cpu in runs)
    print(f"preset {args.preset} {' '.join(args.set)}; end to end, with evaluation")
    print(f"{'':<34} {'runs':>5} {'wall s':>8} {'runs/s':>8} {'CPU s':>8} {'runs/CPU s':>11}")
    for name, count, wall, cpu in (("gankit train, one run at a time", args.singles, singles, singles_cpu),
                                   (f"gankit sweep --seeds {args.seeds}", args.seeds, sweep, sweep_cpu)):
        print(f"{name:<34} {count:>5} {wall:>8.1f} {count / wall:>8.3f} {cpu:>8.1f} {count / cpu:>11.3f}")
    ratio = (args.seeds / sweep) / (args.singles / singles)
    cpu_ratio = (args.seeds / sweep_cpu) / (args.singles / singles_cpu)
    print(f"throughput ratio sweep / single runs: {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU "
          f"(goal >= 20x for d2l-gaussian, 64 seeds)")


if __name__ == "__main__":
    main()
