"""Start-up time of the command line against ``python -c "import torch"``, measured in one run.

    python bench/startup.py [--repeats 7]

Each command runs ``--repeats`` times as a fresh process (``python -m gankit …``, so it times the
gankit that ``python`` imports: set PYTHONPATH=src in a checkout); the figure is the median wall
time. The target: each command at most 0.3× the time of importing torch, so that
help and errors come back before a user wonders whether anything happened.
Runs in a plain clone; needs nothing but gankit's own dependencies.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL = 0.3
BASELINE = ["-c", "import torch"]
COMMANDS = {
    "gankit --help": ["-m", "gankit", "--help"],
    "gankit --version": ["-m", "gankit", "--version"],
    "gankit presets": ["-m", "gankit", "presets"],
    "gankit train d2l-gaussian --set no.such=1": ["-m", "gankit", "train", "d2l-gaussian", "--set", "no.such=1"],
    "gankit config keys train": ["-m", "gankit", "config", "keys", "train"],
}


def wall_time(args: list[str], expect_error: bool) -> float:
    """Seconds one ``python ARGS`` process takes from start to exit."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if (done.returncode != 0) != expect_error:
        sys.exit(f"bench/startup.py: `python {' '.join(args)}` exited with {done.returncode}: {done.stderr.strip()[:300]}")
    return seconds


def median_time(args: list[str], repeats: int, expect_error: bool = False) -> float:
    return statistics.median(wall_time(args, expect_error) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per command (the median is shown)")
    args = parser.parse_args()
    wall_time(BASELINE, False)  # warm the file cache for both sides
    wall_time(COMMANDS["gankit --help"], False)
    torch_s = median_time(BASELINE, args.repeats)
    print(f"baseline: python -c \"import torch\"  median of {args.repeats}: {torch_s:.3f} s")
    print(f"{'command':45s} {'median s':>9s} {'ratio':>7s}  goal ≤ {GOAL}×")
    worst = 0.0
    for name, command in COMMANDS.items():
        seconds = median_time(command, args.repeats, expect_error="no.such" in name)
        ratio = seconds / torch_s
        worst = max(worst, ratio)
        print(f"{name:45s} {seconds:9.3f} {ratio:6.2f}×  {'met' if ratio <= GOAL else 'NOT met'}")
    print(f"worst ratio {worst:.2f}× of import torch ({'goal met' if worst <= GOAL else 'goal not met'})")


if __name__ == "__main__":
    main()
